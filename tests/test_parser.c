/* The command language: words, quotes, ';', '#', typed arguments, options,
 * and the signature checks done before a task is queued. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "plugin_loader.h"

static char err[512];

static void test_split(void **state)
{
	(void)state;
	pm_args *a;
	int n = pm_parse_line("submit square 7; join ;status # a comment; quit",
			      &a, err, sizeof err);
	assert_int_equal(n, 3);
	assert_string_equal(a[0].name, "submit");
	assert_int_equal(a[0].argc, 2);
	assert_string_equal(a[0].words[0], "square");
	assert_int_equal(a[0].vals[1].type, PM_INT);
	assert_int_equal(a[0].vals[1].u.i, 7);
	assert_string_equal(a[0].text, "submit square 7");
	assert_string_equal(a[1].name, "join");
	assert_int_equal(a[1].argc, 0);
	assert_string_equal(a[2].name, "status");
	for (int i = 0; i < n; i++)
		pm_args_free(&a[i]);
	free(a);
	assert_int_equal(pm_parse_line("   # only a comment", &a, err,
				       sizeof err), 0);
	free(a);
}

static void test_quotes_and_options(void **state)
{
	(void)state;
	pm_args *a;
	int n = pm_parse_line("submit echo \"a b;#c\" \"42\" \"\" timeout=2.5 name=\"x y\"",
			      &a, err, sizeof err);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].argc, 4);
	assert_int_equal(a[0].vals[1].type, PM_STR);
	assert_string_equal(a[0].vals[1].u.s.ptr, "a b;#c");
	assert_int_equal(a[0].vals[2].type, PM_STR); /* quoted: not a number */
	assert_string_equal(a[0].vals[2].u.s.ptr, "42");
	assert_int_equal(a[0].vals[3].type, PM_STR);
	assert_string_equal(a[0].vals[3].u.s.ptr, "");
	assert_int_equal(a[0].nopts, 2);
	const pm_value *t = pm_args_opt(&a[0], "timeout");
	assert_non_null(t);
	assert_int_equal(t->type, PM_FLOAT);
	assert_true(t->u.f == 2.5);
	const pm_value *nm = pm_args_opt(&a[0], "name");
	assert_non_null(nm);
	assert_string_equal(nm->u.s.ptr, "x y");
	pm_args_free(&a[0]);
	free(a);
	assert_int_equal(pm_parse_line("echo \"open", &a, err, sizeof err), -1);
	assert_string_equal(err, "unterminated quote");
	assert_null(a);
}

static void test_values(void **state)
{
	(void)state;
	pm_value v;
	assert_int_equal(pm_parse_value("1..10", false, &v, err, sizeof err), 0);
	assert_int_equal(v.type, PM_LIST);
	assert_int_equal(v.u.list.len, 10);
	assert_int_equal(v.u.list.items[9].u.i, 10);
	pm_value_free(&v);
	assert_int_equal(pm_parse_value("-2..2", false, &v, err, sizeof err), 0);
	assert_int_equal(v.u.list.len, 5);
	assert_int_equal(v.u.list.items[0].u.i, -2);
	pm_value_free(&v);
	assert_int_equal(pm_parse_value("1,2.5,x", false, &v, err, sizeof err), 0);
	assert_int_equal(v.u.list.len, 3);
	assert_int_equal(v.u.list.items[0].type, PM_INT);
	assert_int_equal(v.u.list.items[1].type, PM_FLOAT);
	assert_int_equal(v.u.list.items[2].type, PM_STR);
	pm_value_free(&v);
	assert_int_equal(pm_parse_value("-3.5e2", false, &v, err, sizeof err), 0);
	assert_int_equal(v.type, PM_FLOAT);
	assert_true(v.u.f == -350.0);
	assert_int_equal(pm_parse_value("9223372036854775807", false, &v, err,
					sizeof err), 0);
	assert_int_equal(v.u.i, INT64_MAX);
	assert_int_equal(pm_parse_value("9223372036854775808", false, &v, err,
					sizeof err), -1);
	assert_string_equal(err, "integer out of range (64 bits): 9223372036854775808");
	assert_int_equal(pm_parse_value("5..1", false, &v, err, sizeof err), -1);
	assert_int_equal(pm_parse_value("a..b", false, &v, err, sizeof err), 0);
	assert_int_equal(v.type, PM_STR); /* "wait..." is a word */
	pm_value_free(&v);
	assert_int_equal(pm_parse_value("1..b", false, &v, err, sizeof err), -1);
	assert_string_equal(err, "bad range '1..b' (write FIRST..LAST, e.g. 1..10)");
	assert_int_equal(pm_parse_value("1..20000000", false, &v, err, sizeof err), -1);
	assert_int_equal(pm_parse_value("1,,2", false, &v, err, sizeof err), -1);
	assert_int_equal(pm_parse_value("hello", false, &v, err, sizeof err), 0);
	assert_int_equal(v.type, PM_STR);
	pm_value_free(&v);
}

