/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared objects: every primitive, across forked processes — contention,
 * timeouts, Full/Empty, task_done/join, barrier release, and robust-lock
 * recovery after kill -9 of a holder. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "shared.h"
#include "util.h"
#include "value.h"

static const struct pm_shared_api *api;
static char err[512];

static int setup(void **state)
{
	api = pm_shared_api();
	pm_shared *s = pm_shared_new(err, sizeof err);
	assert_non_null(s);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	pm_shared_free(*state);
	return 0;
}

/* Runs fn(arg) in a child; returns its pid.  The child exits 0 if fn
 * returned 0. */
static pid_t child(int (*fn)(pm_shared *, void *), pm_shared *s, void *arg)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(s, arg) == 0 ? 0 : 1);
	return pid;
}

static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		;
	return st;
}

static void reap_ok(pid_t pid)
{
	int st = reap(pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	nanosleep(&ts, NULL);
}

/* ---- Value and Array ---------------------------------------------------- */

static void test_value_codes(void **state)
{
	pm_shared *s = *state;
	static const struct {
		char code;
		int64_t lo, hi; /* in range */
		int64_t bad;    /* out of range */
	} c[] = {
		{ 'b', -128, 127, 128 },       { 'B', 0, 255, 256 },
		{ 'h', -32768, 32767, 32768 }, { 'H', 0, 65535, -1 },
		{ 'i', INT32_MIN, INT32_MAX, (int64_t)INT32_MAX + 1 },
		{ 'I', 0, UINT32_MAX, (int64_t)UINT32_MAX + 1 },
		{ 'l', INT64_MIN, INT64_MAX, 0 },
		{ 'L', 0, INT64_MAX, -1 },
		{ 'q', INT64_MIN, INT64_MAX, 0 },
		{ 'Q', 0, INT64_MAX, -5 },
	};
	for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
		char name[16];
		snprintf(name, sizeof name, "v_%c%zu", c[k].code, k);
		pm_value lo = pm_int(c[k].lo), hi = pm_int(c[k].hi);
		assert_int_equal(pm_shared_value_new(s, name, c[k].code, &lo,
						     true, err, sizeof err), 0);
		void *v = pm_shared_find(s, name);
		assert_non_null(v);
		assert_string_equal(api->kind(v), "value");
		pm_value got;
		assert_int_equal(api->value_get(v, 0, &got), PM_SHM_OK);
		assert_int_equal(got.u.i, c[k].lo);
		assert_int_equal(api->value_set(v, 0, &hi), PM_SHM_OK);
		api->value_get(v, 0, &got);
		assert_int_equal(got.u.i, c[k].hi);
		if (c[k].bad) {
			pm_value bad = pm_int(c[k].bad);
			assert_int_equal(api->value_set(v, 0, &bad),
					 PM_SHM_RANGE);
			api->value_get(v, 0, &got);
			assert_int_equal(got.u.i, c[k].hi); /* unchanged */
			snprintf(name, sizeof name, "w_%c%zu", c[k].code, k);
			assert_int_equal(pm_shared_value_new(s, name, c[k].code,
							     &bad, true, err,
							     sizeof err),
					 -1);
			assert_non_null(strstr(err, "out of range"));
			assert_null(pm_shared_find(s, name));
		}
	}
	/* Sizes are C's. */
	assert_int_equal(pm_shared_code_size('h'), sizeof(short));
	assert_int_equal(pm_shared_code_size('l'), sizeof(long));
	assert_int_equal(pm_shared_code_size('q'), sizeof(long long));
	assert_int_equal(pm_shared_code_size('u'), 0);
	pm_value zero = pm_int(0);
	assert_int_equal(pm_shared_value_new(s, "bad", 'u', &zero, true, err,
					     sizeof err), -1);
	assert_non_null(strstr(err, "bad type code"));

	/* Floats: 'd' takes ints and floats; 'f' refuses beyond FLT_MAX. */
	pm_value pi = pm_float(3.14);
	assert_int_equal(pm_shared_value_new(s, "vd", 'd', &pi, true, err,
					     sizeof err), 0);
	pm_value got;
	api->value_get(pm_shared_find(s, "vd"), 0, &got);
	assert_int_equal(got.type, PM_FLOAT);
	assert_true(got.u.f == 3.14);
	pm_value huge = pm_float(1e40);
	assert_int_equal(pm_shared_value_new(s, "vf", 'f', &huge, true, err,
					     sizeof err), -1);
	pm_value fl = pm_float(2.5);
	assert_int_equal(pm_shared_value_new(s, "vi", 'i', &fl, true, err,
					     sizeof err), -1);
	assert_non_null(strstr(err, "integer"));

	/* 'c' is one character, as bytes. */
	pm_value a = pm_str("a");
	assert_int_equal(pm_shared_value_new(s, "vc", 'c', &a, true, err,
					     sizeof err), 0);
	api->value_get(pm_shared_find(s, "vc"), 0, &got);
	assert_int_equal(got.type, PM_BYTES);
	assert_int_equal(got.u.s.ptr[0], 'a');
	pm_value_free(&got);
	pm_value ab = pm_str("ab");
	assert_int_equal(api->value_set(pm_shared_find(s, "vc"), 0, &ab),
			 PM_SHM_TYPE);
	pm_value_free(&a);
	pm_value_free(&ab);

	/* Q above INT64_MAX reads back as a bigint (ABI 1.4), and takes one
	 * up to 2**64-1; beyond, negative or in 'q' it is out of range. */
	pm_value max = pm_int(INT64_MAX);
	assert_int_equal(pm_shared_value_new(s, "vq", 'Q', &max, false, err,
					     sizeof err), 0);
	void *vq = pm_shared_find(s, "vq");
	pm_value one = pm_int(1);
	assert_int_equal(api->value_add(vq, 0, &one, &got), PM_SHM_OK);
	assert_int_equal(got.type, PM_BIGINT);
	assert_string_equal(got.u.s.ptr, "9223372036854775808");
	pm_value_free(&got);
	pm_value umax = pm_bigint("18446744073709551615");
	assert_int_equal(api->value_set(vq, 0, &umax), PM_SHM_OK);
	assert_int_equal(api->value_get(vq, 0, &got), PM_SHM_OK);
	assert_true(pm_value_equal(&got, &umax));
	pm_value_free(&got);
	pm_value over = pm_bigint("18446744073709551616");
	pm_value under = pm_bigint("-9223372036854775809");
	assert_int_equal(api->value_set(vq, 0, &over), PM_SHM_RANGE);
	assert_int_equal(api->value_set(vq, 0, &under), PM_SHM_RANGE);
	assert_int_equal(pm_shared_check_value('q', &umax, err, sizeof err), -1);
	assert_string_equal(err, "18446744073709551615 is out of range for type code 'q' (-9223372036854775808..9223372036854775807)");
	assert_int_equal(pm_shared_check_value('d', &over, err, sizeof err), 0);
	assert_int_equal(api->value_get(vq, 0, &got), PM_SHM_OK);
	assert_string_equal(got.u.s.ptr, "18446744073709551615");
	pm_value_free(&got);
	pm_value_free(&umax);
	pm_value_free(&over);
	pm_value_free(&under);
	/* A wrap like C's for a small code. */
	pm_value v127 = pm_int(127);
	pm_shared_value_new(s, "vb", 'b', &v127, true, err, sizeof err);
	api->value_add(pm_shared_find(s, "vb"), 0, &one, &got);
	assert_int_equal(got.u.i, -128);
}

static void test_names(void **state)
{
	pm_shared *s = *state;
	assert_int_equal(pm_shared_value_new(s, "x", 'i', NULL, true, err,
					     sizeof err), 0);
	assert_int_equal(pm_shared_value_new(s, "x", 'i', NULL, true, err,
					     sizeof err), -1);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(pm_shared_queue_new(s, "x", PM_SK_QUEUE, 0, 0, err,
					     sizeof err), -1);
	assert_int_equal(pm_shared_lock_new(s, "1x", false, err, sizeof err),
			 -1);
	assert_int_equal(pm_shared_lock_new(s, "a[1]", false, err, sizeof err),
			 -1);
	assert_int_equal(pm_shared_count(s), 1);
	assert_null(pm_shared_find(s, "nope"));
	assert_null(api->kind(NULL));
	int junk[8] = { 0 };
	assert_null(api->kind(junk));
	assert_int_equal(api->acquire(junk, 0), PM_SHM_TYPE);
}

