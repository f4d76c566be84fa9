/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused: its init reports a failure. */
#include <poolmon/plugin.h>

#include <stdio.h>

static int noop(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)ctx;
	(void)a;
	(void)n;
	*r = pm_none();
	return 0;
}

static int init(char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "no license server at 127.0.0.1:27000");
	return -1;
}

static const struct pm_task_def tasks[] = {
	{ "noop", "", "none", "does nothing", noop },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "bad_init",
	.version = "1",
	.init = init,
	.tasks = tasks,
};
