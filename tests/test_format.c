/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Floats written as Python's repr() writes them (text and JSON), NaN and
 * infinity in JSON, ints in decimal as printf writes them (the map's
 * results' fast path), and signal names from the C library. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "value.h"

static char *fmt(double f)
{
	pm_value v = pm_float(f);
	pm_buf b = { 0 };
	pm_value_format(&b, &v);
	return pm_buf_take(&b);
}

static char *json(const pm_value *v)
{
	pm_buf b = { 0 };
	pm_value_json(&b, v);
	return pm_buf_take(&b);
}

#define assert_float_text(f, want)             \
	do {                                   \
		char *s_ = fmt(f);             \
		assert_string_equal(s_, want); \
		free(s_);                      \
	} while (0)

/* Each expected string is what Python 3 prints for repr(f). */
static void test_float_repr(void **state)
{
	(void)state;
	assert_float_text(20.0, "20.0");
	assert_float_text(10.0, "10.0");
	assert_float_text(100.0, "100.0");
	assert_float_text(0.1, "0.1");
	assert_float_text(2.5, "2.5");
	assert_float_text(-3.5e2, "-350.0");
	assert_float_text(0.0, "0.0");
	assert_float_text(-0.0, "-0.0");
	assert_float_text(1e15, "1000000000000000.0");
	assert_float_text(1e16, "1e+16");
	assert_float_text(1.5e16, "1.5e+16");
	assert_float_text(123456789012345678.0, "1.2345678901234568e+17");
	assert_float_text(0.0001, "0.0001");
	assert_float_text(0.00001, "1e-05");
	assert_float_text(0.000123, "0.000123");
	assert_float_text(1.0 / 3, "0.3333333333333333");
	assert_float_text(0.1 + 0.2, "0.30000000000000004");
	assert_float_text(1e100, "1e+100");
	assert_float_text(1e-300, "1e-300");
	assert_float_text(5e-324, "5e-324");
	assert_float_text(1.7976931348623157e308, "1.7976931348623157e+308");
	assert_float_text(9007199254740993.0, "9007199254740992.0");
	/* A power of two, where the rounded 16 digits read back as the
	 * double below: Python has 5.444517870735016e+39. */
	assert_float_text(ldexp(1, 132), "5.444517870735016e+39");
	assert_float_text(ldexp(1, -1022), "2.2250738585072014e-308");
	assert_float_text(NAN, "nan");
	assert_float_text(INFINITY, "inf");
	assert_float_text(-INFINITY, "-inf");
}

/* Every finite double written reads back as itself. */
static void test_float_round_trip(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		double f;
		memcpy(&f, &x, sizeof f);
		if (!isfinite(f))
			continue;
		char *s = fmt(f);
		double back = strtod(s, NULL);
		if (memcmp(&back, &f, sizeof f))
			fail_msg("%a written as %s reads back as %a", f, s, back);
		free(s);
	}
}

/* JSON has no NaN or infinity: the words of the text output, as strings;
 * finite floats are numbers written as in text. */
static void test_float_json(void **state)
{
	(void)state;
	pm_value *items = xcalloc(6, sizeof *items);
	items[0] = pm_float(20.0);
	items[1] = pm_float(NAN);
	items[2] = pm_float(INFINITY);
	items[3] = pm_float(-INFINITY);
	items[4] = pm_float(1e16);
	items[5] = pm_float(1e-05);
	pm_value v = pm_list_take(items, 6);
	char *s = json(&v);
	assert_string_equal(s, "[20.0,\"nan\",\"inf\",\"-inf\",1e+16,1e-05]");
	free(s);
	pm_value_free(&v);
}

/* pm_int_digits writes what printf's %lld does: at every length (each
 * power of ten, one below and one above, either sign), the extremes, and a
 * sweep of squares; nothing after its end. */
static void check_int(int64_t v)
{
	char got[32], want[32];
	memset(got, 'x', sizeof got);
	char *end = pm_int_digits(got, v);
	snprintf(want, sizeof want, "%" PRId64, v);
	assert_int_equal(end - got, (long)strlen(want));
	assert_true(*end == 'x');
	*end = '\0';
	assert_string_equal(got, want);
	pm_buf b = { 0 };
	pm_format_int(&b, v);
	assert_string_equal(b.s, want);
	pm_buf_free(&b);
}

static void test_int_digits(void **state)
{
	(void)state;
	check_int(0);
	check_int(INT64_MAX);
	check_int(INT64_MIN);
	check_int(INT64_MIN + 1);
	uint64_t p = 1;
	for (int k = 0; k < 19; k++, p *= 10) {
		int64_t v = (int64_t)p;
		check_int(v);
		check_int(v - 1);
		check_int(v + 1);
		check_int(-v);
		check_int(-v + 1);
		check_int(-v - 1);
	}
	for (int64_t v = 0; v < 3037000499LL; v += 1234567)
		check_int(v * v);
}

static void test_signal_name(void **state)
{
	(void)state;
	assert_string_equal(pm_signal_name(SIGSEGV), "SIGSEGV");
	assert_string_equal(pm_signal_name(SIGKILL), "SIGKILL");
	assert_string_equal(pm_signal_name(SIGPROF), "SIGPROF");
	assert_string_equal(pm_signal_name(SIGVTALRM), "SIGVTALRM");
	assert_string_equal(pm_signal_name(SIGWINCH), "SIGWINCH");
	assert_string_equal(pm_signal_name(SIGTTIN), "SIGTTIN");
	assert_string_equal(pm_signal_name(SIGRTMIN), "SIGRTMIN");
	assert_string_equal(pm_signal_name(SIGRTMAX), "SIGRTMAX");
	assert_string_equal(pm_signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
	/* no name: the number, never "SIG?" (glibc keeps 32 and 33) */
	assert_string_equal(pm_signal_name(32), "SIG32");
	assert_string_equal(pm_signal_name(0), "SIG0");
	assert_string_equal(pm_signal_name(1000), "SIG1000");
	assert_string_equal(pm_signal_name(-1), "SIG-1");
	/* the strings stay put: two names in one printf */
	const char *a = pm_signal_name(SIGTERM), *b = pm_signal_name(SIGINT);
	assert_string_equal(a, "SIGTERM");
	assert_string_equal(b, "SIGINT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_float_repr),
		cmocka_unit_test(test_float_round_trip),
		cmocka_unit_test(test_float_json),
		cmocka_unit_test(test_int_digits),
		cmocka_unit_test(test_signal_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
