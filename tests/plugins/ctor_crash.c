/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused: its constructor crashes (SIGSEGV) as soon as it is loaded; the
 * table itself is well-formed. */
#include <poolmon/plugin.h>

#include <signal.h>

__attribute__((constructor)) static void crash(void)
{
	raise(SIGSEGV);
}

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
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "ctor_crash",
	.version = "1",
	.tasks = tasks,
};
