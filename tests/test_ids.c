/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one id parser and formatter: what is an id and what is not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ids.h"

static void test_ids_parse(void **state)
{
	(void)state;
	char k;
	uint64_t n;
	assert_true(pm_id_parse("t1", &k, &n));
	assert_int_equal(k, 't');
	assert_int_equal(n, 1);
	assert_true(pm_id_parse("w12", &k, &n));
	assert_int_equal(k, 'w');
	assert_int_equal(n, 12);
	assert_true(pm_id_parse("p1000000", &k, &n));
	assert_int_equal(k, 'p');
	assert_int_equal(n, 1000000);
	assert_true(pm_id_parse("t18446744073709551615", &k, &n));
	assert_true(n == UINT64_MAX);
	static const char *bad[] = {
		"", "t", "t0", "t01", "t-1", "t+1", "t 1", "t1 ", "x1", "T1",
		"t1x", "t18446744073709551616", "t99999999999999999999", "1",
		"tt1", "w", "p0",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (pm_id_parse(bad[i], &k, &n))
			fail_msg("'%s' parsed as an id", bad[i]);
	assert_false(pm_id_parse(NULL, &k, &n));
}

static void test_ids_kind(void **state)
{
	(void)state;
	uint64_t n = 0;
	assert_true(pm_id_parse_kind("t7", PM_ID_TASK, &n));
	assert_int_equal(n, 7);
	assert_false(pm_id_parse_kind("w7", PM_ID_TASK, &n));
	assert_false(pm_id_parse_kind("t7", PM_ID_PROCESS, &n));
}

static void test_ids_format(void **state)
{
	(void)state;
	char buf[PM_ID_MAX];
	assert_string_equal(pm_id_format(buf, 't', 1000000), "t1000000");
	assert_string_equal(pm_id_format(buf, 'p', UINT64_MAX),
			    "p18446744073709551615");
	char k;
	uint64_t n;
	for (uint64_t v = 1; v < UINT64_MAX / 3; v = v * 3 + 1) {
		pm_id_format(buf, 'w', v);
		assert_true(pm_id_parse(buf, &k, &n));
		assert_true(k == 'w' && n == v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_parse),
		cmocka_unit_test(test_ids_kind),
		cmocka_unit_test(test_ids_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
