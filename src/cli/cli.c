/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli.c — the dispatcher: a line is parsed into commands (parse.c), each
 * looked up in the table (table.c), checked against its entry (entry.c)
 * and run, one at a time; a command that waits keeps the rest of the line
 * for later, and the loop's tick drives the wait (wait.c).  The public
 * face of the command language is src/cli.h. */
#define _GNU_SOURCE
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "listeners.h"
#include "output.h"
#include "parse.h"
#include "shared.h"
#include "state.h"
#include "table.h"
#include "trace.h"
#include "wait.h"

static pm_status run_command(pm_cli *c, pm_args *a)
{
	if (a->error)
		return pm_cli_error(c, a, "%s", a->error);
	a->entry = pm_cmd_find(a->name);
	if (!a->entry)
		return pm_cli_error(c, a, "unknown command (try 'help')");
	char err[512];
	if (!(a->entry->flags & PM_CMD_RANGES) &&
	    pm_args_build_ranges(a, err, sizeof err) < 0)
		return pm_cli_error(c, a, "%s", err);
	if (!pm_cmd_check(a->entry, a, err, sizeof err))
		return pm_cli_error(c, a, "%s", err);
	pm_status st = a->entry->exec(c, a);
	pm_trace_pool_state(c);
	return st;
}

static void drop_pending(pm_cli *c)
{
	for (size_t i = c->pending_at; i < c->npending; i++)
		pm_args_free(&c->pending[i]);
	free(c->pending);
	c->pending = NULL;
	c->npending = c->pending_at = 0;
}

static void run_pending(pm_cli *c)
{
	while (!pm_wait_active(c) && c->pending_at < c->npending && !c->quit) {
		/* A copy: the command may add commands (source), moving
		 * the array. */
		pm_args a = c->pending[c->pending_at++];
		c->running = &a;
		/* A sourced file's command: its errors say its FILE:LINE. */
		const char *origin = c->origin;
		unsigned long origin_line = c->origin_line;
		if (a.origin) {
			c->origin = a.origin;
			c->origin_line = a.origin_line;
		}
		pm_status st = run_command(c, &a);
		c->origin = origin;
		c->origin_line = origin_line;
		c->running = NULL;
		pm_args_free(&a);
		if (st == CMD_QUIT)
			c->quit = true;
	}
	if (!pm_wait_active(c) && (c->pending_at >= c->npending || c->quit))
		drop_pending(c);
}

void pm_cli_insert(pm_cli *c, pm_args *cmds, size_t n)
{
	c->pending = xrealloc(c->pending,
			      (c->npending + n + 1) * sizeof *c->pending);
	memmove(c->pending + c->pending_at + n, c->pending + c->pending_at,
		(c->npending - c->pending_at) * sizeof *c->pending);
	memcpy(c->pending + c->pending_at, cmds, n * sizeof *cmds);
	c->npending += n;
}

bool pm_cli_feed(pm_cli *c, const char *line)
{
	pm_args *cmds;
	size_t n = pm_parse_line(line, &cmds);
	unsigned before = c->errors;
	if (n == 0) /* blank or comment-only */
		return true;
	pm_record_line(c, line, cmds, n);
	c->pending = xrealloc(c->pending,
			      (c->npending + n + 1) * sizeof *c->pending);
	memcpy(c->pending + c->npending, cmds, n * sizeof *cmds);
	c->npending += n;
	free(cmds);
	run_pending(c);
	return c->errors == before;
}

bool pm_cli_busy(const pm_cli *c)
{
	return pm_wait_active(c) || c->pending_at < c->npending;
}

bool pm_cli_run_now(pm_cli *c, const char *line)
{
	if (!pm_cli_busy(c))
		return pm_cli_feed(c, line);
	/* The waiting command and the rest of its line are set aside, and
	 * go on as they were after. */
	pm_wait wait = c->wait;
	pm_args *pending = c->pending;
	size_t npending = c->npending, pending_at = c->pending_at;
	memset(&c->wait, 0, sizeof c->wait);
	c->pending = NULL;
	c->npending = c->pending_at = 0;
	bool ok = pm_cli_feed(c, line);
	if (pm_cli_busy(c))
		pm_cli_interrupt(c);
	c->wait = wait;
	c->pending = pending;
	c->npending = npending;
	c->pending_at = pending_at;
	return ok;
}

