/* SPDX-License-Identifier: GPL-3.0-or-later */
/* parse.c — the command language's words: a line split into commands at
 * ';' and '#', words and "quotes", key=value options, and each word typed
 * (integer, float, string, range FIRST..LAST, list a,b,c).  Knows nothing
 * of which commands exist. */
#define _GNU_SOURCE
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_ident(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static int parse_int(const char *s, int64_t *out)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return 1; /* not an integer */
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return 1;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

static int parse_scalar(const char *w, pm_value *out, char *err,
			size_t errlen)
{
	int64_t i;
	int r = parse_int(w, &i);
	if (r < 0) { /* beyond int64: a bigint of its digits, as Python */
		const char *d = w + (*w == '-' || *w == '+');
		while (d[0] == '0' && d[1])
			d++;
		char *digits = xmalloc(strlen(d) + 2);
		snprintf(digits, strlen(d) + 2, "%s%s", *w == '-' ? "-" : "", d);
		*out = pm_bigint(digits);
		free(digits);
		if (out->type == PM_NONE)
			return pm_err(err, errlen, "out of memory for %s", w);
		return 0;
	}
	if (r == 0) {
		*out = pm_int(i);
		return 0;
	}
	const char *p = w;
	if (*p == '-' || *p == '+')
		p++;
	if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
		char *end;
		errno = 0;
		double f = strtod(w, &end);
		if (*end == '\0') {
			if (errno == ERANGE && isinf(f))
				return pm_err(err, errlen,
					      "number out of range: %s", w);
			*out = pm_float(f);
			return 0;
		}
	}
	*out = pm_str(w);
	return 0;
}

/* FIRST..LAST, both ends included: its ends, 1, or 0 if w is a word
 * ("wait..."), or -1 with a message.  Its size, worked out in unsigned
 * arithmetic, cannot overflow: LAST - FIRST of two int64s is at most
 * 2^64 - 1. */
static int range_bounds(const char *w, const char *dots, int64_t *lo,
			int64_t *hi, char *err, size_t errlen)
{
	char *first = strndup(w, (size_t)(dots - w));
	const char *last = dots + 2;
	int ra = parse_int(first, lo), rb = parse_int(last, hi);
	if (ra > 0) { /* "wait..." is a word, not a range */
		free(first);
		return 0;
	}
	if (ra < 0 || rb < 0) {
		pm_err(err, errlen,
		       "bad range '%s': %s is out of the 64-bit integer range",
		       w, ra < 0 ? first : last);
		free(first);
		return -1;
	}
	free(first);
	if (rb)
		return pm_err(err, errlen,
			      "bad range '%s' (write FIRST..LAST, e.g. 1..10)",
			      w);
	if (*hi < *lo)
		return pm_err(err, errlen,
			      "empty range '%s': %lld is after %lld", w,
			      (long long)*lo, (long long)*hi);
	return 1;
}

/* The list of lo..hi, at most PM_RANGE_MAX items. */
static int range_build(const char *w, int64_t lo, int64_t hi, pm_value *out,
		       char *err, size_t errlen)
{
	uint64_t span = (uint64_t)hi - (uint64_t)lo; /* items - 1 */
	if (span >= PM_RANGE_MAX)
		return pm_err(err, errlen,
			      "range %s has more than %llu items", w,
			      (unsigned long long)PM_RANGE_MAX);
	size_t n = (size_t)span + 1;
	pm_value *items = xcalloc(n, sizeof *items);
	for (size_t k = 0; k < n; k++)
		items[k] = pm_int(lo + (int64_t)k); /* at most hi */
	*out = pm_list_take(items, n);
	return 0;
}

static int parse_range(const char *w, const char *dots, pm_value *out,
		       char *err, size_t errlen)
{
	int64_t lo, hi;
	int rc = range_bounds(w, dots, &lo, &hi, err, errlen);
	if (rc <= 0) {
		if (rc == 0)
			*out = pm_str(w);
		return rc;
	}
	return range_build(w, lo, hi, out, err, errlen);
}

/* A positional word that is a range: its ends, kept (true), not built. */
static int lazy_range(const char *w, bool quoted, pm_lazy_range *r,
		      char *err, size_t errlen)
{
	const char *dots = quoted ? NULL : strstr(w, "..");
	if (!dots || strchr(w, ','))
		return 0;
	int rc = range_bounds(w, dots, &r->lo, &r->hi, err, errlen);
	r->is = rc > 0;
	return rc;
}

