/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include "util.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(void)
{
	static const char msg[] = "poolmon: out of memory\n";
	fwrite(msg, 1, sizeof msg - 1, stderr);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		out_of_memory();
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void pm_buf_reserve(pm_buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = xrealloc(b->s, cap);
		b->cap = cap;
	}
}

void pm_buf_add(pm_buf *b, const char *s, size_t n)
{
	pm_buf_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void pm_buf_puts(pm_buf *b, const char *s)
{
	pm_buf_add(b, s, strlen(s));
}

void pm_buf_printf(pm_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	pm_buf_puts(b, s);
	free(s);
}

char *pm_buf_take(pm_buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void pm_buf_free(pm_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

int pm_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "SIG" and the C library's abbreviation (sigabbrev_np, glibc 2.32), made
 * once for every number so the strings outlive the call. */
static char signal_names[NSIG][24];

static void fill_signal_names(void)
{
	for (int signo = 0; signo < NSIG; signo++) {
		char *name = signal_names[signo];
		size_t len = sizeof signal_names[signo];
		const char *abbrev = sigabbrev_np(signo);
		if (abbrev)
			snprintf(name, len, "SIG%s", abbrev);
		else if (signo == SIGRTMIN)
			snprintf(name, len, "SIGRTMIN");
		else if (signo == SIGRTMAX)
			snprintf(name, len, "SIGRTMAX");
		else if (signo > SIGRTMIN && signo < SIGRTMAX)
			snprintf(name, len, "SIGRTMIN+%d", signo - SIGRTMIN);
		else
			snprintf(name, len, "SIG%d", signo);
	}
}

const char *pm_signal_name(int signo)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, fill_signal_names);
	if (signo >= 0 && signo < NSIG)
		return signal_names[signo];
	/* Not a signal number at all: still a name, never "SIG?". */
	static _Thread_local char other[24];
	snprintf(other, sizeof other, "SIG%d", signo);
	return other;
}

/* n with its digits in groups of three: 1000000 -> "1,000,000". */
const char *pm_fmt_count(char *buf, size_t len, uint64_t n)
{
	char digits[24];
	int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
	size_t o = 0;
	for (int i = 0; i < nd && o + 1 < len; i++) {
		if (i && (nd - i) % 3 == 0 && o + 2 < len)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	if (len)
		buf[o < len ? o : len - 1] = '\0';
	return buf;
}