static void test_array(void **state)
{
	pm_shared *s = *state;
	pm_value items[4] = { pm_int(1), pm_int(2), pm_int(3), pm_int(4) };
	pm_value list = { .type = PM_LIST, .u.list = { items, 4 } };
	assert_int_equal(pm_shared_array_new(s, "a", 'i', 0, &list, true, err,
					     sizeof err), 0);
	void *a = pm_shared_find(s, "a");
	assert_int_equal(api->len(a), 4);
	assert_int_equal(api->code(a), 'i');
	pm_value got;
	api->value_get(a, 3, &got);
	assert_int_equal(got.u.i, 4);
	assert_int_equal(api->value_get(a, 4, &got), PM_SHM_RANGE);
	assert_int_equal(((int *)api->raw(a))[2], 3);
	pm_value nine = pm_int(9);
	assert_int_equal(api->value_set(a, 4, &nine), PM_SHM_RANGE);

	/* The seed's 2-D initializer is an error. */
	pm_value row1[2] = { pm_int(1), pm_int(2) };
	pm_value row2[2] = { pm_int(3), pm_int(4) };
	pm_value rows[2] = { { .type = PM_LIST, .u.list = { row1, 2 } },
			     { .type = PM_LIST, .u.list = { row2, 2 } } };
	pm_value two_d = { .type = PM_LIST, .u.list = { rows, 2 } };
	assert_int_equal(pm_shared_array_new(s, "a2", 'i', 0, &two_d, true,
					     err, sizeof err), -1);
	assert_non_null(strstr(err, "one-dimensional"));
	assert_null(pm_shared_find(s, "a2"));

	/* Size only: zeros; 'c' from a string. */
	assert_int_equal(pm_shared_array_new(s, "z", 'd', 5, NULL, false, err,
					     sizeof err), 0);
	pm_value all;
	pm_shared_values(pm_shared_find(s, "z"), &all);
	assert_int_equal(all.u.list.len, 5);
	assert_true(all.u.list.items[4].u.f == 0.0);
	pm_value_free(&all);
	assert_null(api->get_lock(pm_shared_find(s, "z")));
	assert_non_null(api->get_lock(a));
	pm_value hello = pm_str("hello");
	assert_int_equal(pm_shared_array_new(s, "s", 'c', 0, &hello, true, err,
					     sizeof err), 0);
	pm_value_free(&hello);
	assert_int_equal(api->len(pm_shared_find(s, "s")), 5);
	pm_shared_info info;
	assert_true(pm_shared_get_info(s, pm_shared_count(s) - 1, &info));
	assert_string_equal(info.name, "s");
	assert_string_equal(info.text, "[b'h', b'e', b'l', b'l', b'o']");
	/* Bad items leave nothing behind. */
	pm_value bad[2] = { pm_int(1), pm_int(300) };
	pm_value badl = { .type = PM_LIST, .u.list = { bad, 2 } };
	assert_int_equal(pm_shared_array_new(s, "b", 'B', 0, &badl, true, err,
					     sizeof err), -1);
	assert_non_null(strstr(err, "item 1"));
	assert_int_equal(pm_shared_array_new(s, "e", 'i', 0, NULL, true, err,
					     sizeof err), -1);
}

static int add_many(pm_shared *s, void *arg)
{
	void *v = pm_shared_find(s, arg);
	pm_value one = pm_int(1);
	for (int i = 0; i < 20000; i++)
		if (api->value_add(v, 0, &one, NULL) != PM_SHM_OK)
			return 1;
	return 0;
}

static int add_with_lock(pm_shared *s, void *arg)
{
	void *v = pm_shared_find(s, arg);
	void *l = api->get_lock(v);
	for (int i = 0; i < 5000; i++) {
		/* `with v.get_lock(): v.value += 1` — the RLock lets the
		 * locked get/set nest. */
		if (api->acquire(l, PM_SHM_FOREVER) != PM_SHM_OK)
			return 1;
		pm_value cur;
		api->value_get(v, 0, &cur);
		cur.u.i++;
		api->value_set(v, 0, &cur);
		api->release(l);
	}
	return 0;
}

static void test_value_contention(void **state)
{
	pm_shared *s = *state;
	pm_shared_value_new(s, "n", 'i', NULL, true, err, sizeof err);
	pid_t p[4];
	for (int i = 0; i < 4; i++)
		p[i] = child(add_many, s, "n");
	for (int i = 0; i < 4; i++)
		reap_ok(p[i]);
	pm_value got;
	api->value_get(pm_shared_find(s, "n"), 0, &got);
	assert_int_equal(got.u.i, 80000);

	pm_shared_value_new(s, "m", 'q', NULL, true, err, sizeof err);
	for (int i = 0; i < 3; i++)
		p[i] = child(add_with_lock, s, "m");
	for (int i = 0; i < 3; i++)
		reap_ok(p[i]);
	api->value_get(pm_shared_find(s, "m"), 0, &got);
	assert_int_equal(got.u.i, 15000);
}

/* ---- locks ------------------------------------------------------------- */

static int hold_for(pm_shared *s, void *arg)
{
	void *l = pm_shared_find(s, arg);
	if (api->acquire(l, PM_SHM_FOREVER) != PM_SHM_OK)
		return 1;
	nap(0.4);
	return api->release(l) == PM_SHM_OK ? 0 : 1;
}

static int hold_and_die(pm_shared *s, void *arg)
{
	void *l = pm_shared_find(s, arg);
	if (api->acquire(l, PM_SHM_FOREVER) != PM_SHM_OK)
		return 1;
	pause(); /* until kill -9 */
	return 1;
}

static int hold_value_lock_and_die(pm_shared *s, void *arg)
{
	void *l = api->get_lock(pm_shared_find(s, arg));
	if (api->acquire(l, PM_SHM_FOREVER) != PM_SHM_OK)
		return 1;
	pause();
	return 1;
}

static void wait_locked(pm_shared *s, size_t idx)
{
	pm_shared_info info;
	for (int i = 0; i < 500; i++) {
		pm_shared_get_info(s, idx, &info);
		if (info.locked)
			return;
		nap(0.01);
	}
	fail_msg("lock never taken");
}

static void test_lock(void **state)
{
	pm_shared *s = *state;
	assert_int_equal(pm_shared_lock_new(s, "l", false, err, sizeof err), 0);
	void *l = pm_shared_find(s, "l");
	assert_string_equal(api->kind(l), "lock");
	/* Releasing an unheld lock is an error, as in Python. */
	assert_int_equal(api->release(l), PM_SHM_NOT_HELD);
	assert_int_equal(api->acquire(l, PM_SHM_FOREVER), PM_SHM_OK);
	assert_int_equal(api->acquire(l, 0), PM_SHM_TIMEOUT);
	assert_int_equal(api->acquire(l, 0.05), PM_SHM_DEADLOCK);
	pm_shared_info info;
	pm_shared_get_info(s, 0, &info);
	assert_true(info.locked);
	assert_int_equal(info.holder_pid, getpid());
	assert_int_equal(api->release(l), PM_SHM_OK);
	assert_int_equal(api->release(l), PM_SHM_NOT_HELD);

	/* Another process holds it: timeouts, then it is ours. */
	pid_t p = child(hold_for, s, "l");
	wait_locked(s, 0);
	pm_shared_get_info(s, 0, &info);
	assert_int_equal(info.holder_pid, p);
	assert_int_equal(api->release(l), PM_SHM_NOT_HELD);
	double t0 = pm_now();
	assert_int_equal(api->acquire(l, 0.1), PM_SHM_TIMEOUT);
	assert_true(pm_now() - t0 >= 0.09);
	assert_int_equal(api->acquire(l, 5), PM_SHM_OK);
	reap_ok(p);
	api->release(l);

	/* RLock: nests, and only the holder releases. */
	pm_shared_lock_new(s, "r", true, err, sizeof err);
	void *r = pm_shared_find(s, "r");
	assert_string_equal(api->kind(r), "rlock");
	assert_int_equal(api->acquire(r, 0), PM_SHM_OK);
	assert_int_equal(api->acquire(r, 0), PM_SHM_OK);
	assert_int_equal(api->release(r), PM_SHM_OK);
	assert_int_equal(api->release(r), PM_SHM_OK);
	assert_int_equal(api->release(r), PM_SHM_NOT_HELD);
}

static void test_robust_lock(void **state)
{
	pm_shared *s = *state;
	pm_shared_lock_new(s, "l", false, err, sizeof err);
	void *l = pm_shared_find(s, "l");
	pid_t p = child(hold_and_die, s, "l");
	wait_locked(s, 0);
	kill(p, SIGKILL);
	int st = reap(p);
	assert_true(WIFSIGNALED(st));
	/* The next acquirer gets it, told that the owner died. */
	assert_int_equal(api->acquire(l, 2), PM_SHM_OWNER_DIED);
	pm_shared_info info;
	pm_shared_get_info(s, 0, &info);
	assert_true(info.owner_died);
	assert_int_equal(info.dead_pid, p);
	assert_int_equal(info.holder_pid, getpid());
	assert_non_null(strstr(info.text, "owner died"));
	assert_int_equal(api->release(l), PM_SHM_OK);
	assert_int_equal(api->acquire(l, 0), PM_SHM_OK);
	api->release(l);

	/* A Value's lock too, and the Value stays usable. */
	pm_shared_value_new(s, "v", 'i', NULL, true, err, sizeof err);
	void *v = pm_shared_find(s, "v");
	p = child(hold_value_lock_and_die, s, "v");
	wait_locked(s, 1);
	kill(p, SIGKILL);
	reap(p);
	pm_value one = pm_int(1), got;
	assert_int_equal(api->value_add(v, 0, &one, &got), PM_SHM_OK);
	assert_int_equal(got.u.i, 1);
	pm_shared_get_info(s, 1, &info);
	assert_true(info.owner_died);
	assert_int_equal(info.dead_pid, p);
	assert_false(info.locked);
}

