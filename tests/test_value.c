/* Typed values: formatting, JSON, and the binary form used on the rings. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_decode_garbage),
		cmocka_unit_test(test_json_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
