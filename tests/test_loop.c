/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one event loop (src/loop.c): hooks (a timeout asked for before each
 * wait, a tick after it), fd watches, signals delivered as events, removal
 * while the loop dispatches, and the child's reset after fork. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"

typedef struct hook_rec {
	pm_loop *loop;
	int want_ms;      /* what its timeout returns */
	unsigned timeouts; /* times asked */
	unsigned ticks;
	unsigned remove_at_tick; /* removes itself at this tick (0: never) */
	struct hook_rec *remove_other; /* ... or removes this one then */
} hook_rec;

static int hook_timeout(void *ud)
{
	hook_rec *h = ud;
	h->timeouts++;
	return h->want_ms;
}

static void hook_tick(void *ud)
{
	hook_rec *h = ud;
	h->ticks++;
	if (h->remove_at_tick && h->ticks == h->remove_at_tick)
		pm_loop_remove_hook(h->loop, h->remove_other ? h->remove_other : h);
}

static void test_loop_hook_timeout_and_tick(void **state)
{
	(void)state;
	pm_loop *l = pm_loop_new();
	hook_rec h = { .loop = l, .want_ms = 0 };
	assert_int_equal(pm_loop_add_hook(l, hook_timeout, hook_tick, &h), 0);
	/* A hook that wants to run now makes the wait return at once: were
	 * the 10 s limit taken, the test would take that long. */
	double t0 = pm_now();
	assert_int_equal(pm_loop_run_once(l, 10000), 0);
	assert_true(pm_now() - t0 < 5.0);
	assert_int_equal(h.timeouts, 1);
	assert_int_equal(h.ticks, 1);
	/* The shortest wish of all hooks wins. */
	hook_rec slow = { .loop = l, .want_ms = 10000 };
	pm_loop_add_hook(l, hook_timeout, hook_tick, &slow);
	t0 = pm_now();
	assert_int_equal(pm_loop_run_once(l, -1), 0);
	assert_true(pm_now() - t0 < 5.0);
	assert_int_equal(h.ticks, 2);
	assert_int_equal(slow.timeouts, 1);
	assert_int_equal(slow.ticks, 1); /* ticked, whatever woke the loop */
	pm_loop_remove_hook(l, &h);
	pm_loop_remove_hook(l, &slow);
	/* A hook's wish is a deadline: nothing else to wake the loop, it
	 * waits that long. */
	hook_rec timer = { .loop = l, .want_ms = 30 };
	pm_loop_add_hook(l, hook_timeout, hook_tick, &timer);
	t0 = pm_now();
	assert_int_equal(pm_loop_run_once(l, -1), 0);
	assert_true(pm_now() - t0 >= 0.029);
	assert_int_equal(timer.ticks, 1);
	/* -1 is no wish: the caller's limit stands. */
	timer.want_ms = -1;
	t0 = pm_now();
	assert_int_equal(pm_loop_run_once(l, 30), 0);
	assert_true(pm_now() - t0 >= 0.029);
	assert_int_equal(timer.ticks, 2);
	/* Removed hooks are neither asked nor ticked. */
	assert_int_equal(h.timeouts, 2);
	assert_int_equal(h.ticks, 2);
	pm_loop_free(l);
}

static void test_loop_hook_removed_while_dispatching(void **state)
{
	(void)state;
	pm_loop *l = pm_loop_new();
	hook_rec second = { .loop = l, .want_ms = 0 };
	hook_rec first = { .loop = l, .want_ms = 0, .remove_at_tick = 1,
			   .remove_other = &second };
	hook_rec self = { .loop = l, .want_ms = 0, .remove_at_tick = 1 };
	pm_loop_add_hook(l, hook_timeout, hook_tick, &self);
	pm_loop_add_hook(l, hook_timeout, hook_tick, &first);
	pm_loop_add_hook(l, hook_timeout, hook_tick, &second);
	assert_int_equal(pm_loop_run_once(l, 0), 0);
	/* self removed itself in its tick; first removed second before its
	 * turn: second is not ticked. */
	assert_int_equal(self.ticks, 1);
	assert_int_equal(first.ticks, 1);
	assert_int_equal(second.ticks, 0);
	assert_int_equal(pm_loop_run_once(l, 0), 0);
	assert_int_equal(self.timeouts, 1);
	assert_int_equal(self.ticks, 1);
	assert_int_equal(first.ticks, 2);
	assert_int_equal(second.timeouts, 1);
	assert_int_equal(second.ticks, 0);
	pm_loop_free(l);
}

typedef struct fd_rec {
	pm_loop *loop;
	int fd;
	short revents;
	unsigned calls;
	int remove_fd; /* removes this fd's watch when called (-1: none) */
} fd_rec;

static void on_fd(void *ud, int fd, short revents)
{
	fd_rec *r = ud;
	r->calls++;
	r->fd = fd;
	r->revents = revents;
	char buf[64];
	ssize_t n = read(fd, buf, sizeof buf);
	(void)n;
	if (r->remove_fd >= 0)
		pm_loop_remove_fd(r->loop, r->remove_fd);
}

