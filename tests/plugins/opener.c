/* SPDX-License-Identifier: GPL-3.0-or-later */
/* opener.c — an ABI 1.3 plugin whose tasks come from its argument, for
 * tests/plugin_open.sh: `load opener:NAME=a,b` registers NAME.a and NAME.b,
 * each returning [ctx->task_name, its task_data].  With $OPENER_DRIFT set
 * to a file, the first process to open writes its pid there and every
 * other process makes one task fewer (a module that changed under a
 * running worker). */
#define _GNU_SOURCE
#include <poolmon/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int named(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)a;
	(void)n;
	if (!PM_CTX_HAS_TASK(ctx))
		return ctx->fail(ctx, "no task_name in this ctx");
	pm_value *items = calloc(2, sizeof *items);
	if (!items)
		return ctx->fail(ctx, "out of memory");
	items[0] = pm_str(ctx->task_name ? ctx->task_name : "(null)");
	items[1] = pm_str(ctx->task_data ? (const char *)ctx->task_data
					 : "(null)");
	*r = pm_none();
	r->type = PM_LIST;
	r->u.list.items = items;
	r->u.list.len = 2;
	return 0;
}

/* Another process than the first to open, when $OPENER_DRIFT is set. */
static int drifted(void)
{
	const char *f = getenv("OPENER_DRIFT");
	if (!f)
		return 0;
	FILE *fp = fopen(f, "r");
	long first = 0;
	if (fp) {
		if (fscanf(fp, "%ld", &first) != 1)
			first = 0;
		fclose(fp);
	}
	if (!first && (fp = fopen(f, "w"))) {
		fprintf(fp, "%ld\n", (long)getpid());
		fclose(fp);
		return 0;
	}
	return first && first != (long)getpid();
}

static const struct pm_plugin *open_arg(const char *arg, char *err,
					size_t errlen)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1]) {
		snprintf(err, errlen, "want NAME=task,task…, got '%s'", arg);
		return NULL;
	}
	char *names = strdup(eq + 1);
	size_t n = 1;
	for (const char *p = names; *p; p++)
		n += *p == ',';
	if (drifted())
		n--;
	struct pm_plugin *p = calloc(1, sizeof *p);
	struct pm_task_def *t = calloc(n + 1, sizeof *t);
	void **data = calloc(n + 1, sizeof *data);
	char *save = NULL;
	char *tok = strtok_r(names, ",", &save);
	for (size_t i = 0; i < n && tok; i++, tok = strtok_r(NULL, ",", &save)) {
		char *d;
		if (asprintf(&d, "data:%s", tok) < 0)
			d = NULL;
		t[i] = (struct pm_task_def){ tok, "", "list", "its name and data",
					     named };
		data[i] = d;
	}
	*p = (struct pm_plugin){
		.abi_version = POOLMON_ABI_VERSION,
		.name = strndup(arg, (size_t)(eq - arg)),
		.version = "1",
		.description = "tasks named by the argument",
		.tasks = t,
		.task_data = data,
	};
	return p;
}

static const struct pm_task_def none[] = { { NULL, NULL, NULL, NULL, NULL } };

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "opener",
	.version = "1",
	.description = "tasks from its argument",
	.tasks = none,
	.open = open_arg,
};
