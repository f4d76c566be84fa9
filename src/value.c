/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include "value.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pm_value_free(pm_value *v)
{
	if (!v)
		return;
	switch (v->type) {
	case PM_STR:
	case PM_BIGINT:
	case PM_BYTES:
		free(v->u.s.ptr);
		break;
	case PM_LIST:
		for (size_t i = 0; i < v->u.list.len; i++)
			pm_value_free(&v->u.list.items[i]);
		free(v->u.list.items);
		break;
	default:
		break;
	}
	*v = pm_none();
}

void pm_values_free(pm_value *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		pm_value_free(&v[i]);
	free(v);
}

pm_value pm_str_n(const char *s, size_t len)
{
	pm_value v = pm_none();
	v.type = PM_STR;
	v.u.s.ptr = xmalloc(len + 1);
	memcpy(v.u.s.ptr, s, len);
	v.u.s.ptr[len] = '\0';
	v.u.s.len = len;
	return v;
}

bool pm_bigint_valid(const char *s, size_t len, char *why, size_t whylen)
{
	const char *d = len && s[0] == '-' ? s + 1 : s;
	size_t nd = len - (size_t)(d - s);
	const char *lim = d == s ? "9223372036854775807" : "9223372036854775808";
	const char *msg = NULL;
	size_t k = 0;
	while (k < nd && d[k] >= '0' && d[k] <= '9')
		k++;
	if (!nd)
		msg = "no digits";
	else if (k < nd)
		msg = "not a decimal integer";
	else if (d[0] == '0')
		msg = "a leading zero";
	else if (nd < 19 || (nd == 19 && memcmp(d, lim, 19) <= 0))
		msg = "fits in 64 bits (an int, not a bigint)";
	if (msg && why && whylen)
		snprintf(why, whylen, "bigint of %zu bytes: %s", len, msg);
	return !msg;
}

pm_value pm_list_take(pm_value *items, size_t n)
{
	pm_value v = pm_none();
	v.type = PM_LIST;
	v.u.list.items = items;
	v.u.list.len = n;
	return v;
}

pm_value pm_value_copy(const pm_value *v)
{
	pm_value c = *v;
	switch (v->type) {
	case PM_STR:
	case PM_BIGINT:
	case PM_BYTES:
		c.u.s.ptr = xmalloc(v->u.s.len + 1);
		if (v->u.s.len) /* empty bytes may come with no pointer */
			memcpy(c.u.s.ptr, v->u.s.ptr, v->u.s.len);
		c.u.s.ptr[v->u.s.len] = '\0';
		break;
	case PM_LIST:
		c.u.list.items = pm_values_copy(v->u.list.items, v->u.list.len);
		break;
	default:
		break;
	}
	return c;
}

pm_value *pm_values_copy(const pm_value *v, size_t n)
{
	pm_value *c = xcalloc(n ? n : 1, sizeof *c);
	for (size_t i = 0; i < n; i++)
		c[i] = pm_value_copy(&v[i]);
	return c;
}

bool pm_value_equal(const pm_value *a, const pm_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case PM_NONE: return true;
	case PM_INT:
	case PM_BOOL: return a->u.i == b->u.i;
	case PM_FLOAT: return a->u.f == b->u.f;
	case PM_STR:
	case PM_BIGINT:
	case PM_BYTES:
		return a->u.s.len == b->u.s.len &&
		       (!a->u.s.len ||
			memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0);
	case PM_LIST:
		if (a->u.list.len != b->u.list.len)
			return false;
		for (size_t i = 0; i < a->u.list.len; i++)
			if (!pm_value_equal(&a->u.list.items[i],
					    &b->u.list.items[i]))
				return false;
		return true;
	}
	return false;
}

