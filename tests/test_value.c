/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Typed values: formatting, JSON, and the binary form used on the rings. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"

static char *fmt(const pm_value *v)
{
	pm_buf b = { 0 };
	pm_value_format(&b, v);
	return pm_buf_take(&b);
}

static char *json(const pm_value *v)
{
	pm_buf b = { 0 };
	pm_value_json(&b, v);
	return pm_buf_take(&b);
}

static pm_value sample_list(void)
{
	pm_value *items = xcalloc(5, sizeof *items);
	items[0] = pm_int(-7);
	items[1] = pm_float(2.5);
	items[2] = pm_str("it's \"q\"\n");
	items[3] = pm_none();
	pm_value *inner = xcalloc(1, sizeof *inner);
	inner[0] = pm_float(3.0);
	items[4] = pm_list_take(inner, 1);
	return pm_list_take(items, 5);
}

static void test_format(void **state)
{
	(void)state;
	pm_value v = sample_list();
	char *s = fmt(&v);
	assert_string_equal(s, "[-7, 2.5, 'it\\'s \"q\"\\n', None, [3.0]]");
	free(s);
	s = json(&v);
	assert_string_equal(s, "[-7,2.5,\"it's \\\"q\\\"\\n\",null,[3.0]]");
	free(s);
	pm_value_free(&v);
	pm_value f = pm_float(0.1);
	s = fmt(&f);
	assert_string_equal(s, "0.1");
	free(s);
}

static void test_roundtrip(void **state)
{
	(void)state;
	pm_value v = sample_list();
	size_t n = pm_value_encoded_size(&v);
	unsigned char *buf = xmalloc(n);
	assert_int_equal(pm_value_encode(&v, buf, n), n);
	assert_int_equal(pm_value_encode(&v, buf, n - 1), 0);
	pm_value back;
	assert_int_equal(pm_value_decode(buf, n, &back), n);
	assert_true(pm_value_equal(&v, &back));
	pm_value copy = pm_value_copy(&v);
	assert_true(pm_value_equal(&copy, &back));
	pm_value_free(&copy);
	pm_value_free(&back);
	/* Every truncation is rejected, never read past. */
	for (size_t k = 0; k < n; k++) {
		pm_value part;
		assert_int_equal(pm_value_decode(buf, k, &part), 0);
		assert_int_equal(part.type, PM_NONE);
	}
	free(buf);
	pm_value_free(&v);
}

static void test_decode_garbage(void **state)
{
	(void)state;
	unsigned char bad_type[] = { 42, 0, 0, 0 };
	pm_value v;
	assert_int_equal(pm_value_decode(bad_type, sizeof bad_type, &v), 0);
	/* A list claiming more items than bytes left. */
	unsigned char huge[] = { PM_LIST, 0xff, 0xff, 0xff, 0x7f, 0 };
	assert_int_equal(pm_value_decode(huge, sizeof huge, &v), 0);
	unsigned char str[] = { PM_STR, 10, 0, 0, 0, 'a' };
	assert_int_equal(pm_value_decode(str, sizeof str, &v), 0);
}

