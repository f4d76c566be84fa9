/* SPDX-License-Identifier: GPL-3.0-or-later */
/* complete.c — Tab completion of the command language: which word of
 * which command is being completed, from the command table's completion
 * kinds, and the candidates of each kind (commands, task names, live ids,
 * shared object names). */
#define _GNU_SOURCE
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "shared.h"
#include "state.h"
#include "table.h"

/* Candidates for one completion slot, in a fixed order. */
static size_t candidates(pm_cli *c, pm_complete_kind kind, char ***out)
{
	char **v = NULL;
	size_t n = 0;
#define ADD(s)                                                    \
	do {                                                      \
		v = xrealloc(v, (n + 1) * sizeof *v);             \
		v[n++] = (s);                                     \
	} while (0)
	switch (kind) {
	case PM_COMPLETE_COMMAND:
		for (size_t i = 0; i < pm_cmd_table_size; i++)
			ADD(xstrdup(pm_cmd_table[i].name));
		break;
	case PM_COMPLETE_TASK:
		for (size_t i = 0; i < pm_engine_plugin_count(c->e); i++) {
			const struct pm_plugin *p =
				pm_engine_plugin(c->e, i, NULL);
			for (size_t k = 0; p->tasks[k].name; k++) {
				ADD(xstrdup(p->tasks[k].name));
				ADD(xasprintf("%s.%s", p->name,
					      p->tasks[k].name));
			}
		}
		break;
	case PM_COMPLETE_ID: {
		char id_text[PM_ID_MAX];
		uint64_t last = pm_engine_last_task_id(c->e);
		for (uint64_t id = 1; id <= last; id++) {
			pm_task_info ti;
			if (pm_engine_task_info(c->e, id, &ti) &&
			    !pm_task_state_final(ti.state))
				ADD(xstrdup(pm_id_format(id_text, PM_ID_TASK,
							 id)));
		}
		for (size_t i = 0; i < pm_engine_worker_count(c->e); i++) {
			pm_worker_info wi;
			if (pm_engine_worker_info(c->e, i, &wi))
				ADD(xstrdup(pm_id_format(id_text,
							 PM_ID_WORKER, wi.id)));
		}
		ADD(xstrdup("all"));
		ADD(xstrdup("pool"));
		break;
	}
	case PM_COMPLETE_SHARED: {
		pm_shared *s = pm_engine_shared(c->e);
		for (size_t i = 0; i < pm_shared_count(s); i++) {
			pm_shared_info info;
			if (pm_shared_get_info(s, i, &info))
				ADD(xstrdup(info.name));
		}
		break;
	}
	default:
		break;
	}
#undef ADD
	*out = v;
	return n;
}

char *pm_cli_complete(pm_cli *c, const char *before, const char *prefix,
		      int state, pm_complete_kind *kind)
{
	static char **list;
	static size_t nlist, at;
	if (state == 0) {
		for (size_t i = 0; i < nlist; i++)
			free(list[i]);
		free(list);
		list = NULL;
		nlist = at = 0;
		/* Which word is this?  Look at the current command only. */
		const char *cmdstart = strrchr(before, ';');
		cmdstart = cmdstart ? cmdstart + 1 : before;
		char first[64] = "";
		int words = 0;
		const char *p = cmdstart;
		while (*p) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p)
				break;
			const char *s = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
			if (words++ == 0) {
				size_t len = (size_t)(p - s);
				if (len >= sizeof first)
					len = sizeof first - 1;
				memcpy(first, s, len);
				first[len] = '\0';
			}
		}
		*kind = PM_COMPLETE_NONE;
		if (words == 0) {
			*kind = PM_COMPLETE_COMMAND;
		} else {
			const struct pm_cmd_entry *cmd = pm_cmd_find(first);
			if (cmd)
				*kind = words == 1 ? cmd->complete_first
						   : cmd->complete_rest;
		}
		if (*kind == PM_COMPLETE_FILE || *kind == PM_COMPLETE_NONE)
			return NULL;
		nlist = candidates(c, *kind, &list);
	}
	size_t plen = strlen(prefix);
	while (at < nlist) {
		const char *s = list[at++];
		if (!strncmp(s, prefix, plen))
			return xstrdup(s);
	}
	return NULL;
}
