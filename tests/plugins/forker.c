/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The forker plugin (tests/fork.sh): C tasks that fork, as seed 002's
 * os.fork does in Python — a child that returns from the task function, a
 * child that sleeps for ever under a task that never ends, children left
 * running when the task returns.  Each child writes its pid to the file
 * named (one a line) and lives at most an hour (a test that dies must not
 * leave them for ever). */
#define _GNU_SOURCE
#include <poolmon/plugin.h>

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void note_pid(const char *path)
{
	FILE *f = fopen(path, "a");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
}

/* Forks; the child returns from here (result 1, or a failure if fail is
 * set), the parent waits for it and returns its exit status (-1 if it did
 * not exit). */
static int child_returns(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	pid_t pid = fork();
	if (pid < 0)
		return ctx->fail(ctx, "fork failed");
	if (pid == 0) {
		alarm(3600);
		note_pid(a[0].u.s.ptr);
		*r = pm_int(1);
		return a[1].u.i ? ctx->fail(ctx, "failed in the child") : 0;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		;
	*r = pm_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

/* Forks a child that sleeps for ever, then sleeps for ever itself. */
static int child_sleeps(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	(void)r;
	pid_t pid = fork();
	if (pid < 0)
		return ctx->fail(ctx, "fork failed");
	if (pid == 0)
		note_pid(a[0].u.s.ptr);
	alarm(3600);
	for (;;)
		pause();
}

/* Forks count children that sleep, and returns once each has noted its
 * pid. */
static int leave(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	for (int64_t i = 0; i < a[0].u.i; i++) {
		int fds[2];
		if (pipe(fds) < 0)
			return ctx->fail(ctx, "pipe failed");
		pid_t pid = fork();
		if (pid < 0)
			return ctx->fail(ctx, "fork failed");
		if (pid > 0) {
			char c;
			close(fds[1]);
			while (read(fds[0], &c, 1) < 0)
				;
			close(fds[0]);
		}
		if (pid == 0) {
			note_pid(a[1].u.s.ptr);
			close(fds[1]);
			alarm(3600);
			for (;;)
				pause();
		}
	}
	*r = pm_int(a[0].u.i);
	return 0;
}

static const struct pm_task_def tasks[] = {
	{ "child_returns", "pidfile:str, fail:int", "int",
	  "fork; the child returns from the task", child_returns },
	{ "child_sleeps", "pidfile:str", "none",
	  "fork a child that sleeps; sleep", child_sleeps },
	{ "leave", "count:int, pidfile:str", "int",
	  "fork children that sleep, return", leave },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "forker",
	.version = "0.1",
	.description = "tasks that fork (tests/fork.sh)",
	.tasks = tasks,
};
