/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine driven without a terminal: every task state transition, faults,
 * control, and the plugin loader's refusals. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "loop.h"
#include "util.h"
#include "value.h"

#define MAX_EVENTS 4096

typedef struct fixture {
	pm_loop *loop;
	pm_engine *e;
	/* Task states in the order the events came, per task id. */
	int states[64][16];
	int nstates[64];
	unsigned worker_started, worker_exited;
	int last_exit_signal;
	char err[1024];
} fixture;

static void on_event(void *ud, const pm_event *ev)
{
	fixture *f = ud;
	if (ev->kind == PM_EV_TASK && ev->id < 64 && f->nstates[ev->id] < 16)
		f->states[ev->id][f->nstates[ev->id]++] = ev->state;
	if (ev->kind == PM_EV_WORKER && !strcmp(ev->what, "started"))
		f->worker_started++;
	if (ev->kind == PM_EV_WORKER && !strcmp(ev->what, "exited")) {
		f->worker_exited++;
		f->last_exit_signal = ev->signo;
	}
}

static const char *plugin_dir(void)
{
	const char *p = getenv("POOLMON_PLUGIN_PATH");
	return p ? p : "plugins";
}

static fixture *setup_n(int workers)
{
	fixture *f = xcalloc(1, sizeof *f);
	f->loop = pm_loop_new();
	char *err = NULL;
	pm_engine_config cfg = { .workers = workers };
	f->e = pm_engine_new(f->loop, &cfg, &err);
	assert_non_null(f->e);
	pm_engine_set_listener(f->e, on_event, f);
	pm_engine_add_plugin_dir(f->e, plugin_dir());
	assert_int_equal(pm_engine_load(f->e, "demo", f->err, sizeof f->err), 0);
	return f;
}

/* As setup_n, with single submits of any task measured once sent in
 * batches: what a pool of tiny tasks does, for tasks of any length. */
static fixture *setup_batching(int workers)
{
	fixture *f = xcalloc(1, sizeof *f);
	f->loop = pm_loop_new();
	char *err = NULL;
	pm_engine_config cfg = { .workers = workers, .batch_below = 1e6 };
	f->e = pm_engine_new(f->loop, &cfg, &err);
	assert_non_null(f->e);
	pm_engine_set_listener(f->e, on_event, f);
	pm_engine_add_plugin_dir(f->e, plugin_dir());
	assert_int_equal(pm_engine_load(f->e, "demo", f->err, sizeof f->err), 0);
	return f;
}

static int setup1_batching(void **state)
{
	*state = setup_batching(1);
	return 0;
}

static int setup2_batching(void **state)
{
	*state = setup_batching(2);
	return 0;
}

static int setup2(void **state)
{
	*state = setup_n(2);
	return 0;
}

static int setup1(void **state)
{
	*state = setup_n(1);
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

typedef bool (*pred_fn)(fixture *f, uint64_t arg);

/* Runs the loop until the condition holds; the 20 s bound only stops a
 * broken engine from hanging the suite. */
static bool run_until(fixture *f, pred_fn pred, uint64_t arg)
{
	double end = pm_now() + 20.0;
	while (!pred(f, arg)) {
		if (pm_now() > end)
			return false;
		pm_loop_run_once(f->loop, 100);
	}
	return true;
}

static bool is_idle(fixture *f, uint64_t arg)
{
	(void)arg;
	return pm_engine_idle(f->e);
}

static bool task_final(fixture *f, uint64_t id)
{
	pm_task_info ti;
	return pm_engine_task_info(f->e, id, &ti) &&
	       pm_task_state_final(ti.state);
}

static bool task_running(fixture *f, uint64_t id)
{
	pm_task_info ti;
	return pm_engine_task_info(f->e, id, &ti) &&
	       ti.state == PM_TASK_RUNNING;
}

static bool workers_gone(fixture *f, uint64_t arg)
{
	(void)arg;
	return pm_engine_workers_gone(f->e);
}

static uint64_t submit(fixture *f, const char *task, pm_value *args,
		       size_t n, double timeout)
{
	uint64_t id = 0;
	pm_submit_opts o = { timeout };
	int rc = pm_engine_submit(f->e, task, args, n, &o, &id, f->err,
				  sizeof f->err);
	if (rc < 0)
		fail_msg("submit %s: %s", task, f->err);
	return id;
}

static uint64_t submit_int(fixture *f, const char *task, int64_t v,
			   double timeout)
{
	pm_value a = pm_int(v);
	return submit(f, task, &a, 1, timeout);
}

/* How many final-state events task id had. */
static int finals_of(const fixture *f, uint64_t id)
{
	int n = 0;
	for (int k = 0; k < f->nstates[id]; k++)
		n += pm_task_state_final((pm_task_state)f->states[id][k]);
	return n;
}

static pm_task_state state_of(fixture *f, uint64_t id)
{
	pm_task_info ti;
	assert_true(pm_engine_task_info(f->e, id, &ti));
	return ti.state;
}

static char kernel_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return '?';
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' ? rp[2] : '?';
}

static void test_done(void **state)
{
	fixture *f = *state;
	uint64_t id = submit_int(f, "square", 7, 0);
	assert_true(run_until(f, task_final, id));
	pm_task_info ti;
	assert_true(pm_engine_task_info(f->e, id, &ti));
	assert_int_equal(ti.state, PM_TASK_DONE);
	assert_int_equal(ti.result->type, PM_INT);
	assert_int_equal(ti.result->u.i, 49);
	assert_string_equal(ti.task, "demo.square");
	assert_int_equal(f->nstates[id], 3);
	assert_int_equal(f->states[id][0], PM_TASK_QUEUED);
	assert_int_equal(f->states[id][1], PM_TASK_RUNNING);
	assert_int_equal(f->states[id][2], PM_TASK_DONE);
}

static void test_failed(void **state)
{
	fixture *f = *state;
	pm_value a = pm_str("boom");
	uint64_t id = submit(f, "demo.fail", &a, 1, 0);
	pm_value_free(&a);
	assert_true(run_until(f, task_final, id));
	pm_task_info ti;
	pm_engine_task_info(f->e, id, &ti);
	assert_int_equal(ti.state, PM_TASK_FAILED);
	assert_string_equal(ti.error, "boom");
}

static void test_rejected_before_queue(void **state)
{
	fixture *f = *state;
	uint64_t id = 0;
	pm_value s = pm_str("x");
	assert_int_equal(pm_engine_submit(f->e, "square", &s, 1, NULL, &id,
					  f->err, sizeof f->err), -1);
	assert_string_equal(f->err,
			    "demo.square(n:int): argument 'n' must be int, got str 'x'");
	pm_value_free(&s);
	assert_int_equal(pm_engine_submit(f->e, "nosuch", NULL, 0, NULL, &id,
					  f->err, sizeof f->err), -1);
	assert_string_equal(f->err, "unknown task 'nosuch' (see 'tasks')");
	assert_int_equal(pm_engine_last_task_id(f->e), 0);
}

