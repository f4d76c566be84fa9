/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_misc.c — the commands of the session: show (a task, worker or
 * process; a shared object's name goes to cmd_shared.c), tasks, plugins,
 * load, sleep, echo, help and quit. */
#define _GNU_SOURCE
#include "commands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "output.h"
#include "shared.h"
#include "state.h"
#include "wait.h"

/* A task as AsyncResult sees it: ready(), successful(), its value. */
static void show_task(pm_cli *c, const pm_task_info *ti)
{
	bool ready = pm_task_state_final(ti->state);
	bool ok = ti->state == PM_TASK_DONE;
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON) {
		/* The task event, with AsyncResult's two questions added
		 * before its closing brace. */
		pm_cli_task_json(&b, c->e, ti);
		b.s[--b.len] = '\0';
		pm_buf_printf(&b, ",\"ready\":%s,\"successful\":%s,\"progress\":%.3f}",
			      ready ? "true" : "false",
			      !ready ? "null" : ok ? "true" : "false",
			      ti->progress);
		pm_cli_json(c, b.s);
		pm_buf_free(&b);
		return;
	}
	pm_buf_printf(&b, "t%llu %s(", (unsigned long long)ti->id, ti->task);
	for (size_t i = 0; i < ti->nargs; i++) {
		if (i)
			pm_buf_puts(&b, ", ");
		pm_value_format(&b, &ti->args[i]);
	}
	pm_buf_printf(&b, ") %s, ready %s, successful %s",
		      pm_task_state_name(ti->state), ready ? "yes" : "no",
		      !ready ? "-" : ok ? "yes" : "no");
	if (ti->worker)
		pm_buf_printf(&b, ", %c%llu pid %d", ti->in_process ? 'p' : 'w',
			      (unsigned long long)ti->worker, (int)ti->pid);
	if (ti->elapsed > 0)
		pm_buf_printf(&b, ", %.3f s", ti->elapsed);
	if (ti->result) {
		pm_buf_puts(&b, ": ");
		pm_value_format(&b, ti->result);
	} else if (ti->error) {
		pm_buf_printf(&b, ": %s", ti->error);
	}
	pm_cli_info(c, "%s", b.s);
	pm_buf_free(&b);
}

static pm_status show_worker(pm_cli *c, pm_args *a, uint64_t id)
{
	pm_worker_info wi;
	if (!pm_engine_worker_by_id(c->e, id, &wi))
		return pm_cli_error(c, a, "no worker %s", a->words[0]);
	char task[PM_ID_MAX] = "-";
	if (wi.task)
		pm_id_format(task, PM_ID_TASK, wi.task);
	pm_cli_info(c, "w%llu pid %d %s, task %s, done %llu, restarts %u",
		    (unsigned long long)wi.id, (int)wi.pid,
		    pm_worker_state_name(wi.state), task,
		    (unsigned long long)wi.done, wi.restarts);
	return CMD_OK;
}

static pm_status show_process(pm_cli *c, pm_args *a, uint64_t id)
{
	pm_process_info pi;
	if (!pm_engine_process_by_id(c->e, id, &pi))
		return pm_cli_error(c, a, "no process %s", a->words[0]);
	if (pi.alive)
		pm_cli_info(c, "p%llu %s pid %d alive%s%s, task t%llu",
			    (unsigned long long)pi.id, pi.name, (int)pi.pid,
			    pi.daemon ? ", daemon" : "",
			    pi.paused ? ", paused" : "",
			    (unsigned long long)pi.task);
	else
		pm_cli_info(c, "p%llu %s exited, exitcode %d, task t%llu",
			    (unsigned long long)pi.id, pi.name, pi.exitcode,
			    (unsigned long long)pi.task);
	return CMD_OK;
}

/* show NAME|ID: a shared object's name wins over an id of that spelling. */
pm_status pm_cmd_show(pm_cli *c, pm_args *a)
{
	const char *w = a->words[0];
	char kind;
	uint64_t id;
	if (pm_shared_find(pm_engine_shared(c->e), w) ||
	    !pm_id_parse(w, &kind, &id))
		return pm_cmd_shared_show(c, a);
	if (kind == PM_ID_WORKER)
		return show_worker(c, a, id);
	if (kind == PM_ID_PROCESS)
		return show_process(c, a, id);
	pm_task_info ti;
	if (!pm_engine_task_info(c->e, id, &ti))
		return pm_cli_no_task(c, a, w, id);
	show_task(c, &ti);
	return CMD_OK;
}

/* One task of `tasks`: a JSON item (after the first, comma first) or a
 * line. */
