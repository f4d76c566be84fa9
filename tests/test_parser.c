/* SPDX-License-Identifier: GPL-3.0-or-later */
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

#include "cli/entry.h"
#include "cli/parse.h"
#include "cli/table.h"
#include "plugin_loader.h"

static char err[512];

static void test_split(void **state)
{
	(void)state;
	pm_args *a;
	size_t n = pm_parse_line("submit square 7; join ;status # a comment; quit",
				 &a);
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
	for (size_t i = 0; i < n; i++) {
		assert_null(a[i].error);
		pm_args_free(&a[i]);
	}
	free(a);
	assert_int_equal(pm_parse_line("   # only a comment", &a), 0);
	free(a);
}

static void test_quotes_and_options(void **state)
{
	(void)state;
	pm_args *a;
	size_t n = pm_parse_line("submit echo \"a b;#c\" \"42\" \"\" timeout=2.5 name=\"x y\"",
				 &a);
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
	assert_int_equal(pm_parse_line("echo \"open", &a), 1);
	assert_string_equal(a[0].error, "unterminated quote");
	assert_string_equal(a[0].text, "echo \"open");
	pm_args_free(&a[0]);
	free(a);
}

/* Each command of a line stands alone: bad input in one is its own error
 * and the others are parsed as if it were not there (issue 19). */
static void test_bad_command_alone(void **state)
{
	(void)state;
	pm_args *a;
	size_t n = pm_parse_line("echo first; echo 1,,2; apply square 3", &a);
	assert_int_equal(n, 3);
	assert_null(a[0].error);
	assert_string_equal(a[0].name, "echo");
	assert_string_equal(a[0].words[0], "first");
	assert_string_equal(a[1].error, "empty item in list '1,,2'");
	assert_string_equal(a[1].name, "echo");
	assert_string_equal(a[1].text, "echo 1,,2");
	assert_null(a[2].error);
	assert_string_equal(a[2].name, "apply");
	assert_int_equal(a[2].vals[1].u.i, 3);
	for (size_t i = 0; i < n; i++)
		pm_args_free(&a[i]);
	free(a);
	/* a bad byte, a huge range, a quote left open: the commands around
	 * them are whole; a ';' in the open quote is not a separator */
	n = pm_parse_line("echo a\x01" "b c; echo 1..99999999999 x; echo ok; "
			  "echo \"x;y", &a);
	assert_int_equal(n, 4);
	assert_string_equal(a[0].error, "control character 0x01 in the input");
	/* a range is kept as its ends; built (and refused) for a command
	 * that needs its values */
	assert_null(a[1].error);
	assert_true(a[1].ranges[0].is);
	assert_int_equal(a[1].ranges[0].lo, 1);
	assert_int_equal(a[1].ranges[0].hi, 99999999999LL);
	assert_int_equal(pm_lazy_range_count(&a[1].ranges[0]), 99999999999ULL);
	assert_int_equal(pm_args_build_ranges(&a[1], err, sizeof err), -1);
	assert_string_equal(err,
			    "range 1..99999999999 has more than 10000000 items");
	assert_null(a[2].error);
	assert_string_equal(a[2].words[0], "ok");
	assert_string_equal(a[3].error, "unterminated quote");
	for (size_t i = 0; i < n; i++)
		pm_args_free(&a[i]);
	free(a);
	/* a bad first word: an error with no name */
	n = pm_parse_line("\xff; status", &a);
	assert_int_equal(n, 2);
	assert_string_equal(a[0].error, "invalid UTF-8 byte 0xff in the input");
	assert_null(a[0].name);
	assert_null(a[1].error);
	assert_string_equal(a[1].name, "status");
	for (size_t i = 0; i < n; i++)
		pm_args_free(&a[i]);
	free(a);
}

/* Ranges at the ends of int64 and past them: no overflow, a clear error
 * over PM_RANGE_MAX items, nothing allocated for it (issue 19). */