/* As a worker of the engine would be: id w7, then wait for the lock. */
static int wait_as_w7(pm_shared *s, void *arg)
{
	pm_shared_set_self('w', 7);
	void *l = pm_shared_find(s, arg);
	if (api->acquire(l, PM_SHM_FOREVER) != PM_SHM_OK)
		return 1;
	return api->release(l) == PM_SHM_OK ? 0 : 1;
}

/* A process that is none of the engine's: shown by its pid. */
static int wait_untagged(pm_shared *s, void *arg)
{
	void *l = pm_shared_find(s, arg);
	api->acquire(l, PM_SHM_FOREVER);
	pause(); /* until kill -9 */
	return 1;
}

static int hold_as_p3_and_die(pm_shared *s, void *arg)
{
	pm_shared_set_self('p', 3);
	return hold_and_die(s, arg);
}

static void wait_waiting(pm_shared *s, size_t idx, unsigned n)
{
	pm_shared_info info;
	for (int i = 0; i < 500; i++) {
		pm_shared_get_info(s, idx, &info);
		if (info.nwaiting == n)
			return;
		nap(0.01);
	}
	fail_msg("never %u waiting (%u)", n, info.nwaiting);
}

static const pm_shared_waiter *waiter_named(const pm_shared_info *in,
					    const char *id)
{
	for (unsigned i = 0; i < in->nwaiting; i++)
		if (!strcmp(in->waiting[i].id, id))
			return &in->waiting[i];
	return NULL;
}

static void test_lock_waiters(void **state)
{
	pm_shared *s = *state;
	pm_shared_lock_new(s, "l", false, err, sizeof err);
	void *l = pm_shared_find(s, "l");
	assert_int_equal(api->acquire(l, 0), PM_SHM_OK);
	pid_t a = child(wait_as_w7, s, "l");
	pid_t b = child(wait_untagged, s, "l");
	wait_waiting(s, 0, 2);
	pm_shared_info info, later;
	pm_shared_get_info(s, 0, &info);
	assert_string_equal(info.holder_id, "poolmon");
	assert_false(info.holder_dead);
	assert_int_equal(info.waiters, 2);
	char untagged[32];
	snprintf(untagged, sizeof untagged, "pid %d", (int)b);
	const pm_shared_waiter *wa = waiter_named(&info, "w7");
	const pm_shared_waiter *wb = waiter_named(&info, untagged);
	assert_non_null(wa);
	assert_non_null(wb);
	assert_int_equal(wa->pid, a);
	assert_int_equal(wb->pid, b);
	assert_non_null(strstr(info.text, "held by poolmon; waiting: "));
	assert_non_null(strstr(info.text, "w7 "));
	/* How long: it grows while they wait. */
	nap(0.3);
	pm_shared_get_info(s, 0, &later);
	assert_true(waiter_named(&later, "w7")->waited >= wa->waited + 0.25);
	assert_true(waiter_named(&later, untagged)->waited >= wb->waited + 0.25);
	/* Longest first. */
	assert_true(later.waiting[0].waited >= later.waiting[1].waited);
	/* A waiter killed -9 is not shown any more. */
	kill(b, SIGKILL);
	reap(b);
	pm_shared_get_info(s, 0, &info);
	assert_int_equal(info.nwaiting, 1);
	assert_int_equal(info.waiters, 1);
	assert_string_equal(info.waiting[0].id, "w7");
	/* Released: w7 gets it, then nobody waits. */
	assert_int_equal(api->release(l), PM_SHM_OK);
	reap_ok(a);
	pm_shared_get_info(s, 0, &info);
	assert_int_equal(info.nwaiting, 0);
	assert_false(info.locked);
	assert_string_equal(info.text, "free");
	assert_true(pm_shared_lock_info(s, 0, &info));
	assert_int_equal(info.nwaiting, 0);

	/* A holder that died: shown before anyone recovers the lock, then
	 * the owner-died flag names it. */
	pid_t p = child(hold_as_p3_and_die, s, "l");
	wait_locked(s, 0);
	kill(p, SIGKILL);
	reap(p);
	pm_shared_get_info(s, 0, &info);
	assert_true(info.locked);
	assert_true(info.holder_dead);
	assert_string_equal(info.holder_id, "p3");
	assert_string_equal(info.text, "held by p3, which died holding it");
	assert_int_equal(api->acquire(l, 2), PM_SHM_OWNER_DIED);
	pm_shared_get_info(s, 0, &info);
	assert_string_equal(info.holder_id, "poolmon");
	assert_string_equal(info.dead_id, "p3");
	assert_string_equal(info.text, "held by poolmon (owner died: p3)");
	api->release(l);

	/* The engine's mark. */
	pm_shared_mark_deadlock(s, 0, true);
	pm_shared_get_info(s, 0, &info);
	assert_true(info.deadlock);
	assert_non_null(strstr(info.text, " DEADLOCK"));
	pm_shared_mark_deadlock(s, 0, false);
	pm_shared_get_info(s, 0, &info);
	assert_false(info.deadlock);
	/* Objects without a lock have no lock info. */
	pm_shared_queue_new(s, "q", PM_SK_QUEUE, 0, 0, err, sizeof err);
	assert_false(pm_shared_lock_info(s, 1, &info));
}

/* ---- semaphores, events, conditions, barriers --------------------------- */

static int release_later(pm_shared *s, void *arg)
{
	nap(0.2);
	return api->release(pm_shared_find(s, arg)) == PM_SHM_OK ? 0 : 1;
}

static void test_semaphore(void **state)
{
	pm_shared *s = *state;
	assert_int_equal(pm_shared_semaphore_new(s, "sem", 2, false, err,
						 sizeof err), 0);
	void *sem = pm_shared_find(s, "sem");
	assert_int_equal(api->acquire(sem, 0), PM_SHM_OK);
	assert_int_equal(api->acquire(sem, 0), PM_SHM_OK);
	assert_int_equal(api->acquire(sem, 0), PM_SHM_TIMEOUT);
	double t0 = pm_now();
	assert_int_equal(api->acquire(sem, 0.1), PM_SHM_TIMEOUT);
	assert_true(pm_now() - t0 >= 0.09);
	pid_t p = child(release_later, s, "sem");
	assert_int_equal(api->acquire(sem, 5), PM_SHM_OK);
	reap_ok(p);
	/* A plain semaphore may go above its start value. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(api->release(sem), PM_SHM_OK);
	pm_shared_info info;
	pm_shared_get_info(s, 0, &info);
	assert_int_equal(info.count, 3);

	pm_shared_semaphore_new(s, "bs", 1, true, err, sizeof err);
	void *bs = pm_shared_find(s, "bs");
	assert_string_equal(api->kind(bs), "bounded_semaphore");
	assert_int_equal(api->release(bs), PM_SHM_TOO_MANY);
	assert_int_equal(api->acquire(bs, 0), PM_SHM_OK);
	assert_int_equal(api->release(bs), PM_SHM_OK);
	assert_int_equal(pm_shared_semaphore_new(s, "neg", -1, false, err,
						 sizeof err), -1);
}

static int set_later(pm_shared *s, void *arg)
{
	nap(0.2);
	return api->event_set(pm_shared_find(s, arg));
}

static void test_event(void **state)
{
	pm_shared *s = *state;
	pm_shared_event_new(s, "ev", err, sizeof err);
	void *ev = pm_shared_find(s, "ev");
	assert_int_equal(api->event_is_set(ev), 0);
	assert_int_equal(api->wait(ev, 0.05), PM_SHM_TIMEOUT);
	pid_t p = child(set_later, s, "ev");
	double t0 = pm_now();
	assert_int_equal(api->wait(ev, 5), PM_SHM_OK);
	assert_true(pm_now() - t0 < 4);
	reap_ok(p);
	assert_int_equal(api->event_is_set(ev), 1);
	assert_int_equal(api->wait(ev, 0), PM_SHM_OK);
	api->event_clear(ev);
	assert_int_equal(api->event_is_set(ev), 0);
	assert_int_equal(api->event_set(pm_shared_find(s, "ev")), PM_SHM_OK);
}

static int cond_waiter(pm_shared *s, void *arg)
{
	void *c = pm_shared_find(s, arg);
	void *flag = pm_shared_find(s, "flag");
	api->acquire(c, PM_SHM_FOREVER);
	pm_value v;
	for (;;) {
		api->value_get(flag, 0, &v);
		if (v.u.i)
			break;
		if (api->wait(c, 5) == PM_SHM_TIMEOUT)
			return 1;
	}
	api->release(c);
	return 0;
}

static void test_condition(void **state)
{
	pm_shared *s = *state;
	pm_shared_condition_new(s, "c", err, sizeof err);
	pm_shared_value_new(s, "flag", 'i', NULL, false, err, sizeof err);
	void *c = pm_shared_find(s, "c");
	assert_int_equal(api->wait(c, 0.01), PM_SHM_NOT_HELD);
	assert_int_equal(api->notify(c, 1), PM_SHM_NOT_HELD);
	assert_int_equal(api->acquire(c, 0), PM_SHM_OK);
	assert_int_equal(api->wait(c, 0.05), PM_SHM_TIMEOUT);
	api->release(c);
	pid_t p[2] = { child(cond_waiter, s, "c"), child(cond_waiter, s, "c") };
	/* Waiting for a notify, not for the lock: counted, not listed. */
	pm_shared_info info;
	for (int i = 0; i < 500; i++) {
		pm_shared_get_info(s, 0, &info);
		if (info.waiters == 2)
			break;
		nap(0.01);
	}
	assert_int_equal(info.waiters, 2);
	assert_int_equal(info.nwaiting, 0);
	assert_string_equal(info.text, "free, 2 waiting");
	assert_int_equal(api->acquire(c, PM_SHM_FOREVER), PM_SHM_OK);
	pm_value one = pm_int(1);
	api->value_set(pm_shared_find(s, "flag"), 0, &one);
	assert_int_equal(api->notify(c, -1), PM_SHM_OK);
	api->release(c);
	reap_ok(p[0]);
	reap_ok(p[1]);
}

