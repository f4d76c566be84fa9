/* SPDX-License-Identifier: GPL-3.0-or-later */
/* noop.h — the one task ("noop") and the plugin record the test plugins
 * that the loader must refuse share; each says only what makes it wrong. */
#ifndef POOLMON_TEST_NOOP_H
#define POOLMON_TEST_NOOP_H

#include <poolmon/plugin.h>

static int noop(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)ctx;
	(void)a;
	(void)n;
	*r = pm_none();
	return 0;
}

/* A plugin NAME of ABI version ABI whose one task "noop" has signature
 * SIG, and init function INIT (or NULL). */
#define NOOP_PLUGIN(NAME, ABI, SIG, HELP, INIT)                              \
	static const struct pm_task_def tasks[] = {                           \
		{ "noop", SIG, "none", HELP, noop },                          \
		{ NULL, NULL, NULL, NULL, NULL },                             \
	};                                                                    \
	const struct pm_plugin poolmon_plugin = {                             \
		.abi_version = (ABI),                                         \
		.name = NAME,                                                 \
		.version = "1",                                               \
		.init = INIT,                                                 \
		.tasks = tasks,                                               \
	}

#endif
