/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused: defines the task 'noop' twice. */
#include <poolmon/plugin.h>

static int noop(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)ctx;
	(void)a;
	(void)n;
	*r = pm_none();
	return 0;
}

static const struct pm_task_def tasks[] = {
	{ "noop", "", "none", "does nothing", noop },
	{ "noop", "n:int", "none", "defined twice", noop },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "dup_task",
	.version = "1",
	.tasks = tasks,
};
