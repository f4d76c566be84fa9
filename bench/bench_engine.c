/* SPDX-License-Identifier: GPL-3.0-or-later */
/* poolmon's side of bench/run: the engine through its C API, and the
 * machine's floors (fork+reap, a pipe and a futex ping-pong), measured in
 * the same run.  Prints "name value unit" lines. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "loop.h"
#include "value.h"

static char err[1024];

static pm_engine *make(pm_loop *loop, int workers)
{
	char *e_err = NULL;
	pm_engine_config cfg = { .workers = workers };
	pm_engine *e = pm_engine_new(loop, &cfg, &e_err);
	if (!e) {
		fprintf(stderr, "bench: %s\n", e_err);
		exit(1);
	}
	const char *dir = getenv("POOLMON_PLUGIN_PATH");
	pm_engine_add_plugin_dir(e, dir ? dir : "plugins");
	if (pm_engine_load(e, "demo", err, sizeof err) < 0) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	pm_engine_poll(e); /* start the workers, as the first loop tick does */
	return e;
}

static void run_until_idle(pm_engine *e, pm_loop *loop)
{
	while (!pm_engine_idle(e))
		pm_loop_run_once(loop, 100);
}

static void submit_one(pm_engine *e, const char *task, int64_t v)
{
	pm_value a = pm_int(v);
	uint64_t id;
	if (pm_engine_submit(e, task, &a, 1, NULL, &id, err, sizeof err) < 0) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
}

static void bench_apply_async(int n)
{
	pm_loop *loop = pm_loop_new();
	pm_engine *e = make(loop, 2);
	double t0 = pm_now();
	for (int i = 0; i < n; i++)
		submit_one(e, "square", i);
	run_until_idle(e, loop);
	double dt = pm_now() - t0;
	printf("apply_async_rate %.0f tasks/s\n", n / dt);
	pm_engine_free(e);
	pm_loop_free(loop);
}

static void bench_map(size_t n)
{
	pm_loop *loop = pm_loop_new();
	pm_engine *e = make(loop, 2);
	pm_value *items = calloc(n, sizeof *items);
	for (size_t i = 0; i < n; i++)
		items[i] = pm_int((int64_t)i);
	double t0 = pm_now();
	uint64_t first;
	if (pm_engine_map(e, "square", items, n, 0, &first, err, sizeof err) < 0) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	run_until_idle(e, loop);
	double dt = pm_now() - t0;
	printf("map_1m_seconds %.4f s\n", dt);
	free(items);
	pm_engine_free(e);
	pm_loop_free(loop);
}

static void bench_apply_sync(int n)
{
	pm_loop *loop = pm_loop_new();
	pm_engine *e = make(loop, 2);
	/* Warm up both workers. */
	for (int i = 0; i < 100; i++) {
		submit_one(e, "square", i);
		run_until_idle(e, loop);
	}
	double t0 = pm_now();
	for (int i = 0; i < n; i++) {
		submit_one(e, "square", i);
		run_until_idle(e, loop);
	}
	double dt = pm_now() - t0;
	printf("apply_sync_us %.2f us\n", dt / n * 1e6);
	pm_engine_free(e);
	pm_loop_free(loop);
}

static void bench_start64(void)
{
	double t0 = pm_now();
	pm_loop *loop = pm_loop_new();
	pm_engine *e = make(loop, 64);
	submit_one(e, "square", 3);
	run_until_idle(e, loop);
	double dt = pm_now() - t0;
	printf("start64_ms %.3f ms\n", dt * 1e3);
	pm_engine_free(e);
	pm_loop_free(loop);
}

/* Both workers have run something, as Python's side warms its pool up
 * with a map of 100 squares. */
static void warm_up(pm_engine *e, pm_loop *loop)
{
	pm_value items[100];
	for (int i = 0; i < 100; i++)
		items[i] = pm_int(i);
	uint64_t first;
	if (pm_engine_map(e, "square", items, 100, 0, &first, err,
			  sizeof err) < 0) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	run_until_idle(e, loop);
}

/* The size of the job comparison: the demo's largest job, ~0.3-0.5 s of C
 * here, so that two in a row take >= 0.5 s and the ratio is not a few
 * milliseconds of noise (job(1000000) is 2-4 ms). */
#define JOB_N 100000000

