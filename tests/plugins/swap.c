/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Built twice, as swap_a.so (ping = 42) and swap_b.so (ping = 666): the
 * tests put b in place of a after loading a, and only a may ever run. */
#include <poolmon/plugin.h>

#ifndef PING
#error "build with -DPING=N"
#endif

static int ping(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)ctx;
	(void)a;
	(void)n;
	*r = pm_int(PING);
	return 0;
}

static const struct pm_task_def tasks[] = {
	{ "ping", "", "int", "which build this is", ping },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "swap",
	.version = "1",
	.tasks = tasks,
};