const char *pm_type_name(pm_type t)
{
	switch (t) {
	case PM_NONE: return "none";
	case PM_INT: return "int";
	case PM_FLOAT: return "float";
	case PM_STR: return "str";
	case PM_BYTES: return "bytes";
	case PM_LIST: return "list";
	case PM_BOOL: return "bool";
	case PM_BIGINT: return "bigint";
	}
	return "?";
}

/* Reads back digits[0..nd) (as d.ddd) times 10^exp; true if that is f. */
static bool digits_read_back(const char *digits, size_t nd, int exp, double f)
{
	char tmp[48];
	snprintf(tmp, sizeof tmp, "%c.%.*se%d", digits[0], (int)nd - 1,
		 digits + 1, exp);
	return strtod(tmp, NULL) == f;
}

/* The fewest significant digits of |f| (finite) that read back as |f|,
 * with the decimal exponent of the first: the correctly rounded %.Ne for
 * N = 0, 1, … until strtod gives the same double.  At a power of two the
 * gap above is twice the one below, so a digit string one unit above the
 * rounded one may read back while the rounded one does not (as Python's
 * repr finds: 2**132 is 5.444517870735016e+39; the rounded
 * 5.444517870735015e+39 reads back as the double below). */
static size_t shortest_digits(double f, char digits[24], int *exp)
{
	f = fabs(f);
	int bin_exp;
	bool pow2 = frexp(f, &bin_exp) == 0.5;
	char tmp[40];
	size_t nd = 0;
	for (int prec = 0; prec <= 16; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec, f);
		nd = 0;
		const char *p = tmp;
		for (; *p != 'e'; p++)
			if (*p != '.')
				digits[nd++] = *p;
		*exp = atoi(p + 1);
		if (strtod(tmp, NULL) == f)
			break;
		if (!pow2 || prec == 16)
			continue;
		char up[24];
		memcpy(up, digits, nd);
		int up_exp = *exp;
		size_t k = nd;
		while (k > 0 && up[k - 1] == '9')
			up[--k] = '0';
		if (k > 0) {
			up[k - 1]++;
		} else { /* 9.99 -> 10.0 */
			up[0] = '1';
			up_exp++;
		}
		if (digits_read_back(up, nd, up_exp, f)) {
			memcpy(digits, up, nd);
			*exp = up_exp;
			break;
		}
	}
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	return nd;
}

/* A float as Python's repr() writes it: the fewest digits that read back
 * exactly, in fixed notation with a ".0" for integral values while the
 * decimal exponent is in -4..15, else as d.ddde+XX (20.0, 0.0001, 1e-05,
 * 1e+16, 1.2345678901234568e+17); nan, inf and -inf as words. */
static void format_float(pm_buf *b, double f)
{
	if (isnan(f)) {
		pm_buf_puts(b, "nan");
		return;
	}
	if (isinf(f)) {
		pm_buf_puts(b, f < 0 ? "-inf" : "inf");
		return;
	}
	if (signbit(f))
		pm_buf_puts(b, "-");
	char digits[24];
	int exp;
	size_t nd = shortest_digits(f, digits, &exp);
	if (exp < -4 || exp >= 16) {
		pm_buf_add(b, digits, 1);
		if (nd > 1) {
			pm_buf_puts(b, ".");
			pm_buf_add(b, digits + 1, nd - 1);
		}
		pm_buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	if (exp < 0) {
		pm_buf_puts(b, "0.");
		for (int k = -1; k > exp; k--)
			pm_buf_puts(b, "0");
		pm_buf_add(b, digits, nd);
		return;
	}
	size_t whole = (size_t)exp + 1;
	for (size_t k = 0; k < whole; k++)
		pm_buf_add(b, k < nd ? &digits[k] : "0", 1);
	pm_buf_puts(b, ".");
	if (nd > whole)
		pm_buf_add(b, digits + whole, nd - whole);
	else
		pm_buf_puts(b, "0");
}

static void format_quoted(pm_buf *b, const char *s, size_t len, char q)
{
	pm_buf_add(b, &q, 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == (unsigned char)q || c == '\\')
			pm_buf_printf(b, "\\%c", c);
		else if (c == '\n')
			pm_buf_puts(b, "\\n");
		else if (c == '\t')
			pm_buf_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			pm_buf_printf(b, "\\x%02x", c);
		else
			pm_buf_add(b, (const char *)&c, 1);
	}
	pm_buf_add(b, &q, 1);
}