static void test_ranges(void **state)
{
	(void)state;
	pm_value v;
	assert_int_equal(pm_parse_value("-9223372036854775808..9223372036854775807",
					false, &v, err, sizeof err), -1);
	assert_string_equal(err, "range -9223372036854775808..9223372036854775807 has more than 10000000 items");
	assert_int_equal(pm_parse_value("-1..9223372036854775807", false, &v,
					err, sizeof err), -1);
	assert_string_equal(err, "range -1..9223372036854775807 has more than 10000000 items");
	assert_int_equal(pm_parse_value("0..9223372036854775807", false, &v,
					err, sizeof err), -1);
	assert_int_equal(pm_parse_value("-9223372036854775808..0", false, &v,
					err, sizeof err), -1);
	assert_string_equal(err, "range -9223372036854775808..0 has more than 10000000 items");
	/* the limit itself, and one more */
	assert_int_equal(pm_parse_value("1..10000000", false, &v, err,
					sizeof err), 0);
	assert_int_equal(v.u.list.len, 10000000);
	assert_int_equal(v.u.list.items[9999999].u.i, 10000000);
	pm_value_free(&v);
	assert_int_equal(pm_parse_value("0..10000000", false, &v, err,
					sizeof err), -1);
	assert_string_equal(err, "range 0..10000000 has more than 10000000 items");
	/* at the ends of int64 */
	assert_int_equal(pm_parse_value("9223372036854775805..9223372036854775807",
					false, &v, err, sizeof err), 0);
	assert_int_equal(v.u.list.len, 3);
	assert_int_equal(v.u.list.items[0].u.i, INT64_MAX - 2);
	assert_int_equal(v.u.list.items[2].u.i, INT64_MAX);
	pm_value_free(&v);
	assert_int_equal(pm_parse_value("-9223372036854775808..-9223372036854775807",
					false, &v, err, sizeof err), 0);
	assert_int_equal(v.u.list.len, 2);
	assert_int_equal(v.u.list.items[0].u.i, INT64_MIN);
	assert_int_equal(v.u.list.items[1].u.i, INT64_MIN + 1);
	pm_value_free(&v);
	assert_int_equal(pm_parse_value("9223372036854775807..9223372036854775807",
					false, &v, err, sizeof err), 0);
	assert_int_equal(v.u.list.len, 1);
	assert_int_equal(v.u.list.items[0].u.i, INT64_MAX);
	pm_value_free(&v);
	/* reversed: empty, an error */
	assert_int_equal(pm_parse_value("9223372036854775807..-9223372036854775808",
					false, &v, err, sizeof err), -1);
	assert_string_equal(err, "empty range '9223372036854775807..-9223372036854775808': 9223372036854775807 is after -9223372036854775808");
	assert_int_equal(pm_parse_value("2..1", false, &v, err, sizeof err), -1);
	assert_string_equal(err, "empty range '2..1': 2 is after 1");
	/* 2^63 and 2^64 are not int64s */
	assert_int_equal(pm_parse_value("1..9223372036854775808", false, &v,
					err, sizeof err), -1);
	assert_string_equal(err, "bad range '1..9223372036854775808': 9223372036854775808 is out of the 64-bit integer range");
	assert_int_equal(pm_parse_value("-9223372036854775809..0", false, &v,
					err, sizeof err), -1);
	assert_string_equal(err, "bad range '-9223372036854775809..0': -9223372036854775809 is out of the 64-bit integer range");
	assert_int_equal(pm_parse_value("18446744073709551616..1", false, &v,
					err, sizeof err), -1);
	assert_string_equal(err, "bad range '18446744073709551616..1': 18446744073709551616 is out of the 64-bit integer range");
	/* ABI 1.4: a number beyond int64 is a bigint of its digits */
	assert_int_equal(pm_parse_value("18446744073709551616", false, &v,
					err, sizeof err), 0);
	assert_int_equal(v.type, PM_BIGINT);
	assert_string_equal(v.u.s.ptr, "18446744073709551616");
	pm_value_free(&v);
	/* the same range as an option value */
	pm_args *a;
	assert_int_equal(pm_parse_line("apply echo x=0..9223372036854775807", &a), 1);
	assert_string_equal(a[0].error, "range 0..9223372036854775807 has more than 10000000 items");
	pm_args_free(&a[0]);
	free(a);
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
					sizeof err), 0);
	assert_int_equal(v.type, PM_BIGINT);
	assert_string_equal(v.u.s.ptr, "9223372036854775808");
	pm_value_free(&v);
	/* written as Python reads int(): a sign, leading zeros dropped */
	static const char *const bigs[][2] = {
		{ "-9223372036854775809", "-9223372036854775809" },
		{ "+000123456789012345678901234567890", "123456789012345678901234567890" },
		{ "-0099999999999999999999", "-99999999999999999999" },
	};
	for (size_t i = 0; i < sizeof bigs / sizeof *bigs; i++) {
		assert_int_equal(pm_parse_value(bigs[i][0], false, &v, err,
						sizeof err), 0);
		assert_int_equal(v.type, PM_BIGINT);
		assert_string_equal(v.u.s.ptr, bigs[i][1]);
		assert_true(pm_value_check(&v, NULL, 0));
		pm_value_free(&v);
	}
	/* leading zeros on an int64 stay an int */
	assert_int_equal(pm_parse_value("-00009223372036854775808", false, &v,
					err, sizeof err), 0);
	assert_int_equal(v.type, PM_INT);
	assert_true(v.u.i == INT64_MIN);
	/* in a list too */
	assert_int_equal(pm_parse_value("1,99999999999999999999", false, &v,
					err, sizeof err), 0);
	assert_int_equal(v.u.list.items[0].type, PM_INT);
	assert_int_equal(v.u.list.items[1].type, PM_BIGINT);
	pm_value_free(&v);
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
	assert_int_equal(pm_parse_line("echo a\x01", &a), 1);
	assert_string_equal(a[0].error, "control character 0x01 in the input");
	pm_args_free(&a[0]);
	free(a);
	assert_int_equal(pm_parse_line("echo a\xff", &a), 1);
	assert_string_equal(a[0].error, "invalid UTF-8 byte 0xff in the input");
	pm_args_free(&a[0]);
	free(a);
	assert_int_equal(pm_parse_line("echo h\xc3\xa9llo", &a), 1);
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
		assert_ptr_equal(pm_cmd_find(name), &pm_cmd_table[i]);
	}
	assert_null(pm_cmd_find("frob"));
}

