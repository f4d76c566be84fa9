/* Tab completion (src/cli/complete.c), called directly as readline would
 * call it: what is offered for a command name, for an id after result,
 * join and pause, for a task name, a shared object's name, and nothing
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

#define OFFERED(before, prefix, want, want_kind)                        \
	do {                                                            \
		pm_complete_kind k_ = PM_COMPLETE_NONE;                 \
		char *got_ = offered(f, (before), (prefix), &k_);       \
		assert_string_equal(got_, (want));                      \
		assert_int_equal(k_, (want_kind));                      \
		free(got_);                                             \
	} while (0)

static void test_command_names(void **state)
{
	fixture *f = *state;
	OFFERED("", "st", "starmap status", PM_COMPLETE_COMMAND);
	OFFERED("", "qu", "queue quit", PM_COMPLETE_COMMAND);
	OFFERED("  ", "he", "help", PM_COMPLETE_COMMAND);
	/* the command after a ';' is completed on its own */
	OFFERED("echo x; ", "res", "result resume", PM_COMPLETE_COMMAND);
	OFFERED("", "frob", "", PM_COMPLETE_COMMAND);
	/* help's argument is a command name */
	OFFERED("help ", "ki", "kill", PM_COMPLETE_COMMAND);
}

static void test_ids(void **state)
{
	fixture *f = *state;
	/* live tasks, then the workers, then the two words */
	OFFERED("result ", "t", "t1 t2", PM_COMPLETE_ID);
	OFFERED("result ", "", "t1 t2 w1 all pool", PM_COMPLETE_ID);
	OFFERED("join ", "", "t1 t2 w1 all pool", PM_COMPLETE_ID);
	/* join takes many ids: every word is one */
	OFFERED("join t1 ", "t", "t1 t2", PM_COMPLETE_ID);
	OFFERED("pause ", "", "t1 t2 w1 all pool", PM_COMPLETE_ID);
	OFFERED("pause ", "w", "w1", PM_COMPLETE_ID);
	OFFERED("terminate ", "p", "pool", PM_COMPLETE_ID);
	/* result takes one id: nothing after it */
	OFFERED("result t1 ", "", "", PM_COMPLETE_NONE);
	/* an ended task is no longer offered */
	assert_true(pm_cli_feed(f->c, "terminate t1"));
	OFFERED("result ", "t", "t2", PM_COMPLETE_ID);
}

static void test_tasks_and_shared(void **state)
{
	fixture *f = *state;
	OFFERED("submit ", "squ", "square", PM_COMPLETE_TASK);
	OFFERED("apply ", "demo.squ", "demo.square", PM_COMPLETE_TASK);
	OFFERED("map ", "zzz", "", PM_COMPLETE_TASK);
	/* a task's arguments are not completed */
	OFFERED("submit square ", "", "", PM_COMPLETE_NONE);
	OFFERED("get ", "", "q v", PM_COMPLETE_SHARED);
	OFFERED("show ", "v", "v", PM_COMPLETE_SHARED);
	/* load's path is the caller's filename completion */
	OFFERED("load ", "", "", PM_COMPLETE_FILE);
	/* an unknown command, and one without completion */
	OFFERED("frob ", "", "", PM_COMPLETE_NONE);
	OFFERED("echo ", "t", "", PM_COMPLETE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_command_names, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_and_shared, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
