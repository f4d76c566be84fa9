/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A well-formed plugin that the tests load at run time (not bundled). */
#include <poolmon/plugin.h>

#include <unistd.h>

static int pid(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)ctx;
	(void)a;
	(void)n;
	*r = pm_int((int64_t)getpid());
	return 0;
}

static int twice(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	int64_t v;
	if (__builtin_mul_overflow(a[0].u.i, 2, &v))
		return ctx->fail(ctx, "integer overflow");
	*r = pm_int(v);
	return 0;
}

/* By n mod 5: n itself, a string, a float, None, or a failure; for maps
 * whose numbers' results are not all numbers. */
static int mixed(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	int64_t v = a[0].u.i;
	switch (v % 5) {
	case 1:
		*r = pm_str(v % 2 ? "odd" : "even");
		return 0;
	case 2:
		*r = pm_float((double)v / 4);
		return 0;
	case 3:
		*r = pm_none();
		return 0;
	case 4:
		return ctx->fail(ctx, "no to %lld", (long long)v);
	}
	*r = pm_int(v);
	return 0;
}

/* The id its context names ("t12"), for maps whose items are named one
 * after the other in a worker. */
static int myid(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)a;
	(void)n;
	*r = pm_str(ctx->task_id);
	return 0;
}

static const struct pm_task_def tasks[] = {
	{ "pid", "", "int", "the pid of the process that runs it", pid },
	{ "twice", "n:int", "int", "n * 2", twice },
	{ "mixed", "n:int", "any", "by n % 5: n, a string, n / 4, None, failure",
	  mixed },
	{ "myid", "n:int", "str", "its task id, as its context names it", myid },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "extra",
	.version = "0.1",
	.description = "a plugin for the loader tests",
	.tasks = tasks,
};
