// SPDX-License-Identifier: GPL-3.0-or-later
/* The bool kind (ABI 1.2): True/False in text, true/false in JSON, the
 * binary form both ways, a bool that is neither 1 nor 0 refused, and a
 * bool accepted where an int or a float is wanted, as Python accepts it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/signature.h"
#include "util.h"
#include "value.h"

static char *text(const pm_value *v)
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

static void test_text_and_json(void **state)
{
	(void)state;
	pm_value items[3] = { pm_bool(1), pm_bool(0), pm_int(1) };
	pm_value l = pm_list_take(pm_values_copy(items, 3), 3);
	char *t = text(&l), *j = json(&l);
	assert_string_equal(t, "[True, False, 1]");
	assert_string_equal(j, "[true,false,1]");
	free(t);
	free(j);
	assert_string_equal(pm_type_name(PM_BOOL), "bool");
	pm_value_free(&l);
}

static void test_binary_both_ways(void **state)
{
	(void)state;
	unsigned char buf[64];
	pm_value t = pm_bool(7); /* any non-zero is True */
	assert_int_equal(t.u.i, 1);
	size_t n = pm_value_encode(&t, buf, sizeof buf);
	assert_int_equal(n, pm_value_encoded_size(&t));
	pm_value back;
	assert_int_equal(pm_value_decode(buf, n, &back), n);
	assert_int_equal(back.type, PM_BOOL);
	assert_true(pm_value_equal(&t, &back));
	pm_value one = pm_int(1);
	assert_false(pm_value_equal(&one, &back)); /* 1 is not True here */
	/* A bool of 2 in the binary form is malformed. */
	int64_t two = 2;
	memcpy(buf + 1, &two, 8);
	char why[128];
	assert_int_equal(pm_value_decode_why(buf, n, &back, why, sizeof why), 0);
	assert_string_equal(why, "bool of value 2");
}

static void test_check_refuses_other_values(void **state)
{
	(void)state;
	pm_value v = pm_bool(1);
	char why[128];
	assert_true(pm_value_check(&v, why, sizeof why));
	v.u.i = 3; /* as a careless plugin might set it */
	assert_false(pm_value_check(&v, why, sizeof why));
	assert_string_equal(why, "bool of value 3 (1 or 0)");
}

static void test_signature(void **state)
{
	(void)state;
	pm_signature sig;
	char err[256];
	assert_int_equal(pm_signature_parse("n:int, f:float, b:bool", &sig, err,
					    sizeof err),
			 0);
	pm_value args[3] = { pm_bool(1), pm_bool(0), pm_bool(1) };
	assert_int_equal(pm_signature_check(&sig, args, 3, err, sizeof err), 0);
	assert_int_equal(args[0].type, PM_INT);
	assert_int_equal(args[0].u.i, 1);
	assert_int_equal(args[1].type, PM_FLOAT);
	assert_true(args[1].u.f == 0.0);
	assert_int_equal(args[2].type, PM_BOOL);
	/* An int is not a bool. */
	pm_value wrong[3] = { pm_int(1), pm_int(2), pm_int(1) };
	assert_int_equal(pm_signature_check(&sig, wrong, 3, err, sizeof err), -1);
	assert_string_equal(err, "argument 'b' must be bool, got int 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_json),
		cmocka_unit_test(test_binary_both_ways),
		cmocka_unit_test(test_check_refuses_other_values),
		cmocka_unit_test(test_signature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
