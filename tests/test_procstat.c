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

/* In a child: it dies with the test and keeps none of its output. */
static void child_setup(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int null = open("/dev/null", O_RDWR);
	dup2(null, 1);
	dup2(null, 2);
}

static pid_t fork_child(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_setup();
	else
		g_child = pid;
	return pid;
}

static void reap_child(pid_t pid)
{
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	g_child = 0;
}

static void kill_child(pid_t pid)
{
	kill(pid, SIGKILL);
	reap_child(pid);
}

static int teardown(void **state)
{
	(void)state;
	if (g_child > 0) {
		kill(g_child, SIGKILL);
		waitpid(g_child, NULL, 0);
		g_child = 0;
	}
	return 0;
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

static void test_stopped_child(void **state)
{
	(void)state;
	pm_procstat *ps = pm_procstat_new();
	pid_t pid = stopped_child(0);
	pm_proc_sample out;
	assert_int_equal(pm_procstat_sample(ps, &pid, 1, &out), 0);
	assert_int_equal(out.pid, pid);
	assert_int_equal(out.state, 'T');
	assert_true(out.rss_kb > 0);
	assert_int_equal(out.threads, 1);
	assert_true(out.ctxsw > 0); /* it was switched out to stop */
	assert_true(out.cpu_pct == 0.0); /* no previous sample */
	/* Stopped in between: not one tick more. */
	assert_int_equal(pm_procstat_sample(ps, &pid, 1, &out), 0);
	assert_int_equal(out.state, 'T');
	assert_true(out.cpu_pct == 0.0);
	kill_child(pid);
	pm_procstat_free(ps);
}

static void test_cpu_between_samples(void **state)
{
	(void)state;
	pm_procstat *ps = pm_procstat_new();
	pid_t pid = stopped_child(0.3);
	pm_proc_sample out;
	assert_int_equal(pm_procstat_sample(ps, &pid, 1, &out), 0);
	assert_true(out.cpu_pct == 0.0);
	assert_int_equal(kill(pid, SIGCONT), 0);
	int st;
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	assert_true(WIFSTOPPED(st)); /* stopped again, after burning */
	assert_int_equal(pm_procstat_sample(ps, &pid, 1, &out), 0);
	assert_int_equal(out.state, 'T');
	/* One thread: more than nothing, less than two cores. */
	assert_true(out.cpu_pct > 0.0);
	assert_true(out.cpu_pct < 200.0);
	kill_child(pid);
	pm_procstat_free(ps);
}

static void test_zombie_then_gone(void **state)
{
	(void)state;
	pm_procstat *ps = pm_procstat_new();
	pid_t pid = fork_child();
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	/* Exited, not reaped: a zombie. */
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	pm_proc_sample out;
	assert_int_equal(pm_procstat_sample(ps, &pid, 1, &out), 0);
	assert_int_equal(out.pid, pid);
	assert_int_equal(out.state, 'Z');
	reap_child(pid);
	/* Reaped: gone, and said so; nothing else is made up. */
	assert_int_equal(pm_procstat_sample(ps, &pid, 1, &out), 0);
	assert_int_equal(out.pid, pid);
	assert_int_equal(out.state, '?');
	assert_int_equal(out.rss_kb, 0);
	assert_int_equal(out.threads, 0);
	assert_int_equal(out.ctxsw, 0);
	assert_true(out.cpu_pct == 0.0);
	pm_procstat_free(ps);
}

/* libproc2 selects at most 255 pids at a time: a pid in the second chunk
 * is found, and each figure lands at its pid's index. */
static void test_many_pids(void **state)
{
	(void)state;
	enum { N = 300, CHILD_AT = 290, SELF_AT = 3 };
	pm_procstat *ps = pm_procstat_new();
	pid_t child = stopped_child(0);
	pid_t pids[N];
	for (int i = 0; i < N; i++)
		pids[i] = -i; /* never a process: skipped */
	pids[CHILD_AT] = child;
	pids[SELF_AT] = getpid();
	pm_proc_sample out[N];
	assert_int_equal(pm_procstat_sample(ps, pids, N, out), 0);
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
	kill_child(child);
	pm_procstat_free(ps);
}

static void test_system(void **state)
{
	(void)state;
	pm_procstat *ps = pm_procstat_new();
	double cpu;
	unsigned long used, total;
	assert_int_equal(pm_procstat_system(ps, &cpu, &used, &total), 0);
	assert_true(cpu == 0.0); /* no previous call */
	assert_true(total > 0);
	assert_true(used > 0 && used <= total);
	burn_cpu(0.1); /* at least a few busy ticks since the last call */
	assert_int_equal(pm_procstat_system(ps, &cpu, &used, &total), 0);
	assert_true(cpu > 0.0);
	assert_true(cpu <= 100.0);
	pm_procstat_free(ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_stopped_child, teardown),
		cmocka_unit_test_teardown(test_cpu_between_samples, teardown),
		cmocka_unit_test_teardown(test_zombie_then_gone, teardown),
		cmocka_unit_test_teardown(test_many_pids, teardown),
		cmocka_unit_test_teardown(test_system, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