static void test_control_chars(void **state)
{
	(void)state;
	pm_args *a;
	assert_int_equal(pm_parse_line("echo a\x01", &a, err, sizeof err), -1);
	assert_string_equal(err, "control character 0x01 in the input");
	assert_int_equal(pm_parse_line("echo a\xff", &a, err, sizeof err), -1);
	assert_string_equal(err, "invalid UTF-8 byte 0xff in the input");
	assert_int_equal(pm_parse_line("echo h\xc3\xa9llo", &a, err, sizeof err), 1);
	assert_string_equal(a[0].words[0], "h\xc3\xa9llo");
	pm_args_free(&a[0]);
	free(a);
}

static void test_signatures(void **state)
{
	(void)state;
	pm_signature s;
	assert_int_equal(pm_signature_parse("a:int, b:float, *rest", &s, err,
					    sizeof err), 0);
	assert_int_equal(s.n, 3);
	assert_true(s.params[2].variadic);
	pm_value args[3] = { pm_int(1), pm_int(2), pm_str("x") };
	assert_int_equal(pm_signature_check(&s, args, 3, err, sizeof err), 0);
	assert_int_equal(args[1].type, PM_FLOAT); /* int accepted as float */
	assert_int_equal(pm_signature_check(&s, args, 1, err, sizeof err), -1);
	assert_string_equal(err, "takes at least 2 arguments, got 1");
	pm_value_free(&args[2]);
	pm_value bad[1] = { pm_str("x") };
	assert_int_equal(pm_signature_parse("n:int", &s, err, sizeof err), 0);
	assert_int_equal(pm_signature_check(&s, bad, 1, err, sizeof err), -1);
	assert_string_equal(err, "argument 'n' must be int, got str 'x'");
	pm_value_free(&bad[0]);
	assert_int_equal(pm_signature_parse("n", &s, err, sizeof err), -1);
	assert_int_equal(pm_signature_parse("n:integer", &s, err, sizeof err), -1);
	assert_int_equal(pm_signature_parse("n:int, n:int", &s, err, sizeof err), -1);
	assert_int_equal(pm_signature_parse("*a, b:int", &s, err, sizeof err), -1);
	assert_int_equal(pm_signature_parse("", &s, err, sizeof err), 0);
	assert_int_equal(s.n, 0);
}

static void test_table(void **state)
{
	(void)state;
	/* Every command has usage and help that start with its name. */
	for (size_t i = 0; i < pm_cli_command_count(); i++) {
		const char *name = pm_cli_command_name(i);
		assert_int_equal(strncmp(pm_cli_command_usage(i), name,
					 strlen(name)), 0);
		assert_true(strlen(pm_cli_command_help(i)) > 0);
		assert_ptr_equal(pm_command_find(name), &pm_commands[i]);
	}
	assert_null(pm_command_find("frob"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_quotes_and_options),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
