/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused: exports a plugin struct under the wrong name. */
#include <poolmon/plugin.h>

static const struct pm_task_def tasks[] = {
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin not_the_plugin_symbol = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "nosym",
	.tasks = tasks,
};
