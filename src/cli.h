/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The command language: one interpreter for the TUI, --batch, --script and
 * -x.  Commands come from one table (src/cli/table.c) that also drives
 * help and completion.  This header is all the UI and main.c see of
 * src/cli/ (docs/architecture.md, "Commands"). */
#ifndef POOLMON_CLI_H
#define POOLMON_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "loop.h"

typedef struct pm_cli pm_cli;

typedef enum pm_out_mode { PM_OUT_TEXT, PM_OUT_JSON } pm_out_mode;

typedef enum pm_line_kind {
	PM_LINE_INFO,  /* a command's output */
	PM_LINE_ERROR, /* bad input; under JSON an "error" event */
	PM_LINE_EVENT, /* an engine event (task done, worker exited…) */
} pm_line_kind;

/* Receives every line the interpreter prints (no trailing newline). */
typedef void (*pm_line_fn)(void *ud, pm_line_kind kind, const char *line);

/* What a completion slot of a command's argument expects. */
typedef enum pm_complete_kind {
	PM_COMPLETE_NONE,
	PM_COMPLETE_COMMAND,
	PM_COMPLETE_TASK,    /* task names */
	PM_COMPLETE_ID,      /* t1 w2 p3, and "all" / "pool" where allowed */
	PM_COMPLETE_SHARED,  /* shared object names */
	PM_COMPLETE_FILE,    /* paths (load) */
} pm_complete_kind;

typedef struct pm_command pm_command;

pm_cli *pm_cli_new(pm_engine *e, pm_loop *loop, pm_out_mode mode,
		   pm_line_fn out, void *ud);
/* Where a long output line may go in pieces, bytes as they are, its end a
 * '\n' written the same way (the batch front end: standard output), so a
 * map's millions of results are never one buffer.  Called with the ud of
 * pm_cli_new.  Without one (the TUI) every line goes whole to out. */
typedef void (*pm_write_fn)(void *ud, const char *bytes, size_t n);
void pm_cli_set_writer(pm_cli *c, pm_write_fn write);
void pm_cli_free(pm_cli *c);

/* Runs a line of commands.  Each command of the line runs, or reports its
 * own error (bad input included), in order; an error never stops the
 * others (unless errexit is on).  A command that waits (join, apply, result, sleep, map) does not
 * block: the rest of the line is kept and runs when the wait ends, driven
 * by the loop.  Under errexit the first error stops everything instead.
 * Returns false if the line had an error so far. */
bool pm_cli_feed(pm_cli *c, const char *line);
/* True while a command waits or commands are pending. */
bool pm_cli_busy(const pm_cli *c);
/* pm_cli_feed, but ahead of a waiting command and the rest of its line,
 * which then go on as they were (a key's command while a join waits).  For
 * commands that do not wait; one that would is stopped as Ctrl-C stops
 * it. */
bool pm_cli_run_now(pm_cli *c, const char *line);
/* Ctrl-C: stop the current wait and drop pending commands. */
void pm_cli_interrupt(pm_cli *c);
/* `quit` was run (and its waits are over). */
bool pm_cli_quit_requested(const pm_cli *c);
/* Reports bad input that did not come through a command line (an
 * over-long batch line, a failed start-up load): one error line, or an
 * "error" event under JSON. */
void pm_cli_report_error(pm_cli *c, const char *command, const char *msg);
/* Text output of a list of results longer than 2 * head + 1 (map,
 * result FIRST..LAST) shows its first and last head items, how many
 * are left out, and how to save them all (save); 0, the default, prints
 * every item.  The screen sets 10. */
void pm_cli_set_list_head(pm_cli *c, size_t head);
/* Errors seen so far (for --batch's exit status). */
unsigned pm_cli_error_count(const pm_cli *c);
/* Where the lines fed from now on come from: errors then begin with
 * "FILE:LINE: " (under --json, "file" and "line" fields).  file NULL: no
 * place (a typed line).  file is not copied: it must outlive its use. */
void pm_cli_set_origin(pm_cli *c, const char *file, unsigned long line);
/* errexit: the first error stops the session as `quit` does (the pending
 * commands are dropped).  The `errexit` command sets it too. */
void pm_cli_set_errexit(pm_cli *c, bool on);

/* The screen's commands (view, suspend, search, filter, sort) reach the screen
 * through this hook; with none set (--batch, --script, -x) they are
 * refused.  The hook returns false with an error in msg, or true with an
 * info line in msg (or msg left empty). */
typedef struct pm_screen_cmd {
	const char *name; /* "view", "suspend", "search", "filter", "sort" */
	size_t argc;
	char **words;      /* as typed */
	const char *table; /* table=workers|tasks, or NULL: the focused one */
	const char *order; /* order=asc|desc (sort), or NULL */
} pm_screen_cmd;
typedef bool (*pm_screen_fn)(void *ud, const pm_screen_cmd *cmd, char *msg,
			     size_t len);
void pm_cli_set_screen(pm_cli *c, pm_screen_fn fn, void *ud);

/* `serve NAME|off` (the screen's pool served on a socket, src/serve.h)
 * reaches the front end through this hook; with none set it is refused.
 * name: the NAME, or NULL for off.  Returns false with an error in msg,
 * or true with an info line in msg (or msg left empty). */
typedef bool (*pm_serve_fn)(void *ud, const char *name, char *msg,
			    size_t len);
void pm_cli_set_serve(pm_cli *c, pm_serve_fn fn, void *ud);

/* Deaf, the interpreter hears none of the engine's events (a trace it
 * writes still does): for one whose lines nobody reads now (a served
 * pool's client between its requests).  Its commands' own output and
 * waits are not changed. */
void pm_cli_set_deaf(pm_cli *c, bool deaf);

/* The command table. */
size_t pm_cli_command_count(void);
const char *pm_cli_command_name(size_t i);
const char *pm_cli_command_usage(size_t i);
const char *pm_cli_command_help(size_t i);

/* Completion, readline-generator style: the line before the word being
 * completed, the word's prefix, state 0 for the first call.  Returns a
 * malloc'd candidate or NULL when done.  *kind tells whether it is a file
 * name (the caller may then use its own filename completion). */
char *pm_cli_complete(pm_cli *c, const char *before, const char *prefix,
		      int state, pm_complete_kind *kind);

/* --trace FILE: starts the trace export as `trace FILE` does; false after
 * reporting why not. */
bool pm_cli_trace_start(pm_cli *c, const char *path);

/* Status snapshot as JSON (the `status` event) into a malloc'd string. */
char *pm_cli_status_json(pm_cli *c);

#endif
