/* SPDX-License-Identifier: GPL-3.0-or-later */
/* hello.c — a complete poolmon task plugin, built outside the poolmon tree
 * against the installed SDK (see docs/plugins.md):
 *
 *     cc -shared -fPIC $(pkg-config --cflags poolmon-plugin) -o hello.so hello.c
 *     poolmon --batch -x 'load ./hello.so; apply hello world'
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c99 */
#include <poolmon/plugin.h>

#include <stdio.h>
#include <time.h>

/* hello(name:str) -> str: "hello, NAME". */
static int hello(pm_ctx *ctx, const pm_value *args, size_t nargs,
		 pm_value *result)
{
	(void)nargs; /* the signature guarantees exactly one str */
	const char *name = args[0].u.s.ptr;
	if (!*name)
		return ctx->fail(ctx, "name is empty");
	char text[256];
	snprintf(text, sizeof text, "hello, %s", name);
	*result = pm_str(text);
	return 0;
}

/* countdown(n:int) -> int: n steps of 10 ms, with progress, a log line and
 * an early stop when poolmon cancels the task. */
static int countdown(pm_ctx *ctx, const pm_value *args, size_t nargs,
		     pm_value *result)
{
	(void)nargs;
	int64_t n = args[0].u.i;
	if (n < 0 || n > 100000)
		return ctx->fail(ctx, "n must be 0..100000, got %lld",
				 (long long)n);
	ctx->log(ctx, "%s counts down from %lld on %s", ctx->task_id,
		 (long long)n, ctx->worker_id);
	for (int64_t i = 0; i < n; i++) {
		if (ctx->cancelled(ctx))
			return ctx->fail(ctx, "cancelled at %lld", (long long)i);
		struct timespec step = { 0, 10 * 1000 * 1000 };
		nanosleep(&step, NULL);
		ctx->progress(ctx, (double)(i + 1) / (double)n);
	}
	*result = pm_int(n);
	return 0;
}

static const struct pm_task_def tasks[] = {
	{ "hello", "name:str", "str", "greet someone", hello },
	{ "countdown", "n:int", "int", "count n steps of 10 ms, with progress",
	  countdown },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "hello",
	.version = "1.0",
	.description = "the plugin guide's example",
	.init = NULL,
	.fini = NULL,
	.tasks = tasks,
};