static void bench_job(void)
{
	pm_loop *loop = pm_loop_new();
	pm_engine *e = make(loop, 2);
	warm_up(e, loop);
	double t0 = pm_now();
	submit_one(e, "job", JOB_N);
	run_until_idle(e, loop);
	submit_one(e, "job", JOB_N);
	run_until_idle(e, loop);
	double serial = pm_now() - t0;
	t0 = pm_now();
	submit_one(e, "job", JOB_N);
	submit_one(e, "job", JOB_N);
	run_until_idle(e, loop);
	double parallel = pm_now() - t0;
	printf("job_serial_s %.4f s\n", serial);
	printf("job_parallel_s %.4f s\n", parallel);
	/* Worker RSS, as the kernel counts it. */
	pm_worker_info wi;
	pm_engine_worker_info(e, 0, &wi);
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)wi.pid);
	FILE *f = fopen(path, "r");
	long rss = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &rss) == 1)
			break;
	if (f)
		fclose(f);
	printf("worker_rss_kb %ld kB\n", rss);
	pm_engine_free(e);
	pm_loop_free(loop);
}

/* ---- floors --------------------------------------------------------------- */

static void floor_fork64(void)
{
	double t0 = pm_now();
	pid_t pids[64];
	for (int i = 0; i < 64; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(0);
	}
	for (int i = 0; i < 64; i++)
		waitpid(pids[i], NULL, 0);
	printf("fork64_ms %.3f ms\n", (pm_now() - t0) * 1e3);
}

static void floor_pipe(int n)
{
	int ab[2], ba[2];
	if (pipe(ab) < 0 || pipe(ba) < 0)
		exit(1);
	pid_t pid = fork();
	char c = 0;
	if (pid == 0) {
		close(ab[1]);
		close(ba[0]);
		while (read(ab[0], &c, 1) == 1)
			if (write(ba[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	close(ab[0]);
	close(ba[1]);
	double t0 = pm_now();
	for (int i = 0; i < n; i++) {
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			exit(1);
	}
	double dt = pm_now() - t0;
	close(ab[1]);
	close(ba[0]);
	waitpid(pid, NULL, 0);
	printf("pipe_rtt_us %.2f us\n", dt / n * 1e6);
}

static void floor_futex(int n)
{
	_Atomic uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	atomic_store(w, 0);
	pid_t pid = fork();
	if (pid == 0) {
		for (uint32_t k = 1; k < 2u * (uint32_t)n; k += 2) {
			while (atomic_load(w) != k)
				syscall(SYS_futex, w, FUTEX_WAIT, k - 1, NULL, NULL, 0);
			atomic_store(w, k + 1);
			syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
		}
		_exit(0);
	}
	double t0 = pm_now();
	for (uint32_t k = 0; k < 2u * (uint32_t)n; k += 2) {
		atomic_store(w, k + 1);
		syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
		while (atomic_load(w) != k + 2)
			syscall(SYS_futex, w, FUTEX_WAIT, k + 1, NULL, NULL, 0);
	}
	double dt = pm_now() - t0;
	waitpid(pid, NULL, 0);
	printf("futex_rtt_us %.2f us\n", dt / n * 1e6);
}

/* The seeds' job loop (the demo plugin's), as plain C; noipa: each call
 * runs (the compiler would reuse a pure function's result). */
static __attribute__((noipa)) unsigned __int128 job_loop(int64_t limit)
{
	unsigned __int128 res = 0;
	for (int64_t i = 0; i < limit; i++) {
		unsigned __int128 x = (unsigned __int128)i;
		res += x + x * x + x * x * x;
	}
	return res;
}

static volatile uint64_t job_sink;

/* What this machine gives two processes running job(JOB_N) at once,
 * against the same two one after the other: the floor for the pool's
 * speed-up (two vCPUs may share a core's units, or the host's time). */
static void floor_job2(void)
{
	double t0 = pm_now();
	job_sink = (uint64_t)job_loop(JOB_N);
	job_sink = (uint64_t)job_loop(JOB_N);
	double serial = pm_now() - t0;
	t0 = pm_now();
	pid_t pids[2];
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			job_sink = (uint64_t)job_loop(JOB_N);
			_exit(0);
		}
	}
	for (int i = 0; i < 2; i++)
		waitpid(pids[i], NULL, 0);
	double parallel = pm_now() - t0;
	printf("job2_floor_serial_s %.4f s\n", serial);
	printf("job2_floor_parallel_s %.4f s\n", parallel);
}

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!*only || !strcmp(only, "floors")) {
		floor_fork64();
		floor_pipe(20000);
		floor_futex(20000);
		floor_job2();
	}
	if (!*only || !strcmp(only, "apply_async"))
		bench_apply_async(200000);
	if (!*only || !strcmp(only, "map"))
		bench_map(1000000);
	if (!*only || !strcmp(only, "apply"))
		bench_apply_sync(20000);
	if (!*only || !strcmp(only, "start64"))
		bench_start64();
	if (!*only || !strcmp(only, "job"))
		bench_job();
	return 0;
}
