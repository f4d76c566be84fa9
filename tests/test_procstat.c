/* SPDX-License-Identifier: GPL-3.0-or-later */
/* procstat: libproc2's figures for processes we know — a stopped child
 * (its pid, state T, RSS, one thread, context switches), the CPU it burns
 * between two samples, a zombie, a reaped child, pids past one select's
 * 255, and the system-wide figures. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h"

static void burn_cpu(double seconds)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	while ((double)(t.tv_sec - t0.tv_sec) +
		       (double)(t.tv_nsec - t0.tv_nsec) / 1e9 <
	       seconds);
}

/* The child of the test running, killed by teardown if a failed assert
 * left it behind (a stopped child holding the driver's pipe would hang
 * the suite). */
static pid_t g_child;

static int setup(void **state)
{
	*state = pm_procstat_new();
	return 0;
}

static int teardown(void **state)
{
	pm_procstat_free(*state);
	if (g_child > 0) {
		kill(g_child, SIGKILL);
		waitpid(g_child, NULL, 0);
		g_child = 0;
	}
	return 0;
}

/* fork(); the child dies with the test and keeps none of its output. */
static pid_t fork_child(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0) {
		g_child = pid;
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int null = open("/dev/null", O_RDWR);
	dup2(null, 1);
	dup2(null, 2);
	return 0;
}

static void reap_child(pid_t pid)
{
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	g_child = 0;
}

/* A child that stops itself, burns `burn` seconds of CPU once continued
 * (none if 0), stops again and then waits to be killed.  Returns once it
 * is stopped the first time. */
static pid_t stopped_child(double burn)
{
	pid_t pid = fork_child();
	if (pid == 0) {
		raise(SIGSTOP);
		if (burn > 0) {
			burn_cpu(burn);
			raise(SIGSTOP);
		}
		for (;;)
			pause();
	}
	int st;
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	assert_true(WIFSTOPPED(st));
	return pid;
}

/* One pid's sample, which must succeed and be of that pid. */
static pm_proc_sample sample(pm_procstat *ps, pid_t pid)
{
	pm_proc_sample out;
	assert_int_equal(pm_procstat_sample(ps, &pid, 1, &out), 0);
	assert_int_equal(out.pid, pid);
	return out;
}

static void test_stopped_child(void **state)
{
	pid_t pid = stopped_child(0);
	pm_proc_sample out = sample(*state, pid);
	assert_int_equal(out.state, 'T');
	assert_true(out.rss_kb > 0);
	assert_int_equal(out.threads, 1);
	assert_true(out.ctxsw > 0); /* it was switched out to stop */
	assert_true(out.cpu_pct == 0.0); /* no previous sample */
	/* Stopped in between: not one tick more. */
	out = sample(*state, pid);
	assert_int_equal(out.state, 'T');
	assert_true(out.cpu_pct == 0.0);
}

static void test_cpu_between_samples(void **state)
{
	pid_t pid = stopped_child(0.3);
	assert_true(sample(*state, pid).cpu_pct == 0.0);
	assert_int_equal(kill(pid, SIGCONT), 0);
	int st;
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	assert_true(WIFSTOPPED(st)); /* stopped again, after burning */
	pm_proc_sample out = sample(*state, pid);
	assert_int_equal(out.state, 'T');
	/* One thread: more than nothing, less than two cores. */
	assert_true(out.cpu_pct > 0.0);
	assert_true(out.cpu_pct < 200.0);
}

static void test_zombie_then_gone(void **state)
{
	pid_t pid = fork_child();
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	/* Exited, not reaped: a zombie. */
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(sample(*state, pid).state, 'Z');
	reap_child(pid);
	/* Reaped: gone, and said so; nothing else is made up. */
	pm_proc_sample out = sample(*state, pid);
	assert_int_equal(out.state, '?');
	assert_int_equal(out.rss_kb, 0);
	assert_int_equal(out.threads, 0);
	assert_int_equal(out.ctxsw, 0);
	assert_true(out.cpu_pct == 0.0);
}

/* libproc2 selects at most 255 pids at a time: a pid in the second chunk
 * is found, and each figure lands at its pid's index. */
static void test_many_pids(void **state)
{
	enum { N = 300, CHILD_AT = 290, SELF_AT = 3 };
	pid_t pids[N];
	for (int i = 0; i < N; i++)
		pids[i] = -i; /* never a process: skipped */
	pids[CHILD_AT] = stopped_child(0);
	pids[SELF_AT] = getpid();
	pm_proc_sample out[N];
	assert_int_equal(pm_procstat_sample(*state, pids, N, out), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(out[i].pid, pids[i]);
		if (i == CHILD_AT)
			assert_int_equal(out[i].state, 'T');
		else if (i == SELF_AT)
			assert_int_equal(out[i].state, 'R'); /* reading it */
		else
			assert_int_equal(out[i].state, '?');
	}
	assert_int_equal(out[CHILD_AT].threads, 1);
}

static void test_system(void **state)
{
	double cpu;
	unsigned long used, total;
	assert_int_equal(pm_procstat_system(*state, &cpu, &used, &total), 0);
	assert_true(cpu == 0.0); /* no previous call */
	assert_true(total > 0);
	assert_true(used > 0 && used <= total);
	burn_cpu(0.1); /* at least a few busy ticks since the last call */
	assert_int_equal(pm_procstat_system(*state, &cpu, &used, &total), 0);
	assert_true(cpu > 0.0);
	assert_true(cpu <= 100.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stopped_child, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_between_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zombie_then_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_pids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_system, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