int pm_args_build_ranges(pm_args *a, char *err, size_t errlen)
{
	for (size_t i = 0; a->ranges && i < a->argc; i++) {
		if (!a->ranges[i].is)
			continue;
		if (range_build(a->words[i], a->ranges[i].lo, a->ranges[i].hi,
				&a->vals[i], err, errlen) < 0)
			return -1;
		a->ranges[i].is = false;
	}
	return 0;
}

uint64_t pm_lazy_range_count(const pm_lazy_range *r)
{
	/* At most 2^64 - 1 + 1: saturates at the top. */
	uint64_t span = (uint64_t)r->hi - (uint64_t)r->lo;
	return span == UINT64_MAX ? UINT64_MAX : span + 1;
}

int pm_parse_value(const char *w, bool quoted, pm_value *out, char *err,
		   size_t errlen)
{
	*out = pm_none();
	if (quoted) {
		*out = pm_str(w);
		return 0;
	}
	const char *dots = strstr(w, "..");
	if (dots && !strchr(w, ','))
		return parse_range(w, dots, out, err, errlen);
	if (strchr(w, ',')) {
		size_t n = 1;
		for (const char *p = w; *p; p++)
			n += *p == ',';
		pm_value *items = xcalloc(n, sizeof *items);
		const char *p = w;
		for (size_t k = 0; k < n; k++) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char *item = strndup(p, len);
			if (!len) {
				free(item);
				pm_values_free(items, k);
				return pm_err(err, errlen,
					      "empty item in list '%s'", w);
			}
			int rc = parse_scalar(item, &items[k], err, errlen);
			free(item);
			if (rc < 0) {
				pm_values_free(items, k);
				return -1;
			}
			p = comma ? comma + 1 : p + len;
		}
		*out = pm_list_take(items, n);
		return 0;
	}
	return parse_scalar(w, out, err, errlen);
}

void pm_args_free(pm_args *a)
{
	if (!a)
		return;
	free(a->text);
	free(a->error);
	free(a->name);
	free(a->origin);
	for (size_t i = 0; i < a->argc; i++)
		free(a->words[i]);
	free(a->words);
	pm_values_free(a->vals, a->argc);
	free(a->ranges);
	for (size_t i = 0; i < a->nopts; i++) {
		free(a->opts[i].key);
		pm_value_free(&a->opts[i].value);
	}
	free(a->opts);
	memset(a, 0, sizeof *a);
}

typedef struct word {
	pm_buf text;
	bool quoted;
	long eq; /* offset of a '=' typed outside quotes before any quote */
} word;

/* A byte that is a word's and nothing more, outside quotes: printable
 * ASCII but a blank, ';', '"' and '=' (which the loop looks at). */
static bool plain_byte(char ch)
{
	return ch > ' ' && ch < 0x7f && ch != ';' && ch != '"' && ch != '=';
}

static int add_word(pm_args *a, word *w, char *err, size_t errlen)
{
	char *text = pm_buf_take(&w->text);
	if (!a->name) {
		a->name = text;
		return 0;
	}
	if (w->eq > 0 && is_ident(text, (size_t)w->eq)) {
		pm_option o;
		o.key = strndup(text, (size_t)w->eq);
		/* key=value: the value is typed like any word. */
		bool q = w->quoted;
		if (pm_parse_value(text + w->eq + 1, q, &o.value, err,
				   errlen) < 0) {
			free(o.key);
			free(text);
			return -1;
		}
		a->opts = xrealloc(a->opts, (a->nopts + 1) * sizeof *a->opts);
		a->opts[a->nopts++] = o;
		free(text);
		return 0;
	}
	if (a->argc == PM_MAX_ARGS) {
		free(text);
		return pm_err(err, errlen, "too many arguments (at most %d)",
			      PM_MAX_ARGS);
	}
	pm_value v = pm_none();
	pm_lazy_range r = { false, 0, 0 };
	int lz = lazy_range(text, w->quoted, &r, err, errlen);
	if (lz < 0 || (!r.is && pm_parse_value(text, w->quoted, &v, err,
						errlen) < 0)) {
		free(text);
		return -1;
	}
	if (!a->argc || (a->argc >= 4 && (a->argc & (a->argc - 1)) == 0)) {
		/* Room for 4, doubled at 4, 8, 16, …: the words are added
		 * here only, so such an argc is a full array. */
		size_t room = a->argc ? 2 * a->argc : 4;
		a->words = xrealloc(a->words, room * sizeof *a->words);
		a->vals = xrealloc(a->vals, room * sizeof *a->vals);
		a->ranges = xrealloc(a->ranges, room * sizeof *a->ranges);
	}
	a->words[a->argc] = text;
	a->ranges[a->argc] = r;
	a->vals[a->argc++] = v;
	return 0;
}

