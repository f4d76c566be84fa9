/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Typed values (see poolmon/plugin.h): copy, free, compare, print, and a
 * compact binary form for the shared-memory rings. */
#ifndef POOLMON_VALUE_H
#define POOLMON_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "poolmon/plugin.h"
#include "util.h"

void pm_value_free(pm_value *v); /* frees contents, leaves PM_NONE */
void pm_values_free(pm_value *v, size_t n); /* contents and the array */
pm_value pm_value_copy(const pm_value *v);
pm_value *pm_values_copy(const pm_value *v, size_t n);
pm_value pm_str_n(const char *s, size_t len);
/* Whether s[0..len) is a PM_BIGINT's payload: decimal digits, "-" allowed,
 * no leading zero, beyond int64; if not, says why (when why is given). */
bool pm_bigint_valid(const char *s, size_t len, char *why, size_t whylen);
pm_value pm_list_take(pm_value *items, size_t n); /* takes the array */
bool pm_value_equal(const pm_value *a, const pm_value *b);
const char *pm_type_name(pm_type t);

/* Human form, Python-like: 49, 2.5, 'text', b'..', [1, 2]. */
void pm_value_format(pm_buf *b, const pm_value *v);
/* An int in decimal, without printf (a map's results are millions). */
void pm_format_int(pm_buf *b, int64_t v);
/* The same into out (room for 20 bytes, no NUL); returns its end.  Inline
 * (a map's results are formatted in one loop): its length first, then two
 * digits at a time from pm_digit_pairs, written backwards in place. */
extern const char pm_digit_pairs[201];
static inline char *pm_int_digits(char *out, int64_t v)
{
	static const uint64_t p10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
		10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
		100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL,
		10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL, 10000000000000000000ULL
	};
	uint64_t u = (uint64_t)v;
	if (v < 0) {
		*out++ = '-';
		u = 0 - u;
	}
	/* Digits: floor(log10(u)) + 1, from the bit length. */
	unsigned t = ((64u - (unsigned)__builtin_clzll(u | 1)) * 1233u) >> 12;
	unsigned len = t + 1 - ((u | 1) < p10[t]);
	char *end = out + len, *p = end;
	while (u >= 100000000) { /* eight digits in 32-bit steps */
		uint32_t lo = (uint32_t)(u % 100000000);
		u /= 100000000;
		for (int k = 0; k < 4; k++) {
			unsigned d = (lo % 100) * 2;
			lo /= 100;
			p -= 2;
			memcpy(p, pm_digit_pairs + d, 2);
		}
	}
	uint32_t w = (uint32_t)u;
	while (w >= 100) {
		unsigned d = (w % 100) * 2;
		w /= 100;
		p -= 2;
		memcpy(p, pm_digit_pairs + d, 2);
	}
	if (w >= 10)
		memcpy(p - 2, pm_digit_pairs + w * 2, 2);
	else
		p[-1] = (char)('0' + w);
	return end;
}
/* JSON form: strings escaped, bytes as a string, floats finite or null. */
void pm_value_json(pm_buf *b, const pm_value *v);
void pm_json_string(pm_buf *b, const char *s);
/* The same of len bytes (NULs and all). */
void pm_json_string_n(pm_buf *b, const char *s, size_t len);
/* Length of the valid UTF-8 sequence at p (1 for ASCII), 0 if invalid. */
size_t pm_utf8_len(const char *p);
/* Text for a terminal: valid UTF-8 kept, other bytes as \xNN. */
void pm_escape_text(pm_buf *b, const char *s);

/* The limits of a value poolmon carries: the deepest level (the value
 * itself is level 0, a list's items one deeper) and the largest binary form
 * (a ring record is at most 512 KiB, a queue's buffer at most 32 MiB). */
#define PM_VALUE_MAX_DEPTH 64
#define PM_VALUE_MAX_BYTES ((size_t)64 << 20)

/* Whether v, as a plugin made it, is a value poolmon can encode: a known
 * type, no NULL pointer where data is promised (a str always, bytes and
 * lists unless empty), at most PM_VALUE_MAX_DEPTH deep and
 * PM_VALUE_MAX_BYTES encoded.  Never follows a pointer it has not checked
 * for NULL, nor a length the size limit rules out, so it is safe on any
 * value whose non-NULL pointers point to as much as they claim.  false with
 * why ("[2][0]: str with a NULL pointer (length 3)") if not.  Only a value
 * that passed may be encoded, copied, formatted or freed. */
bool pm_value_check(const pm_value *v, char *why, size_t whylen);

/* Binary form: returns bytes written, or 0 if it does not fit in cap. */
size_t pm_value_encode(const pm_value *v, unsigned char *out, size_t cap);
size_t pm_value_encoded_size(const pm_value *v);
/* Returns bytes read, 0 if malformed. */
size_t pm_value_decode(const unsigned char *in, size_t len, pm_value *out);
/* The same, saying why it is malformed in why ("[0][0]…: nested deeper
 * than 64", "unknown type code 9", "truncated"). */
size_t pm_value_decode_why(const unsigned char *in, size_t len, pm_value *out,
			   char *why, size_t whylen);
/* A list's items into items[cap] (no allocation for the list itself);
 * bytes used, or 0 if in is not a list of at most cap items. */
size_t pm_value_decode_items(const unsigned char *in, size_t len,
			     pm_value *items, size_t cap, size_t *n);

#endif
