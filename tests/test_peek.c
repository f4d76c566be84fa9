// SPDX-License-Identifier: GPL-3.0-or-later
/* A queue's items read without a lock (pm_shared_queue_items): front
 * first, at most the number asked for, with the total; across the
 * buffer's wrap; not for other kinds; and, while another process gets and
 * puts, every read is a run of consecutive items as they stood. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "shared.h"
#include "util.h"
#include "value.h"

static const struct pm_shared_api *api;

static pm_shared *arena(void)
{
	char err[256];
	api = pm_shared_api();
	pm_shared *s = pm_shared_new(err, sizeof err);
	assert_non_null(s);
	return s;
}

static void *queue(pm_shared *s, const char *name, size_t bytes)
{
	char err[256];
	assert_int_equal(pm_shared_queue_new(s, name, PM_SK_QUEUE, 0, bytes,
					     err, sizeof err),
			 0);
	return pm_shared_find(s, name);
}

static void put_int(void *q, int64_t v)
{
	pm_value x = pm_int(v);
	assert_int_equal(api->queue_put(q, &x, 0), PM_SHM_OK);
}

static void test_front_first_and_total(void **state)
{
	(void)state;
	pm_shared *s = arena();
	void *q = queue(s, "q", 0);
	pm_value out[30];
	size_t n = 99, total = 99;
	assert_int_equal(pm_shared_queue_items(q, 20, out, &n, &total),
			 PM_SHM_OK);
	assert_int_equal(n, 0);
	assert_int_equal(total, 0);
	for (int i = 1; i <= 25; i++)
		put_int(q, i);
	pm_value str = pm_str("last");
	assert_int_equal(api->queue_put(q, &str, 0), PM_SHM_OK);
	pm_value_free(&str);
	assert_int_equal(pm_shared_queue_items(q, 20, out, &n, &total),
			 PM_SHM_OK);
	assert_int_equal(n, 20);
	assert_int_equal(total, 26);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(out[i].type, PM_INT);
		assert_int_equal(out[i].u.i, (int64_t)i + 1);
		pm_value_free(&out[i]);
	}
	/* Reading took nothing: a get still gets 1. */
	pm_value g;
	assert_int_equal(api->queue_get(q, &g, 0), PM_SHM_OK);
	assert_int_equal(g.u.i, 1);
	assert_int_equal(pm_shared_queue_items(q, 30, out, &n, &total),
			 PM_SHM_OK);
	assert_int_equal(n, 25);
	assert_int_equal(out[0].u.i, 2);
	assert_int_equal(out[24].type, PM_STR);
	assert_string_equal(out[24].u.s.ptr, "last");
	for (size_t i = 0; i < n; i++)
		pm_value_free(&out[i]);
	pm_shared_free(s);
}

/* A small buffer: the records wrap around its end. */
static void test_wrapped(void **state)
{
	(void)state;
	pm_shared *s = arena();
	void *q = queue(s, "small", 64);
	pm_value g, out[8];
	size_t n, total;
	for (int round = 0; round < 10; round++) {
		put_int(q, 3 * round);
		put_int(q, 3 * round + 1);
		put_int(q, 3 * round + 2);
		assert_int_equal(pm_shared_queue_items(q, 8, out, &n, &total),
				 PM_SHM_OK);
		assert_int_equal(n, 3);
		for (size_t i = 0; i < 3; i++) {
			assert_int_equal(out[i].u.i, 3 * round + (int)i);
			assert_int_equal(api->queue_get(q, &g, 0), PM_SHM_OK);
		}
	}
	pm_shared_free(s);
}

static void test_not_a_queue(void **state)
{
	(void)state;
	pm_shared *s = arena();
	char err[256];
	assert_int_equal(pm_shared_lock_new(s, "l", false, err, sizeof err), 0);
	pm_value out[2];
	size_t n, total;
	assert_int_equal(pm_shared_queue_items(pm_shared_find(s, "l"), 2, out,
					       &n, &total),
			 PM_SHM_TYPE);
	assert_int_equal(n, 0);
	pm_shared_free(s);
}

/* A child puts 0, 1, 2, … and gets as fast as it can; each read is a run
 * of consecutive numbers (or says try again), never a torn or stale item. */
static void test_while_another_gets(void **state)
{
	(void)state;
	pm_shared *s = arena();
	void *q = queue(s, "busy", 256);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* not left behind */
		int64_t next = 0;
		pm_value g;
		for (;;) {
			pm_value x = pm_int(next);
			if (api->queue_put(q, &x, 0) == PM_SHM_OK)
				next++;
			if (next % 3 == 0)
				api->queue_get(q, &g, 0);
		}
	}
	pm_value out[20];
	size_t n, total, reads = 0;
	double end = pm_now() + 0.5;
	while (pm_now() < end) {
		int rc = pm_shared_queue_items(q, 20, out, &n, &total);
		assert_true(rc == PM_SHM_OK || rc == PM_SHM_TIMEOUT);
		if (rc != PM_SHM_OK)
			continue;
		reads++;
		assert_true(n <= total);
		bool run = true;
		for (size_t i = 0; i < n; i++) {
			run = run && out[i].type == PM_INT &&
			      (!i || out[i].u.i == out[i - 1].u.i + 1);
		}
		if (!run) {
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, "%lld ", (long long)out[i].u.i);
			fprintf(stderr, " (n %zu total %zu)\n", n, total);
		}
		for (size_t i = 0; i < n; i++)
			pm_value_free(&out[i]);
		if (!run) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("not a run of consecutive items");
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_true(reads > 0);
	pm_shared_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_front_first_and_total),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_not_a_queue),
		cmocka_unit_test(test_while_another_gets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