/* Targets are read by the one id parser (src/ids.h): what it refuses names
 * nothing, even where strtoull would have read a task or a worker in it,
 * and acts on nothing; the messages write ids the same way. */
static void test_target_ids(void **state)
{
	fixture *f = *state;
	uint64_t id = submit_int(f, "square", 7, 0);
	assert_int_equal(id, 1);
	assert_true(run_until(f, task_final, id));
	assert_int_equal(pm_engine_pause(f->e, "t1", f->err, sizeof f->err), -1);
	assert_string_equal(f->err, "t1 is already done");
	assert_int_equal(pm_engine_terminate(f->e, "t1", f->err, sizeof f->err), -1);
	assert_string_equal(f->err, "t1 is already done");
	static const char *bad[] = {
		"t01", "t 1", "t+1", "t1 ", "t0", "T1", "x1", "w01", "w 1", "w+1",
		"p01", "t18446744073709551616",
	};
	typedef int (*act_fn)(pm_engine *, const char *, char *, size_t);
	static const act_fn acts[] = { pm_engine_pause, pm_engine_resume,
				       pm_engine_terminate, pm_engine_kill };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char want[200];
		snprintf(want, sizeof want,
			 "'%s' is not a task (t1), worker (w1), process (p1), 'all' or 'pool'",
			 bad[i]);
		for (size_t k = 0; k < sizeof acts / sizeof *acts; k++) {
			f->err[0] = '\0';
			assert_int_equal(acts[k](f->e, bad[i], f->err, sizeof f->err), -1);
			assert_string_equal(f->err, want);
		}
	}
	pm_worker_info wi;
	assert_true(pm_engine_worker_info(f->e, 0, &wi));
	assert_int_equal(wi.id, 1);
	assert_int_not_equal(wi.state, PM_WORKER_PAUSED);
	assert_true(wi.pid > 0);
	/* The worker's own id does name it. */
	assert_int_equal(pm_engine_pause(f->e, "w1", f->err, sizeof f->err), 0);
	assert_int_equal(pm_engine_pause(f->e, "w1", f->err, sizeof f->err), -1);
	assert_string_equal(f->err, "w1 is already paused");
	assert_int_equal(pm_engine_resume(f->e, "w1", f->err, sizeof f->err), 0);
	assert_int_equal(pm_engine_resume(f->e, "w1", f->err, sizeof f->err), -1);
	assert_string_equal(f->err, "w1 is not paused");
	assert_int_equal(pm_engine_pause(f->e, "p1", f->err, sizeof f->err), -1);
	assert_string_equal(f->err, "no process p1");
	assert_int_equal(pm_engine_last_task_id(f->e), 1);
}