const char pm_digit_pairs[201] = {
	"00010203040506070809101112131415161718192021222324"
	"25262728293031323334353637383940414243444546474849"
	"50515253545556575859606162636465666768697071727374"
	"75767778798081828384858687888990919293949596979899"
};

void pm_format_int(pm_buf *b, int64_t v)
{
	pm_buf_reserve(b, 24);
	b->len = (size_t)(pm_int_digits(b->s + b->len, v) - b->s);
	b->s[b->len] = '\0';
}

void pm_value_format(pm_buf *b, const pm_value *v)
{
	switch (v->type) {
	case PM_NONE:
		pm_buf_puts(b, "None");
		break;
	case PM_BOOL:
		pm_buf_puts(b, v->u.i ? "True" : "False");
		break;
	case PM_INT:
		pm_format_int(b, v->u.i);
		break;
	case PM_BIGINT:
		pm_buf_add(b, v->u.s.ptr, v->u.s.len);
		break;
	case PM_FLOAT:
		format_float(b, v->u.f);
		break;
	case PM_STR:
		format_quoted(b, v->u.s.ptr, v->u.s.len, '\'');
		break;
	case PM_BYTES:
		pm_buf_puts(b, "b");
		format_quoted(b, v->u.s.ptr, v->u.s.len, '\'');
		break;
	case PM_LIST:
		pm_buf_puts(b, "[");
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				pm_buf_puts(b, ", ");
			pm_value_format(b, &v->u.list.items[i]);
		}
		pm_buf_puts(b, "]");
		break;
	}
}

size_t pm_utf8_len(const char *p)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t n;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are invalid. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Length of a valid UTF-8 sequence at s[i] within len, 0 if invalid. */
static size_t utf8_at(const char *s, size_t i, size_t len)
{
	unsigned char c = (unsigned char)s[i];
	size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (i + need > len)
		return 0;
	char tmp[5] = { 0 };
	memcpy(tmp, s + i, need);
	return pm_utf8_len(tmp) == need ? need : 0;
}

void pm_escape_text(pm_buf *b, const char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c >= 0x80 ? utf8_at(s, i, len) : 1;
		if (c >= 0x80 && n) {
			pm_buf_add(b, s + i, n);
			i += n - 1;
		} else if (c < 0x20 || c == 0x7f || c >= 0x80) {
			pm_buf_printf(b, "\\x%02x", c);
		} else {
			pm_buf_add(b, (const char *)&c, 1);
		}
	}
}

/* A byte that stands for itself in a JSON string. */
static bool json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void pm_json_string_n(pm_buf *b, const char *s, size_t len)
{
	pm_buf_reserve(b, len + 2);
	pm_buf_puts(b, "\"");
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && json_plain((unsigned char)s[j]))
			j++;
		if (j > i) { /* a run of plain bytes at once (a map's results) */
			pm_buf_add(b, s + i, j - i);
			i = j;
			continue;
		}
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			/* Valid UTF-8 passes through; any other byte becomes
			 * U+FFFD so the output is always valid JSON. */
			size_t n = utf8_at(s, i, len);
			if (n) {
				pm_buf_add(b, s + i, n);
				i += n;
			} else {
				pm_buf_puts(b, "\\ufffd");
				i++;
			}
			continue;
		}
		switch (c) {
		case '"': pm_buf_puts(b, "\\\""); break;
		case '\\': pm_buf_puts(b, "\\\\"); break;
		case '\n': pm_buf_puts(b, "\\n"); break;
		case '\r': pm_buf_puts(b, "\\r"); break;
		case '\t': pm_buf_puts(b, "\\t"); break;
		default:
			pm_buf_printf(b, "\\u%04x", c);
		}
		i++;
	}
	pm_buf_puts(b, "\"");
}

