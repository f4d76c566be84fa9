/* SPDX-License-Identifier: GPL-3.0-or-later */
/* state.h — what one interpreter (pm_cli) holds, for the files of src/cli/:
 * the engine it drives, where its lines go, the commands still to run,
 * the current wait, and the tasks whose results print elsewhere. */
#ifndef POOLMON_CLI_STATE_H
#define POOLMON_CLI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "entry.h"
#include "parse.h"
#include "plugin_loader.h"
#include "wait.h"

typedef struct pm_range {
	uint64_t first, count;
} pm_range;

struct pm_cli {
	pm_engine *e;
	pm_loop *loop;
	pm_out_mode mode;
	pm_line_fn out;
	pm_write_fn write; /* long lines in pieces; NULL: whole to out */
	void *ud;
	/* The command table it runs (help reads it from here). */
	const struct pm_cmd_entry *table;
	size_t ntable;
	pm_args *pending; /* commands waiting to run */
	size_t npending, pending_at;
	pm_wait wait;
	bool quit;
	unsigned errors;
	bool errexit;             /* the first error quits */
	const char *origin;       /* FILE of "FILE:LINE:", NULL: none */
	unsigned long origin_line;
	pm_range *quiet; /* tasks of apply/map: their results print there */
	size_t nquiet;
	size_t list_head; /* a long map's list in text: its head and tail */
	struct pm_trace *trace; /* trace FILE: the one being written */
	int record_fd;          /* record FILE: the script written; -1 */
	char *record_path;
	pm_args *running;       /* the command running now */
	bool deaf;           /* hears no engine events (pm_cli_set_deaf) */
	pm_serve_fn serve;   /* the serve command's hook, or NULL */
	void *serve_ud;
	pm_screen_fn screen; /* the screen's commands, or NULL */
	void *screen_ud;
	/* `events items`: one event per map item and change, not the
	 * ranges of those that change together. */
	bool item_events;
	/* The last task whose signature a command bound (a script of
	 * submits names the same task): its name, the plugin count then,
	 * what it resolved to. */
	struct {
		char *name;
		size_t nplugins;
		const struct pm_task_def *def;
		const char *plugin;
		pm_signature sig;
	} sig_cache;
};

/* cli.c: commands to run next, ahead of the rest (source); the array
 * becomes the cli's, its items too. */
void pm_cli_insert(pm_cli *c, pm_args *cmds, size_t n);
/* cmd_session.c: a line fed, for record FILE; and its end. */
void pm_record_line(pm_cli *c, const char *line, const pm_args *cmds,
		    size_t n);
void pm_record_stop(pm_cli *c);

#endif
