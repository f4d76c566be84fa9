// SPDX-License-Identifier: GPL-3.0-or-later
/* The engine's recent spans (pm_engine_spans), what the timeline draws:
 * a span per task and per map chunk on the worker that ran it, paused
 * times apart, crashes marked. */
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
	char err[512];
} fixture;

static void on_event(void *ud, const pm_event *ev)
{
	(void)ud;
	(void)ev;
}

static fixture *setup_n(int workers, bool listener)
{
	fixture *f = xcalloc(1, sizeof *f);
	f->loop = pm_loop_new();
	char *err = NULL;
	pm_engine_config cfg = { .workers = workers };
	f->e = pm_engine_new(f->loop, &cfg, &err);
	assert_non_null(f->e);
	if (listener)
		pm_engine_set_listener(f->e, on_event, f);
	const char *dir = getenv("POOLMON_PLUGIN_PATH");
	pm_engine_add_plugin_dir(f->e, dir ? dir : "plugins");
	assert_int_equal(pm_engine_load(f->e, "demo", f->err, sizeof f->err), 0);
	return f;
}

static int setup2(void **state)
{
	*state = setup_n(2, true);
	return 0;
}

static int setup2_quiet(void **state)
{
	*state = setup_n(2, false);
	return 0;
}

static int setup1(void **state)
{
	*state = setup_n(1, true);
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

/* Runs the loop until the pool is idle (20 s bound: a broken engine). */
static void run_idle(fixture *f)
{
	double end = pm_now() + 20.0;
	while (!pm_engine_idle(f->e)) {
		assert_true(pm_now() < end);
		pm_loop_run_once(f->loop, 100);
	}
}

static void run_state(fixture *f, uint64_t id, pm_task_state s)
{
	double end = pm_now() + 20.0;
	pm_task_info ti;
	while (!pm_engine_task_info(f->e, id, &ti) || ti.state != s) {
		assert_true(pm_now() < end);
		pm_loop_run_once(f->loop, 10);
	}
}

static void map_ints(fixture *f, const char *task, const int *v, size_t n,
		     size_t chunksize, uint64_t *first)
{
	pm_value items[16];
	for (size_t i = 0; i < n; i++)
		items[i] = pm_int(v[i]);
	assert_int_equal(pm_engine_map(f->e, task, items, n, chunksize, first,
				       f->err, sizeof f->err),
			 0);
}

/* map sleep 200,200,200,200 on two workers, one item a chunk: four spans
 * of 0.2 s, two on each worker, the two workers' side by side. */
static void test_map_side_by_side(void **state)
{
	fixture *f = *state;
	double t0 = pm_now();
	uint64_t first;
	map_ints(f, "sleep", (int[]){ 200, 200, 200, 200 }, 4, 1, &first);
	run_idle(f);
	pm_span_info s[8];
	size_t n = pm_engine_spans(f->e, t0, s, 8);
	assert_int_equal(n, 4);
	uint64_t ids = 0, on[3] = { 0 };
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(s[k].count, 1);
		assert_int_equal(s[k].state, PM_TASK_DONE);
		assert_false(s[k].paused);
		assert_true(s[k].worker == 1 || s[k].worker == 2);
		on[s[k].worker]++;
		assert_true(s[k].ended - s[k].started >= 0.19);
		assert_true(s[k].started >= t0);
		ids |= 1u << (s[k].first - first);
	}
	assert_int_equal(ids, 0xf);
	assert_int_equal(on[1], 2);
	assert_int_equal(on[2], 2);
	/* The first span of each worker overlap. */
	const pm_span_info *a = NULL, *b = NULL;
	for (size_t k = 0; k < n; k++) {
		if (s[k].worker == 1 && !a)
			a = &s[k];
		if (s[k].worker == 2 && !b)
			b = &s[k];
	}
	assert_true(a->started < b->ended && b->started < a->ended);
	/* Nothing ended after now. */
	assert_int_equal(pm_engine_spans(f->e, pm_now() + 1, s, 8), 0);
}

/* A chunk of three numbers is one span of three items. */
static void test_chunk_one_span(void **state)
{
	fixture *f = *state;
	uint64_t first;
	map_ints(f, "sleep", (int[]){ 30, 30, 30 }, 3, 3, &first);
	run_idle(f);
	pm_span_info s[4];
	assert_int_equal(pm_engine_spans(f->e, 0, s, 4), 1);
	assert_int_equal(s[0].first, first);
	assert_int_equal(s[0].count, 3);
	assert_true(s[0].ended - s[0].started >= 0.085);
}