void pm_json_string(pm_buf *b, const char *s)
{
	pm_json_string_n(b, s, strlen(s));
}

void pm_value_json(pm_buf *b, const pm_value *v)
{
	switch (v->type) {
	case PM_NONE:
		pm_buf_puts(b, "null");
		break;
	case PM_BOOL:
		pm_buf_puts(b, v->u.i ? "true" : "false");
		break;
	case PM_INT:
		pm_format_int(b, v->u.i);
		break;
	case PM_BIGINT: /* a bare JSON number, all its digits */
		pm_buf_add(b, v->u.s.ptr, v->u.s.len);
		break;
	case PM_FLOAT:
		/* JSON has no NaN or infinity: they are written as the
		 * strings "nan", "inf" and "-inf", the words text shows. */
		if (!isfinite(v->u.f))
			pm_buf_puts(b, "\"");
		format_float(b, v->u.f);
		if (!isfinite(v->u.f))
			pm_buf_puts(b, "\"");
		break;
	case PM_STR:
	case PM_BYTES:
		pm_json_string_n(b, v->u.s.ptr, v->u.s.len);
		break;
	case PM_LIST:
		pm_buf_puts(b, "[");
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				pm_buf_puts(b, ",");
			pm_value_json(b, &v->u.list.items[i]);
		}
		pm_buf_puts(b, "]");
		break;
	}
}

/* ---- checking a plugin's value ----------------------------------------- */

typedef struct vcheck {
	size_t budget; /* encoded bytes still allowed */
	char path[128]; /* where we are: "[2][0]", cut with "…" */
	size_t plen;
	bool cut;
	char *why;
	size_t whylen;
} vcheck;

/* Appends "[i]" to the path, or the cut mark once it is full. */
static void path_push(vcheck *c, size_t i)
{
	char step[32];
	int k = snprintf(step, sizeof step, "[%zu]", i);
	if (c->cut || k <= 0)
		return;
	if (c->plen + (size_t)k + sizeof "…" > sizeof c->path) {
		memcpy(c->path + c->plen, "…", sizeof "…");
		c->plen += sizeof "…" - 1;
		c->cut = true;
		return;
	}
	memcpy(c->path + c->plen, step, (size_t)k + 1);
	c->plen += (size_t)k;
}

static bool __attribute__((format(printf, 2, 3)))
check_fail(vcheck *c, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->why && c->whylen)
		snprintf(c->why, c->whylen, "%s%s%s", c->path,
			 c->plen ? ": " : "", msg);
	return false;
}