void pm_cli_interrupt(pm_cli *c)
{
	if (pm_wait_active(c))
		pm_cli_info(c, "interrupted: %s",
			    pm_wait_text(c) ? pm_wait_text(c) : "wait");
	pm_wait_clear(c);
	drop_pending(c);
}


bool pm_cli_quit_requested(const pm_cli *c)
{
	return c->quit && !pm_cli_busy(c);
}

unsigned pm_cli_error_count(const pm_cli *c)
{
	return c->errors;
}

void pm_cli_set_origin(pm_cli *c, const char *file, unsigned long line)
{
	c->origin = file;
	c->origin_line = line;
}

void pm_cli_set_errexit(pm_cli *c, bool on)
{
	c->errexit = on;
}

void pm_cli_set_list_head(pm_cli *c, size_t head)
{
	c->list_head = head;
}

static int cli_timeout(void *ud)
{
	int ms = pm_wait_timeout_ms(ud, pm_now());
	int tr = pm_trace_timeout_ms(ud);
	return tr >= 0 && (ms < 0 || tr < ms) ? tr : ms;
}

static void cli_tick(void *ud)
{
	pm_cli *c = ud;
	pm_trace_tick(c);
	if (pm_wait_active(c) && pm_wait_poll(c, pm_now()))
		run_pending(c);
}

bool pm_cli_trace_start(pm_cli *c, const char *path)
{
	char err[512];
	if (pm_trace_start(c, path, err, sizeof err) == 0)
		return true;
	pm_cli_report_error(c, "trace", err);
	return false;
}

void pm_cli_set_deaf(pm_cli *c, bool deaf)
{
	c->deaf = deaf;
}

void pm_cli_set_serve(pm_cli *c, pm_serve_fn fn, void *ud)
{
	c->serve = fn;
	c->serve_ud = ud;
}

void pm_cli_set_screen(pm_cli *c, pm_screen_fn fn, void *ud)
{
	c->screen = fn;
	c->screen_ud = ud;
}

pm_cli *pm_cli_new(pm_engine *e, pm_loop *loop, pm_out_mode mode,
		   pm_line_fn out, void *ud)
{
	pm_cli *c = xcalloc(1, sizeof *c);
	c->e = e;
	c->loop = loop;
	c->mode = mode;
	c->out = out;
	c->ud = ud;
	c->record_fd = -1;
	c->table = pm_cmd_table;
	c->ntable = pm_cmd_table_size;
	pm_listeners_add(c); /* the engine's events, shared-object reports */
	pm_loop_add_hook(loop, cli_timeout, cli_tick, c);
	/* The first workers started before anyone listened. */
	for (size_t i = 0; i < pm_engine_worker_count(e); i++) {
		pm_worker_info wi;
		pm_engine_worker_info(e, i, &wi);
		pm_event ev = { .kind = PM_EV_WORKER, .id = wi.id,
				.what = "started", .pid = wi.pid,
				.worker = wi.id, .time = pm_engine_t0(e) };
		pm_cli_on_event(c, &ev);
	}
	return c;
}

void pm_cli_set_writer(pm_cli *c, pm_write_fn write)
{
	c->write = write;
}

void pm_cli_free(pm_cli *c)
{
	if (!c)
		return;
	char err[512];
	if (pm_trace_stop(c, err, sizeof err) < 0)
		pm_cli_report_error(c, "trace", err);
	pm_record_stop(c);
	pm_loop_remove_hook(c->loop, c);
	pm_listeners_remove(c);
	pm_wait_clear(c);
	drop_pending(c);
	free(c->quiet);
	free(c->sig_cache.name);
	free(c);
}