static int barrier_party(pm_shared *s, void *arg)
{
	void *b = pm_shared_find(s, arg);
	void *n = pm_shared_find(s, "passed");
	pm_value one = pm_int(1);
	if (api->wait(b, 5) != PM_SHM_OK)
		return 1;
	api->value_add(n, 0, &one, NULL);
	return 0;
}

static void test_barrier(void **state)
{
	pm_shared *s = *state;
	pm_shared_barrier_new(s, "b", 3, err, sizeof err);
	pm_shared_value_new(s, "passed", 'i', NULL, true, err, sizeof err);
	void *b = pm_shared_find(s, "b");
	pid_t p[2] = { child(barrier_party, s, "b"),
		       child(barrier_party, s, "b") };
	/* Two wait; nobody passes until the third arrives. */
	pm_shared_info info;
	for (int i = 0; i < 500; i++) {
		pm_shared_get_info(s, 0, &info);
		if (info.count == 2)
			break;
		nap(0.01);
	}
	assert_int_equal(info.count, 2);
	pm_value got;
	api->value_get(pm_shared_find(s, "passed"), 0, &got);
	assert_int_equal(got.u.i, 0);
	assert_int_equal(api->wait(b, 5), PM_SHM_OK);
	reap_ok(p[0]);
	reap_ok(p[1]);
	api->value_get(pm_shared_find(s, "passed"), 0, &got);
	assert_int_equal(got.u.i, 2);
	/* Reusable: another round... */
	p[0] = child(barrier_party, s, "b");
	p[1] = child(barrier_party, s, "b");
	assert_int_equal(api->wait(b, 5), PM_SHM_OK);
	reap_ok(p[0]);
	reap_ok(p[1]);
	/* ...and a timeout breaks it, as Python's does. */
	assert_int_equal(api->wait(b, 0.05), PM_SHM_TIMEOUT);
	assert_int_equal(api->wait(b, 1), PM_SHM_BROKEN);
	pm_shared_get_info(s, 0, &info);
	assert_true(info.broken);
}

/* ---- queues ------------------------------------------------------------- */

static void test_queue_basics(void **state)
{
	pm_shared *s = *state;
	assert_int_equal(pm_shared_queue_new(s, "q", PM_SK_QUEUE, 2, 0, err,
					     sizeof err), 0);
	void *q = pm_shared_find(s, "q");
	pm_value got;
	assert_int_equal(api->queue_empty(q), 1);
	assert_int_equal(api->queue_get(q, &got, 0), PM_SHM_EMPTY);
	double t0 = pm_now();
	assert_int_equal(api->queue_get(q, &got, 0.1), PM_SHM_EMPTY);
	assert_true(pm_now() - t0 >= 0.09);
	pm_value a = pm_str("A"), b = pm_int(2), c = pm_float(3.5);
	assert_int_equal(api->queue_put(q, &a, 0), PM_SHM_OK);
	assert_int_equal(api->queue_put(q, &b, 0), PM_SHM_OK);
	assert_int_equal(api->queue_full(q), 1);
	assert_int_equal(api->qsize(q), 2);
	assert_int_equal(api->queue_put(q, &c, 0), PM_SHM_FULL);
	t0 = pm_now();
	assert_int_equal(api->queue_put(q, &c, 0.1), PM_SHM_FULL);
	assert_true(pm_now() - t0 >= 0.09);
	assert_int_equal(api->queue_get(q, &got, 0), PM_SHM_OK);
	assert_int_equal(got.type, PM_STR);
	assert_string_equal(got.u.s.ptr, "A");
	pm_value_free(&got);
	assert_int_equal(api->queue_put(q, &c, 0), PM_SHM_OK);
	api->queue_get(q, &got, 0);
	assert_int_equal(got.u.i, 2);
	api->queue_get(q, &got, 0);
	assert_true(got.u.f == 3.5);
	/* None, lists and big items survive. */
	pm_value none = pm_none();
	api->queue_put(q, &none, 0);
	api->queue_get(q, &got, 0);
	assert_int_equal(got.type, PM_NONE);
	char *big = xcalloc(1, 100000);
	memset(big, 'x', 99999);
	pm_value bigv = pm_str(big);
	assert_int_equal(api->queue_put(q, &bigv, 0), PM_SHM_OK);
	assert_int_equal(api->queue_get(q, &got, 0), PM_SHM_OK);
	assert_int_equal(got.u.s.len, 99999);
	pm_value_free(&got);
	pm_value_free(&bigv);
	free(big);
	pm_value_free(&a);
	/* An item larger than the buffer is refused. */
	pm_shared_queue_new(s, "tiny", PM_SK_QUEUE, 0, 64, err, sizeof err);
	pm_value long_str = pm_str("0123456789012345678901234567890123456789012345678901234567890123456789");
	assert_int_equal(api->queue_put(pm_shared_find(s, "tiny"), &long_str,
					0), PM_SHM_TOO_BIG);
	pm_value_free(&long_str);
	/* Close: no more puts, the rest drains, then CLOSED. */
	api->queue_put(q, &b, 0);
	assert_int_equal(api->queue_close(q), PM_SHM_OK);
	assert_int_equal(api->queue_put(q, &b, 0), PM_SHM_CLOSED);
	assert_int_equal(api->queue_get(q, &got, 1), PM_SHM_OK);
	assert_int_equal(api->queue_get(q, &got, 1), PM_SHM_CLOSED);
	/* task_done only on a JoinableQueue. */
	assert_int_equal(api->task_done(q), PM_SHM_TYPE);
	/* SimpleQueue: no maxsize. */
	pm_shared_queue_new(s, "sq", PM_SK_SIMPLE_QUEUE, 5, 0, err, sizeof err);
	void *sq = pm_shared_find(s, "sq");
	for (int i = 0; i < 10; i++)
		assert_int_equal(api->queue_put(sq, &b, 0), PM_SHM_OK);
	assert_string_equal(api->kind(sq), "simple_queue");
}

/* What the consumers of a many-producer test saw, together: "seen" sums
 * the items, "nseen" counts them. */
static void seen_new(pm_shared *s)
{
	pm_shared_value_new(s, "seen", 'q', NULL, true, err, sizeof err);
	pm_shared_value_new(s, "nseen", 'q', NULL, true, err, sizeof err);
}

static void seen_add(pm_shared *s, int64_t sum, int64_t n)
{
	pm_value vs = pm_int(sum), vn = pm_int(n);
	api->value_add(pm_shared_find(s, "seen"), 0, &vs, NULL);
	api->value_add(pm_shared_find(s, "nseen"), 0, &vn, NULL);
}

static void seen_get(pm_shared *s, pm_value *sum, pm_value *n)
{
	api->value_get(pm_shared_find(s, "seen"), 0, sum);
	api->value_get(pm_shared_find(s, "nseen"), 0, n);
}

#define PER_PRODUCER 20000

