/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ids.c — parsing and formatting of task, worker and process ids. */
#include "ids.h"

#include <stdio.h>
#include <string.h>

bool pm_id_parse(const char *s, char *kind, uint64_t *n)
{
	if (!s || (s[0] != PM_ID_TASK && s[0] != PM_ID_WORKER &&
		   s[0] != PM_ID_PROCESS))
		return false;
	if (s[1] < '1' || s[1] > '9')
		return false; /* no number, a sign, a blank or a leading 0 */
	uint64_t v = 0;
	for (const char *p = s + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false; /* beyond 2^64-1 */
		v = v * 10 + d;
	}
	*kind = s[0];
	*n = v;
	return true;
}

bool pm_id_parse_kind(const char *s, char kind, uint64_t *n)
{
	char k;
	uint64_t v;
	if (!pm_id_parse(s, &k, &v) || k != kind)
		return false;
	*n = v;
	return true;
}

char *pm_id_format(char out[PM_ID_MAX], char kind, uint64_t n)
{
	/* Without printf: every task's id is written once or twice. */
	char tmp[20], *p = tmp + sizeof tmp;
	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	size_t len = (size_t)(tmp + sizeof tmp - p);
	out[0] = kind;
	memcpy(out + 1, p, len);
	out[1 + len] = '\0';
	return out;
}
