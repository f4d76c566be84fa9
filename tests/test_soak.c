/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Soak: 100,000 tasks with crashes (several signals), exits, failures,
 * timeouts and terminates.  Every submitted task ends in exactly one final
 * state, the counts match what the tasks were made to do, and no process is
 * left behind. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "engine.h"
#include "loop.h"
#include "util.h"
#include "value.h"

#define N_CHAOS 100000
#define N_HANG 20
#define N_TERM 40

typedef struct soak {
	unsigned char *finals; /* final-state events seen, per task id */
	size_t cap;
	size_t final_events;
	size_t double_finals;
} soak;

static void on_event(void *ud, const pm_event *ev)
{
	soak *s = ud;
	if (ev->kind != PM_EV_TASK || !pm_task_state_final((pm_task_state)ev->state))
		return;
	if (ev->id >= s->cap)
		return;
	if (s->finals[ev->id]++)
		s->double_finals++;
	s->final_events++;
}

/* What chaos(seed) does, mirrored from the demo plugin. */
static int chaos_kind(int64_t seed)
{
	uint64_t h = (uint64_t)seed * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	unsigned k = (unsigned)(h % 1000);
	return k < 10 ? 1 : k < 15 ? 2 : k < 20 ? 3 : k < 25 ? 4 : 0;
}

/* Two workers and the demo plugin; batching: single submits of any task
 * measured once go out in batches (and are taken back). */
static pm_engine *soak_engine_cfg(pm_loop *loop, bool batching)
{
	char *err = NULL, buf[512];
	pm_engine_config cfg = { .workers = 2,
				 .batch_below = batching ? 1e6 : 0 };
	pm_engine *e = pm_engine_new(loop, &cfg, &err);
	assert_non_null(e);
	const char *dir = getenv("POOLMON_PLUGIN_PATH");
	pm_engine_add_plugin_dir(e, dir ? dir : "plugins");
	assert_int_equal(pm_engine_load(e, "demo", buf, sizeof buf), 0);
	return e;
}

static pm_engine *soak_engine(pm_loop *loop)
{
	return soak_engine_cfg(loop, false);
}