/* Items that are not numbers come back one record each: still one span
 * for their chunk. */
static void test_chunk_of_records_one_span(void **state)
{
	fixture *f = *state;
	pm_value items[3] = { pm_str("a"), pm_str("b"), pm_str("c") };
	uint64_t first;
	assert_int_equal(pm_engine_map(f->e, "echo", items, 3, 3, &first,
				       f->err, sizeof f->err),
			 0);
	for (int i = 0; i < 3; i++) /* the engine keeps copies */
		pm_value_free(&items[i]);
	run_idle(f);
	pm_span_info s[4];
	assert_int_equal(pm_engine_spans(f->e, 0, s, 4), 1);
	assert_int_equal(s[0].first, first);
	assert_int_equal(s[0].count, 3);
}

/* A crash is a span that ended crashed, on its worker. */
static void test_crash_marked(void **state)
{
	fixture *f = *state;
	uint64_t id;
	assert_int_equal(pm_engine_submit(f->e, "crash", NULL, 0, NULL, &id,
					  f->err, sizeof f->err),
			 0);
	run_idle(f);
	pm_span_info s[4];
	assert_int_equal(pm_engine_spans(f->e, 0, s, 4), 1);
	assert_int_equal(s[0].first, id);
	assert_int_equal(s[0].state, PM_TASK_CRASHED);
	assert_int_equal(s[0].worker, 1);
	assert_true(s[0].ended >= s[0].started && s[0].started > 0);
}

/* Paused time is a span of its own, inside the task's. */
static void test_pause_span(void **state)
{
	fixture *f = *state;
	pm_value a = pm_int(300);
	uint64_t id;
	assert_int_equal(pm_engine_submit(f->e, "sleep", &a, 1, NULL, &id,
					  f->err, sizeof f->err),
			 0);
	run_state(f, id, PM_TASK_RUNNING);
	char target[32];
	snprintf(target, sizeof target, "t%llu", (unsigned long long)id);
	assert_int_equal(pm_engine_pause(f->e, target, f->err, sizeof f->err),
			 0);
	run_state(f, id, PM_TASK_PAUSED);
	double end = pm_now() + 0.1;
	while (pm_now() < end)
		pm_loop_run_once(f->loop, 10);
	assert_int_equal(pm_engine_resume(f->e, target, f->err, sizeof f->err),
			 0);
	run_idle(f);
	pm_span_info s[4];
	assert_int_equal(pm_engine_spans(f->e, 0, s, 4), 2);
	assert_true(s[0].paused);
	assert_int_equal(s[0].first, id);
	assert_true(s[0].ended - s[0].started >= 0.09);
	assert_false(s[1].paused);
	assert_int_equal(s[1].state, PM_TASK_DONE);
	assert_true(s[1].started <= s[0].started && s[0].ended <= s[1].ended);
}

/* More spans than asked for: the newest, oldest first. */
static void test_newest_max(void **state)
{
	fixture *f = *state;
	uint64_t first;
	map_ints(f, "square", (int[]){ 1, 2, 3, 4, 5, 6 }, 6, 1, &first);
	run_idle(f);
	pm_span_info s[8];
	size_t all = pm_engine_spans(f->e, 0, s, 8);
	assert_int_equal(all, 6);
	pm_span_info last2[2];
	assert_int_equal(pm_engine_spans(f->e, 0, last2, 2), 2);
	assert_memory_equal(&last2[0], &s[4], sizeof *s);
	assert_memory_equal(&last2[1], &s[5], sizeof *s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_side_by_side, setup2,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_side_by_side,
						setup2_quiet, teardown),
		cmocka_unit_test_setup_teardown(test_chunk_one_span, setup1,
						teardown),
		cmocka_unit_test_setup_teardown(test_chunk_of_records_one_span,
						setup1, teardown),
		cmocka_unit_test_setup_teardown(test_crash_marked, setup1,
						teardown),
		cmocka_unit_test_setup_teardown(test_pause_span, setup1,
						teardown),
		cmocka_unit_test_setup_teardown(test_newest_max, setup2,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
