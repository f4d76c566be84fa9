/* SPDX-License-Identifier: GPL-3.0-or-later */
/* output.c — everything the interpreter prints: info lines, errors (an
 * "error" event under --json), JSON events built by commands, and the
 * engine's events (tasks, workers, processes, logs, corrupted shared
 * objects) as text or JSON lines. */
#define _GNU_SOURCE
#include "output.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "shared.h"
#include "state.h"
#include "trace.h"

void pm_cli_info(pm_cli *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	if (c->mode == PM_OUT_JSON) {
		/* Under --json every line is an event. */
		pm_buf b = { 0 };
		pm_buf_puts(&b, "{\"event\":\"info\",\"message\":");
		pm_json_string(&b, s);
		pm_buf_puts(&b, "}");
		c->out(c->ud, PM_LINE_INFO, b.s);
		pm_buf_free(&b);
	} else {
		c->out(c->ud, PM_LINE_INFO, s);
	}
	free(s);
}

void pm_cli_info_line(pm_cli *c, const char *line)
{
	if (c->mode == PM_OUT_JSON)
		pm_cli_info(c, "%s", line);
	else
		c->out(c->ud, PM_LINE_INFO, line);
}

void pm_cli_json(pm_cli *c, const char *json)
{
	c->out(c->ud, PM_LINE_EVENT, json);
}

void pm_cli_report_error(pm_cli *c, const char *command, const char *msg)
{
	c->errors++;
	if (c->errexit)
		c->quit = true; /* run_pending drops the rest */
	if (c->mode == PM_OUT_JSON) {
		pm_buf b = { 0 };
		pm_buf_puts(&b, "{\"event\":\"error\",\"command\":");
		pm_json_string(&b, command ? command : "");
		pm_buf_puts(&b, ",\"message\":");
		pm_json_string(&b, msg);
		if (c->origin) {
			pm_buf_puts(&b, ",\"file\":");
			pm_json_string(&b, c->origin);
			pm_buf_printf(&b, ",\"line\":%lu", c->origin_line);
		}
		pm_buf_puts(&b, "}");
		c->out(c->ud, PM_LINE_ERROR, b.s);
		pm_buf_free(&b);
	} else {
		/* Whatever was typed, never send raw control bytes to a
		 * terminal. */
		pm_buf b = { 0 };
		if (c->origin) {
			pm_escape_text(&b, c->origin);
			pm_buf_printf(&b, ":%lu: ", c->origin_line);
		}
		pm_buf_puts(&b, "error: ");
		if (command && *command) {
			pm_escape_text(&b, command);
			pm_buf_puts(&b, ": ");
		}
		pm_escape_text(&b, msg);
		c->out(c->ud, PM_LINE_ERROR, b.s);
		pm_buf_free(&b);
	}
}

pm_status pm_cli_error(pm_cli *c, const pm_args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	pm_cli_report_error(c, a ? a->name : "", msg);
	free(msg);
	return CMD_ERROR;
}

void pm_cli_mark_quiet(pm_cli *c, uint64_t first, uint64_t count)
{
	c->quiet = xrealloc(c->quiet, (c->nquiet + 1) * sizeof *c->quiet);
	c->quiet[c->nquiet++] = (pm_range){ first, count };
}

static bool is_quiet(const pm_cli *c, uint64_t id)
{
	for (size_t i = 0; i < c->nquiet; i++)
		if (id >= c->quiet[i].first &&
		    id < c->quiet[i].first + c->quiet[i].count)
			return true;
	return false;
}

/* A time of the engine's clock as seconds since it started. */
static double since_start(pm_engine *e, double t)
{
	double d = t - pm_engine_t0(e);
	return d > 0 ? d : 0;
}