static void test_loop_fd_watch(void **state)
{
	(void)state;
	pm_loop *l = pm_loop_new();
	int p[2];
	assert_int_equal(pipe(p), 0);
	fd_rec r = { .loop = l, .fd = -1, .remove_fd = -1 };
	assert_int_equal(pm_loop_add_fd(l, p[0], POLLIN, on_fd, &r), 0);
	/* Nothing to read: not called. */
	assert_int_equal(pm_loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(pm_loop_run_once(l, 10000), 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fd, p[0]);
	assert_true(r.revents & POLLIN);
	/* Read empty by the callback: not called again. */
	assert_int_equal(pm_loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 1);
	/* Removed: data waits unseen. */
	pm_loop_remove_fd(l, p[0]);
	assert_int_equal(write(p[1], "y", 1), 1);
	assert_int_equal(pm_loop_run_once(l, 0), 0);
	assert_int_equal(r.calls, 1);
	pm_loop_free(l);
	close(p[0]);
	close(p[1]);
}

static void test_loop_fd_removed_while_dispatching(void **state)
{
	(void)state;
	pm_loop *l = pm_loop_new();
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	fd_rec ra = { .loop = l, .fd = -1, .remove_fd = b[0] };
	fd_rec rb = { .loop = l, .fd = -1, .remove_fd = -1 };
	pm_loop_add_fd(l, a[0], POLLIN, on_fd, &ra);
	pm_loop_add_fd(l, b[0], POLLIN, on_fd, &rb);
	/* Both readable in the same wait; a's callback removes b's watch
	 * before b's turn. */
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(pm_loop_run_once(l, 10000), 0);
	assert_int_equal(ra.calls, 1);
	assert_int_equal(rb.calls, 0);
	assert_int_equal(pm_loop_run_once(l, 0), 0);
	assert_int_equal(rb.calls, 0);
	pm_loop_free(l);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

typedef struct sig_rec {
	int signos[8];
	unsigned n;
} sig_rec;

static void on_signal(void *ud, int signo)
{
	sig_rec *s = ud;
	if (s->n < 8)
		s->signos[s->n++] = signo;
}

static bool blocked(int signo)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, signo) == 1;
}

static void test_loop_signal_as_event(void **state)
{
	(void)state;
	assert_false(blocked(SIGUSR1));
	pm_loop *l = pm_loop_new();
	sig_rec s1 = { 0 }, s2 = { 0 };
	assert_int_equal(pm_loop_watch_signal(l, SIGUSR1, on_signal, &s1), 0);
	assert_int_equal(pm_loop_watch_signal(l, SIGUSR2, on_signal, &s2), 0);
	/* Blocked: it waits for the loop instead of running a handler (the
	 * default action would end this test). */
	assert_true(blocked(SIGUSR1));
	assert_true(blocked(SIGUSR2));
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(s1.n, 0);
	double end = pm_now() + 10.0;
	while (!s1.n && pm_now() < end)
		assert_int_equal(pm_loop_run_once(l, 1000), 0);
	assert_int_equal(s1.n, 1);
	assert_int_equal(s1.signos[0], SIGUSR1);
	assert_int_equal(s2.n, 0);
	assert_int_equal(raise(SIGUSR2), 0);
	end = pm_now() + 10.0;
	while (!s2.n && pm_now() < end)
		assert_int_equal(pm_loop_run_once(l, 1000), 0);
	assert_int_equal(s2.n, 1);
	assert_int_equal(s2.signos[0], SIGUSR2);
	assert_int_equal(s1.n, 1);
	/* Freed, the loop gives the mask back. */
	pm_loop_free(l);
	assert_false(blocked(SIGUSR1));
	assert_false(blocked(SIGUSR2));
}

static void ignore(int signo)
{
	(void)signo;
}

static void test_loop_child_reset(void **state)
{
	(void)state;
	/* A handler of the parent's own, which the child must not keep. */
	struct sigaction mine = { .sa_handler = ignore }, old;
	assert_int_equal(sigaction(SIGUSR1, &mine, &old), 0);
	pm_loop *l = pm_loop_new();
	sig_rec s = { 0 };
	pm_loop_watch_signal(l, SIGUSR1, on_signal, &s);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child gets the signal mask it had before the loop, and
		 * the default action for the watched signals. */
		pm_loop_child_reset(l);
		struct sigaction sa;
		sigaction(SIGUSR1, NULL, &sa);
		_exit(blocked(SIGUSR1) ? 1 : sa.sa_handler != SIG_DFL ? 2 : 0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent's loop is untouched. */
	assert_true(blocked(SIGUSR1));
	pm_loop_free(l);
	sigaction(SIGUSR1, &old, NULL);
}

static void test_loop_clocks(void **state)
{
	(void)state;
	double a = pm_now();
	double c = pm_now_coarse();
	double b = pm_now();
	assert_true(a > 0);
	assert_true(b >= a);
	/* The tick clock runs at most a few ticks behind. */
	assert_true(c <= b);
	assert_true(b - c < 0.1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop_hook_timeout_and_tick),
		cmocka_unit_test(test_loop_hook_removed_while_dispatching),
		cmocka_unit_test(test_loop_fd_watch),
		cmocka_unit_test(test_loop_fd_removed_while_dispatching),
		cmocka_unit_test(test_loop_signal_as_event),
		cmocka_unit_test(test_loop_child_reset),
		cmocka_unit_test(test_loop_clocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
