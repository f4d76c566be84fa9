/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Allocation wrappers that abort on failure (so no call site checks for
 * NULL), and small string helpers. */
#ifndef POOLMON_UTIL_H
#define POOLMON_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/* Growable string. */
typedef struct pm_buf {
	char *s;
	size_t len, cap;
} pm_buf;

void pm_buf_add(pm_buf *b, const char *s, size_t n);
/* Makes room for n more bytes after len (contents undefined). */
void pm_buf_reserve(pm_buf *b, size_t n);
void pm_buf_puts(pm_buf *b, const char *s);
void pm_buf_printf(pm_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Returns the string (never NULL) and resets the buffer. */
char *pm_buf_take(pm_buf *b);
void pm_buf_free(pm_buf *b);

/* snprintf into a fixed error buffer; returns -1 for `return pm_err(...)`. */
int pm_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *pm_signal_name(int signo);
/* n with its digits grouped by three ("1,000,000") into buf; returns buf. */
#define PM_COUNT_MAX 28
const char *pm_fmt_count(char *buf, size_t len, uint64_t n);

#endif