void pm_cli_task_json(pm_buf *b, pm_engine *e, const pm_task_info *ti)
{
	pm_buf_printf(b, "{\"event\":\"task\",\"id\":\"t%llu\",\"task\":",
		      (unsigned long long)ti->id);
	pm_json_string(b, ti->task);
	pm_buf_printf(b, ",\"state\":\"%s\"", pm_task_state_name(ti->state));
	pm_buf_puts(b, ",\"args\":[");
	for (size_t i = 0; i < ti->nargs; i++) {
		if (i)
			pm_buf_puts(b, ",");
		pm_value_json(b, &ti->args[i]);
	}
	pm_buf_puts(b, "]");
	if (ti->result) {
		pm_buf_puts(b, ",\"result\":");
		pm_value_json(b, ti->result);
	}
	if (ti->worker)
		pm_buf_printf(b, ",\"worker\":\"%c%llu\",\"pid\":%d",
			      ti->in_process ? 'p' : 'w',
			      (unsigned long long)ti->worker, (int)ti->pid);
	if (ti->state == PM_TASK_FAILED || ti->state == PM_TASK_TIMEOUT ||
	    ti->state == PM_TASK_CRASHED) {
		pm_buf_puts(b, ",\"error\":");
		pm_json_string(b, ti->error ? ti->error : "");
	}
	if (ti->state == PM_TASK_CRASHED)
		pm_buf_printf(b, ",\"signal\":\"%s\"",
			      pm_signal_name(ti->signo));
	if (pm_task_state_final(ti->state) && ti->elapsed > 0)
		pm_buf_printf(b, ",\"elapsed\":%.6f", ti->elapsed);
	/* When it changed to this state, and when it was queued, started
	 * and ended: seconds since poolmon started. */
	if (ti->changed_at > 0)
		pm_buf_printf(b, ",\"time\":%.6f",
			      since_start(e, ti->changed_at));
	if (ti->queued_at > 0)
		pm_buf_printf(b, ",\"queued\":%.6f",
			      since_start(e, ti->queued_at));
	if (ti->started_at > 0)
		pm_buf_printf(b, ",\"started\":%.6f",
			      since_start(e, ti->started_at));
	if (ti->ended_at > 0)
		pm_buf_printf(b, ",\"ended\":%.6f",
			      since_start(e, ti->ended_at));
	pm_buf_puts(b, "}");
}

static void format_call(pm_buf *b, const pm_task_info *ti)
{
	pm_buf_puts(b, ti->task);
	pm_buf_puts(b, "(");
	for (size_t i = 0; i < ti->nargs; i++) {
		if (i)
			pm_buf_puts(b, ", ");
		pm_value_format(b, &ti->args[i]);
	}
	pm_buf_puts(b, ")");
}

static void on_task_event(pm_cli *c, const pm_event *ev)
{
	/* Text shows ends only; the event is told as the record changes,
	 * so its state is the record's (queued and running: no look). */
	if (c->mode != PM_OUT_JSON &&
	    !pm_task_state_final((pm_task_state)ev->state))
		return;
	pm_task_info ti;
	if (!pm_engine_task_info(c->e, ev->id, &ti))
		return;
	pm_buf b = { 0 };
	/* The event's own time: what the record says now may be of a later
	 * change, or a map's chunk not ended yet. */
	if (ev->time > 0)
		ti.changed_at = ev->time;
	if (c->mode == PM_OUT_JSON) {
		pm_cli_task_json(&b, c->e, &ti);
		c->out(c->ud, PM_LINE_EVENT, b.s);
		pm_buf_free(&b);
		return;
	}
	/* Text: one line when a task ends, except the results apply and
	 * map print themselves. */
	if (!pm_task_state_final(ti.state) ||
	    (ti.state == PM_TASK_DONE && is_quiet(c, ti.id)))
		return;
	char w[PM_ID_MAX];
	pm_buf_puts(&b, pm_id_format(w, PM_ID_TASK, ti.id));
	pm_buf_puts(&b, " ");
	format_call(&b, &ti);
	pm_buf_puts(&b, " ");
	pm_buf_puts(&b, pm_task_state_name(ti.state));
	if (ti.result) {
		pm_buf_puts(&b, ": ");
		pm_value_format(&b, ti.result);
	} else if (ti.error) {
		pm_buf_printf(&b, ": %s", ti.error);
	}
	if (ti.worker) {
		pm_buf_puts(&b, " [");
		pm_buf_puts(&b, pm_id_format(w, ti.in_process ? PM_ID_PROCESS
							       : PM_ID_WORKER,
					     ti.worker));
		pm_buf_puts(&b, " pid ");
		pm_format_int(&b, ti.pid);
		pm_buf_puts(&b, "]");
	}
	c->out(c->ud, PM_LINE_EVENT, b.s);
	pm_buf_free(&b);
}