static void test_map_ordered(void **state)
{
	fixture *f = *state;
	pm_value items[50];
	for (int i = 0; i < 50; i++)
		items[i] = pm_int(i + 1);
	uint64_t first = 0;
	assert_int_equal(pm_engine_map(f->e, "square", items, 50, 3, &first,
				       f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	for (int i = 0; i < 50; i++) {
		pm_task_info ti;
		assert_true(pm_engine_task_info(f->e, first + (uint64_t)i, &ti));
		assert_int_equal(ti.state, PM_TASK_DONE);
		assert_int_equal(ti.result->u.i, (int64_t)(i + 1) * (i + 1));
	}
}

static bool task_is(fixture *f, uint64_t id, pm_task_state st)
{
	pm_task_info ti;
	return pm_engine_task_info(f->e, id, &ti) && ti.state == st;
}

static bool running_map_item(fixture *f, uint64_t id)
{
	return task_is(f, id, PM_TASK_RUNNING);
}

/* A map's items are kept in bulk; acting on one (terminate, pause, resume,
 * kill) works as on any task, and each item's events are queued, running,
 * then one final state. */
static void test_map_items_controlled(void **state)
{
	fixture *f = *state;
	pm_value items[6];
	for (int i = 0; i < 6; i++)
		items[i] = pm_int(i == 1 ? 5000 : 30);
	uint64_t first = 0;
	assert_int_equal(pm_engine_map(f->e, "sleep", items, 6, 1, &first,
				       f->err, sizeof f->err), 0);
	char id[32];
	/* Item 2 sleeps 5 s: wait until it runs, then terminate it. */
	assert_true(run_until(f, running_map_item, first + 1));
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 1));
	assert_int_equal(pm_engine_terminate(f->e, id, f->err, sizeof f->err), 0);
	/* The last item is still queued (one sent ahead at most): held,
	 * then let go; the one before it is cancelled while queued. */
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 5));
	assert_int_equal(pm_engine_pause(f->e, id, f->err, sizeof f->err), 0);
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 4));
	assert_int_equal(pm_engine_terminate(f->e, id, f->err, sizeof f->err), 0);
	assert_true(run_until(f, task_final, first + 3));
	assert_true(task_is(f, first + 5, PM_TASK_PAUSED));
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 5));
	assert_int_equal(pm_engine_resume(f->e, id, f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	static const pm_task_state want[6] = {
		PM_TASK_DONE, PM_TASK_TERMINATED, PM_TASK_DONE,
		PM_TASK_DONE, PM_TASK_CANCELLED, PM_TASK_DONE,
	};
	for (int i = 0; i < 6; i++) {
		pm_task_info ti;
		assert_true(pm_engine_task_info(f->e, first + (uint64_t)i, &ti));
		assert_int_equal(ti.state, want[i]);
		assert_int_equal(ti.nargs, 1);
		assert_int_equal(ti.args[0].u.i, i == 1 ? 5000 : 30);
		if (want[i] == PM_TASK_DONE) {
			assert_int_equal(ti.result->u.i, 30);
			assert_int_not_equal(ti.pid, 0);
		}
		/* Exactly one final event, after queued (and running). */
		int n = f->nstates[first + (uint64_t)i];
		assert_true(n >= 2);
		assert_int_equal(f->states[first + (uint64_t)i][0], PM_TASK_QUEUED);
		assert_int_equal(f->states[first + (uint64_t)i][n - 1], want[i]);
		for (int k = 0; k < n - 1; k++)
			assert_false(pm_task_state_final(
				f->states[first + (uint64_t)i][k]));
	}
	assert_int_equal(f->states[first][1], PM_TASK_RUNNING);
	pm_counts c = pm_engine_counts(f->e);
	assert_int_equal(c.done, 4);
	assert_int_equal(c.terminated, 1);
	assert_int_equal(c.cancelled, 1);
}

/* Items and results of every kind come back as they went: numbers of
 * either type, None, strings, lists (a map of echo). */
static void test_map_value_kinds(void **state)
{
	fixture *f = *state;
	pm_value items[5] = { pm_int(-7), pm_float(2.5), pm_none(),
			      pm_str("héllo"), pm_none() };
	pm_value two[2] = { pm_int(1), pm_str("x") };
	items[4] = pm_list_take(pm_values_copy(two, 2), 2);
	pm_value_free(&two[1]);
	uint64_t first = 0;
	assert_int_equal(pm_engine_map(f->e, "echo", items, 5, 0, &first,
				       f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	for (int i = 0; i < 5; i++) {
		pm_task_info ti;
		assert_true(pm_engine_task_info(f->e, first + (uint64_t)i, &ti));
		assert_int_equal(ti.state, PM_TASK_DONE);
		/* echo(*args) returns its one argument, or the list of them
		 * (a list item is the argument list): the item either way. */
		assert_true(pm_value_equal(ti.result, &items[i]));
	}
	pm_value_free(&items[3]);
	pm_value_free(&items[4]);
	/* Floats of a map of one int parameter are refused, item named. */
	pm_value fl[2] = { pm_int(1), pm_float(1.5) };
	assert_int_equal(pm_engine_map(f->e, "square", fl, 2, 0, &first,
				       f->err, sizeof f->err), -1);
	assert_string_equal(f->err,
			    "item 2: demo.square(n:int): argument 'n' must be int, got float 1.5");
}

/* Without a listener (the fast path) a crash inside a big map still ends
 * each item once: the crashed one crashed, the rest done. */
static void test_map_crash_no_listener(void **state)
{
	fixture *f = *state;
	pm_engine_set_listener(f->e, NULL, NULL);
	enum { N = 5000 };
	pm_value *items = xcalloc(N, sizeof *items);
	size_t crash = 0;
	for (int i = 0; i < N; i++) {
		items[i] = pm_int(i);
		uint64_t h = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
		if (h % 1000 < 10) /* chaos: SIGSEGV */
			crash++;
		else if (h % 1000 < 25)
			items[i] = pm_int(1); /* anything else: keep it done */
	}
	uint64_t first = 0;
	assert_int_equal(pm_engine_map(f->e, "chaos", items, N, 0, &first,
				       f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	pm_counts c = pm_engine_counts(f->e);
	assert_int_equal(c.crashed, crash);
	assert_int_equal(c.done, N - crash);
	assert_int_equal(c.queued + c.running + c.paused + c.failed, 0);
	for (int i = 0; i < N; i++) {
		pm_task_info ti;
		assert_true(pm_engine_task_info(f->e, first + (uint64_t)i, &ti));
		if (ti.state == PM_TASK_DONE)
			assert_int_equal(ti.result->u.i, items[i].u.i);
		else
			assert_int_equal(ti.signo, SIGSEGV);
	}
	free(items);
}

/* Items of one chunk of numbers (one worker's slots): one paused while it
 * runs ends done with its result once resumed; one held and one
 * cancelled before their turn are skipped by the worker; the others end
 * done, each with exactly one final event. */
static void test_map_chunk_controlled(void **state)
{
	fixture *f = *state;
	pm_value items[5] = { pm_int(400), pm_int(20), pm_int(21), pm_int(22),
			      pm_int(23) };
	uint64_t first = 0;
	assert_int_equal(pm_engine_map(f->e, "sleep", items, 5, 5, &first,
				       f->err, sizeof f->err), 0);
	char id[32];
	assert_true(run_until(f, running_map_item, first));
	snprintf(id, sizeof id, "t%llu", (unsigned long long)first);
	assert_int_equal(pm_engine_pause(f->e, id, f->err, sizeof f->err), 0);
	assert_int_equal(state_of(f, first), PM_TASK_PAUSED);
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 2));
	assert_int_equal(pm_engine_pause(f->e, id, f->err, sizeof f->err), 0);
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 3));
	assert_int_equal(pm_engine_terminate(f->e, id, f->err, sizeof f->err), 0);
	snprintf(id, sizeof id, "t%llu", (unsigned long long)first);
	assert_int_equal(pm_engine_resume(f->e, id, f->err, sizeof f->err), 0);
	assert_true(run_until(f, task_final, first + 4));
	assert_int_equal(state_of(f, first + 2), PM_TASK_PAUSED);
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 2));
	assert_int_equal(pm_engine_resume(f->e, id, f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	for (int i = 0; i < 5; i++) {
		pm_task_info ti;
		uint64_t t = first + (uint64_t)i;
		pm_task_state want = i == 3 ? PM_TASK_CANCELLED : PM_TASK_DONE;
		assert_true(pm_engine_task_info(f->e, t, &ti));
		assert_int_equal(ti.state, want);
		if (want == PM_TASK_DONE)
			assert_int_equal(ti.result->u.i, items[i].u.i);
		int n = f->nstates[t];
		assert_int_equal(f->states[t][0], PM_TASK_QUEUED);
		assert_int_equal(f->states[t][n - 1], want);
		for (int k = 0; k < n - 1; k++)
			assert_false(pm_task_state_final(f->states[t][k]));
	}
	pm_counts c = pm_engine_counts(f->e);
	assert_int_equal(c.done, 4);
	assert_int_equal(c.cancelled, 1);
	assert_int_equal(c.queued + c.running + c.paused, 0);
}

static const pm_value ended_unseen_items[3] = {
	{ .type = PM_INT, .u.i = 30 },
	{ .type = PM_INT, .u.i = 1500 },
	{ .type = PM_INT, .u.i = 20 },
};

/* A map of numbers on one worker (sleep 30, 1500, 20 ms), its first item
 * running, and the manager kept from looking (the loop does not run)
 * until the worker's page says it runs the second: the manager still
 * counts the first running. */
static uint64_t map_first_ended_unseen(fixture *f)
{
	uint64_t first = 0;
	assert_int_equal(pm_engine_map(f->e, "sleep", ended_unseen_items, 3,
				       3, &first, f->err, sizeof f->err), 0);
	assert_true(run_until(f, running_map_item, first));
	pm_worker_info wi;
	double end = pm_now() + 20.0; /* only against a broken engine */
	do {
		assert_true(pm_now() < end);
		usleep(1000);
		assert_true(pm_engine_worker_info(f->e, 0, &wi));
	} while (wi.task_now != first + 1);
	assert_int_equal(wi.task, first); /* not seen yet */
	return first;
}

static void act(fixture *f, int (*fn)(pm_engine *, const char *, char *,
				      size_t), uint64_t id)
{
	char s[32];
	snprintf(s, sizeof s, "t%llu", (unsigned long long)id);
	assert_int_equal(fn(f->e, s, f->err, sizeof f->err), 0);
}

static pid_t worker_pid(fixture *f)
{
	pm_worker_info wi;
	assert_true(pm_engine_worker_info(f->e, 0, &wi));
	return wi.pid;
}

/* Items first.. are done, each with its own result (sleep returns ms). */
static void assert_done_with(fixture *f, uint64_t first, const pm_value *items,
			     int n)
{
	for (int i = 0; i < n; i++) {
		pm_task_info ti;
		assert_true(pm_engine_task_info(f->e, first + (uint64_t)i, &ti));
		assert_int_equal(ti.state, PM_TASK_DONE);
		assert_int_equal(ti.result->u.i, items[i].u.i);
	}
}

/* resume of an item held before its turn (its worker told to skip it):
 * it runs after all, and ends done, not paused. */
static void test_map_hold_then_resume(void **state)
{
	fixture *f = *state;
	pm_value items[3] = { pm_int(300), pm_int(20), pm_int(21) };
	uint64_t first = 0;
	assert_int_equal(pm_engine_map(f->e, "sleep", items, 3, 3, &first,
				       f->err, sizeof f->err), 0);
	assert_true(run_until(f, running_map_item, first));
	act(f, pm_engine_pause, first + 2);
	act(f, pm_engine_resume, first + 2);
	assert_true(run_until(f, is_idle, 0));
	assert_done_with(f, first, items, 3);
}

/* pause of an item that has just ended while the manager still counts it
 * running (its worker is on the next one): the worker is stopped for a
 * moment and goes on; nothing stays paused and every item ends done. */
static void test_pause_of_just_ended(void **state)
{
	fixture *f = *state;
	uint64_t first = map_first_ended_unseen(f);
	act(f, pm_engine_pause, first);
	assert_true(run_until(f, task_final, first));
	assert_true(run_until(f, is_idle, 0));
	assert_done_with(f, first, ended_unseen_items, 3);
	pm_worker_info wi;
	assert_true(pm_engine_worker_info(f->e, 0, &wi));
	assert_int_not_equal(wi.state, PM_WORKER_PAUSED);
}

/* terminate of an item that has just ended while the manager still counts
 * it running: the worker is killed on the next item, which was not meant,
 * so that one goes back to the queue and runs again; nothing is marked
 * terminated. */
static void test_terminate_of_just_ended(void **state)
{
	fixture *f = *state;
	uint64_t first = map_first_ended_unseen(f);
	act(f, pm_engine_terminate, first);
	assert_true(run_until(f, is_idle, 0));
	assert_done_with(f, first, ended_unseen_items, 3);
	pm_counts c = pm_engine_counts(f->e);
	assert_int_equal(c.done, 3);
	assert_int_equal(c.terminated, 0);
	assert_int_equal(f->worker_exited, 1); /* and was replaced */
}

/* terminate of an item that had just ended, then of the one its worker is
 * on: that second one is meant, and ends terminated. */
static void test_terminate_just_ended_then_next(void **state)
{
	fixture *f = *state;
	uint64_t first = map_first_ended_unseen(f);
	act(f, pm_engine_terminate, first);
	act(f, pm_engine_terminate, first + 1);
	assert_true(run_until(f, is_idle, 0));
	assert_int_equal(state_of(f, first), PM_TASK_DONE);
	assert_int_equal(state_of(f, first + 1), PM_TASK_TERMINATED);
	assert_int_equal(state_of(f, first + 2), PM_TASK_DONE);
}

/* After a pause of the first item (just ended) and a second pause: the
 * first ends done, the worker stays stopped (kernel state T) with the next
 * item paused, until resume of what (an id or "all"). */
static void assert_next_held(fixture *f, uint64_t first, const char *what)
{
	assert_true(run_until(f, task_final, first));
	assert_int_equal(state_of(f, first), PM_TASK_DONE);
	assert_int_equal(state_of(f, first + 1), PM_TASK_PAUSED);
	assert_int_equal(kernel_state(worker_pid(f)), 'T');
	assert_int_equal(pm_engine_resume(f->e, what, f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	assert_done_with(f, first, ended_unseen_items, 3);
}

/* pause of an item that had just ended, then of the one its worker is on:
 * that one is held until resumed. */
static void test_pause_just_ended_then_next(void **state)
{
	fixture *f = *state;
	uint64_t first = map_first_ended_unseen(f);
	act(f, pm_engine_pause, first);
	act(f, pm_engine_pause, first + 1);
	char id[32];
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(first + 1));
	assert_next_held(f, first, id);
}

/* pause of an item that had just ended, then pause all: held until resume
 * all. */
static void test_pause_just_ended_then_all(void **state)
{
	fixture *f = *state;
	uint64_t first = map_first_ended_unseen(f);
	act(f, pm_engine_pause, first);
	assert_int_equal(pm_engine_pause(f->e, "all", f->err, sizeof f->err), 0);
	assert_next_held(f, first, "all");
}

static bool paused_and_replaced(fixture *f, uint64_t id)
{
	return task_is(f, id, PM_TASK_PAUSED) && f->worker_exited == 1 &&
	       f->worker_started == 1;
}

/* terminate of an item that had just ended, then pause of the next: the
 * worker is killed on that next one, which stays paused (as asked) instead
 * of running again at once; resumed, it runs on the new worker. */
static void test_terminate_just_ended_then_pause_next(void **state)
{
	fixture *f = *state;
	uint64_t first = map_first_ended_unseen(f);
	act(f, pm_engine_terminate, first);
	act(f, pm_engine_pause, first + 1);
	assert_true(run_until(f, paused_and_replaced, first + 1));
	assert_int_equal(state_of(f, first), PM_TASK_DONE);
	act(f, pm_engine_resume, first + 1);
	assert_true(run_until(f, is_idle, 0));
	assert_done_with(f, first, ended_unseen_items, 3);
	assert_int_equal(pm_engine_counts(f->e).terminated, 0);
}

/* A worker that dies mid-chunk of a map puts its unstarted items back:
 * they run as that map's, and a task queued after them stays its own. */
static void test_worker_death_requeues_map_only(void **state)
{
	fixture *f = *state;
	pm_value items[3] = { pm_int(300), pm_int(300), pm_int(300) };
	pm_value sq[3] = { pm_int(2), pm_int(3), pm_int(4) };
	uint64_t first = 0, first2 = 0;
	assert_int_equal(pm_engine_map(f->e, "sleep", items, 3, 3, &first,
				       f->err, sizeof f->err), 0);
	assert_int_equal(pm_engine_map(f->e, "square", sq, 3, 3, &first2,
				       f->err, sizeof f->err), 0);
	uint64_t t = submit_int(f, "square", 5, 0);
	assert_true(run_until(f, running_map_item, first));
	assert_int_equal(pm_engine_terminate(f->e, "w1", f->err, sizeof f->err),
			 0);
	assert_true(run_until(f, is_idle, 0));
	assert_int_equal(state_of(f, first), PM_TASK_TERMINATED);
	for (int i = 1; i < 3; i++) {
		pm_task_info ti;
		assert_true(pm_engine_task_info(f->e, first + (uint64_t)i, &ti));
		assert_int_equal(ti.state, PM_TASK_DONE);
		assert_int_equal(ti.result->u.i, 300);
	}
	for (int i = 0; i < 3; i++) {
		pm_task_info ti;
		assert_true(pm_engine_task_info(f->e, first2 + (uint64_t)i, &ti));
		assert_int_equal(ti.state, PM_TASK_DONE);
		assert_int_equal(ti.result->u.i, sq[i].u.i * sq[i].u.i);
	}
	pm_task_info ti;
	assert_true(pm_engine_task_info(f->e, t, &ti));
	assert_int_equal(ti.state, PM_TASK_DONE);
	assert_int_equal(ti.result->u.i, 25);
}

static bool process_exited(fixture *f, uint64_t id)
{
	pm_process_info pi;
	return pm_engine_process_by_id(f->e, id, &pi) && pi.pid == 0;
}

/* spawn while the pool's queue holds tasks of the same kind: the process
 * runs its own task only. */
static void test_spawn_takes_only_its_task(void **state)
{
	fixture *f = *state;
	uint64_t h = submit(f, "hang", NULL, 0, 0);
	assert_true(run_until(f, task_running, h));
	uint64_t queued[20];
	for (int i = 0; i < 20; i++)
		queued[i] = submit_int(f, "square", i, 0);
	pm_value a = pm_int(3);
	uint64_t proc = 0, tid = 0;
	assert_int_equal(pm_engine_spawn(f->e, "square", &a, 1, NULL, &proc,
					 &tid, f->err, sizeof f->err), 0);
	assert_true(run_until(f, process_exited, proc));
	pm_task_info ti;
	assert_true(pm_engine_task_info(f->e, tid, &ti));
	assert_int_equal(ti.state, PM_TASK_DONE);
	assert_int_equal(ti.result->u.i, 9);
	for (int i = 0; i < 20; i++)
		assert_int_equal(state_of(f, queued[i]), PM_TASK_QUEUED);
	char id[32];
	snprintf(id, sizeof id, "t%llu", (unsigned long long)h);
	assert_int_equal(pm_engine_terminate(f->e, id, f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	for (int i = 0; i < 20; i++)
		assert_int_equal(state_of(f, queued[i]), PM_TASK_DONE);
}

/* A big map of numbers whose results are numbers, strings, None or
 * failures, with and without a listener: every item ends once, with its
 * own result, in order. */
static void check_mixed_map(fixture *f)
{
	enum { N = 20000 };
	char path[4096];
	snprintf(path, sizeof path, "%s/../tests/plugins/extra.so",
		 plugin_dir());
	assert_int_equal(pm_engine_load(f->e, path, f->err, sizeof f->err), 0);
	pm_value *items = xcalloc(N, sizeof *items);
	for (int i = 0; i < N; i++)
		items[i] = pm_int(i);
	uint64_t first = 0;
	assert_int_equal(pm_engine_map(f->e, "mixed", items, N, 0, &first,
				       f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	pm_counts c = pm_engine_counts(f->e);
	assert_int_equal(c.done, N - N / 5);
	assert_int_equal(c.failed, N / 5);
	assert_int_equal(c.queued + c.running + c.paused + c.crashed, 0);
	for (int i = 0; i < N; i++) {
		pm_task_info ti;
		assert_true(pm_engine_task_info(f->e, first + (uint64_t)i, &ti));
		switch (i % 5) {
		case 0:
			assert_int_equal(ti.state, PM_TASK_DONE);
			assert_int_equal(ti.result->type, PM_INT);
			assert_int_equal(ti.result->u.i, i);
			break;
		case 1:
			assert_int_equal(ti.state, PM_TASK_DONE);
			assert_int_equal(ti.result->type, PM_STR);
			assert_string_equal(ti.result->u.s.ptr,
					    i % 2 ? "odd" : "even");
			break;
		case 2:
			assert_int_equal(ti.state, PM_TASK_DONE);
			assert_int_equal(ti.result->type, PM_FLOAT);
			assert_true(ti.result->u.f == (double)i / 4);
			break;
		case 3:
			assert_int_equal(ti.state, PM_TASK_DONE);
			assert_int_equal(ti.result->type, PM_NONE);
			break;
		case 4: {
			char want[64];
			snprintf(want, sizeof want, "no to %d", i);
			assert_int_equal(ti.state, PM_TASK_FAILED);
			assert_string_equal(ti.error, want);
			break;
		}
		}
	}
	free(items);
}

static void test_map_mixed_results(void **state)
{
	check_mixed_map(*state);
}

static void test_map_mixed_results_no_listener(void **state)
{
	fixture *f = *state;
	pm_engine_set_listener(f->e, NULL, NULL);
	check_mixed_map(f);
}

static void test_crash_others_finish(void **state)
{
	fixture *f = *state;
	uint64_t crash = submit(f, "crash", NULL, 0, 0);
	pm_value items[100];
	for (int i = 0; i < 100; i++)
		items[i] = pm_int(i);
	uint64_t first;
	assert_int_equal(pm_engine_map(f->e, "square", items, 100, 0, &first,
				       f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	pm_task_info ti;
	pm_engine_task_info(f->e, crash, &ti);
	assert_int_equal(ti.state, PM_TASK_CRASHED);
	assert_int_equal(ti.signo, SIGSEGV);
	pm_counts c = pm_engine_counts(f->e);
	assert_int_equal(c.done, 100);
	assert_int_equal(c.crashed, 1);
	/* The dead worker was replaced: still two, one restart. */
	assert_int_equal(pm_engine_worker_count(f->e), 2);
	unsigned restarts = 0;
	for (size_t i = 0; i < 2; i++) {
		pm_worker_info wi;
		pm_engine_worker_info(f->e, i, &wi);
		restarts += wi.restarts;
		assert_int_not_equal(wi.pid, 0);
	}
	assert_int_equal(restarts, 1);
}

static void test_external_kill(void **state)
{
	fixture *f = *state;
	uint64_t id = submit_int(f, "sleep", 10000, 0);
	assert_true(run_until(f, task_running, id));
	pm_task_info ti;
	pm_engine_task_info(f->e, id, &ti);
	assert_int_equal(kill(ti.pid, SIGKILL), 0);
	assert_true(run_until(f, task_final, id));
	pm_engine_task_info(f->e, id, &ti);
	assert_int_equal(ti.state, PM_TASK_CRASHED);
	assert_int_equal(ti.signo, SIGKILL);
	uint64_t after = submit_int(f, "square", 3, 0);
	assert_true(run_until(f, task_final, after));
	assert_int_equal(state_of(f, after), PM_TASK_DONE);
}

static void test_timeout(void **state)
{
	fixture *f = *state;
	uint64_t id = submit(f, "hang", NULL, 0, 0.2);
	assert_true(run_until(f, task_final, id));
	pm_task_info ti;
	pm_engine_task_info(f->e, id, &ti);
	assert_int_equal(ti.state, PM_TASK_TIMEOUT);
	assert_string_equal(ti.error, "timed out");
}

static void test_terminate_queued_running_paused(void **state)
{
	fixture *f = *state;
	/* Occupy both workers, then queue one more. */
	uint64_t run1 = submit_int(f, "sleep", 10000, 0);
	uint64_t run2 = submit_int(f, "sleep", 10000, 0);
	uint64_t queued = submit_int(f, "square", 2, 0);
	assert_true(run_until(f, task_running, run1));
	assert_true(run_until(f, task_running, run2));
	assert_int_equal(state_of(f, queued), PM_TASK_QUEUED);
	assert_int_equal(pm_engine_terminate(f->e, "t3", f->err, sizeof f->err), 0);
	assert_int_equal(state_of(f, queued), PM_TASK_CANCELLED);
	/* Pause one running task, then terminate it while paused. */
	assert_int_equal(pm_engine_pause(f->e, "t2", f->err, sizeof f->err), 0);
	assert_int_equal(state_of(f, run2), PM_TASK_PAUSED);
	assert_int_equal(pm_engine_terminate(f->e, "t2", f->err, sizeof f->err), 0);
	assert_int_equal(pm_engine_terminate(f->e, "t1", f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	assert_int_equal(state_of(f, run1), PM_TASK_TERMINATED);
	assert_int_equal(state_of(f, run2), PM_TASK_TERMINATED);
	assert_int_equal(pm_engine_terminate(f->e, "t1", f->err, sizeof f->err), -1);
	assert_string_equal(f->err, "t1 is already terminated");
	/* Exactly one final state each. */
	for (uint64_t id = 1; id <= 3; id++)
		assert_int_equal(finals_of(f, id), 1);
}

static void test_pause_resume_kernel_state(void **state)
{
	fixture *f = *state;
	uint64_t id = submit_int(f, "spin", 800, 0);
	assert_true(run_until(f, task_running, id));
	pm_task_info ti;
	pm_engine_task_info(f->e, id, &ti);
	assert_int_equal(pm_engine_pause(f->e, "t1", f->err, sizeof f->err), 0);
	assert_int_equal(state_of(f, id), PM_TASK_PAUSED);
	/* SIGSTOP is asynchronous: wait for the kernel to show it. */
	double end = pm_now() + 5;
	while (kernel_state(ti.pid) != 'T' && pm_now() < end)
		pm_loop_run_once(f->loop, 10);
	assert_int_equal(kernel_state(ti.pid), 'T');
	pm_worker_info wi;
	assert_true(pm_engine_worker_by_id(f->e, ti.worker, &wi));
	assert_int_equal(wi.state, PM_WORKER_PAUSED);
	assert_int_equal(pm_engine_pause(f->e, "t1", f->err, sizeof f->err), -1);
	assert_int_equal(pm_engine_resume(f->e, "t1", f->err, sizeof f->err), 0);
	assert_int_equal(state_of(f, id), PM_TASK_RUNNING);
	assert_int_not_equal(kernel_state(ti.pid), 'T');
	assert_true(run_until(f, task_final, id));
	assert_int_equal(state_of(f, id), PM_TASK_DONE);
}

static void test_hold_queued(void **state)
{
	fixture *f = *state;
	assert_int_equal(pm_engine_pause(f->e, NULL, f->err, sizeof f->err), 0);
	assert_int_equal(pm_engine_pool_state(f->e), PM_POOL_PAUSED);
	uint64_t a = submit_int(f, "square", 2, 0);
	uint64_t b = submit_int(f, "square", 3, 0);
	assert_int_equal(pm_engine_pause(f->e, "t1", f->err, sizeof f->err), 0);
	assert_int_equal(state_of(f, a), PM_TASK_PAUSED);
	assert_int_equal(pm_engine_resume(f->e, NULL, f->err, sizeof f->err), 0);
	assert_true(run_until(f, task_final, b));
	assert_int_equal(state_of(f, a), PM_TASK_PAUSED);
	assert_int_equal(pm_engine_resume(f->e, "t1", f->err, sizeof f->err), 0);
	assert_true(run_until(f, task_final, a));
	assert_int_equal(state_of(f, a), PM_TASK_DONE);
}

static pm_task_info info_of(fixture *f, uint64_t id)
{
	pm_task_info ti;
	assert_true(pm_engine_task_info(f->e, id, &ti));
	return ti;
}

/* Items batched behind a task that runs long go to the idle worker: with
 * dispatch paused, a 600 ms sleep and eight 20 ms ones are queued; at
 * resume the first worker is sent the long one and a short one in one
 * batch.  The short one is taken back and all eight end before the long
 * one, whichever worker was sent what. */
static void test_batched_behind_long_taken_back(void **state)
{
	fixture *f = *state;
	uint64_t warm = submit_int(f, "sleep", 0, 0); /* measured: batchable */
	assert_true(run_until(f, task_final, warm));
	assert_int_equal(pm_engine_pause(f->e, NULL, f->err, sizeof f->err), 0);
	uint64_t slow = submit_int(f, "sleep", 600, 0);
	uint64_t first = 0;
	for (int i = 0; i < 8; i++) {
		uint64_t id = submit_int(f, "sleep", 20, 0);
		first = first ? first : id;
	}
	assert_int_equal(pm_engine_resume(f->e, NULL, f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	pm_task_info s = info_of(f, slow);
	assert_int_equal(s.state, PM_TASK_DONE);
	for (uint64_t id = first; id < first + 8; id++) {
		pm_task_info ti = info_of(f, id);
		assert_int_equal(ti.state, PM_TASK_DONE);
		if (ti.ended_at >= s.ended_at)
			fail_msg("t%llu ended after the long t%llu",
				 (unsigned long long)id, (unsigned long long)slow);
		if (ti.worker == s.worker)
			fail_msg("t%llu ran on the long task's worker w%llu",
				 (unsigned long long)id,
				 (unsigned long long)s.worker);
	}
}

/* Soak of the dispatcher: rounds of 24 sleeps, one of 600 ms among short
 * ones of random lengths (0, 2 or 20 ms, fixed seeds), every one
 * batchable, so that a batch may hold the long one with short ones behind
 * it.  Whenever a worker sat idle for more
 * than 100 ms (a look of the manager is 5 ms), no task was waiting all
 * that time: it would have been given to that worker. */
/* One round of it: returns how many times a worker sat idle over 100 ms. */
static size_t dispatch_soak_round(fixture *f, uint32_t seed)
{
	enum { N = 24 };
	static const int ms[8] = { 0, 0, 0, 0, 0, 2, 2, 20 };
	uint64_t ids[N];
	uint32_t r = seed * 2654435761u;
	int slow = (int)(seed * 7 % N); /* one 600 ms task among short ones */
	for (int i = 0; i < N; i++) {
		r = r * 1103515245u + 12345u;
		ids[i] = submit_int(f, "sleep", i == slow ? 600 : ms[(r >> 16) % 8],
				    0);
	}
	assert_true(run_until(f, is_idle, 0));
	pm_task_info ti[N];
	for (int i = 0; i < N; i++) {
		ti[i] = info_of(f, ids[i]);
		assert_int_equal(ti[i].state, PM_TASK_DONE);
	}
	size_t gaps = 0;
	for (int a = 0; a < N; a++) {
		/* The next task a's worker started after a ended. */
		double next = 0;
		for (int b = 0; b < N; b++)
			if (ti[b].worker == ti[a].worker &&
			    ti[b].started_at >= ti[a].ended_at &&
			    (next == 0 || ti[b].started_at < next))
				next = ti[b].started_at;
		if (next != 0 && next - ti[a].ended_at <= 0.100)
			continue; /* busy again soon (no next: idle to the end) */
		gaps++;
		for (int c = 0; c < N; c++)
			if (ti[c].queued_at < ti[a].ended_at &&
			    ti[c].started_at > ti[a].ended_at + 0.100)
				fail_msg("seed %u: t%llu waited while w%llu was idle from %.3f s on",
					 seed, (unsigned long long)ids[c],
					 (unsigned long long)ti[a].worker,
					 ti[a].ended_at - ti[0].queued_at);
	}
	return gaps;
}

/* Soak of the dispatcher: rounds of 24 sleeps, one of 600 ms among short
 * ones of random lengths (0, 2 or 20 ms, fixed seeds), every one
 * batchable, so that a batch may hold the long one with short ones behind
 * it.  Whenever a worker sat idle for more
 * than 100 ms (a look of the manager is 5 ms), no task was waiting all
 * that time: it would have been given to that worker. */
static void test_dispatch_soak(void **state)
{
	fixture *f = *state;
	uint64_t warm = submit_int(f, "sleep", 0, 0);
	assert_true(run_until(f, task_final, warm));
	size_t gaps = 0;
	for (uint32_t seed = 1; seed <= 8; seed++)
		gaps += dispatch_soak_round(f, seed);
	print_message("dispatch soak: %zu idle times over 100 ms, none with a task waiting\n",
		      gaps);
}

/* Terminate and pause of tasks sent ahead to a worker busy with a long
 * one act at once (they are taken back from its ring), not when the
 * worker gets to them. */
static void test_control_of_sent_ahead(void **state)
{
	fixture *f = *state;
	uint64_t warm = submit_int(f, "sleep", 0, 0);
	assert_true(run_until(f, task_final, warm));
	assert_int_equal(pm_engine_pause(f->e, NULL, f->err, sizeof f->err), 0);
	uint64_t slow = submit_int(f, "sleep", 400, 0);
	for (int i = 0; i < 8; i++)
		submit_int(f, "sleep", 0, 0);
	assert_int_equal(pm_engine_resume(f->e, NULL, f->err, sizeof f->err), 0);
	assert_true(run_until(f, task_running, slow));
	/* One worker, nine queued: it was sent a batch, the long one first. */
	char id[32];
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(slow + 1));
	assert_int_equal(pm_engine_terminate(f->e, id, f->err, sizeof f->err), 0);
	assert_int_equal(state_of(f, slow + 1), PM_TASK_CANCELLED);
	snprintf(id, sizeof id, "t%llu", (unsigned long long)(slow + 2));
	assert_int_equal(pm_engine_pause(f->e, id, f->err, sizeof f->err), 0);
	assert_int_equal(state_of(f, slow + 2), PM_TASK_PAUSED);
	assert_int_equal(state_of(f, slow), PM_TASK_RUNNING);
	assert_int_equal(pm_engine_resume(f->e, id, f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	assert_int_equal(state_of(f, slow + 1), PM_TASK_CANCELLED);
	for (uint64_t k = slow + 2; k <= slow + 8; k++)
		assert_int_equal(state_of(f, k), PM_TASK_DONE);
	assert_int_equal(state_of(f, slow), PM_TASK_DONE);
	/* One final event each. */
	for (uint64_t k = slow; k <= slow + 8; k++)
		assert_int_equal(finals_of(f, k), 1);
}

/* Every task has its times: queued <= started <= ended, and the event of
 * each change carries it. */
static void test_task_times(void **state)
{
	fixture *f = *state;
	uint64_t id = submit_int(f, "sleep", 30, 0);
	assert_true(run_until(f, task_final, id));
	pm_task_info ti = info_of(f, id);
	assert_true(ti.queued_at > 0);
	assert_true(ti.started_at >= ti.queued_at);
	assert_true(ti.ended_at - ti.started_at >= 0.030);
	assert_true(ti.changed_at == ti.ended_at);
	uint64_t m = 0;
	pm_value items[3] = { pm_int(1), pm_int(2), pm_int(3) };
	assert_int_equal(pm_engine_map(f->e, "square", items, 3, 0, &m, f->err,
				       sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	for (uint64_t k = m; k < m + 3; k++) {
		ti = info_of(f, k);
		assert_int_equal(ti.state, PM_TASK_DONE);
		/* A map item's start and end are its chunk's. */
		assert_true(ti.queued_at > 0 && ti.started_at >= ti.queued_at);
		assert_true(ti.ended_at >= ti.started_at);
	}
}

static void test_close_join(void **state)
{
	fixture *f = *state;
	for (int i = 0; i < 6; i++)
		submit_int(f, "sleep", 50, 0);
	assert_int_equal(pm_engine_close(f->e, f->err, sizeof f->err), 0);
	uint64_t id;
	pm_value a = pm_int(1);
	assert_int_equal(pm_engine_submit(f->e, "square", &a, 1, NULL, &id,
					  f->err, sizeof f->err), -1);
	assert_string_equal(f->err, "pool is closed: it accepts no more tasks");
	assert_true(run_until(f, workers_gone, 0));
	pm_counts c = pm_engine_counts(f->e);
	assert_int_equal(c.done, 6);
	assert_int_equal(f->worker_exited, 2);
}

static void test_terminate_pool(void **state)
{
	fixture *f = *state;
	for (int i = 0; i < 5; i++)
		submit_int(f, "sleep", 10000, 0);
	assert_true(run_until(f, task_running, 1));
	assert_true(run_until(f, task_running, 2));
	assert_int_equal(pm_engine_terminate(f->e, "pool", f->err, sizeof f->err), 0);
	assert_true(run_until(f, workers_gone, 0));
	pm_counts c = pm_engine_counts(f->e);
	assert_int_equal(c.terminated + c.cancelled, 5);
	assert_int_equal(c.cancelled, 3);
	assert_int_equal(pm_engine_pool_state(f->e), PM_POOL_TERMINATED);
}

static void test_shrink_while_busy(void **state)
{
	fixture *f = *state;
	assert_int_equal(pm_engine_resize(f->e, 4, f->err, sizeof f->err), 0);
	assert_int_equal(pm_engine_worker_count(f->e), 4);
	for (int i = 0; i < 8; i++)
		submit_int(f, "sleep", 100, 0);
	assert_true(run_until(f, task_running, 4));
	assert_int_equal(pm_engine_resize(f->e, 1, f->err, sizeof f->err), 0);
	assert_true(run_until(f, is_idle, 0));
	pm_counts c = pm_engine_counts(f->e);
	assert_int_equal(c.done, 8);
	for (int i = 0; i < 200 && pm_engine_worker_count(f->e) != 1; i++)
		pm_loop_run_once(f->loop, 50);
	assert_int_equal(pm_engine_worker_count(f->e), 1);
	assert_int_equal(pm_engine_resize(f->e, 0, f->err, sizeof f->err), -1);
}

static void test_maxtasks_recycles(void **state)
{
	(void)state;
	fixture *f = xcalloc(1, sizeof *f);
	f->loop = pm_loop_new();
	char *err = NULL;
	pm_engine_config cfg = { .workers = 1, .maxtasks = 2 };
	f->e = pm_engine_new(f->loop, &cfg, &err);
	assert_non_null(f->e);
	pm_engine_set_listener(f->e, on_event, f);
	pm_engine_add_plugin_dir(f->e, plugin_dir());
	assert_int_equal(pm_engine_load(f->e, "demo", f->err, sizeof f->err), 0);
	pid_t pids[5];
	for (int i = 0; i < 5; i++) {
		uint64_t id = submit_int(f, "square", i, 0);
		assert_true(run_until(f, task_final, id));
		pm_task_info ti;
		pm_engine_task_info(f->e, id, &ti);
		assert_int_equal(ti.state, PM_TASK_DONE);
		pids[i] = ti.pid;
	}
	/* Two tasks per worker process, then a fresh one. */
	assert_int_equal(pids[0], pids[1]);
	assert_int_not_equal(pids[1], pids[2]);
	assert_int_equal(pids[2], pids[3]);
	assert_int_not_equal(pids[3], pids[4]);
	assert_int_equal(pm_engine_counts(f->e).crashed, 0);
	*state = f;
}

static void test_initializer(void **state)
{
	fixture *f = *state;
	uint64_t before = submit_int(f, "square", 2, 0);
	assert_true(run_until(f, task_final, before));
	pm_task_info ti;
	pm_engine_task_info(f->e, before, &ti);
	pid_t old_pid = ti.pid;
	pm_value ms = pm_int(1);
	assert_int_equal(pm_engine_set_initializer(f->e, "sleep", &ms, 1, f->err,
						   sizeof f->err), 0);
	assert_string_equal(pm_engine_initializer(f->e), "demo.sleep");
	/* Workers are replaced to run it: the old pid is gone. */
	for (int i = 0; i < 200 && kill(old_pid, 0) == 0; i++)
		pm_loop_run_once(f->loop, 20);
	uint64_t after = submit_int(f, "square", 3, 0);
	assert_true(run_until(f, task_final, after));
	pm_engine_task_info(f->e, after, &ti);
	assert_int_equal(ti.state, PM_TASK_DONE);
	assert_int_not_equal(ti.pid, old_pid);
	/* A failing one: three in a row and the pool gives up cleanly. */
	pm_value msg = pm_str("bad init");
	assert_int_equal(pm_engine_set_initializer(f->e, "fail", &msg, 1, f->err,
						   sizeof f->err), 0);
	pm_value_free(&msg);
	uint64_t waiting = submit_int(f, "square", 4, 0);
	assert_true(run_until(f, task_final, waiting));
	pm_engine_task_info(f->e, waiting, &ti);
	assert_int_equal(ti.state, PM_TASK_FAILED);
	assert_string_equal(ti.error,
			    "worker initializer demo.fail failed: bad init");
	uint64_t id;
	pm_value a = pm_int(1);
	assert_int_equal(pm_engine_submit(f->e, "square", &a, 1, NULL, &id,
					  f->err, sizeof f->err), -1);
	assert_string_equal(f->err,
			    "pool is broken: its initializer demo.fail keeps failing (bad init)");
	/* Bad initializers are refused before anything changes. */
	assert_int_equal(pm_engine_set_initializer(f->e, "nosuch", NULL, 0,
						   f->err, sizeof f->err), -1);
}

static void test_loader_refusals(void **state)
{
	fixture *f = *state;
	size_t before = pm_engine_plugin_count(f->e);
	assert_int_equal(pm_engine_load(f->e, "/nonexistent/x.so", f->err,
					sizeof f->err), -1);
	assert_string_equal(f->err,
			    "cannot load plugin /nonexistent/x.so: No such file or directory");
	assert_int_equal(pm_engine_load(f->e, "nosuchplugin", f->err,
					sizeof f->err), -1);
	assert_non_null(strstr(f->err, "no plugin 'nosuchplugin' in the plugin path"));
	/* Not ELF. */
	char dir[] = "/tmp/poolmon-ut.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *txt = xasprintf("%s/text.so", dir);
	FILE *fp = fopen(txt, "w");
	fputs("not a shared object\n", fp);
	fclose(fp);
	chmod(txt, 0644);
	assert_int_equal(pm_engine_load(f->e, txt, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "not an ELF shared object"));
	/* Writable by others. */
	chmod(txt, 0666);
	assert_int_equal(pm_engine_load(f->e, txt, f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "writable by others"));
	unlink(txt);
	rmdir(dir);
	free(txt);
	/* The same plugin twice. */
	assert_int_equal(pm_engine_load(f->e, "demo", f->err, sizeof f->err), -1);
	assert_non_null(strstr(f->err, "a plugin named 'demo' is already loaded"));
	assert_int_equal(pm_engine_plugin_count(f->e), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_done, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_failed, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_before_queue, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_target_ids, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_map_ordered, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_map_items_controlled, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_map_value_kinds, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_map_crash_no_listener, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_map_chunk_controlled, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_map_hold_then_resume, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_pause_of_just_ended, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_terminate_of_just_ended, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_terminate_just_ended_then_next, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_pause_just_ended_then_next, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_pause_just_ended_then_all, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_terminate_just_ended_then_pause_next, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_worker_death_requeues_map_only, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_spawn_takes_only_its_task, setup1, teardown),
		cmocka_unit_test_setup_teardown(test_map_mixed_results, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_map_mixed_results_no_listener, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_crash_others_finish, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_external_kill, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_terminate_queued_running_paused, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_pause_resume_kernel_state, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_hold_queued, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_close_join, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_batched_behind_long_taken_back, setup2_batching, teardown),
		cmocka_unit_test_setup_teardown(test_task_times, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_control_of_sent_ahead, setup1_batching, teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_soak, setup2_batching, teardown),
		cmocka_unit_test_setup_teardown(test_terminate_pool, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_shrink_while_busy, setup2, teardown),
		cmocka_unit_test_setup_teardown(test_loader_refusals, setup2, teardown),
		cmocka_unit_test_teardown(test_maxtasks_recycles, teardown),
		cmocka_unit_test_setup_teardown(test_initializer, setup2, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