static void task_item(pm_cli *c, pm_buf *b, const struct pm_plugin *p,
		      const struct pm_task_def *t, bool first)
{
	if (c->mode != PM_OUT_JSON) {
		pm_cli_info(c, "%s.%s(%s) -> %s  %s", p->name, t->name,
			    t->signature ? t->signature : "",
			    t->result ? t->result : "?", t->help ? t->help : "");
		return;
	}
	pm_buf_puts(b, first ? "{\"name\":" : ",{\"name\":");
	char *full = xasprintf("%s.%s", p->name, t->name);
	pm_json_string(b, full);
	free(full);
	pm_buf_puts(b, ",\"signature\":");
	pm_json_string(b, t->signature ? t->signature : "");
	pm_buf_puts(b, ",\"result\":");
	pm_json_string(b, t->result ? t->result : "");
	pm_buf_puts(b, ",\"help\":");
	pm_json_string(b, t->help ? t->help : "");
	pm_buf_puts(b, "}");
}

pm_status pm_cmd_tasks(pm_cli *c, pm_args *a)
{
	pm_buf b;
	bool first = true;
	(void)a;
	pm_cli_list_begin(c, &b, "tasks");
	for (size_t i = 0; i < pm_engine_plugin_count(c->e); i++) {
		const struct pm_plugin *p = pm_engine_plugin(c->e, i, NULL);
		for (size_t k = 0; p->tasks[k].name; k++, first = false)
			task_item(c, &b, p, &p->tasks[k], first);
	}
	pm_cli_list_end(c, &b);
	return CMD_OK;
}

pm_status pm_cmd_plugins(pm_cli *c, pm_args *a)
{
	(void)a;
	pm_buf b;
	pm_cli_list_begin(c, &b, "plugins");
	for (size_t i = 0; i < pm_engine_plugin_count(c->e); i++) {
		const char *path;
		const struct pm_plugin *p = pm_engine_plugin(c->e, i, &path);
		if (c->mode == PM_OUT_JSON) {
			pm_buf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
			pm_json_string(&b, p->name);
			pm_buf_puts(&b, ",\"version\":");
			pm_json_string(&b, p->version ? p->version : "");
			pm_buf_puts(&b, ",\"path\":");
			pm_json_string(&b, path);
			pm_buf_puts(&b, "}");
		} else {
			pm_cli_info(c, "%s %s  %s  (%s)", p->name,
				    p->version ? p->version : "",
				    p->description ? p->description : "", path);
		}
	}
	pm_cli_list_end(c, &b);
	return CMD_OK;
}

pm_status pm_cmd_load(pm_cli *c, pm_args *a)
{
	char err[1024];
	if (pm_engine_load(c->e, a->words[0], err, sizeof err) < 0)
		return pm_cli_error(c, a, "%s", err);
	size_t n = pm_engine_plugin_count(c->e);
	const char *path;
	const struct pm_plugin *p = pm_engine_plugin(c->e, n - 1, &path);
	if (c->mode == PM_OUT_JSON) {
		pm_buf b = { 0 };
		pm_buf_puts(&b, "{\"event\":\"plugin\",\"name\":");
		pm_json_string(&b, p->name);
		pm_buf_puts(&b, ",\"path\":");
		pm_json_string(&b, path);
		pm_buf_puts(&b, "}");
		pm_cli_json(c, b.s);
		pm_buf_free(&b);
	} else {
		pm_cli_info(c, "loaded %s from %s", p->name, path);
	}
	return CMD_OK;
}

pm_status pm_cmd_echo(pm_cli *c, pm_args *a)
{
	pm_buf b = { 0 };
	for (size_t i = 0; i < a->argc; i++) {
		if (i)
			pm_buf_puts(&b, " ");
		pm_buf_puts(&b, a->words[i]);
	}
	if (c->mode == PM_OUT_JSON) {
		pm_buf j = { 0 };
		pm_buf_puts(&j, "{\"event\":\"echo\",\"text\":");
		pm_json_string(&j, b.s ? b.s : "");
		pm_buf_puts(&j, "}");
		pm_cli_json(c, j.s);
		pm_buf_free(&j);
	} else {
		pm_cli_info(c, "%s", b.s ? b.s : "");
	}
	pm_buf_free(&b);
	return CMD_OK;
}