/* check LINE against its command's entry: NULL if it passes, else the
 * message (static). */
static const char *check(const char *line)
{
	static char msg[512];
	pm_args *a;
	assert_int_equal(pm_parse_line(line, &a), 1);
	assert_null(a[0].error);
	const struct pm_cmd_entry *e = pm_cmd_find(a[0].name);
	assert_non_null(e);
	bool ok = pm_cmd_check(e, &a[0], msg, sizeof msg);
	pm_args_free(&a[0]);
	free(a);
	return ok ? NULL : msg;
}

/* Usage lines are built from the entries: the positional words and the
 * options declared once, in their places. */
static void test_usage(void **state)
{
	(void)state;
	char u[PM_CMD_USAGE_MAX];
	assert_string_equal(pm_cmd_usage(pm_cmd_find("submit"), u, sizeof u),
			    "submit TASK [ARG…] [KEY=VALUE…] [timeout=S]");
	assert_string_equal(pm_cmd_usage(pm_cmd_find("spawn"), u, sizeof u),
			    "spawn [name=N] [daemon=1] TASK [ARG…] [KEY=VALUE…]");
	assert_string_equal(pm_cmd_usage(pm_cmd_find("queue"), u, sizeof u),
			    "queue NAME [MAXSIZE] [joinable=1|simple=1]");
	assert_string_equal(pm_cmd_usage(pm_cmd_find("get"), u, sizeof u),
			    "get NAME [timeout=S] [nowait=1]");
	assert_string_equal(pm_cmd_usage(pm_cmd_find("status"), u, sizeof u),
			    "status");
	/* the UI's accessor gives the same line */
	for (size_t i = 0; i < pm_cli_command_count(); i++)
		assert_string_equal(pm_cli_command_usage(i),
				    pm_cmd_usage(&pm_cmd_table[i], u, sizeof u));
	/* a buffer too small is cut, never overrun */
	char small[8];
	assert_string_equal(pm_cmd_usage(pm_cmd_find("submit"), small,
					 sizeof small), "submit ");
}

/* The one option matcher, and the checks every command's options get
 * from their declared kinds (one rule per kind). */
static void test_option_checks(void **state)
{
	(void)state;
	assert_non_null(pm_cmd_option_find(pm_cmd_find("map"), "chunksize"));
	assert_null(pm_cmd_option_find(pm_cmd_find("map"), "chunk"));
	assert_null(pm_cmd_option_find(pm_cmd_find("close"), "timeout"));
	assert_null(check("submit square 2 timeout=0.5"));
	assert_null(check("submit square 2 n=3 anything=x")); /* the task's */
	assert_string_equal(check("map square 1..3 bogus=1"),
			    "unknown option 'bogus'; usage: map TASK RANGE|LIST [chunksize=N]");
	assert_string_equal(check("apply"),
			    "wrong number of arguments; usage: apply TASK [ARG…] [KEY=VALUE…] [timeout=S]");
	assert_string_equal(check("map square 1..3 4"),
			    "wrong number of arguments; usage: map TASK RANGE|LIST [chunksize=N]");
	/* seconds: > 0 and at most 10^6, the same rule for every timeout */
	assert_string_equal(check("result t1 timeout=0"),
			    "timeout must be a number of seconds > 0");
	assert_string_equal(check("join timeout=-1"),
			    "timeout must be a number of seconds > 0");
	assert_string_equal(check("submit square 1 timeout=abc"),
			    "timeout must be a number of seconds > 0");
	assert_string_equal(check("get q timeout=1000001"),
			    "timeout must be a number of seconds > 0");
	assert_string_equal(check("get q timeout=0"),
			    "timeout must be a number of seconds > 0");
	assert_string_equal(check("acquire l timeout=0"),
			    "timeout must be a number of seconds > 0");
	assert_null(check("put q 1 timeout=1000000"));
	/* counts, flags, strings, choices */
	assert_string_equal(check("map square 1..3 chunksize=0"),
			    "chunksize must be an integer >= 1");
	assert_string_equal(check("starmap add 1,2 chunksize=1.5"),
			    "chunksize must be an integer >= 1");
	assert_null(check("imap square 1..3 chunksize=2"));
	assert_string_equal(check("queue q joinable=2"),
			    "joinable must be 0 or 1");
	assert_string_equal(check("spawn daemon=yes hang"),
			    "daemon must be 0 or 1");
	assert_string_equal(check("spawn name=7 hang"), "name must be a string");
	assert_null(check("spawn name=\"7\" hang"));
	assert_string_equal(check("lock l kind=mutex"),
			    "kind must be lock or rlock");
	assert_null(check("lock l kind=rlock"));
	/* ids: an empty one is refused by the commands that take ids */
	assert_string_equal(check("pause \"\""),
			    "empty id \"\"; usage: pause [ID|all]");
	assert_null(check("echo \"\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_quotes_and_options),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bad_command_alone),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_option_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