static bool check_at(vcheck *c, const pm_value *v, int depth)
{
	if (depth > PM_VALUE_MAX_DEPTH)
		return check_fail(c, "nested in more than %d lists",
				  PM_VALUE_MAX_DEPTH);
	switch (v->type) {
	case PM_NONE:
	case PM_INT:
	case PM_BOOL:
	case PM_FLOAT: {
		size_t need = v->type == PM_NONE ? 1 : 9;
		if (v->type == PM_BOOL && v->u.i != 0 && v->u.i != 1)
			return check_fail(c, "bool of value %lld (1 or 0)",
					  (long long)v->u.i);
		if (need > c->budget)
			return check_fail(c, "larger than %zu bytes in all",
					  PM_VALUE_MAX_BYTES);
		c->budget -= need;
		return true;
	}
	case PM_STR:
	case PM_BIGINT:
	case PM_BYTES: {
		const char *t = pm_type_name(v->type);
		char msg[96];
		if (!v->u.s.ptr && (v->type != PM_BYTES || v->u.s.len))
			return check_fail(c, "%s with a NULL pointer (length %zu)",
					  t, v->u.s.len);
		if (c->budget < 5 || v->u.s.len > c->budget - 5)
			return check_fail(c, "%s of %zu bytes: larger than %zu bytes in all",
					  t, v->u.s.len, PM_VALUE_MAX_BYTES);
		if (v->type == PM_BIGINT &&
		    !pm_bigint_valid(v->u.s.ptr, v->u.s.len, msg, sizeof msg))
			return check_fail(c, "%s", msg);
		c->budget -= 5 + v->u.s.len;
		return true;
	}
	case PM_LIST: {
		size_t n = v->u.list.len;
		if (!v->u.list.items && n)
			return check_fail(c, "list of %zu items with a NULL items pointer",
					  n);
		/* Each item takes a byte at least: a length the limit rules
		 * out is refused before any item is read. */
		if (c->budget < 5 || n > c->budget - 5)
			return check_fail(c, "list of %zu items: larger than %zu bytes in all",
					  n, PM_VALUE_MAX_BYTES);
		c->budget -= 5;
		size_t plen = c->plen;
		bool cut = c->cut;
		for (size_t i = 0; i < n; i++) {
			path_push(c, i);
			if (!check_at(c, &v->u.list.items[i], depth + 1))
				return false;
			c->plen = plen;
			c->path[plen] = '\0';
			c->cut = cut;
		}
		return true;
	}
	}
	return check_fail(c, "unknown type code %u", (unsigned)v->type);
}

bool pm_value_check(const pm_value *v, char *why, size_t whylen)
{
	vcheck c = { .budget = PM_VALUE_MAX_BYTES, .why = why,
		     .whylen = whylen };
	if (!v) {
		c.plen = 0;
		return check_fail(&c, "no value (NULL)");
	}
	return check_at(&c, v, 0);
}

/* Binary form: one type byte, then 8 bytes (int, float) or a 4-byte length
 * and the data (str, bytes) or a 4-byte count and the items (list). */
size_t pm_value_encoded_size(const pm_value *v)
{
	switch (v->type) {
	case PM_NONE: return 1;
	case PM_INT:
	case PM_BOOL:
	case PM_FLOAT: return 9;
	case PM_STR:
	case PM_BIGINT:
	case PM_BYTES: return 5 + v->u.s.len;
	case PM_LIST: {
		size_t n = 5;
		for (size_t i = 0; i < v->u.list.len; i++)
			n += pm_value_encoded_size(&v->u.list.items[i]);
		return n;
	}
	}
	return 1;
}

size_t pm_value_encode(const pm_value *v, unsigned char *out, size_t cap)
{
	size_t need = pm_value_encoded_size(v);
	if (need > cap || need > UINT32_MAX)
		return 0;
	out[0] = (unsigned char)v->type;
	switch (v->type) {
	case PM_NONE:
		return 1;
	case PM_INT:
	case PM_BOOL:
		memcpy(out + 1, &v->u.i, 8);
		return 9;
	case PM_FLOAT:
		memcpy(out + 1, &v->u.f, 8);
		return 9;
	case PM_STR:
	case PM_BIGINT:
	case PM_BYTES: {
		uint32_t len = (uint32_t)v->u.s.len;
		memcpy(out + 1, &len, 4);
		if (len)
			memcpy(out + 5, v->u.s.ptr, len);
		return 5 + len;
	}
	case PM_LIST: {
		uint32_t n = (uint32_t)v->u.list.len;
		size_t off = 5;
		memcpy(out + 1, &n, 4);
		for (size_t i = 0; i < n; i++)
			off += pm_value_encode(&v->u.list.items[i], out + off,
					       cap - off);
		return off;
	}
	}
	return 0;
}

/* Sets why (if any) and returns 0. */
static size_t __attribute__((format(printf, 3, 4)))
bad(char *why, size_t whylen, const char *fmt, ...)
{
	if (!why || !whylen)
		return 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return 0;
}

