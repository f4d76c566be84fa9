/* SPDX-License-Identifier: GPL-3.0-or-later */
/* taskargs.c — the arguments a task command hands the engine: its
 * positional words and the key=value options its entry does not declare,
 * bound to the task's signature as Python binds a call. */
#include "taskargs.h"

#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "output.h"
#include "plugin_loader.h"
#include "state.h"

/* The task's definition and parsed signature; false if unknown. */
static bool task_signature(pm_cli *c, const char *task,
			   const struct pm_task_def **def, const char **plugin,
			   pm_signature *sig)
{
	__typeof__(c->sig_cache) *k = &c->sig_cache;
	size_t np = pm_engine_plugin_count(c->e);
	if (k->name && k->nplugins == np && !strcmp(k->name, task)) {
		*def = k->def;
		*plugin = k->plugin;
		*sig = k->sig;
		return true;
	}
	char err[512];
	*def = pm_engine_find_task(c->e, task, plugin, err, sizeof err);
	/* Vetted at load time, so it parses. */
	if (!*def ||
	    pm_signature_parse((*def)->signature, sig, err, sizeof err) < 0)
		return false;
	free(k->name);
	k->name = xstrdup(task);
	k->nplugins = np;
	k->def = *def;
	k->plugin = *plugin;
	k->sig = *sig;
	return true;
}

int pm_taskargs_bind(pm_cli *c, pm_args *a, pm_value **args, size_t *nargs)
{
	const pm_value *pos = a->vals + 1;
	size_t npos = a->argc - 1;
	const struct pm_task_def *def;
	const char *plugin;
	pm_signature sig;
	pm_kwarg *kw = xcalloc(a->nopts ? a->nopts : 1, sizeof *kw);
	size_t nkw = 0;
	for (size_t i = 0; i < a->nopts; i++)
		if (!a->entry || !pm_cmd_option_find(a->entry, a->opts[i].key))
			kw[nkw++] = (pm_kwarg){ a->opts[i].key,
						&a->opts[i].value };
	if (!task_signature(c, a->words[0], &def, &plugin, &sig)) {
		free(kw);
		*args = pm_values_copy(pos, npos);
		*nargs = npos;
		return 0;
	}
	char err[512];
	int rc = pm_signature_bind(&sig, pos, npos, kw, nkw, args, nargs, err,
				   sizeof err);
	free(kw);
	if (rc < 0) {
		pm_cli_error(c, a, "%s.%s(%s): %s", plugin, def->name,
			     def->signature ? def->signature : "", err);
		return -1;
	}
	return 0;
}

pm_value *pm_taskargs_map_items(pm_cli *c, const char *task,
				const pm_value *items, size_t n)
{
	const struct pm_task_def *def;
	const char *plugin;
	pm_signature sig;
	if (!task_signature(c, task, &def, &plugin, &sig) ||
	    !pm_signature_has_kwargs(&sig))
		return NULL;
	/* The engine spreads a list item over the parameters unless the task
	 * takes exactly one plain argument. */
	bool spread = sig.n - 1 != 1 || sig.params[0].variadic;
	pm_value *out = xcalloc(n ? n : 1, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		const pm_value *it = &items[i];
		bool many = spread && it->type == PM_LIST;
		size_t argc = (many ? it->u.list.len : 1) + 1;
		pm_value *argv = xcalloc(argc, sizeof *argv);
		for (size_t k = 0; k + 1 < argc; k++)
			argv[k] = pm_value_copy(many ? &it->u.list.items[k] : it);
		argv[argc - 1] = pm_list_take(xcalloc(1, sizeof(pm_value)), 0);
		out[i] = pm_list_take(argv, argc);
	}
	return out;
}