static void test_soak(void **state)
{
	(void)state;
	soak s = { 0 };
	s.cap = N_CHAOS + N_HANG + N_TERM + 16;
	s.finals = xcalloc(s.cap, 1);
	pm_loop *loop = pm_loop_new();
	char buf[512];
	pm_engine *e = soak_engine(loop);
	pm_engine_set_listener(e, on_event, &s);

	/* Hangs that time out, then sleeps to terminate, then the chaos map:
	 * the terminates hit queued and running tasks alike. */
	uint64_t id;
	for (int i = 0; i < N_HANG; i++) {
		pm_submit_opts o = { 0.05 };
		assert_int_equal(pm_engine_submit(e, "hang", NULL, 0, &o, &id,
						  buf, sizeof buf), 0);
	}
	uint64_t term_first = 0;
	for (int i = 0; i < N_TERM; i++) {
		pm_value a = pm_int(200);
		assert_int_equal(pm_engine_submit(e, "sleep", &a, 1, NULL, &id,
						  buf, sizeof buf), 0);
		if (!term_first)
			term_first = id;
	}
	pm_value *items = xcalloc(N_CHAOS, sizeof *items);
	size_t expect_crash = 0, expect_failed = 0;
	for (int i = 0; i < N_CHAOS; i++) {
		items[i] = pm_int(i);
		int k = chaos_kind(i);
		expect_crash += k == 1 || k == 2;
		expect_failed += k == 3 || k == 4;
	}
	uint64_t first;
	assert_int_equal(pm_engine_map(e, "chaos", items, N_CHAOS, 0, &first,
				       buf, sizeof buf), 0);
	free(items);
	size_t terminated_asks = 0;
	double end = pm_now() + 120; /* only against a hung engine */
	uint64_t next_term = term_first;
	while (!pm_engine_idle(e) && pm_now() < end) {
		pm_loop_run_once(loop, 50);
		/* Terminate the sleeps one by one, whatever state each is in. */
		if (next_term < term_first + N_TERM) {
			if (pm_engine_terminate(e, (snprintf(buf, sizeof buf, "t%llu",
							     (unsigned long long)next_term),
						    buf), buf, sizeof buf) == 0)
				terminated_asks++;
			next_term++;
		}
	}
	assert_true(pm_engine_idle(e));
	size_t total = N_CHAOS + N_HANG + N_TERM;
	pm_counts c = pm_engine_counts(e);
	assert_int_equal(c.queued + c.running + c.paused, 0);
	assert_int_equal(c.done + c.failed + c.crashed + c.timeout +
				 c.terminated + c.cancelled,
			 total);
	assert_int_equal(s.final_events, total);
	assert_int_equal(s.double_finals, 0);
	for (uint64_t t = 1; t <= total; t++)
		assert_int_equal(s.finals[t], 1);
	assert_int_equal(c.timeout, N_HANG);
	assert_int_equal(c.crashed, expect_crash);
	/* fail() and exit(7) are both failures; an asked terminate may find
	 * its sleep already done. */
	assert_int_equal(c.failed, expect_failed);
	assert_int_equal(c.terminated + c.cancelled + (c.done - (N_CHAOS - expect_crash - expect_failed)),
			 N_TERM);
	pm_engine_free(e);
	pm_loop_free(loop);
	/* Every child was reaped: none left, not even a zombie. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	free(s.finals);
}

/* A map of numbers (items in the workers' slots) under fire: random
 * pause, resume, terminate and kill of its items while it runs, with and
 * without a listener.  Every item ends exactly once (one final event where
 * there is a listener), a done item has its own result, and nothing is
 * left queued, running or paused once the held ones are let go. */
/* A map of sleeps (or as many single submits, sent in batches, with a
 * 40 ms one every 50) under random pause, resume, terminate and kill of
 * its tasks near the front and of what workers run (and, for submits,
 * pause and resume of a worker): every task ends once, done ones with
 * their own result. */
static void soak_control(bool listen, bool submits)
{
	enum { N = 4000, ACTIONS = 1500, WINDOW = 600 };
	soak s = { 0 };
	s.cap = N + 16;
	s.finals = xcalloc(s.cap, 1);
	pm_loop *loop = pm_loop_new();
	char buf[512], id[32];
	pm_engine *e = soak_engine_cfg(loop, submits);
	if (listen)
		pm_engine_set_listener(e, on_event, &s);
	pm_value *items = xcalloc(N, sizeof *items);
	for (int i = 0; i < N; i++) /* sleep 0 or 2 ms (submits: or 40) */
		items[i] = pm_int(submits && i % 50 == 49 ? 40
				  : i % 3 == 0 ? 2 : 0);
	uint64_t first = 0;
	if (submits) {
		pm_value warm = pm_int(0); /* measured: batchable */
		uint64_t w0;
		assert_int_equal(pm_engine_submit(e, "sleep", &warm, 1, NULL,
						  &w0, buf, sizeof buf), 0);
		while (!pm_engine_idle(e))
			pm_loop_run_once(loop, 10);
		for (int i = 0; i < N; i++) {
			uint64_t id1;
			assert_int_equal(pm_engine_submit(e, "sleep", &items[i],
							  1, NULL, &id1, buf,
							  sizeof buf), 0);
			first = first ? first : id1;
		}
	} else {
		assert_int_equal(pm_engine_map(e, "sleep", items, N, 0, &first,
					       buf, sizeof buf), 0);
	}
	uint64_t rng = 0x2545f4914f6cdd1dULL;
	double end = pm_now() + 120; /* only against a hung engine */
	for (int k = 0; k < ACTIONS && !pm_engine_idle(e) && pm_now() < end;
	     k++) {
		pm_loop_run_once(loop, 1);
		/* Near the front: what runs, or waits in a worker's slots. */
		pm_counts now = pm_engine_counts(e);
		uint64_t front = now.done + now.crashed + now.terminated +
				 now.cancelled;
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		uint64_t t = first + (front + (rng >> 8) % WINDOW) % N;
		/* Every fourth action: what a worker runs now. */
		pm_worker_info wi;
		if (rng % 16 < 4 &&
		    pm_engine_worker_info(e, (size_t)(rng >> 40) % 2, &wi) &&
		    wi.task >= first && wi.task < first + N)
			t = wi.task;
		snprintf(id, sizeof id, "t%llu", (unsigned long long)t);
		if (submits && rng % 32 == 7)
			snprintf(id, sizeof id, "w%d", 1 + (int)(rng >> 50) % 2);
		switch ((rng >> 4) % 4) {
		case 0: pm_engine_pause(e, id, buf, sizeof buf); break;
		case 1: pm_engine_resume(e, id, buf, sizeof buf); break;
		case 2: pm_engine_terminate(e, id, buf, sizeof buf); break;
		case 3: pm_engine_kill(e, id, buf, sizeof buf); break;
		}
	}
	/* Workers paused above go on. */
	pm_engine_resume(e, "w1", buf, sizeof buf);
	pm_engine_resume(e, "w2", buf, sizeof buf);
	/* Let the held ones go until all have ended. */
	while (!pm_engine_idle(e) && pm_now() < end) {
		for (int i = 0; i < N; i++) {
			pm_task_info ti;
			if (pm_engine_task_info(e, first + (uint64_t)i, &ti) &&
			    ti.state == PM_TASK_PAUSED) {
				snprintf(id, sizeof id, "t%llu",
					 (unsigned long long)(first + (uint64_t)i));
				pm_engine_resume(e, id, buf, sizeof buf);
			}
		}
		pm_loop_run_once(loop, 20);
	}
	pm_counts c = pm_engine_counts(e);
	if (!pm_engine_idle(e))
		print_message("not idle: queued %zu running %zu paused %zu\n",
			      c.queued, c.running, c.paused);
	assert_true(pm_engine_idle(e));
	assert_int_equal(c.queued + c.running + c.paused, 0);
	assert_int_equal(c.done + c.crashed + c.terminated + c.cancelled,
			 N + (submits ? 1 : 0)); /* and the warm-up */
	assert_int_equal(c.failed + c.timeout, 0);
	size_t done = 0;
	for (int i = 0; i < N; i++) {
		pm_task_info ti;
		assert_true(pm_engine_task_info(e, first + (uint64_t)i, &ti));
		assert_true(pm_task_state_final(ti.state));
		if (ti.state == PM_TASK_DONE) {
			done++;
			assert_int_equal(ti.result->type, PM_INT);
			assert_int_equal(ti.result->u.i, items[i].u.i);
		}
		if (listen)
			assert_int_equal(s.finals[first + (uint64_t)i], 1);
	}
	assert_int_equal(done, c.done - (submits ? 1 : 0));
	if (listen) {
		assert_int_equal(s.final_events, N + (submits ? 1 : 0));
		assert_int_equal(s.double_finals, 0);
	}
	pm_engine_free(e);
	pm_loop_free(loop);
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	free(items);
	free(s.finals);
}

static void test_soak_map_control(void **state)
{
	(void)state;
	soak_control(true, false);
}

static void test_soak_map_control_no_listener(void **state)
{
	(void)state;
	soak_control(false, false);
}

static void test_soak_submit_control(void **state)
{
	(void)state;
	soak_control(true, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soak),
		cmocka_unit_test(test_soak_map_control),
		cmocka_unit_test(test_soak_map_control_no_listener),
		cmocka_unit_test(test_soak_submit_control),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