static int producer(pm_shared *s, void *arg)
{
	void *q = pm_shared_find(s, "mq");
	int64_t base = (int64_t)(intptr_t)arg * 1000000;
	for (int64_t i = 0; i < PER_PRODUCER; i++) {
		pm_value v = pm_int(base + i);
		if (api->queue_put(q, &v, PM_SHM_FOREVER) != PM_SHM_OK)
			return 1;
	}
	return 0;
}

/* Consumes the queue qname until None, checking that each of up to
 * MAX_PRODUCERS producers' items (p * 1000000 + i: an int, or if strings,
 * also a string of its digits and i % 40 dots) come in order; adds what
 * it saw to "seen" and "nseen". */
#define MAX_PRODUCERS 3
static int consume_in_order(pm_shared *s, const char *qname, int producers,
			    bool strings)
{
	void *q = pm_shared_find(s, qname);
	int64_t last[MAX_PRODUCERS] = { -1, -1, -1 };
	int64_t sum = 0, n = 0;
	for (;;) {
		pm_value v;
		if (api->queue_get(q, &v, 10) != PM_SHM_OK)
			return 1;
		if (v.type == PM_NONE)
			break;
		if (v.type != PM_INT && !(strings && v.type == PM_STR))
			return 4;
		int64_t id = v.type == PM_INT ? v.u.i : atoll(v.u.s.ptr);
		int p = (int)(id / 1000000), i = (int)(id % 1000000);
		if (v.type == PM_STR && strlen(v.u.s.ptr) !=
						snprintf(NULL, 0, "%lld", (long long)id) + (size_t)(i % 40))
			return 3;
		pm_value_free(&v);
		if (p < 0 || p >= producers || i <= last[p])
			return 2;
		last[p] = i;
		sum += id;
		n++;
	}
	seen_add(s, sum, n);
	return 0;
}

static int consumer(pm_shared *s, void *arg)
{
	(void)arg;
	return consume_in_order(s, "mq", 2, false);
}

static void test_queue_mpmc(void **state)
{
	pm_shared *s = *state;
	pm_shared_queue_new(s, "mq", PM_SK_QUEUE, 100, 0, err, sizeof err);
	seen_new(s);
	pid_t c[2] = { child(consumer, s, NULL), child(consumer, s, NULL) };
	pid_t p[2] = { child(producer, s, (void *)(intptr_t)0),
		       child(producer, s, (void *)(intptr_t)1) };
	reap_ok(p[0]);
	reap_ok(p[1]);
	void *q = pm_shared_find(s, "mq");
	pm_value none = pm_none();
	api->queue_put(q, &none, PM_SHM_FOREVER);
	api->queue_put(q, &none, PM_SHM_FOREVER);
	reap_ok(c[0]);
	reap_ok(c[1]);
	pm_value sum, n;
	seen_get(s, &sum, &n);
	int64_t want = 0;
	for (int64_t k = 0; k < PER_PRODUCER; k++)
		want += k + (1000000 + k);
	assert_int_equal(n.u.i, 2 * PER_PRODUCER);
	assert_int_equal(sum.u.i, want);
	assert_int_equal(api->qsize(q), 0);
}

static int joinable_consumer(pm_shared *s, void *arg)
{
	void *q = pm_shared_find(s, arg);
	for (;;) {
		pm_value v;
		if (api->queue_get(q, &v, 10) != PM_SHM_OK)
			return 1;
		nap(0.01);
		pm_value_free(&v);
		api->task_done(q);
	}
}

static void test_joinable(void **state)
{
	pm_shared *s = *state;
	pm_shared_queue_new(s, "jq", PM_SK_JOINABLE_QUEUE, 0, 0, err,
			    sizeof err);
	void *q = pm_shared_find(s, "jq");
	assert_int_equal(api->task_done(q), PM_SHM_TOO_MANY);
	assert_int_equal(api->join(q, 0), PM_SHM_OK);
	pm_value v = pm_int(1);
	for (int i = 0; i < 5; i++)
		api->queue_put(q, &v, 0);
	assert_int_equal(api->join(q, 0.05), PM_SHM_TIMEOUT);
	pm_shared_info info;
	pm_shared_get_info(s, 0, &info);
	assert_int_equal(info.unfinished, 5);
	pid_t p = child(joinable_consumer, s, "jq");
	assert_int_equal(api->join(q, 10), PM_SHM_OK);
	assert_int_equal(api->qsize(q), 0);
	pm_shared_get_info(s, 0, &info);
	assert_int_equal(info.unfinished, 0);
	/* The "daemon" consumer blocks in get; the test ends it. */
	kill(p, SIGKILL);
	reap(p);
	/* Its death inside get does not wedge the queue. */
	assert_int_equal(api->queue_put(q, &v, 1), PM_SHM_OK);
	pm_value got;
	assert_int_equal(api->queue_get(q, &got, 1), PM_SHM_OK);
}

/* ---- the queue's ring: wrap-around, sizes, waits, kill -9 ------------- */

/* A string item of n bytes whose content says who put it and when. */
static pm_value pattern_item(size_t n, unsigned seed)
{
	char *s = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)('a' + (seed + i * 7) % 26);
	s[n] = '\0';
	pm_value v = pm_str_n(s, n);
	free(s);
	return v;
}

