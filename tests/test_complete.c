/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tab completion (src/cli/complete.c), called directly as readline would
 * call it: what is offered for a command name, for an id (exactly the
 * kinds the command's table entry takes, ended tasks and exited processes
 * where they are taken), for a task name, a shared object's name, and nothing
 * where a command takes no completion. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "engine.h"
#include "loop.h"
#include "util.h"

typedef struct fixture {
	pm_loop *loop;
	pm_engine *e;
	pm_cli *c;
	unsigned errors;
} fixture;

static void on_line(void *ud, pm_line_kind kind, const char *line)
{
	fixture *f = ud;
	(void)line;
	f->errors += kind == PM_LINE_ERROR;
}

static const char *plugin_dir(void)
{
	const char *p = getenv("POOLMON_PLUGIN_PATH");
	return p ? p : "plugins";
}

/* A pool of one worker with dispatching paused, the demo plugin loaded,
 * tasks t1 and t2 queued (they stay queued), a queue q and a value v. */
static int setup(void **state)
{
	fixture *f = xcalloc(1, sizeof *f);
	char *err = NULL;
	pm_engine_config cfg = { .workers = 1 };
	f->loop = pm_loop_new();
	f->e = pm_engine_new(f->loop, &cfg, &err);
	assert_non_null(f->e);
	pm_engine_add_plugin_dir(f->e, plugin_dir());
	f->c = pm_cli_new(f->e, f->loop, PM_OUT_TEXT, on_line, f);
	assert_true(pm_cli_feed(f->c, "load demo; pause; submit square 1; "
				      "submit square 2; queue q; value v i"));
	assert_false(pm_cli_busy(f->c));
	assert_int_equal(f->errors, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	pm_cli_free(f->c);
	pm_engine_free(f->e);
	pm_loop_free(f->loop);
	free(f);
	return 0;
}

/* Every candidate for (before, prefix), space separated, and the kind. */
static char *offered(fixture *f, const char *before, const char *prefix,
		     pm_complete_kind *kind)
{
	pm_buf b = { 0 };
	pm_buf_puts(&b, "");
	char *m;
	for (int st = 0; (m = pm_cli_complete(f->c, before, prefix, st, kind));
	     st++) {
		pm_buf_printf(&b, "%s%s", b.len ? " " : "", m);
		free(m);
	}
	return pm_buf_take(&b);
}

typedef struct offer {
	const char *before, *prefix;
	const char *want; /* every candidate, space separated */
	pm_complete_kind kind;
} offer;

static void expect(fixture *f, const offer *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pm_complete_kind kind = PM_COMPLETE_NONE;
		char *got = offered(f, cases[i].before, cases[i].prefix, &kind);
		print_message("'%s' + '%s' -> '%s'\n", cases[i].before,
			      cases[i].prefix, got);
		assert_string_equal(got, cases[i].want);
		assert_int_equal(kind, cases[i].kind);
		free(got);
	}
}

