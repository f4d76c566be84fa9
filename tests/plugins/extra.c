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

static const struct pm_task_def tasks[] = {
	{ "pid", "", "int", "the pid of the process that runs it", pid },
	{ "twice", "n:int", "int", "n * 2", twice },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "extra",
	.version = "0.1",
	.description = "a plugin for the loader tests",
	.tasks = tasks,
};