static void test_json_bytes(void **state)
{
	(void)state;
	pm_value v = pm_str_n("a\x01\xff", 3);
	char *s = json(&v);
	assert_string_equal(s, "\"a\\u0001\\ufffd\"");
	free(s);
	pm_value_free(&v);
	v = pm_str("h\xc3\xa9llo \xe2\x80\xa6"); /* valid UTF-8 kept */
	s = json(&v);
	assert_string_equal(s, "\"h\xc3\xa9llo \xe2\x80\xa6\"");
	free(s);
	pm_value_free(&v);
	v = pm_str("\xc0\xaf\xed\xa0\x80"); /* overlong, surrogate */
	s = json(&v);
	assert_string_equal(s, "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	free(s);
	pm_value_free(&v);
}

/* ---- values from plugins: pm_value_check ---------------------------- */

static void expect_invalid(const pm_value *v, const char *why_expected)
{
	char why[256] = "untouched";
	assert_false(pm_value_check(v, why, sizeof why));
	assert_string_equal(why, why_expected);
	assert_false(pm_value_check(v, NULL, 0)); /* no buffer: no write */
}

static void test_check_null_str(void **state)
{
	(void)state;
	pm_value v = pm_none();
	v.type = PM_STR;
	v.u.s.ptr = NULL;
	v.u.s.len = 3;
	expect_invalid(&v, "str with a NULL pointer (length 3)");
	v.u.s.len = 0; /* a str is NUL-terminated: never NULL */
	expect_invalid(&v, "str with a NULL pointer (length 0)");
	v.type = PM_BYTES;
	v.u.s.len = 3;
	expect_invalid(&v, "bytes with a NULL pointer (length 3)");
}

static void test_check_null_items(void **state)
{
	(void)state;
	pm_value v = pm_list_take(NULL, 1000);
	expect_invalid(&v, "list of 1000 items with a NULL items pointer");
	/* Deeper down, the path says where. */
	pm_value *items = xcalloc(3, sizeof *items);
	items[0] = pm_int(1);
	items[2] = pm_list_take(NULL, 1000);
	pm_value outer = pm_list_take(items, 3);
	expect_invalid(&outer,
		       "[2]: list of 1000 items with a NULL items pointer");
	items[2] = pm_none();
	pm_value_free(&outer);
}

static void test_check_huge_lengths(void **state)
{
	(void)state;
	/* A real pointer and a length it does not have: refused on the
	 * length alone, never read. */
	pm_value v = pm_none();
	v.type = PM_STR;
	v.u.s.ptr = (char *)"abc";
	v.u.s.len = (size_t)1 << 40;
	expect_invalid(&v, "str of 1099511627776 bytes: larger than 67108864 bytes in all");
	pm_value one = pm_int(1);
	pm_value l = pm_list_take(&one, (size_t)1 << 62);
	expect_invalid(&l, "list of 4611686018427387904 items: larger than 67108864 bytes in all");
	/* At the limit exactly, and one byte over it, in all. */
	size_t n = PM_VALUE_MAX_BYTES - 5;
	char *big = xmalloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	v.u.s.ptr = big;
	v.u.s.len = n;
	char why[256];
	assert_true(pm_value_check(&v, why, sizeof why));
	pm_value pair[2] = { v, pm_none() };
	l = pm_list_take(pair, 2);
	expect_invalid(&l, "[0]: str of 67108859 bytes: larger than 67108864 bytes in all");
	free(big);
}

static void test_check_unknown_type(void **state)
{
	(void)state;
	pm_value v = pm_none();
	v.type = (pm_type)42;
	expect_invalid(&v, "unknown type code 42");
	pm_value items[2] = { pm_float(1.5), v };
	pm_value l = pm_list_take(items, 2);
	expect_invalid(&l, "[1]: unknown type code 42");
	expect_invalid(NULL, "no value (NULL)");
}

/* n lists, one in the other, the innermost holding inner. */
static pm_value nest(int n, pm_value inner)
{
	pm_value v = inner;
	for (int i = 0; i < n; i++) {
		pm_value *one = xcalloc(1, sizeof *one);
		one[0] = v;
		v = pm_list_take(one, 1);
	}
	return v;
}

/* What pm_value_check lets through decodes, what it refuses would not:
 * the limits agree at the edge. */
static void test_check_depth(void **state)
{
	(void)state;
	char why[256];
	pm_value ok = nest(PM_VALUE_MAX_DEPTH, pm_int(7));
	assert_true(pm_value_check(&ok, why, sizeof why));
	size_t n = pm_value_encoded_size(&ok);
	unsigned char *buf = xmalloc(n);
	assert_int_equal(pm_value_encode(&ok, buf, n), n);
	pm_value back;
	assert_int_equal(pm_value_decode(buf, n, &back), n);
	assert_true(pm_value_equal(&ok, &back));
	pm_value_free(&back);
	free(buf);

	pm_value deep = nest(PM_VALUE_MAX_DEPTH + 1, pm_int(7));
	/* 65 steps of "[0]" do not fit the path: it is cut, and says so. */
	char expect[256] = "";
	while (strlen(expect) + 3 + strlen("…") < 128)
		strcat(expect, "[0]");
	strcat(expect, "…: nested in more than 64 lists");
	expect_invalid(&deep, expect);
	/* Encoded anyway (by hand: poolmon never would), it does not
	 * decode, and says why. */
	n = pm_value_encoded_size(&deep);
	buf = xmalloc(n);
	assert_int_equal(pm_value_encode(&deep, buf, n), n);
	assert_int_equal(pm_value_decode_why(buf, n, &back, why, sizeof why), 0);
	assert_string_equal(why, "nested in more than 64 lists");
	assert_int_equal(back.type, PM_NONE);
	free(buf);
	pm_value_free(&deep);
	pm_value_free(&ok);
}

/* Empty bytes and an empty list may come without a pointer: valid, and
 * encoded, copied and compared without passing NULL to memcpy/memcmp
 * (UBSan's nonnull-attribute check in the sanitizer build). */
static void test_check_empty_without_pointer(void **state)
{
	(void)state;
	pm_value b = pm_none();
	b.type = PM_BYTES;
	pm_value items[2] = { b, pm_list_take(NULL, 0) };
	pm_value l = pm_list_take(items, 2);
	char why[64];
	assert_true(pm_value_check(&l, why, sizeof why));
	unsigned char buf[32];
	size_t n = pm_value_encode(&l, buf, sizeof buf);
	assert_int_equal(n, 5 + 5 + 5);
	pm_value back;
	assert_int_equal(pm_value_decode(buf, n, &back), n);
	assert_true(pm_value_equal(&l, &back));
	pm_value copy = pm_value_copy(&b);
	assert_true(pm_value_equal(&b, &copy));
	pm_value_free(&copy);
	pm_value_free(&back);
}

static void test_decode_why(void **state)
{
	(void)state;
	char why[128];
	pm_value v;
	unsigned char bad_type[] = { 42, 0, 0, 0 };
	assert_int_equal(pm_value_decode_why(bad_type, sizeof bad_type, &v,
					     why, sizeof why), 0);
	assert_string_equal(why, "unknown type code 42");
	unsigned char str[] = { PM_STR, 10, 0, 0, 0, 'a' };
	assert_int_equal(pm_value_decode_why(str, sizeof str, &v, why,
					     sizeof why), 0);
	assert_string_equal(why, "str of 10 bytes in 1");
	unsigned char in[] = { PM_LIST, 1, 0, 0, 0, PM_INT, 1 };
	assert_int_equal(pm_value_decode_why(in, sizeof in, &v, why,
					     sizeof why), 0);
	assert_string_equal(why, "truncated");
}

/* An encoded PM_BIGINT of the given payload. */
static size_t bigint_record(unsigned char *buf, const char *digits)
{
	uint32_t n = (uint32_t)strlen(digits);
	buf[0] = PM_BIGINT;
	memcpy(buf + 1, &n, 4);
	memcpy(buf + 5, digits, n);
	return 5 + n;
}

/* ABI 1.4: ints beyond int64, their digits exact everywhere. */
static void test_bigint(void **state)
{
	(void)state;
	/* The helper: PM_INT whenever it fits, bad text refused. */
	pm_value v = pm_bigint("9223372036854775807");
	assert_int_equal(v.type, PM_INT);
	assert_true(v.u.i == INT64_MAX);
	v = pm_bigint("-9223372036854775808");
	assert_int_equal(v.type, PM_INT);
	assert_true(v.u.i == INT64_MIN);
	v = pm_bigint("0");
	assert_int_equal(v.type, PM_INT);
	assert_int_equal(v.u.i, 0);
	const char *junk[] = { "", "-", "+1", "007", "-0", "1e30", " 1", "12a",
			       "99999999999999999999x" };
	for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
		assert_int_equal(pm_bigint(junk[i]).type, PM_NONE);
	/* Beyond: a bigint, shown and written in JSON as the bare number. */
	pm_value *items = xcalloc(3, sizeof *items);
	items[0] = pm_bigint("9223372036854775808");
	items[1] = pm_bigint("-9223372036854775809");
	items[2] = pm_bigint("1267650600228229401496703205376");
	for (int i = 0; i < 3; i++)
		assert_int_equal(items[i].type, PM_BIGINT);
	assert_string_equal(pm_type_name(PM_BIGINT), "bigint");
	pm_value l = pm_list_take(items, 3);
	char *s = fmt(&l);
	assert_string_equal(s, "[9223372036854775808, -9223372036854775809, 1267650600228229401496703205376]");
	free(s);
	s = json(&l);
	assert_string_equal(s, "[9223372036854775808,-9223372036854775809,1267650600228229401496703205376]");
	free(s);
	assert_true(pm_value_check(&l, NULL, 0));
	/* Encoded and decoded (a task's record, a queue item): the same. */
	size_t n = pm_value_encoded_size(&l);
	assert_int_equal(n, 5 + 3 * 5 + 19 + 20 + 31);
	unsigned char *buf = xmalloc(n);
	assert_int_equal(pm_value_encode(&l, buf, n), n);
	pm_value back;
	assert_int_equal(pm_value_decode(buf, n, &back), n);
	assert_true(pm_value_equal(&l, &back));
	assert_string_equal(back.u.list.items[2].u.s.ptr,
			    "1267650600228229401496703205376");
	pm_value copy = pm_value_copy(&back.u.list.items[1]);
	assert_true(pm_value_equal(&copy, &l.u.list.items[1]));
	pm_value other = pm_bigint("9223372036854775809");
	assert_false(pm_value_equal(&other, &l.u.list.items[0]));
	pm_value_free(&other);
	pm_value_free(&copy);
	pm_value_free(&back);
	for (size_t k = 0; k < n; k++) {
		pm_value part;
		assert_int_equal(pm_value_decode(buf, k, &part), 0);
	}
	free(buf);
	pm_value_free(&l);
}

/* A record whose digits are not a bigint's is refused, with why; so is a
 * plugin's value. */
static void test_bigint_bad_digits(void **state)
{
	(void)state;
	static const struct {
		const char *digits, *why;
	} bad[] = {
		{ "", "bigint of 0 bytes: no digits" },
		{ "-", "bigint of 1 bytes: no digits" },
		{ "12345678901234567890x", "bigint of 21 bytes: not a decimal integer" },
		{ "+12345678901234567890", "bigint of 21 bytes: not a decimal integer" },
		{ "1.5e300", "bigint of 7 bytes: not a decimal integer" },
		{ "012345678901234567890", "bigint of 21 bytes: a leading zero" },
		{ "-012345678901234567890", "bigint of 22 bytes: a leading zero" },
		{ "9223372036854775807", "bigint of 19 bytes: fits in 64 bits (an int, not a bigint)" },
		{ "-9223372036854775808", "bigint of 20 bytes: fits in 64 bits (an int, not a bigint)" },
		{ "5", "bigint of 1 bytes: fits in 64 bits (an int, not a bigint)" },
	};
	unsigned char buf[64];
	char why[128];
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		size_t n = bigint_record(buf, bad[i].digits);
		pm_value v;
		assert_int_equal(pm_value_decode_why(buf, n, &v, why, sizeof why),
				 0);
		assert_string_equal(why, bad[i].why);
		assert_int_equal(v.type, PM_NONE);
		pm_value p = pm_str(bad[i].digits);
		p.type = PM_BIGINT;
		expect_invalid(&p, bad[i].why);
		pm_value_free(&p);
	}
	/* A NUL inside the digits. */
	size_t n = bigint_record(buf, "12345678901234567890");
	buf[10] = '\0';
	pm_value v;
	assert_int_equal(pm_value_decode_why(buf, n, &v, why, sizeof why), 0);
	assert_string_equal(why, "bigint of 20 bytes: not a decimal integer");
	/* The edges are bigints. */
	n = bigint_record(buf, "-9223372036854775809");
	assert_int_equal(pm_value_decode(buf, n, &v), n);
	assert_int_equal(v.type, PM_BIGINT);
	pm_value_free(&v);
	pm_value nul = pm_none();
	nul.type = PM_BIGINT;
	expect_invalid(&nul, "bigint with a NULL pointer (length 0)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_decode_garbage),
		cmocka_unit_test(test_json_bytes),
		cmocka_unit_test(test_check_null_str),
		cmocka_unit_test(test_check_null_items),
		cmocka_unit_test(test_check_huge_lengths),
		cmocka_unit_test(test_check_unknown_type),
		cmocka_unit_test(test_check_depth),
		cmocka_unit_test(test_check_empty_without_pointer),
		cmocka_unit_test(test_decode_why),
		cmocka_unit_test(test_bigint),
		cmocka_unit_test(test_bigint_bad_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
