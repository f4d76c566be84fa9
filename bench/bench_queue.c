/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Queue throughput between two processes: poolmon's shared Queue (the one
 * tasks get through ctx->shm) — the parent puts N integers, a forked child
 * gets them.  Prints "queue_rate N items/s" like bench_queue.py, which does
 * the same with multiprocessing.Queue.
 *
 *   cc -std=gnu11 -O2 -Iinclude -Isrc -o bench_queue bench/bench_queue.c \
 *      build/src/libpoolmon.a $(pkg-config --libs libproc2) -ldl -lm
 *   ./bench_queue [N] [MAXSIZE]       # defaults 2000000, 0 (no limit) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "shared.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	long maxsize = argc > 2 ? atol(argv[2]) : 0;
	char err[256];
	pm_shared *s = pm_shared_new(err, sizeof err);
	if (!s || pm_shared_queue_new(s, "q", PM_SK_QUEUE, (size_t)maxsize, 0,
				      err, sizeof err) < 0) {
		fprintf(stderr, "bench_queue: %s\n", err);
		return 1;
	}
	const struct pm_shared_api *api = pm_shared_api();
	void *q = pm_shared_find(s, "q");
	double t0 = pm_now();
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		long sum = 0;
		for (long i = 0; i < n; i++) {
			pm_value v;
			if (api->queue_get(q, &v, PM_SHM_FOREVER) != PM_SHM_OK)
				_exit(2);
			sum += (long)v.u.i;
		}
		_exit(sum == n * (n - 1) / 2 ? 0 : 3);
	}
	for (long i = 0; i < n; i++) {
		pm_value v = pm_int(i);
		if (api->queue_put(q, &v, PM_SHM_FOREVER) != PM_SHM_OK)
			return 1;
	}
	int st;
	waitpid(pid, &st, 0);
	double dt = pm_now() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_queue: consumer failed (%d)\n", st);
		return 1;
	}
	printf("queue_rate %.0f items/s\n", (double)n / dt);
	pm_shared_free(s);
	return 0;
}