static bool pattern_ok(const pm_value *v, size_t n, unsigned seed)
{
	if (v->type != PM_STR || v->u.s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (v->u.s.ptr[i] != (char)('a' + (seed + i * 7) % 26))
			return false;
	return true;
}

/* [seed, 'x…', [None, 2.5]] with a varying string. */
static pm_value pattern_list(unsigned seed)
{
	pm_value *inner = xcalloc(2, sizeof *inner);
	inner[0] = pm_none();
	inner[1] = pm_float(2.5);
	pm_value *items = xcalloc(3, sizeof *items);
	items[0] = pm_int(seed);
	items[1] = pattern_item(seed % 9, seed);
	items[2] = pm_list_take(inner, 2);
	return pm_list_take(items, 3);
}

static void test_queue_wrap(void **state)
{
	pm_shared *s = *state;
	/* 100 bytes, not a power of two: records (4-byte length, then the
	 * encoded item) and their lengths straddle the end again and again. */
	assert_int_equal(pm_shared_queue_new(s, "w", PM_SK_QUEUE, 0, 100, err,
					     sizeof err), 0);
	void *q = pm_shared_find(s, "w");
	unsigned seed = 0, next = 0;
	size_t queued = 0;
	for (int round = 0; round < 2000; round++) {
		/* Put until full (without waiting), get about half. */
		for (;;) {
			size_t n = (seed * 13) % 40;
			pm_value v = seed % 5 == 4 ? pm_int((int64_t)seed)
				   : seed % 5 == 3 ? pattern_list(seed)
						   : pattern_item(n, seed);
			int rc = api->queue_put(q, &v, 0);
			pm_value_free(&v);
			if (rc == PM_SHM_FULL)
				break;
			assert_int_equal(rc, PM_SHM_OK);
			seed++;
			queued++;
		}
		assert_int_equal(api->qsize(q), queued);
		assert_true(queued > 0);
		size_t take = queued / 2 + (size_t)(round % 2);
		for (size_t k = 0; k < take; k++, next++, queued--) {
			pm_value got;
			assert_int_equal(api->queue_get(q, &got, 0), PM_SHM_OK);
			if (next % 5 == 4) {
				assert_int_equal(got.type, PM_INT);
				assert_int_equal(got.u.i, next);
			} else if (next % 5 == 3) {
				pm_value want = pattern_list(next);
				assert_true(pm_value_equal(&got, &want));
				pm_value_free(&want);
			} else {
				assert_true(pattern_ok(&got, (next * 13) % 40,
						       next));
			}
			pm_value_free(&got);
		}
	}
	while (queued--) {
		pm_value got;
		assert_int_equal(api->queue_get(q, &got, 0), PM_SHM_OK);
		pm_value_free(&got);
	}
	pm_value got;
	assert_int_equal(api->queue_get(q, &got, 0), PM_SHM_EMPTY);
	assert_int_equal(api->queue_empty(q), 1);
	/* The largest item fills the whole buffer, so only an empty queue
	 * takes it; one byte more is too big. */
	pm_value fits = pattern_item(100 - 4 - 5, 1);
	pm_value over = pattern_item(100 - 4 - 5 + 1, 1);
	pm_value one = pm_int(1);
	assert_int_equal(api->queue_put(q, &over, 0), PM_SHM_TOO_BIG);
	assert_int_equal(api->queue_put(q, &one, 0), PM_SHM_OK);
	assert_int_equal(api->queue_put(q, &fits, 0.05), PM_SHM_FULL);
	assert_int_equal(api->queue_get(q, &got, 0), PM_SHM_OK);
	assert_int_equal(api->queue_put(q, &fits, 0), PM_SHM_OK);
	assert_int_equal(api->queue_put(q, &one, 0), PM_SHM_FULL);
	assert_int_equal(api->qsize(q), 1);
	assert_int_equal(api->queue_get(q, &got, 0), PM_SHM_OK);
	assert_true(pattern_ok(&got, 100 - 4 - 5, 1));
	pm_value_free(&got);
	pm_value_free(&fits);
	pm_value_free(&over);
}

/* Sizes from nothing to most of the buffer, mixed with small ints. */
static size_t mixed_size(unsigned i)
{
	switch (i % 7) {
	case 0: return 0;
	case 1: return 3;
	case 2: return 200;
	case 3: return 1000 + i % 3000;
	case 4: return 60000 + i % 1000; /* most of the 128 KiB buffer */
	default: return (size_t)-1;      /* an int */
	}
}

#define MIXED_ITEMS 3000

static int mixed_producer(pm_shared *s, void *arg)
{
	void *q = pm_shared_find(s, arg);
	for (unsigned i = 0; i < MIXED_ITEMS; i++) {
		size_t n = mixed_size(i);
		pm_value v = n == (size_t)-1 ? pm_int(i) : pattern_item(n, i);
		int rc = api->queue_put(q, &v, 10);
		pm_value_free(&v);
		if (rc != PM_SHM_OK)
			return 1;
	}
	return 0;
}

static void test_queue_mixed_sizes(void **state)
{
	pm_shared *s = *state;
	pm_shared_queue_new(s, "mix", PM_SK_QUEUE, 0, 128 << 10, err,
			    sizeof err);
	void *q = pm_shared_find(s, "mix");
	pid_t p = child(mixed_producer, s, "mix");
	for (unsigned i = 0; i < MIXED_ITEMS; i++) {
		pm_value got;
		assert_int_equal(api->queue_get(q, &got, 10), PM_SHM_OK);
		size_t n = mixed_size(i);
		if (n == (size_t)-1) {
			assert_int_equal(got.type, PM_INT);
			assert_int_equal(got.u.i, i);
		} else {
			assert_true(pattern_ok(&got, n, i));
		}
		pm_value_free(&got);
	}
	reap_ok(p);
	assert_int_equal(api->qsize(q), 0);
}

/* Several producers and consumers over a ring of a few hundred bytes (no
 * maxsize: the bytes are the limit), items of several sizes: each item
 * once, in order per producer. */
#define RING_PRODUCERS 3
#define RING_PER 5000

static int ring_producer(pm_shared *s, void *arg)
{
	void *q = pm_shared_find(s, "rq");
	int64_t me = (int64_t)(intptr_t)arg;
	for (int64_t i = 0; i < RING_PER; i++) {
		int64_t id = me * 1000000 + i;
		pm_value v;
		if (i % 3 == 0) {
			v = pm_int(id);
		} else {
			char txt[64];
			snprintf(txt, sizeof txt, "%lld%.*s", (long long)id,
				 (int)(i % 40), "........................................");
			v = pm_str(txt);
		}
		int rc = api->queue_put(q, &v, 10);
		pm_value_free(&v);
		if (rc != PM_SHM_OK)
			return 1;
	}
	return 0;
}

_Static_assert(RING_PRODUCERS <= MAX_PRODUCERS, "consume_in_order's last[]");

static int ring_consumer(pm_shared *s, void *arg)
{
	(void)arg;
	return consume_in_order(s, "rq", RING_PRODUCERS, true);
}

static void test_queue_mpmc_small_ring(void **state)
{
	pm_shared *s = *state;
	pm_shared_queue_new(s, "rq", PM_SK_QUEUE, 0, 300, err, sizeof err);
	seen_new(s);
	pid_t c[3], p[RING_PRODUCERS];
	for (int i = 0; i < 3; i++)
		c[i] = child(ring_consumer, s, NULL);
	for (int i = 0; i < RING_PRODUCERS; i++)
		p[i] = child(ring_producer, s, (void *)(intptr_t)i);
	for (int i = 0; i < RING_PRODUCERS; i++)
		reap_ok(p[i]);
	void *q = pm_shared_find(s, "rq");
	pm_value none = pm_none();
	for (int i = 0; i < 3; i++)
		assert_int_equal(api->queue_put(q, &none, 10), PM_SHM_OK);
	for (int i = 0; i < 3; i++)
		reap_ok(c[i]);
	pm_value sum, n;
	seen_get(s, &sum, &n);
	int64_t want = 0;
	for (int64_t k = 0; k < RING_PER; k++)
		for (int64_t pr = 0; pr < RING_PRODUCERS; pr++)
			want += pr * 1000000 + k;
	assert_int_equal(n.u.i, RING_PRODUCERS * RING_PER);
	assert_int_equal(sum.u.i, want);
	assert_int_equal(api->qsize(q), 0);
}

static int get_forever(pm_shared *s, void *arg)
{
	pm_value v;
	int rc = api->queue_get(pm_shared_find(s, arg), &v, PM_SHM_FOREVER);
	return rc == PM_SHM_CLOSED ? 0 : 1;
}

static int put_forever(pm_shared *s, void *arg)
{
	pm_value v = pm_int(7);
	int rc = api->queue_put(pm_shared_find(s, arg), &v, PM_SHM_FOREVER);
	return rc == PM_SHM_CLOSED ? 0 : 1;
}

static unsigned queue_waiters(pm_shared *s, size_t idx)
{
	pm_shared_info info;
	pm_shared_get_info(s, idx, &info);
	return info.waiters;
}

/* Sleepers re-register between slices: wait until n are seen at once. */
static void wait_waiters(pm_shared *s, size_t idx, unsigned n)
{
	unsigned seen = 0;
	for (int i = 0; i < 500 && (seen = queue_waiters(s, idx)) != n; i++)
		nap(0.01);
	assert_int_equal(seen, n);
}

/* Sleepers: counted in status, woken by close, and one killed -9 while
 * asleep is forgotten at the next wake-up. */
static void test_queue_sleepers(void **state)
{
	pm_shared *s = *state;
	pm_shared_queue_new(s, "e", PM_SK_QUEUE, 1, 0, err, sizeof err);
	pm_shared_queue_new(s, "f", PM_SK_QUEUE, 1, 0, err, sizeof err);
	void *e = pm_shared_find(s, "e"), *f = pm_shared_find(s, "f");
	pm_value one = pm_int(1), got;
	assert_int_equal(api->queue_put(f, &one, 0), PM_SHM_OK);
	pid_t g[2] = { child(get_forever, s, "e"), child(get_forever, s, "e") };
	pid_t p = child(put_forever, s, "f");
	wait_waiters(s, 0, 2);
	wait_waiters(s, 1, 1);
	/* close wakes every waiter: CLOSED for both sides. */
	assert_int_equal(api->queue_close(e), PM_SHM_OK);
	assert_int_equal(api->queue_close(f), PM_SHM_OK);
	reap_ok(g[0]);
	reap_ok(g[1]);
	reap_ok(p);
	assert_int_equal(queue_waiters(s, 0), 0);
	assert_int_equal(queue_waiters(s, 1), 0);
	/* The item put before close is still there. */
	assert_int_equal(api->queue_get(f, &got, 0), PM_SHM_OK);
	assert_int_equal(api->queue_get(f, &got, 0), PM_SHM_CLOSED);

	pm_shared_queue_new(s, "k", PM_SK_QUEUE, 0, 0, err, sizeof err);
	void *k = pm_shared_find(s, "k");
	pid_t d = child(get_forever, s, "k");
	wait_waiters(s, 2, 1);
	kill(d, SIGKILL);
	reap(d);
	assert_int_equal(queue_waiters(s, 2), 1); /* still registered */
	assert_int_equal(api->queue_put(k, &one, 0), PM_SHM_OK);
	assert_int_equal(queue_waiters(s, 2), 0); /* forgotten */
	assert_int_equal(api->queue_get(k, &got, 0), PM_SHM_OK);
}

/* kill -9 of a producer or a consumer in the middle of copying a big item
 * (under the side's lock, most of the time): the others go on, and the
 * queue holds only whole items. */
#define BIG_ITEM (6u << 20)

static int big_producer(pm_shared *s, void *arg)
{
	void *q = pm_shared_find(s, arg);
	pm_value v = pattern_item(BIG_ITEM, 5);
	for (;;)
		if (api->queue_put(q, &v, PM_SHM_FOREVER) != PM_SHM_OK)
			return 1;
}

static int big_consumer(pm_shared *s, void *arg)
{
	void *q = pm_shared_find(s, arg);
	for (;;) {
		pm_value v;
		if (api->queue_get(q, &v, PM_SHM_FOREVER) != PM_SHM_OK)
			return 1;
		pm_value_free(&v);
	}
}

/* Gets everything left; each must be the whole item. */
static size_t drain_big(void *q)
{
	size_t n = 0;
	pm_value got;
	while (api->queue_get(q, &got, 0.2) == PM_SHM_OK) {
		assert_true(pattern_ok(&got, BIG_ITEM, 5));
		pm_value_free(&got);
		n++;
	}
	assert_int_equal(api->qsize(q), 0);
	return n;
}

static void test_queue_kill_mid_op(void **state)
{
	pm_shared *s = *state;
	/* Room for 3 big items. */
	pm_shared_queue_new(s, "bq", PM_SK_QUEUE, 0, 3 * (BIG_ITEM + 16), err,
			    sizeof err);
	void *q = pm_shared_find(s, "bq");
	pm_value big = pattern_item(BIG_ITEM, 5), one = pm_int(1), got;
	for (int round = 0; round < 8; round++) {
		/* A producer, killed while it fills the queue. */
		pid_t p = child(big_producer, s, "bq");
		nap(0.001 + 0.003 * round);
		kill(p, SIGKILL);
		reap(p);
		size_t n = drain_big(q);
		assert_true(n <= 3);
		/* Others put and get at once. */
		assert_int_equal(api->queue_put(q, &one, 1), PM_SHM_OK);
		assert_int_equal(api->queue_get(q, &got, 1), PM_SHM_OK);
		assert_int_equal(got.u.i, 1);

		/* A consumer, killed while it empties it. */
		for (int i = 0; i < 3; i++)
			assert_int_equal(api->queue_put(q, &big, 1), PM_SHM_OK);
		pid_t c = child(big_consumer, s, "bq");
		nap(0.001 + 0.003 * round);
		kill(c, SIGKILL);
		reap(c);
		n = drain_big(q);
		assert_true(n <= 3);
		assert_int_equal(api->queue_put(q, &one, 1), PM_SHM_OK);
		assert_int_equal(api->queue_get(q, &got, 1), PM_SHM_OK);
		assert_int_equal(got.u.i, 1);
	}
	pm_value_free(&big);
}

/* JoinableQueue across processes: join waits for the last task_done of
 * several consumers; task_done beyond the puts is refused. */
static int jq_worker(pm_shared *s, void *arg)
{
	void *q = pm_shared_find(s, arg);
	for (;;) {
		pm_value v;
		int rc = api->queue_get(q, &v, 5);
		if (rc == PM_SHM_CLOSED)
			return 0;
		if (rc != PM_SHM_OK)
			return 1;
		if (api->task_done(q) != PM_SHM_OK)
			return 2;
	}
}

static void test_joinable_many(void **state)
{
	pm_shared *s = *state;
	pm_shared_queue_new(s, "jm", PM_SK_JOINABLE_QUEUE, 50, 0, err,
			    sizeof err);
	void *q = pm_shared_find(s, "jm");
	pid_t w[2] = { child(jq_worker, s, "jm"), child(jq_worker, s, "jm") };
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 20000; i++) {
			pm_value v = pm_int(i);
			assert_int_equal(api->queue_put(q, &v, 5), PM_SHM_OK);
		}
		assert_int_equal(api->join(q, 10), PM_SHM_OK);
		pm_shared_info info;
		pm_shared_get_info(s, 0, &info);
		assert_int_equal(info.unfinished, 0);
		assert_int_equal(info.qsize, 0);
	}
	assert_int_equal(api->task_done(q), PM_SHM_TOO_MANY);
	api->queue_close(q);
	reap_ok(w[0]);
	reap_ok(w[1]);
}