/* Command names: the first word, also after a ';', and help's argument. */
static const offer names[] = {
	{ "", "st", "starmap step status", PM_COMPLETE_COMMAND },
	{ "", "qu", "queue quit", PM_COMPLETE_COMMAND },
	{ "  ", "he", "help", PM_COMPLETE_COMMAND },
	{ "echo x; ", "res", "result resume", PM_COMPLETE_COMMAND },
	{ "", "frob", "", PM_COMPLETE_COMMAND },
	{ "help ", "ki", "kill", PM_COMPLETE_COMMAND },
	/* Ids: what each command's entry says it takes.  result: tasks
	 * only; join: tasks, processes and "pool" (alone: not after an id);
	 * pause: tasks, workers and the two words; kill: no words. */
	{ "result ", "t", "t1 t2", PM_COMPLETE_ID },
	{ "result ", "", "t1 t2", PM_COMPLETE_ID },
	{ "result ", "w", "", PM_COMPLETE_ID },
	{ "result ", "a", "", PM_COMPLETE_ID },
	{ "join ", "", "t1 t2 pool", PM_COMPLETE_ID },
	{ "join t1 ", "t", "t1 t2", PM_COMPLETE_ID },
	{ "join t1 ", "", "t1 t2", PM_COMPLETE_ID },
	{ "pause ", "", "t1 t2 w1 all pool", PM_COMPLETE_ID },
	{ "pause ", "w", "w1", PM_COMPLETE_ID },
	{ "terminate ", "p", "pool", PM_COMPLETE_ID },
	{ "kill ", "", "t1 t2 w1", PM_COMPLETE_ID },
	{ "result t1 ", "", "", PM_COMPLETE_NONE },
	/* show NAME|ID: the names, then the ids. */
	{ "show ", "", "q v t1 t2 w1", PM_COMPLETE_SHARED },
	/* Task names, bare and with their plugin; not a task's arguments. */
	{ "submit ", "squ", "square", PM_COMPLETE_TASK },
	{ "apply ", "demo.squ", "demo.square", PM_COMPLETE_TASK },
	{ "map ", "zzz", "", PM_COMPLETE_TASK },
	{ "submit square ", "", "", PM_COMPLETE_NONE },
	/* Shared objects' names; load's path is the caller's filename
	 * completion; an unknown command and echo complete nothing. */
	{ "get ", "", "q v", PM_COMPLETE_SHARED },
	{ "show ", "v", "v", PM_COMPLETE_SHARED },
	{ "show ", "w", "w1", PM_COMPLETE_SHARED },
	{ "load ", "", "", PM_COMPLETE_FILE },
	{ "frob ", "", "", PM_COMPLETE_NONE },
	{ "echo ", "t", "", PM_COMPLETE_NONE },
};

static void test_offers(void **state)
{
	expect(*state, names, sizeof names / sizeof names[0]);
}

/* An ended task is still offered where it is taken (result, join, show),
 * no longer where it is refused (pause, terminate, kill). */
static void test_ended_task(void **state)
{
	fixture *f = *state;
	static const offer before[] = {
		{ "result ", "t", "t1 t2", PM_COMPLETE_ID },
		{ "pause ", "t", "t1 t2", PM_COMPLETE_ID },
	};
	static const offer after[] = {
		{ "result ", "t", "t1 t2", PM_COMPLETE_ID },
		{ "join ", "t", "t1 t2", PM_COMPLETE_ID },
		{ "show ", "t", "t1 t2", PM_COMPLETE_SHARED },
		{ "pause ", "t", "t2", PM_COMPLETE_ID },
		{ "terminate ", "", "t2 w1 all pool", PM_COMPLETE_ID },
		{ "kill ", "t", "t2", PM_COMPLETE_ID },
	};
	expect(f, before, sizeof before / sizeof before[0]);
	assert_true(pm_cli_feed(f->c, "terminate t1"));
	assert_int_equal(f->errors, 0);
	expect(f, after, sizeof after / sizeof after[0]);
}

static bool process_exited(fixture *f, uint64_t id)
{
	pm_process_info pi;
	return pm_engine_process_by_id(f->e, id, &pi) && !pi.alive;
}

/* Processes: p1 alive, p2 exited.  join and show take both, kill and
 * pause only the live one, result neither. */
static void test_processes(void **state)
{
	fixture *f = *state;
	assert_true(pm_cli_feed(f->c, "spawn sleep 60000; spawn square 2"));
	assert_int_equal(f->errors, 0);
	double deadline = pm_now() + 10;
	while (!process_exited(f, 2) && pm_now() < deadline)
		pm_loop_run_once(f->loop, 100);
	assert_true(process_exited(f, 2));
	static const offer cases[] = {
		{ "join ", "p", "p1 p2 pool", PM_COMPLETE_ID },
		{ "join t1 ", "p", "p1 p2", PM_COMPLETE_ID },
		{ "show ", "p", "p1 p2", PM_COMPLETE_SHARED },
		{ "kill ", "p", "p1", PM_COMPLETE_ID },
		{ "pause ", "p", "p1 pool", PM_COMPLETE_ID },
		{ "result ", "p", "", PM_COMPLETE_ID },
	};
	expect(f, cases, sizeof cases / sizeof cases[0]);
	assert_true(pm_cli_feed(f->c, "kill p1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_offers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ended_task, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_processes, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
