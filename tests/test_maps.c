/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine's maps as the screen reads them (issue 13): the maps kept and
 * how many of a map's items ended (pm_engine_map_*), a run of ended tasks
 * and the first that did not end done (pm_engine_ended_run), and a
 * listener that hears no map item that is queued, runs or ends done
 * (pm_engine_set_item_events). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "loop.h"
#include "util.h"
#include "value.h"

typedef struct fixture {
	pm_loop *loop;
	pm_engine *e;
	size_t task_events;     /* PM_EV_TASK events heard */
	size_t cancelled_events; /* of them, cancelled or terminated */
	char err[1024];
} fixture;

static void on_event(void *ud, const pm_event *ev)
{
	fixture *f = ud;
	if (ev->kind != PM_EV_TASK)
		return;
	f->task_events++;
	if (ev->state == PM_TASK_CANCELLED || ev->state == PM_TASK_TERMINATED)
		f->cancelled_events++;
}

static int setup(void **state)
{
	fixture *f = xcalloc(1, sizeof *f);
	f->loop = pm_loop_new();
	char *err = NULL;
	pm_engine_config cfg = { .workers = 2 };
	f->e = pm_engine_new(f->loop, &cfg, &err);
	assert_non_null(f->e);
	pm_engine_set_listener(f->e, on_event, f);
	const char *dir = getenv("POOLMON_PLUGIN_PATH");
	pm_engine_add_plugin_dir(f->e, dir ? dir : "plugins");
	assert_int_equal(pm_engine_load(f->e, "demo", f->err, sizeof f->err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	pm_engine_free(f->e);
	pm_loop_free(f->loop);
	free(f);
	return 0;
}

/* The loop until the engine is idle; the 20 s bound only stops a broken
 * engine from hanging the suite. */
static void run_idle(fixture *f)
{
	double end = pm_now() + 20.0;
	while (!pm_engine_idle(f->e)) {
		assert_true(pm_now() < end);
		pm_loop_run_once(f->loop, 100);
	}
}

static uint64_t map_ints(fixture *f, const char *task, size_t n, int64_t base)
{
	pm_value *items = xcalloc(n, sizeof *items);
	for (size_t i = 0; i < n; i++)
		items[i] = pm_int(base + (int64_t)i);
	uint64_t first = 0;
	assert_int_equal(pm_engine_map(f->e, task, items, n, 0, &first, f->err,
				       sizeof f->err), 0);
	free(items);
	return first;
}

/* A held pool: the map is kept, none of it ended; let go, all of it. */
static void test_map_progress(void **state)
{
	fixture *f = *state;
	assert_int_equal(pm_engine_map_count(f->e), 0);
	assert_int_equal(pm_engine_pause(f->e, NULL, f->err, sizeof f->err), 0);
	uint64_t first = map_ints(f, "square", 5000, 1);
	assert_int_equal(pm_engine_map_count(f->e), 1);
	pm_map_info mi;
	assert_true(pm_engine_map_at(f->e, 0, &mi));
	assert_false(pm_engine_map_at(f->e, 1, &mi));
	assert_int_equal(mi.first, first);
	assert_int_equal(mi.n, 5000);
	assert_string_equal(mi.task, "demo.square");
	assert_true(mi.queued_at > 0);
	assert_int_equal(pm_engine_map_ended(f->e, 0), 0);
	uint64_t bad;
	assert_int_equal(pm_engine_ended_run(f->e, first, 5000, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(pm_engine_resume(f->e, NULL, f->err, sizeof f->err), 0);
	run_idle(f);
	assert_int_equal(pm_engine_map_ended(f->e, 0), 5000);
	assert_int_equal(pm_engine_ended_run(f->e, first, 5000, &bad), 5000);
	assert_int_equal(bad, 0);
}

/* Items that ended otherwise than done: counted as ended, the first named. */
static void test_ended_run_not_done(void **state)
{
	fixture *f = *state;
	assert_int_equal(pm_engine_pause(f->e, NULL, f->err, sizeof f->err), 0);
	uint64_t first = map_ints(f, "square", 10, 1);
	char id[32];
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 6));
	assert_int_equal(pm_engine_terminate(f->e, id, f->err, sizeof f->err), 0);
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 3));
	assert_int_equal(pm_engine_terminate(f->e, id, f->err, sizeof f->err), 0);
	uint64_t bad;
	/* Queued items first: nothing ended in a row yet. */
	assert_int_equal(pm_engine_ended_run(f->e, first, 10, &bad), 0);
	/* From the cancelled one: it ended, the next did not. */
	assert_int_equal(pm_engine_ended_run(f->e, first + 3, 1, &bad), 1);
	assert_int_equal(bad, first + 3);
	assert_int_equal(pm_engine_resume(f->e, NULL, f->err, sizeof f->err), 0);
	run_idle(f);
	assert_int_equal(pm_engine_map_ended(f->e, 0), 10);
	assert_int_equal(pm_engine_ended_run(f->e, first, 10, &bad), 10);
	assert_int_equal(bad, first + 3);
	/* A task of its own after the map, and an id past the last. */
	pm_value a = pm_int(3);
	uint64_t one;
	assert_int_equal(pm_engine_submit(f->e, "square", &a, 1, NULL, &one,
					  f->err, sizeof f->err), 0);
	run_idle(f);
	assert_int_equal(pm_engine_ended_run(f->e, first + 7, 4, &bad), 4);
	assert_int_equal(bad, 0);
	assert_int_equal(pm_engine_ended_run(f->e, one, 2, &bad), 2);
	assert_int_equal(bad, one + 1);
}

/* Item events off: a map of done items is not heard item by item; a
 * cancelled item and a task of its own still are. */
static void test_item_events_off(void **state)
{
	fixture *f = *state;
	pm_engine_set_item_events(f->e, false);
	map_ints(f, "square", 20000, 1);
	run_idle(f);
	assert_int_equal(f->task_events, 0);
	pm_counts c = pm_engine_counts(f->e);
	assert_int_equal(c.done, 20000);
	assert_int_equal(pm_engine_map_ended(f->e, 0), 20000);

	assert_int_equal(pm_engine_pause(f->e, NULL, f->err, sizeof f->err), 0);
	uint64_t first = map_ints(f, "square", 4, 1);
	char id[32];
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 2));
	assert_int_equal(pm_engine_terminate(f->e, id, f->err, sizeof f->err), 0);
	assert_int_equal(pm_engine_resume(f->e, NULL, f->err, sizeof f->err), 0);
	run_idle(f);
	assert_int_equal(f->cancelled_events, 1);
	assert_int_equal(f->task_events, 1);

	pm_value a = pm_int(3);
	uint64_t one;
	assert_int_equal(pm_engine_submit(f->e, "square", &a, 1, NULL, &one,
					  f->err, sizeof f->err), 0);
	run_idle(f);
	assert_true(f->task_events >= 3); /* queued, (running,) done */

	/* On again: every item is heard. */
	pm_engine_set_item_events(f->e, true);
	size_t before = f->task_events;
	map_ints(f, "square", 100, 1);
	run_idle(f);
	assert_true(f->task_events - before >= 200); /* queued and done each */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_progress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ended_run_not_done, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_events_off, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