pm_status pm_cmd_view(pm_cli *c, pm_args *a)
{
	const char *v = a->words[0];
	if (strcmp(v, "main") && strcmp(v, "timeline"))
		return pm_cli_error(c, a, "unknown view '%s' (main, timeline)",
				    v);
	if (!c->screen)
		return pm_cli_error(c, a, "no screen to show it on (views are the TUI's)");
	pm_screen_cmd cmd = { .name = a->name, .argc = a->argc,
			      .words = a->words };
	char msg[256] = "";
	if (!c->screen(c->screen_ud, &cmd, msg, sizeof msg))
		return pm_cli_error(c, a, "%s", msg);
	return CMD_OK;
}

static const struct pm_cmd_entry *entry_named(const pm_cli *c,
					       const char *name)
{
	for (size_t i = 0; i < c->ntable; i++)
		if (!strcmp(c->table[i].name, name))
			return &c->table[i];
	return NULL;
}

/* help reads the table the dispatcher runs, handed over in the cli. */
pm_status pm_cmd_help(pm_cli *c, pm_args *a)
{
	char u[PM_CMD_USAGE_MAX];
	if (a->argc == 1) {
		const struct pm_cmd_entry *cmd = entry_named(c, a->words[0]);
		if (!cmd)
			return pm_cli_error(c, a, "no command '%s' (try 'help')",
					    a->words[0]);
		pm_cli_info(c, "%s", pm_cmd_usage(cmd, u, sizeof u));
		pm_cli_info(c, "  %s", cmd->help);
		return CMD_OK;
	}
	for (size_t i = 0; i < c->ntable; i++) {
		pm_cmd_usage(&c->table[i], u, sizeof u);
		/* Pad by what the terminal shows: "…" is 3 bytes, 1 column. */
		int cols = 0;
		for (const char *p = u; *p; p++)
			cols += ((unsigned char)*p & 0xc0) != 0x80;
		pm_cli_info(c, "%s%*s %s", u, cols < 42 ? 42 - cols : 0, "",
			    c->table[i].help);
	}
	pm_cli_info(c, "Words split on blanks, \"...\" quotes, ';' separates commands, '#' starts a comment.");
	return CMD_OK;
}

pm_status pm_cmd_errexit(pm_cli *c, pm_args *a)
{
	if (a->argc == 0) {
		pm_cli_info(c, "errexit %s", c->errexit ? "on" : "off");
		return CMD_OK;
	}
	const char *w = a->words[0];
	if (strcmp(w, "on") && strcmp(w, "off"))
		return pm_cli_error(c, a, "expected on or off, got '%s'", w);
	c->errexit = !strcmp(w, "on");
	return CMD_OK;
}

pm_status pm_cmd_quit(pm_cli *c, pm_args *a)
{
	(void)c;
	(void)a;
	return CMD_QUIT;
}

/* sleep: nothing to look at; it ends at its deadline, silently. */
static bool sleep_check(pm_cli *c, void *state)
{
	(void)c;
	(void)state;
	return false;
}

static void sleep_over(pm_cli *c, void *state, const char *text)
{
	(void)c;
	(void)state;
	(void)text;
}

static const pm_wait_ops sleep_wait = { .check = sleep_check,
					.timed_out = sleep_over,
					.check_at_start = true };

pm_status pm_cmd_sleep(pm_cli *c, pm_args *a)
{
	const pm_value *v = &a->vals[0];
	double s = v->type == PM_INT ? (double)v->u.i
		   : v->type == PM_FLOAT ? v->u.f
					 : NAN;
	if (!(s >= 0) || s > 1e6)
		return pm_cli_error(c, a, "expected seconds >= 0, got '%s'",
				    a->words[0]);
	if (s == 0)
		return CMD_OK;
	return pm_wait_start(c, a, &sleep_wait, NULL, s);
}


/* events [ranges|items]: how a map's items are told (JSON "tasks" events
 * of a run that changed together, or a "task" event each). */
pm_status pm_cmd_events(pm_cli *c, pm_args *a)
{
	if (a->argc == 1) {
		bool items = !strcmp(a->words[0], "items");
		if (!items && strcmp(a->words[0], "ranges"))
			return pm_cli_error(c, a,
					    "expected ranges or items, got '%s'",
					    a->words[0]);
		c->item_events = items;
		pm_engine_set_listener_ranges(c->e, !items);
	}
	if (c->mode == PM_OUT_JSON) {
		pm_buf b = { 0 };
		pm_buf_printf(&b, "{\"event\":\"events\",\"mode\":\"%s\"}",
			      c->item_events ? "items" : "ranges");
		pm_cli_json(c, b.s);
		pm_buf_free(&b);
	} else {
		pm_cli_info(c, "events: %s", c->item_events ? "items" : "ranges");
	}
	return CMD_OK;
}