/* ---- Pipe --------------------------------------------------------------- */

static int ponger(pm_shared *s, void *arg)
{
	void *b = api->pipe_end(pm_shared_find(s, arg), 1);
	for (;;) {
		pm_value v;
		if (api->recv(b, &v, 10) != PM_SHM_OK)
			return 1;
		if (v.type == PM_NONE)
			return 0;
		v.u.i++;
		api->send(b, &v);
	}
}

static void test_pipe(void **state)
{
	pm_shared *s = *state;
	assert_int_equal(pm_shared_pipe_new(s, "p", true, err, sizeof err), 0);
	void *pipe = pm_shared_find(s, "p");
	void *a = api->pipe_end(pipe, 0);
	assert_non_null(a);
	assert_null(api->pipe_end(pipe, 2));
	assert_string_equal(api->kind(a), "connection");
	assert_int_equal(api->poll(a, 0.05), PM_SHM_TIMEOUT);
	pid_t p = child(ponger, s, "p");
	pm_value v = pm_int(0);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(api->send(a, &v), PM_SHM_OK);
		assert_int_equal(api->poll(a, 5), PM_SHM_OK);
		assert_int_equal(api->recv(a, &v, 5), PM_SHM_OK);
	}
	assert_int_equal(v.u.i, 1000);
	pm_value none = pm_none();
	api->send(a, &none);
	reap_ok(p);

	/* Pipe(duplex=False): end 0 receives, end 1 sends. */
	pm_shared_pipe_new(s, "oneway", false, err, sizeof err);
	void *ow = pm_shared_find(s, "oneway");
	void *r = api->pipe_end(ow, 0), *w = api->pipe_end(ow, 1);
	assert_int_equal(api->send(r, &v), PM_SHM_TYPE);
	pm_value got;
	assert_int_equal(api->recv(w, &got, 0), PM_SHM_TYPE);
	assert_int_equal(api->send(w, &v), PM_SHM_OK);
	assert_int_equal(api->recv(r, &got, 0), PM_SHM_OK);
	assert_int_equal(got.u.i, 1000);
	assert_int_equal(api->recv(r, &got, 0), PM_SHM_TIMEOUT);
}

/* ---- corruption: a task writes over the arena ----------------------------- */

typedef struct reports {
	int n;
	char name[8][PM_SHARED_NAME_MAX];
	char why[8][200];
} reports;

static void on_report(void *ud, const char *name, const char *kind,
		      const char *why)
{
	reports *r = ud;
	assert_non_null(kind);
	if (r->n < 8) {
		snprintf(r->name[r->n], sizeof r->name[0], "%s", name);
		snprintf(r->why[r->n], sizeof r->why[0], "%s", why);
	}
	r->n++;
}

typedef struct scribble {
	const char *name;
	size_t from, to; /* bytes of the object written over */
	unsigned char byte;
} scribble;

/* What a task could do: in another process, write over objects. */
static int scribble_child(pm_shared *s, void *arg)
{
	for (const scribble *w = arg; w->name; w++) {
		unsigned char *p = pm_shared_find(s, w->name);
		if (!p)
			return 1;
		memset(p + w->from, w->byte, w->to - w->from);
	}
	return 0;
}

static size_t index_of(pm_shared *s, const char *name)
{
	for (size_t i = 0; i < pm_shared_count(s); i++) {
		pm_shared_info in;
		assert_true(pm_shared_get_info(s, i, &in));
		if (!strcmp(in.name, name))
			return i;
	}
	fail_msg("no %s", name);
	return 0;
}

static void test_corrupt_objects(void **state)
{
	pm_shared *s = *state;
	reports rep = { 0 };
	pm_shared_set_reporter(s, on_report, &rep);
	pm_value seven = pm_int(7);
	assert_int_equal(pm_shared_value_new(s, "v", 'i', &seven, true, err,
					     sizeof err), 0);
	assert_int_equal(pm_shared_array_new(s, "arr", 'd', 1000, NULL, true,
					     err, sizeof err), 0);
	assert_int_equal(pm_shared_queue_new(s, "q", PM_SK_QUEUE, 0, 0, err,
					     sizeof err), 0);
	assert_int_equal(pm_shared_lock_new(s, "l", false, err, sizeof err), 0);
	assert_int_equal(pm_shared_value_new(s, "intact", 'q', &seven, true,
					     err, sizeof err), 0);
	void *q = pm_shared_find(s, "q");
	assert_int_equal(api->queue_put(q, &seven, 0), PM_SHM_OK);

	/* v: its header; arr: all but its header (length, type code, lock:
	 * before, a garbage length read far outside the mapping); q: its
	 * sizes and both locks; l: its header. */
	scribble w[] = { { "v", 0, 8, 0x41 },
			 { "arr", 8, 256, 0x7f },
			 { "q", 8, 4096, 0xff },
			 { "l", 0, 4, 0 },
			 { NULL, 0, 0, 0 } };
	reap_ok(child(scribble_child, s, w));

	const char *names[] = { "v", "arr", "q", "l" };
	const char *whys[] = {
		"value header overwritten (magic 0x41414141, kind 1094795585)",
		NULL, /* below: the bytes are this machine's layout */
		NULL,
		"lock header overwritten (magic 0x00000000, kind 6)",
	};
	for (int k = 0; k < 4; k++) {
		pm_shared_info in;
		assert_true(pm_shared_get_info(s, index_of(s, names[k]), &in));
		assert_true(in.corrupt);
		assert_string_equal(in.name, names[k]);
		assert_int_equal(strncmp(in.text, "corrupted: ", 11), 0);
		if (whys[k])
			assert_string_equal(in.text + 11, whys[k]);
	}
	assert_int_equal(strncmp(rep.why[1], "type overwritten", 16), 0);
	assert_int_equal(strncmp(rep.why[2], "queue size overwritten", 22), 0);
	/* Reported once each, in the order found. */
	assert_int_equal(rep.n, 4);
	for (int k = 0; k < 4; k++)
		assert_string_equal(rep.name[k], names[k]);

	/* Refused from now on, by every operation; nothing reported again. */
	pm_value out = pm_int(1);
	assert_int_equal(api->value_get(pm_shared_find(s, "v"), 0, &out),
			 PM_SHM_CORRUPT);
	assert_int_equal(api->value_set(pm_shared_find(s, "arr"), 0, &seven),
			 PM_SHM_CORRUPT);
	assert_int_equal(api->len(pm_shared_find(s, "arr")), 0);
	assert_int_equal(pm_shared_values(pm_shared_find(s, "arr"), &out), -1);
	assert_int_equal(out.type, PM_NONE);
	assert_int_equal(api->queue_get(q, &out, 0), PM_SHM_CORRUPT);
	assert_int_equal(api->queue_put(q, &seven, 0), PM_SHM_CORRUPT);
	assert_int_equal(api->qsize(q), 0);
	assert_int_equal(api->acquire(pm_shared_find(s, "l"), 0), PM_SHM_CORRUPT);
	assert_null(api->get_lock(pm_shared_find(s, "v")));
	assert_string_equal(api->kind(q), "queue"); /* the manager's record */
	assert_string_equal(api->strerror(PM_SHM_CORRUPT),
			    "its shared memory was overwritten (by a task?): refused");
	for (size_t i = 0; i < pm_shared_count(s); i++) {
		pm_shared_info in;
		assert_true(pm_shared_get_info(s, i, &in));
	}
	assert_int_equal(rep.n, 4);

	/* The object nobody wrote over is untouched and usable. */
	void *ok = pm_shared_find(s, "intact");
	pm_shared_info in;
	assert_true(pm_shared_get_info(s, index_of(s, "intact"), &in));
	assert_false(in.corrupt);
	assert_string_equal(in.text, "7");
	assert_int_equal(api->value_add(ok, 0, &seven, &out), PM_SHM_OK);
	assert_int_equal(out.u.i, 14);
	pm_shared_set_reporter(s, NULL, NULL);
}