/* The first error of a command is the one it reports; the rest of the
 * command is still read (to find where it ends) but not kept. */
static void set_error(pm_args *a, word *w, const char *msg)
{
	if (!a->error)
		a->error = xstrdup(msg);
	pm_buf_free(&w->text);
}

size_t pm_parse_line(const char *line, pm_args **out)
{
	char err[512];
	pm_args *cmds = NULL;
	size_t n = 0;
	pm_args cur = { 0 };
	word w = { { 0 }, false, -1 };
	bool in_word = false, in_quote = false;
	const char *start = line;
	const char *p = line;
	for (;; p++) {
		char ch = *p;
		bool end_cmd = !ch || (!in_quote && (ch == ';' ||
			       (ch == '#' && !in_word)));
		if (in_quote && !ch) {
			set_error(&cur, &w, "unterminated quote");
			in_quote = in_word = false;
		}
		if (in_quote) {
			if (ch == '"') {
				in_quote = false;
			} else if (ch == '\\' && p[1]) {
				char esc = *++p;
				char lit = esc == 'n' ? '\n' : esc == 't' ? '\t' : esc;
				pm_buf_add(&w.text, &lit, 1);
			} else {
				pm_buf_add(&w.text, &ch, 1);
			}
			continue;
		}
		if (end_cmd || ch == ' ' || ch == '\t' || ch == '\r' ||
		    ch == '\n') {
			if (in_word) {
				if (cur.error)
					pm_buf_free(&w.text);
				else if (add_word(&cur, &w, err, sizeof err) < 0)
					set_error(&cur, &w, err);
				w = (word){ { 0 }, false, -1 };
				in_word = false;
			}
			if (end_cmd) {
				if (cur.name || cur.error) {
					const char *e = p;
					while (e > start && isspace((unsigned char)e[-1]))
						e--;
					while (start < e && isspace((unsigned char)*start))
						start++;
					cur.text = strndup(start, (size_t)(e - start));
					cmds = xrealloc(cmds, (n + 1) * sizeof *cmds);
					cmds[n++] = cur;
					memset(&cur, 0, sizeof cur);
				}
				if (!ch || ch == '#')
					break;
				start = p + 1;
			}
			continue;
		}
		in_word = true;
		if (ch == '"') {
			in_quote = true;
			w.quoted = true;
			continue;
		}
		if ((unsigned char)ch < 0x20 || ch == 0x7f) {
			snprintf(err, sizeof err,
				 "control character 0x%02x in the input",
				 (unsigned char)ch);
			set_error(&cur, &w, err);
			continue;
		}
		if ((unsigned char)ch >= 0x80) {
			size_t len = pm_utf8_len(p);
			if (!len) {
				snprintf(err, sizeof err,
					 "invalid UTF-8 byte 0x%02x in the input",
					 (unsigned char)ch);
				set_error(&cur, &w, err);
				continue;
			}
			pm_buf_add(&w.text, p, len);
			p += len - 1;
			continue;
		}
		if (ch == '=' && w.eq < 0 && !w.quoted)
			w.eq = (long)w.text.len;
		/* This byte and the plain ones after it, in one go. */
		size_t run = 1;
		while (plain_byte(p[run]))
			run++;
		pm_buf_add(&w.text, p, run);
		p += run - 1;
	}
	*out = cmds;
	return n;
}

const pm_value *pm_args_opt(const pm_args *a, const char *key)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (!strcmp(a->opts[i].key, key))
			return &a->opts[i].value;
	return NULL;
}