/* A run of a map's items that changed state together: one "task_range" event
 * under JSON; as text, what each would have printed (a map prints its
 * results itself, so nothing but for one not marked quiet). */
static void on_tasks_event(pm_cli *c, const pm_event *ev)
{
	if (c->mode == PM_OUT_JSON) {
		pm_buf b = { 0 };
		pm_buf_printf(&b,
			      "{\"event\":\"task_range\",\"first\":\"t%llu\",\"last\":\"t%llu\",\"count\":%llu,\"task\":",
			      (unsigned long long)ev->id,
			      (unsigned long long)ev->last,
			      (unsigned long long)(ev->last - ev->id + 1));
		pm_json_string(&b, ev->task ? ev->task : "");
		pm_buf_printf(&b, ",\"state\":\"%s\"",
			      pm_task_state_name((pm_task_state)ev->state));
		if (ev->worker)
			pm_buf_printf(&b, ",\"worker\":\"w%llu\",\"pid\":%d",
				      (unsigned long long)ev->worker,
				      (int)ev->pid);
		if (ev->time > 0)
			pm_buf_printf(&b, ",\"time\":%.6f",
				      since_start(c->e, ev->time));
		pm_buf_puts(&b, "}");
		c->out(c->ud, PM_LINE_EVENT, b.s);
		pm_buf_free(&b);
		return;
	}
	if (!pm_task_state_final((pm_task_state)ev->state))
		return;
	for (size_t i = 0; ev->state == PM_TASK_DONE && i < c->nquiet; i++)
		if (ev->id >= c->quiet[i].first &&
		    ev->last < c->quiet[i].first + c->quiet[i].count)
			return; /* a map's: it prints its results itself */
	for (uint64_t id = ev->id; id <= ev->last; id++) {
		pm_event one = *ev;
		one.id = id;
		one.last = 0;
		on_task_event(c, &one);
	}
}

static void on_worker_event(pm_cli *c, const pm_event *ev)
{
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON) {
		pm_buf_printf(&b,
			      "{\"event\":\"worker\",\"id\":\"w%llu\",\"pid\":%d,\"state\":\"%s\"",
			      (unsigned long long)ev->id, (int)ev->pid,
			      ev->what);
		if (!strcmp(ev->what, "exited")) {
			if (ev->signo)
				pm_buf_printf(&b, ",\"signal\":\"%s\"",
					      pm_signal_name(ev->signo));
			else
				pm_buf_printf(&b, ",\"status\":%d",
					      ev->exit_status);
		}
		if (ev->time > 0)
			pm_buf_printf(&b, ",\"time\":%.6f",
				      since_start(c->e, ev->time));
		pm_buf_puts(&b, "}");
		c->out(c->ud, PM_LINE_EVENT, b.s);
	} else if (!strcmp(ev->what, "exited") &&
		   (ev->signo || ev->exit_status)) {
		if (ev->signo)
			pm_buf_printf(&b, "w%llu (pid %d) killed by %s",
				      (unsigned long long)ev->id, (int)ev->pid,
				      pm_signal_name(ev->signo));
		else
			pm_buf_printf(&b, "w%llu (pid %d) exited with status %d",
				      (unsigned long long)ev->id, (int)ev->pid,
				      ev->exit_status);
		c->out(c->ud, PM_LINE_EVENT, b.s);
	}
	pm_buf_free(&b);
}

