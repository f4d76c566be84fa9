/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Task signatures: the grammar with *rest and **kw, and binding positional
 * arguments and key=value options to parameters as Python binds a call. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_loader.h"
#include "value.h"

static char err[512];

static void test_kwargs_grammar(void **state)
{
	(void)state;
	pm_signature s;
	assert_int_equal(pm_signature_parse("name:str, age:int, **kwargs", &s,
					    err, sizeof err), 0);
	assert_int_equal(s.n, 3);
	assert_true(s.params[2].kwargs);
	assert_false(s.params[2].variadic);
	assert_string_equal(s.params[2].name, "kwargs");
	assert_true(pm_signature_has_kwargs(&s));
	assert_int_equal(pm_signature_parse("*args, **kw", &s, err, sizeof err),
			 0);
	assert_int_equal(s.n, 2);
	assert_true(s.params[0].variadic);
	assert_true(s.params[1].kwargs);
	assert_int_equal(pm_signature_parse("**kw", &s, err, sizeof err), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(pm_signature_parse("n:int", &s, err, sizeof err), 0);
	assert_false(pm_signature_has_kwargs(&s));

	assert_int_equal(pm_signature_parse("**kw, n:int", &s, err, sizeof err),
			 -1);
	assert_string_equal(err, "'**kw' must be the last parameter");
	assert_int_equal(pm_signature_parse("**kw:list", &s, err, sizeof err),
			 -1);
	assert_string_equal(err, "'**kw' takes no type: its values keep their own");
	assert_int_equal(pm_signature_parse("*a, n:int", &s, err, sizeof err),
			 -1);
	assert_string_equal(err, "'*a' must be the last parameter (or be followed by **kw only)");
	assert_int_equal(pm_signature_parse("***kw", &s, err, sizeof err), -1);
	assert_string_equal(err, "bad parameter name at '*kw'");
	assert_int_equal(pm_signature_parse("**", &s, err, sizeof err), -1);
	assert_int_equal(pm_signature_parse("a:int, **a", &s, err, sizeof err),
			 -1);
	assert_string_equal(err, "parameter 'a' appears twice");
}

static pm_value pair(const char *k, pm_value v)
{
	pm_value *items = calloc(2, sizeof *items);
	items[0] = pm_str(k);
	items[1] = v;
	return pm_list_take(items, 2);
}

static void test_kwargs_check(void **state)
{
	(void)state;
	pm_signature s;
	assert_int_equal(pm_signature_parse("name:str, age:int, **kw", &s, err,
					    sizeof err), 0);
	pm_value *kw = calloc(1, sizeof *kw);
	kw[0] = pair("city", pm_str("Paris"));
	pm_value args[3] = { pm_str("bob"), pm_int(30), pm_list_take(kw, 1) };
	assert_int_equal(pm_signature_check(&s, args, 3, err, sizeof err), 0);
	/* without its keyword list */
	assert_int_equal(pm_signature_check(&s, args, 2, err, sizeof err), -1);
	assert_string_equal(err, "the last argument must be the list of [key, value] for '**kw'");
	/* a keyword list that is not made of [str, value] pairs */
	pm_value bad[3] = { pm_str("bob"), pm_int(30),
			    pm_list_take(calloc(1, sizeof(pm_value)), 1) };
	bad[2].u.list.items[0] = pm_int(1);
	assert_int_equal(pm_signature_check(&s, bad, 3, err, sizeof err), -1);
	for (int i = 0; i < 3; i++) {
		pm_value_free(&args[i]);
		pm_value_free(&bad[i]);
	}
}

/* bind SIG with positional ARGS and KEY=VALUE options; returns the result
 * formatted, or "error: ..." */
static char *bind(const char *sig_text, const pm_value *args, size_t nargs,
		  const pm_kwarg *kw, size_t nkw)
{
	pm_signature s;
	assert_int_equal(pm_signature_parse(sig_text, &s, err, sizeof err), 0);
	pm_value *out;
	size_t nout;
	pm_buf b = { 0 };
	if (pm_signature_bind(&s, args, nargs, kw, nkw, &out, &nout, err,
			      sizeof err) < 0) {
		pm_buf_printf(&b, "error: %s", err);
		return pm_buf_take(&b);
	}
	assert_int_equal(pm_signature_check(&s, out, nout, err, sizeof err),
			 0);
	pm_value list = pm_list_take(out, nout);
	pm_value_format(&b, &list);
	pm_value_free(&list);
	return pm_buf_take(&b);
}

#define assert_bind(expect, sig, args, nargs, kw, nkw)                 \
	do {                                                           \
		char *got_ = bind(sig, args, nargs, kw, nkw);          \
		assert_string_equal(got_, expect);                     \
		free(got_);                                            \
	} while (0)

static void test_bind(void **state)
{
	(void)state;
	pm_value bob = pm_str("bob"), v30 = pm_int(30), paris = pm_str("Paris");
	pm_value one = pm_int(1), two = pm_int(2);
	pm_value pos[2] = { bob, v30 };
	const char *person = "name:str, age:int, **kwargs";

	/* positional, no options: the empty keyword list is appended */
	assert_bind("['bob', 30, []]", person, pos, 2, NULL, 0);
	/* extra options go to **kwargs, in the order given */
	pm_kwarg city[2] = { { "city", &paris }, { "zip", &one } };
	assert_bind("['bob', 30, [['city', 'Paris'], ['zip', 1]]]", person,
		    pos, 2, city, 2);
	/* declared parameters bind by name, in any order */
	pm_kwarg named[3] = { { "age", &v30 }, { "name", &bob },
			      { "city", &paris } };
	assert_bind("['bob', 30, [['city', 'Paris']]]", person, NULL, 0, named,
		    3);
	assert_bind("['bob', 30, []]", person, pos, 1, named, 1);
	/* errors, as Python reports them */
	assert_bind("error: got multiple values for argument 'name'", person,
		    pos, 2, &named[1], 1);
	assert_bind("error: missing argument 'age'", person, pos, 1, NULL, 0);
	assert_bind("error: missing argument 'name'", person, NULL, 0, named,
		    1);
	pm_kwarg twice[2] = { { "x", &one }, { "x", &two } };
	assert_bind("error: option 'x' given twice", person, pos, 2, twice, 2);

	/* no **kwargs: named binding only, unknown keys refused */
	assert_bind("[2, 1]", "a:int, b:int", NULL, 0,
		    ((pm_kwarg[]){ { "b", &one }, { "a", &two } }), 2);
	assert_bind("error: no parameter named 'c' (and no **kwargs)",
		    "a:int, b:int", pos, 2,
		    ((pm_kwarg[]){ { "c", &one } }), 1);
	assert_bind("[1, 2]", "a:int, b:int", ((pm_value[]){ one, two }), 2,
		    NULL, 0);
	/* *rest takes no name; its name goes to **kw like any other key */
	assert_bind("[1, 2, [['rest', 1]]]", "*rest, **kw",
		    ((pm_value[]){ one, two }), 2,
		    ((pm_kwarg[]){ { "rest", &one } }), 1);
	assert_bind("error: no parameter named 'rest' (and no **kwargs)",
		    "*rest", NULL, 0, ((pm_kwarg[]){ { "rest", &one } }), 1);
	pm_value_free(&bob);
	pm_value_free(&paris);
}

/* "b:int=2": optional parameters (ABI 1.3, the python plugin's defaults). */
static void test_defaults(void **state)
{
	(void)state;
	pm_signature s;
	assert_int_equal(pm_signature_parse("a:any, b:int=2, c:str='x y'", &s,
					    err, sizeof err), 0);
	assert_int_equal(s.n, 3);
	assert_false(s.params[0].optional);
	assert_true(s.params[1].optional);
	assert_string_equal(s.params[1].dflt, "2");
	assert_string_equal(s.params[2].dflt, "'x y'");
	pm_value args[3] = { pm_int(1), pm_int(5), pm_str("z") };
	assert_int_equal(pm_signature_check(&s, args, 1, err, sizeof err), 0);
	assert_int_equal(pm_signature_check(&s, args, 3, err, sizeof err), 0);
	assert_int_equal(pm_signature_check(&s, args, 0, err, sizeof err), -1);
	assert_string_equal(err, "takes 1 to 3 arguments, got 0");
	pm_value_free(&args[2]);
	assert_int_equal(pm_signature_parse("a:int=1, b:int", &s, err,
					    sizeof err), -1);
	assert_string_equal(err, "parameter 'b' without a default follows one with a default");
	assert_int_equal(pm_signature_parse("*a=1", &s, err, sizeof err), -1);
	assert_string_equal(err, "'a' cannot have a default");
	assert_int_equal(pm_signature_parse("a:int=", &s, err, sizeof err), -1);
	assert_string_equal(err, "parameter 'a': nothing after '='");

	pm_value one = pm_int(1), two = pm_int(2);
	/* left out at the end: not passed (the task applies its default) */
	assert_bind("[1]", "a:int, b:int=2, c:int=3", &one, 1, NULL, 0);
	assert_bind("[1, 2]", "a:int, b:int=2, c:int=3", NULL, 0,
		    ((pm_kwarg[]){ { "b", &two }, { "a", &one } }), 2);
	/* given by name after one left out: to **kw, or refused without */
	assert_bind("[1, [['c', 2]]]", "a:int, b:int=2, c:int=3, **kw", &one,
		    1, ((pm_kwarg[]){ { "c", &two } }), 1);
	assert_bind("error: 'c' is given but 'b' before it is not: give 'b' too",
		    "a:int, b:int=2, c:int=3", &one, 1,
		    ((pm_kwarg[]){ { "c", &two } }), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kwargs_grammar),
		cmocka_unit_test(test_kwargs_check),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