/* The arena's table of names and offsets (what workers look objects up
 * in) written over: the manager reads its own copy.  Before, it followed
 * the garbage offsets (UBSan: misaligned struct obj_hdr access in
 * pm_shared_kind_of). */
static int scribble_table(pm_shared *s, void *arg)
{
	(void)arg;
	/* The table takes more than 16 KiB (256 entries) right before the
	 * first object. */
	unsigned char *first = pm_shared_at(s, 0);
	memset(first - 16384, 0x5a, 16384);
	return 0;
}

static void test_corrupt_table(void **state)
{
	pm_shared *s = *state;
	pm_value one = pm_int(1);
	assert_int_equal(pm_shared_value_new(s, "a", 'i', &one, false, err,
					     sizeof err), 0);
	assert_int_equal(pm_shared_queue_new(s, "b", PM_SK_JOINABLE_QUEUE, 3,
					     0, err, sizeof err), 0);
	assert_int_equal(pm_shared_pipe_new(s, "c", true, err, sizeof err), 0);
	reap_ok(child(scribble_table, s, NULL));
	const char *names[] = { "a", "b", "c" };
	const char *texts[] = { "1", "0/3 items, 0 unfinished",
				"duplex, 0 for end 0, 0 for end 1" };
	assert_int_equal(pm_shared_count(s), 3);
	for (size_t i = 0; i < 3; i++) {
		pm_shared_info in;
		assert_true(pm_shared_get_info(s, i, &in));
		assert_false(in.corrupt);
		assert_string_equal(in.name, names[i]);
		assert_string_equal(in.text, texts[i]);
	}
	assert_non_null(pm_shared_find(s, "b"));
	/* A new object still gets a fresh name and place. */
	assert_int_equal(pm_shared_event_new(s, "d", err, sizeof err), 0);
	assert_int_equal(pm_shared_event_new(s, "a", err, sizeof err), -1);
	assert_string_equal(err, "'a' already exists");
}

/* A pipe's layout written over: its ends are refused, in the manager and
 * (by the layout check every process makes) in a worker. */
static int scribble_pipe_child(pm_shared *s, void *arg)
{
	(void)arg;
	void *p = pm_shared_find(s, "p");
	void *end = api->pipe_end(p, 0);
	pm_value v = pm_int(1);
	/* end 0's offset to its pipe: the 8 bytes after its header and
	 * number. */
	memset((char *)end + 16, 0x33, 8);
	return api->send(end, &v) == PM_SHM_TYPE ? 0 : 1;
}

static void test_corrupt_pipe(void **state)
{
	pm_shared *s = *state;
	assert_int_equal(pm_shared_pipe_new(s, "p", true, err, sizeof err), 0);
	void *p = pm_shared_find(s, "p");
	void *end1 = api->pipe_end(p, 1);
	reap_ok(child(scribble_pipe_child, s, NULL));
	pm_value v = pm_int(2);
	assert_int_equal(api->send(end1, &v), PM_SHM_CORRUPT);
	pm_shared_info in;
	assert_true(pm_shared_get_info(s, 0, &in));
	assert_true(in.corrupt);
	assert_int_equal(strncmp(in.text, "corrupted: end 0 overwritten (end 0, pipe at ", 45), 0);
}

/* A plugin's malformed value put on a queue or set: refused, never
 * encoded. */
/* ---- threads of one process --------------------------------------------- */

/* An RLock (and a Condition's, and a value's lock) is held by a thread, as
 * Python's: another thread of the same process waits for it, may not
 * release it, and may not notify or wait on a Condition it does not hold. */
struct thread_try {
	void *obj;
	int acquire_rc, release_rc, notify_rc;
};

static void *try_from_thread(void *arg)
{
	struct thread_try *t = arg;
	t->release_rc = api->release(t->obj);
	t->notify_rc = api->kind(t->obj)[0] == 'c' ? api->notify(t->obj, 1)
						   : -1;
	t->acquire_rc = api->acquire(t->obj, 0.05);
	return NULL;
}

static void test_rlock_threads(void **state)
{
	pm_shared *s = *state;
	pm_shared_lock_new(s, "r", true, err, sizeof err);
	pm_shared_condition_new(s, "c", err, sizeof err);
	pm_value zero = pm_int(0);
	pm_shared_value_new(s, "v", 'i', &zero, true, err, sizeof err);
	void *objs[] = { pm_shared_find(s, "r"), pm_shared_find(s, "c"),
			 api->get_lock(pm_shared_find(s, "v")) };
	for (size_t k = 0; k < 3; k++) {
		assert_int_equal(api->acquire(objs[k], PM_SHM_FOREVER),
				 PM_SHM_OK);
		struct thread_try t = { objs[k], -1, -1, -1 };
		pthread_t th;
		assert_int_equal(pthread_create(&th, NULL, try_from_thread, &t),
				 0);
		pthread_join(th, NULL);
		assert_int_equal(t.release_rc, PM_SHM_NOT_HELD);
		assert_int_equal(t.acquire_rc, PM_SHM_TIMEOUT);
		if (k == 1)
			assert_int_equal(t.notify_rc, PM_SHM_NOT_HELD);
		/* Still this thread's, once: one release frees it. */
		assert_int_equal(api->release(objs[k]), PM_SHM_OK);
		assert_int_equal(api->release(objs[k]), PM_SHM_NOT_HELD);
		t.acquire_rc = -1;
		pthread_create(&th, NULL, try_from_thread, &t);
		pthread_join(th, NULL);
		assert_int_equal(t.acquire_rc, PM_SHM_OK); /* free: it took it */
	}
}

static void test_put_invalid_value(void **state)
{
	pm_shared *s = *state;
	assert_int_equal(pm_shared_queue_new(s, "q", PM_SK_QUEUE, 0, 0, err,
					     sizeof err), 0);
	assert_int_equal(pm_shared_value_new(s, "c", 'c', NULL, false, err,
					     sizeof err), 0);
	void *q = pm_shared_find(s, "q");
	pm_value bad = pm_none();
	bad.type = PM_STR;
	bad.u.s.len = 1; /* NULL pointer */
	assert_int_equal(api->queue_put(q, &bad, 0), PM_SHM_TYPE);
	assert_int_equal(api->value_set(pm_shared_find(s, "c"), 0, &bad),
			 PM_SHM_TYPE);
	pm_value list = pm_list_take(NULL, 1000);
	assert_int_equal(api->queue_put(q, &list, 0), PM_SHM_TYPE);
	assert_int_equal(api->qsize(q), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_value_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_value_contention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robust_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_waiters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_semaphore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_condition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_barrier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_basics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_mpmc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_joinable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_mixed_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_mpmc_small_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_sleepers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_kill_mid_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_joinable_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_invalid_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rlock_threads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
