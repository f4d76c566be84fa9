/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ids.h — the one parser and formatter of poolmon's ids: tasks "t1",
 * pool workers "w1", standalone processes "p1".  The engine, the command
 * language and the screen all read and write ids through it. */
#ifndef POOLMON_IDS_H
#define POOLMON_IDS_H

#include <stdbool.h>
#include <stdint.h>

#define PM_ID_TASK 't'
#define PM_ID_WORKER 'w'
#define PM_ID_PROCESS 'p'
#define PM_ID_MAX 24 /* "t18446744073709551615" and its NUL fit */

/* An id of any kind: its kind (PM_ID_*) and number.  The number is
 * decimal, 1 to 2^64-1, with no sign, blank or leading zero. */
bool pm_id_parse(const char *s, char *kind, uint64_t *n);
/* An id of this kind only. */
bool pm_id_parse_kind(const char *s, char kind, uint64_t *n);
/* Writes kind and number ("t12") to out, PM_ID_MAX bytes; returns out. */
char *pm_id_format(char out[PM_ID_MAX], char kind, uint64_t n);

#endif