static void on_process_event(pm_cli *c, const pm_event *ev)
{
	pm_process_info pi;
	if (!pm_engine_process_by_id(c->e, ev->id, &pi))
		return;
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON) {
		pm_buf_printf(&b, "{\"event\":\"process\",\"id\":\"p%llu\",\"name\":",
			      (unsigned long long)ev->id);
		pm_json_string(&b, pi.name);
		pm_buf_printf(&b, ",\"pid\":%d,\"state\":\"%s\",\"daemon\":%s",
			      (int)ev->pid, ev->what, pi.daemon ? "true" : "false");
		if (!pi.alive)
			pm_buf_printf(&b, ",\"exitcode\":%d", pi.exitcode);
		if (ev->time > 0)
			pm_buf_printf(&b, ",\"time\":%.6f",
				      since_start(c->e, ev->time));
		pm_buf_puts(&b, "}");
	} else if (!strcmp(ev->what, "exited")) {
		pm_buf_printf(&b, "p%llu %s (pid %d) exited, exitcode %d",
			      (unsigned long long)ev->id, pi.name, (int)ev->pid,
			      pi.exitcode);
	} else if (!strcmp(ev->what, "started")) {
		pm_buf_printf(&b, "p%llu %s started, pid %d",
			      (unsigned long long)ev->id, pi.name, (int)ev->pid);
	}
	if (b.s)
		c->out(c->ud, PM_LINE_EVENT, b.s);
	pm_buf_free(&b);
}

/* {"event":"deadlock","cycle":[{"id":"p1","waits_for":"B","held_by":"p2",
 * "waited":S}, …]}, or "deadlock: p1 waits for B held by p2, …". */
static void on_deadlock_event(pm_cli *c, const pm_event *ev)
{
	pm_buf b = { 0 };
	bool json = c->mode == PM_OUT_JSON;
	pm_buf_puts(&b, json ? "{\"event\":\"deadlock\",\"cycle\":["
			     : "deadlock: ");
	for (size_t i = 0; i < ev->ncycle; i++) {
		const pm_deadlock_link *l = &ev->cycle[i];
		if (i)
			pm_buf_puts(&b, json ? "," : ", ");
		if (!json) {
			pm_buf_printf(&b, "%s waits for %s held by %s", l->id,
				      l->lock, l->held_by);
			continue;
		}
		pm_buf_puts(&b, "{\"id\":");
		pm_json_string(&b, l->id);
		pm_buf_puts(&b, ",\"waits_for\":");
		pm_json_string(&b, l->lock);
		pm_buf_puts(&b, ",\"held_by\":");
		pm_json_string(&b, l->held_by);
		pm_buf_printf(&b, ",\"waited\":%.3f}", l->waited);
	}
	if (json)
		pm_buf_printf(&b, "],\"time\":%.6f}",
			      since_start(c->e, ev->time));
	else
		pm_buf_puts(&b, " (terminate one to break it)");
	c->out(c->ud, PM_LINE_EVENT, b.s);
	pm_buf_free(&b);
}