static size_t decode(const unsigned char *in, size_t len, pm_value *out,
		     int depth, char *why, size_t whylen)
{
	*out = pm_none();
	if (len < 1)
		return bad(why, whylen, "truncated");
	if (depth > PM_VALUE_MAX_DEPTH)
		return bad(why, whylen, "nested in more than %d lists",
			   PM_VALUE_MAX_DEPTH);
	switch ((pm_type)in[0]) {
	case PM_NONE:
		return 1;
	case PM_INT:
		if (len < 9)
			return bad(why, whylen, "truncated");
		out->type = PM_INT;
		memcpy(&out->u.i, in + 1, 8);
		return 9;
	case PM_BOOL:
		if (len < 9)
			return bad(why, whylen, "truncated");
		out->type = PM_BOOL;
		memcpy(&out->u.i, in + 1, 8);
		if (out->u.i != 0 && out->u.i != 1) {
			long long v = (long long)out->u.i;
			*out = pm_none();
			return bad(why, whylen, "bool of value %lld", v);
		}
		return 9;
	case PM_FLOAT:
		if (len < 9)
			return bad(why, whylen, "truncated");
		out->type = PM_FLOAT;
		memcpy(&out->u.f, in + 1, 8);
		return 9;
	case PM_STR:
	case PM_BIGINT:
	case PM_BYTES: {
		uint32_t n;
		if (len < 5)
			return bad(why, whylen, "truncated");
		memcpy(&n, in + 1, 4);
		if (n > len - 5)
			return bad(why, whylen, "%s of %u bytes in %zu",
				   pm_type_name((pm_type)in[0]), n, len - 5);
		if (in[0] == PM_BIGINT &&
		    !pm_bigint_valid((const char *)in + 5, n, why, whylen))
			return 0;
		*out = pm_str_n((const char *)in + 5, n);
		out->type = (pm_type)in[0];
		return 5 + (size_t)n;
	}
	case PM_LIST: {
		uint32_t n;
		size_t off = 5;
		if (len < 5)
			return bad(why, whylen, "truncated");
		memcpy(&n, in + 1, 4);
		if (n > len - 5) /* each item takes at least one byte */
			return bad(why, whylen, "list of %u items in %zu bytes",
				   n, len - 5);
		pm_value *items = xcalloc(n ? n : 1, sizeof *items);
		for (uint32_t i = 0; i < n; i++) {
			size_t used = decode(in + off, len - off, &items[i],
					     depth + 1, why, whylen);
			if (!used) {
				pm_values_free(items, i);
				return 0;
			}
			off += used;
		}
		*out = pm_list_take(items, n);
		return off;
	}
	}
	return bad(why, whylen, "unknown type code %u", in[0]);
}

size_t pm_value_decode(const unsigned char *in, size_t len, pm_value *out)
{
	return decode(in, len, out, 0, NULL, 0);
}

size_t pm_value_decode_why(const unsigned char *in, size_t len, pm_value *out,
			   char *why, size_t whylen)
{
	if (why && whylen)
		why[0] = '\0';
	return decode(in, len, out, 0, why, whylen);
}

size_t pm_value_decode_items(const unsigned char *in, size_t len,
			     pm_value *items, size_t cap, size_t *n)
{
	uint32_t count;
	if (len < 5 || in[0] != PM_LIST)
		return 0;
	memcpy(&count, in + 1, 4);
	if (count > cap || count > len - 5)
		return 0;
	size_t off = 5;
	for (uint32_t i = 0; i < count; i++) {
		size_t used = decode(in + off, len - off, &items[i], 1, NULL,
				     0);
		if (!used) {
			for (uint32_t k = 0; k < i; k++)
				pm_value_free(&items[k]);
			return 0;
		}
		off += used;
	}
	*n = count;
	return off;
}
