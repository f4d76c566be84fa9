/* SPDX-License-Identifier: GPL-3.0-or-later */
/* complete.c — Tab completion of the command language: which word of
 * which command is being completed, from the command table's completion
 * kinds, and the candidates of each kind (commands, task names, the ids
 * the command's entry says it takes, shared object names). */
#define _GNU_SOURCE
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "shared.h"
#include "state.h"
#include "table.h"

typedef struct list {
	char **v;
	size_t n;
} list;

static void add(list *l, char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = s;
}

/* The ids a command's word may name (its entry's PM_IDS_*): tasks, then
 * workers, then processes, then the words "all" and "pool" (only as the
 * first word: they stand alone). */
static void ids(pm_cli *c, unsigned want, bool first, list *l)
{
	char id_text[PM_ID_MAX];
	uint64_t last = pm_engine_last_task_id(c->e);
	if (want & (PM_IDS_TASK | PM_IDS_TASK_ENDED))
		for (uint64_t id = 1; id <= last; id++) {
			pm_task_info ti;
			if (!pm_engine_task_info(c->e, id, &ti))
				continue;
			bool ended = pm_task_state_final(ti.state);
			if (want & (ended ? PM_IDS_TASK_ENDED : PM_IDS_TASK))
				add(l, xstrdup(pm_id_format(id_text, PM_ID_TASK,
							    id)));
		}
	if (want & PM_IDS_WORKER)
		for (size_t i = 0; i < pm_engine_worker_count(c->e); i++) {
			pm_worker_info wi;
			if (pm_engine_worker_info(c->e, i, &wi))
				add(l, xstrdup(pm_id_format(id_text,
							    PM_ID_WORKER, wi.id)));
		}
	if (want & (PM_IDS_PROCESS | PM_IDS_PROCESS_ENDED))
		for (size_t i = 0; i < pm_engine_process_count(c->e); i++) {
			pm_process_info pi;
			if (pm_engine_process_info(c->e, i, &pi) &&
			    (want & (pi.alive ? PM_IDS_PROCESS
					      : PM_IDS_PROCESS_ENDED)))
				add(l, xstrdup(pm_id_format(id_text,
							    PM_ID_PROCESS, pi.id)));
		}
	if (first && (want & PM_IDS_ALL))
		add(l, xstrdup("all"));
	if (first && (want & PM_IDS_POOL))
		add(l, xstrdup("pool"));
}

/* Candidates for one completion slot of cmd (NULL: the command name), in
 * a fixed order. */
static void candidates(pm_cli *c, const struct pm_cmd_entry *cmd,
		       pm_complete_kind kind, bool first, list *l)
{
	switch (kind) {
	case PM_COMPLETE_COMMAND:
		for (size_t i = 0; i < pm_cmd_table_size; i++)
			add(l, xstrdup(pm_cmd_table[i].name));
		break;
	case PM_COMPLETE_TASK:
		for (size_t i = 0; i < pm_engine_plugin_count(c->e); i++) {
			const struct pm_plugin *p =
				pm_engine_plugin(c->e, i, NULL);
			for (size_t k = 0; p->tasks[k].name; k++) {
				add(l, xstrdup(p->tasks[k].name));
				add(l, xasprintf("%s.%s", p->name,
						 p->tasks[k].name));
			}
		}
		break;
	case PM_COMPLETE_ID:
		ids(c, cmd->flags, first, l);
		break;
	case PM_COMPLETE_SHARED: {
		pm_shared *s = pm_engine_shared(c->e);
		for (size_t i = 0; i < pm_shared_count(s); i++) {
			pm_shared_info info;
			if (pm_shared_get_info(s, i, &info))
				add(l, xstrdup(info.name));
		}
		/* show NAME|ID: the ids it takes after the names. */
		ids(c, cmd->flags, first, l);
		break;
	}
	default:
		break;
	}
}

char *pm_cli_complete(pm_cli *c, const char *before, const char *prefix,
		      int state, pm_complete_kind *kind)
{
	static list l;
	static size_t at;
	if (state == 0) {
		for (size_t i = 0; i < l.n; i++)
			free(l.v[i]);
		free(l.v);
		l = (list){ 0 };
		at = 0;
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
		const struct pm_cmd_entry *cmd = NULL;
		if (words == 0) {
			*kind = PM_COMPLETE_COMMAND;
		} else if ((cmd = pm_cmd_find(first))) {
			*kind = words == 1 ? cmd->complete_first
					   : cmd->complete_rest;
		}
		if (*kind == PM_COMPLETE_FILE || *kind == PM_COMPLETE_NONE)
			return NULL;
		candidates(c, cmd, *kind, words == 1, &l);
	}
	size_t plen = strlen(prefix);
	while (at < l.n) {
		const char *s = l.v[at++];
		if (!strncmp(s, prefix, plen))
			return xstrdup(s);
	}
	return NULL;
}