void pm_cli_on_event(void *ud, const pm_event *ev)
{
	pm_cli *c = ud;
	pm_buf b = { 0 };
	pm_trace_event(c, ev);
	switch (ev->kind) {
	case PM_EV_TASK:
		if (ev->last)
			on_tasks_event(c, ev);
		else
			on_task_event(c, ev);
		break;
	case PM_EV_WORKER:
		on_worker_event(c, ev);
		break;
	case PM_EV_LOG:
		if (c->mode == PM_OUT_JSON) {
			pm_buf_puts(&b, "{\"event\":\"log\"");
			if (ev->id)
				pm_buf_printf(&b, ",\"id\":\"t%llu\"",
					      (unsigned long long)ev->id);
			if (ev->worker)
				pm_buf_printf(&b, ",\"worker\":\"%c%llu\"",
					      ev->in_process ? 'p' : 'w',
					      (unsigned long long)ev->worker);
			pm_buf_puts(&b, ",\"message\":");
			pm_json_string(&b, ev->error ? ev->error : "");
			pm_buf_puts(&b, "}");
		} else if (ev->id) {
			/* Named by its task: "t9 consume: got 3". */
			const char *name = ev->task ? strrchr(ev->task, '.')
						    : NULL;
			name = name ? name + 1 : ev->task ? ev->task : "log";
			pm_buf_printf(&b, "t%llu %s: %s",
				      (unsigned long long)ev->id, name,
				      ev->error ? ev->error : "");
		} else {
			pm_buf_printf(&b, "log: %s", ev->error ? ev->error : "");
		}
		c->out(c->ud, PM_LINE_EVENT, b.s);
		break;
	case PM_EV_PROCESS:
		on_process_event(c, ev);
		break;
	case PM_EV_DEADLOCK:
		on_deadlock_event(c, ev);
		break;
	case PM_EV_PLUGIN:
		break;
	}
	pm_buf_free(&b);
}

/* A shared object a task wrote over: said once, refused from then on,
 * with the workers and processes whose tasks looked it up (those among
 * them in the pool are replaced after their current task). */
void pm_cli_print_corrupt(pm_cli *c, const char *name, const char *kind,
			  const char *why, char (*ids)[PM_ID_MAX], size_t n)
{
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON) {
		pm_buf_puts(&b, "{\"event\":\"corrupt\",\"name\":");
		pm_json_string(&b, name);
		pm_buf_puts(&b, ",\"kind\":");
		pm_json_string(&b, kind ? kind : "?");
		pm_buf_puts(&b, ",\"message\":");
		pm_json_string(&b, why);
		pm_buf_puts(&b, ",\"writers\":[");
		for (size_t i = 0; i < n; i++)
			pm_buf_printf(&b, "%s\"%s\"", i ? "," : "", ids[i]);
		pm_buf_puts(&b, "]}");
	} else {
		pm_buf_printf(&b, "shared object '%s' (%s) is corrupted: ", name,
			      kind ? kind : "?");
		pm_escape_text(&b, why);
		pm_buf_puts(&b, "; refused from now on");
		if (n) {
			pm_buf_puts(&b, "; looked up by ");
			for (size_t i = 0; i < n; i++)
				pm_buf_printf(&b, "%s%s", i ? ", " : "", ids[i]);
			pm_buf_puts(&b, " (workers among them are replaced after their task)");
		}
	}
	c->out(c->ud, PM_LINE_EVENT, b.s);
	pm_buf_free(&b);
}

/* An id that names no task now: it never was, or it ended and was
 * evicted (only the last ones are kept). */
pm_status pm_cli_no_task(pm_cli *c, const pm_args *a, const char *word,
			 uint64_t id)
{
	if (pm_engine_task_evicted(c->e, id))
		return pm_cli_error(c, a,
				    "%s has ended and was evicted: only the last %zu ended tasks are kept (--keep)",
				    word, pm_engine_keep(c->e));
	return pm_cli_error(c, a, "no task %s", word);
}

void pm_cli_list_begin(pm_cli *c, pm_buf *b, const char *event)
{
	*b = (pm_buf){ 0 };
	if (c->mode == PM_OUT_JSON)
		pm_buf_printf(b, "{\"event\":\"%s\",\"%s\":[", event, event);
}

void pm_cli_list_end(pm_cli *c, pm_buf *b)
{
	if (c->mode == PM_OUT_JSON) {
		pm_buf_puts(b, "]}");
		pm_cli_json(c, b->s);
	}
	pm_buf_free(b);
}
