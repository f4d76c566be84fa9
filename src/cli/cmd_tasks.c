/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_tasks.c — the commands of tasks: submit, apply, map, imap, starmap,
 * result, join (of tasks, processes or the pool), spawn and save, with the
 * waits they carry (each its own check, see wait.h); their results are
 * printed by printing.c. */
#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "output.h"
#include "printing.h"
#include "state.h"
#include "taskargs.h"
#include "wait.h"

#define PROC_TAG (1ULL << 63) /* a process id in a join's list */

/* ---- what the task commands wait for ------------------------------------ */

/* A task that ended (or is gone), or a process that exited. */
static bool task_final(pm_cli *c, uint64_t id)
{
	pm_task_info ti;
	if (id & PROC_TAG) {
		pm_process_info pi;
		return !pm_engine_process_by_id(c->e, id & ~PROC_TAG, &pi) ||
		       !pi.alive;
	}
	return !pm_engine_task_info(c->e, id, &ti) ||
	       pm_task_state_final(ti.state);
}


/* join ID…, or join of all tasks (state NULL). */
typedef struct ids_wait {
	uint64_t *ids;
	size_t nids;
} ids_wait;

static bool join_check(pm_cli *c, void *state)
{
	ids_wait *w = state;
	if (!w)
		/* All tasks, and the processes they ran in gone (a process's
		 * task ends before the process does). */
		return pm_engine_idle(c->e) &&
		       !pm_engine_processes_alive(c->e, false);
	for (size_t i = 0; i < w->nids; i++)
		if (!task_final(c, w->ids[i]))
			return false;
	return true;
}

static void ids_wait_free(void *state)
{
	ids_wait *w = state;
	if (w)
		free(w->ids);
	free(w);
}

static const pm_wait_ops join_wait = { .check = join_check,
				       .free_state = ids_wait_free,
				       .check_at_start = true };

/* join after close/terminate: the tasks and the workers' exit. */
static bool pool_check(pm_cli *c, void *state)
{
	(void)state;
	return pm_engine_idle(c->e) && pm_engine_workers_gone(c->e);
}

static const pm_wait_ops pool_wait = { .check = pool_check,
				       .check_at_start = true };

/* result and apply: one task's result, printed. */
static bool result_check(pm_cli *c, void *state)
{
	const uint64_t *id = state;
	if (!task_final(c, *id))
		return false;
	pm_task_info ti;
	if (pm_engine_task_info(c->e, *id, &ti)) {
		pm_print_result(c, &ti);
	} else { /* evicted while waited for */
		char w[PM_ID_MAX];
		pm_args a = { .name = (char *)"result" };
		pm_cli_no_task(c, &a, pm_id_format(w, PM_ID_TASK, *id), *id);
	}
	return true;
}

static void result_timed_out(pm_cli *c, void *state, const char *text)
{
	const uint64_t *id = state;
	pm_args a = { .name = (char *)"result" };
	(void)text;
	pm_cli_error(c, &a, "t%llu: timed out waiting for the result",
		     (unsigned long long)*id);
}

static const pm_wait_ops result_wait = { .check = result_check,
					 .timed_out = result_timed_out,
					 .free_state = free,
					 .check_at_start = true };

/* map and imap: ids first..first+count-1; those before next are final.
 * A map's (and result's) results are formatted ahead as they end. */
typedef struct range_wait {
	uint64_t first;
	size_t count, next;
	pm_ahead ah;
} range_wait;

static void range_wait_free(void *state)
{
	range_wait *w = state;
	pm_ahead_drop(&w->ah);
	free(w);
}

static bool map_check(pm_cli *c, void *state)
{
	range_wait *w = state;
	uint64_t bad;
	w->next += pm_engine_ended_run(c->e, w->first + w->next,
				       w->count - w->next, &bad);
	if (bad) /* it fails: what was formatted is moot */
		pm_ahead_drop(&w->ah);
	if (w->next < w->count) {
		pm_ahead_format(c, &w->ah, w->first, w->next);
		return false;
	}
	pm_print_map(c, w->first, w->count, &w->ah);
	return true;
}

/* Pool.imap: in order, each as soon as it (and all before it) finished. */
static bool imap_check(pm_cli *c, void *state)
{
	range_wait *w = state;
	while (w->next < w->count && task_final(c, w->first + w->next)) {
		pm_task_info ti;
		uint64_t id = w->first + w->next;
		if (pm_engine_task_info(c->e, id, &ti)) {
			pm_print_result(c, &ti);
		} else { /* evicted while waited for */
			char ids[PM_ID_MAX];
			pm_args a = { .name = (char *)"imap" };
			pm_cli_no_task(c, &a, pm_id_format(ids, PM_ID_TASK, id),
				       id);
		}
		w->next++;
	}
	return w->next == w->count;
}

static const pm_wait_ops map_wait = { .check = map_check,
				      .free_state = range_wait_free,
				      .check_at_start = true };
static const pm_wait_ops imap_wait = { .check = imap_check,
				       .free_state = range_wait_free,
				       .check_at_start = true };

static pm_status wait_result(pm_cli *c, pm_args *a, uint64_t id,
			     double timeout)
{
	uint64_t *state = xmalloc(sizeof *state);
	*state = id;
	return pm_wait_start(c, a, &result_wait, state, timeout);
}

static pm_status wait_range(pm_cli *c, pm_args *a, const pm_wait_ops *ops,
			    uint64_t first, size_t count)
{
	range_wait *w = xcalloc(1, sizeof *w);
	w->first = first;
	w->count = count;
	return pm_wait_start(c, a, ops, w, 0);
}

/* result FIRST..LAST: the tasks' results as one list, as map prints them. */
static void range_result_timed_out(pm_cli *c, void *state, const char *text)
{
	range_wait *w = state;
	pm_args a = { .name = (char *)"result" };
	(void)text;
	pm_cli_error(c, &a, "t%llu..t%llu: timed out waiting for the results",
		     (unsigned long long)w->first,
		     (unsigned long long)(w->first + w->count - 1));
}

static const pm_wait_ops range_result_wait = {
	.check = map_check,
	.timed_out = range_result_timed_out,
	.free_state = range_wait_free,
	.check_at_start = true
};

/* "t1..t100": ids that all name tasks still kept; false after the error. */
static bool task_range(pm_cli *c, pm_args *a, const char *word,
		       uint64_t *first, size_t *count)
{
	const char *dots = strstr(word, "..");
	char *lo = xasprintf("%.*s", (int)(dots - word), word);
	uint64_t f, l;
	bool ok = pm_id_parse_kind(lo, PM_ID_TASK, &f) &&
		  pm_id_parse_kind(dots + 2, PM_ID_TASK, &l);
	free(lo);
	if (!ok || l < f) {
		pm_cli_error(c, a,
			     "'%s' is not a range of task ids (t1..t10, the first not after the last)",
			     word);
		return false;
	}
	uint64_t last = pm_engine_last_task_id(c->e);
	if (l > last) { /* said at once, whatever its size */
		char w[PM_ID_MAX];
		uint64_t gone = f > last ? f : last + 1;
		pm_cli_no_task(c, a, pm_id_format(w, PM_ID_TASK, gone), gone);
		return false;
	}
	pm_task_info ti;
	for (uint64_t id = f;; id++) {
		if (!pm_engine_task_info(c->e, id, &ti)) {
			char w[PM_ID_MAX];
			pm_cli_no_task(c, a, pm_id_format(w, PM_ID_TASK, id), id);
			return false;
		}
		if (id == l)
			break;
	}
	*first = f;
	*count = (size_t)(l - f + 1);
	return true;
}

/* ---- the commands --------------------------------------------------------- */

/* What submit and apply share: timeout=, arguments bound to the task's
 * signature, the engine's submit. */
static pm_status submit_task(pm_cli *c, pm_args *a, uint64_t *id)
{
	pm_submit_opts o = { pm_opt_seconds(a, "timeout", 0) };
	pm_value *args;
	size_t nargs;
	if (pm_taskargs_bind(c, a, &args, &nargs) < 0)
		return CMD_ERROR;
	char err[512];
	int rc = pm_engine_submit(c->e, a->words[0], args, nargs, &o, id, err,
				  sizeof err);
	pm_values_free(args, nargs);
	if (rc < 0)
		return pm_cli_error(c, a, "%s", err);
	return CMD_OK;
}

pm_status pm_cmd_submit(pm_cli *c, pm_args *a)
{
	uint64_t id;
	if (submit_task(c, a, &id) != CMD_OK)
		return CMD_ERROR;
	char w[PM_ID_MAX];
	if (c->mode == PM_OUT_TEXT)
		pm_cli_info_line(c, pm_id_format(w, PM_ID_TASK, id));
	return CMD_OK;
}

pm_status pm_cmd_spawn(pm_cli *c, pm_args *a)
{
	pm_spawn_opts o = { 0 };
	o.name = pm_opt_string(a, "name");
	o.daemon = pm_opt_flag(a, "daemon", false);
	pm_value *args;
	size_t nargs;
	if (pm_taskargs_bind(c, a, &args, &nargs) < 0)
		return CMD_ERROR;
	char err[512];
	uint64_t pid_id, task_id;
	int rc = pm_engine_spawn(c->e, a->words[0], args, nargs, &o, &pid_id,
				 &task_id, err, sizeof err);
	pm_values_free(args, nargs);
	if (rc < 0)
		return pm_cli_error(c, a, "%s", err);
	if (c->mode == PM_OUT_TEXT) {
		pm_process_info pi;
		pm_engine_process_by_id(c->e, pid_id, &pi);
		pm_cli_info(c, "p%llu (t%llu) %s pid %d",
			    (unsigned long long)pid_id,
			    (unsigned long long)task_id, pi.name, (int)pi.pid);
	}
	return CMD_OK;
}

pm_status pm_cmd_apply(pm_cli *c, pm_args *a)
{
	uint64_t id;
	if (submit_task(c, a, &id) != CMD_OK)
		return CMD_ERROR;
	pm_cli_mark_quiet(c, id, 1);
	return wait_result(c, a, id, 0);
}

/* map and imap of a range FIRST..LAST: its two ends to the engine, which
 * keeps them so (true, *st what the command returns); false when the
 * range was built instead, for a task with **kwargs (the list path). */
static bool map_range(pm_cli *c, pm_args *a, size_t chunksize,
		      const pm_wait_ops *ops, pm_status *st)
{
	const pm_lazy_range *r = &a->ranges[1];
	uint64_t n = pm_lazy_range_count(r);
	*st = CMD_ERROR;
	if (n > PM_MAP_MAX) {
		pm_cli_error(c, a,
			     "range %s has more than %llu items (a map keeps each item's state and result, 14 bytes an item)",
			     a->words[1], (unsigned long long)PM_MAP_MAX);
		return true;
	}
	pm_value *with_kw = pm_taskargs_map_items(c, a->words[0], NULL, 0);
	if (with_kw) {
		free(with_kw);
		char err[512];
		if (pm_args_build_ranges(a, err, sizeof err) < 0) {
			pm_cli_error(c, a, "%s", err);
			return true;
		}
		return false;
	}
	char err[512];
	uint64_t first = 0;
	if (pm_engine_map_range(c->e, a->words[0], r->lo, n, chunksize, &first,
				err, sizeof err) < 0) {
		pm_cli_error(c, a, "%s", err);
		return true;
	}
	pm_cli_mark_quiet(c, first, n);
	*st = wait_range(c, a, ops, first, (size_t)n);
	return true;
}

/* map and imap: the items of a range or list, then a wait that prints the
 * results all at once (map) or as they come in order (imap). */
static pm_status run_map(pm_cli *c, pm_args *a, size_t chunksize,
			 const pm_wait_ops *ops)
{
	const pm_value *items = &a->vals[1];
	chunksize = pm_opt_count(a, "chunksize", chunksize);
	pm_status st;
	if (a->ranges && a->ranges[1].is && map_range(c, a, chunksize, ops, &st))
		return st;
	if (items->type != PM_LIST)
		return pm_cli_error(c, a,
				    "expected a range or list (1..10 or 1,2,3), got '%s'",
				    a->words[1]);
	char err[512];
	uint64_t first = 0;
	size_t n = items->u.list.len;
	pm_value *with_kw = pm_taskargs_map_items(c, a->words[0],
						  items->u.list.items, n);
	int rc = pm_engine_map(c->e, a->words[0],
			       with_kw ? with_kw : items->u.list.items, n,
			       chunksize, &first, err, sizeof err);
	if (with_kw)
		pm_values_free(with_kw, n);
	if (rc < 0)
		return pm_cli_error(c, a, "%s", err);
	pm_cli_mark_quiet(c, first, items->u.list.len);
	return wait_range(c, a, ops, first, items->u.list.len);
}

pm_status pm_cmd_map(pm_cli *c, pm_args *a)
{
	return run_map(c, a, 0, &map_wait);
}

pm_status pm_cmd_imap(pm_cli *c, pm_args *a)
{
	return run_map(c, a, 1, &imap_wait); /* Pool.imap's chunksize 1 */
}

pm_status pm_cmd_starmap(pm_cli *c, pm_args *a)
{
	size_t chunksize = pm_opt_count(a, "chunksize", 0);
	/* Each word after the task is one call's arguments: 1,2 3,4; a
	 * lone number is a call with one argument. */
	size_t n = a->argc - 1;
	pm_value *items = xcalloc(n, sizeof *items);
	for (size_t i = 0; i < n; i++) {
		const pm_value *v = &a->vals[1 + i];
		if (v->type == PM_LIST) {
			items[i] = pm_value_copy(v);
		} else {
			pm_value *one = xcalloc(1, sizeof *one);
			one[0] = pm_value_copy(v);
			items[i] = pm_list_take(one, 1);
		}
	}
	char err[512];
	uint64_t first = 0;
	int rc = pm_engine_starmap(c->e, a->words[0], items, n, chunksize,
				   &first, err, sizeof err);
	pm_values_free(items, n);
	if (rc < 0)
		return pm_cli_error(c, a, "%s", err);
	pm_cli_mark_quiet(c, first, n);
	return wait_range(c, a, &map_wait, first, n);
}

pm_status pm_cmd_result(pm_cli *c, pm_args *a)
{
	uint64_t id;
	pm_task_info ti;
	if (strstr(a->words[0], "..")) {
		uint64_t first;
		size_t count;
		if (!task_range(c, a, a->words[0], &first, &count))
			return CMD_ERROR;
		range_wait *w = xcalloc(1, sizeof *w);
		w->first = first;
		w->count = count;
		return pm_wait_start(c, a, &range_result_wait, w,
				     pm_opt_seconds(a, "timeout", 0));
	}
	if (!pm_id_parse_kind(a->words[0], PM_ID_TASK, &id))
		return pm_cli_error(c, a, "'%s' is not a task id (t1, t2, …)",
				    a->words[0]);
	if (!pm_engine_task_info(c->e, id, &ti))
		return pm_cli_no_task(c, a, a->words[0], id);
	return wait_result(c, a, id, pm_opt_seconds(a, "timeout", 0));
}

/* One word of join: a task (0 if it was evicted: nothing to wait for) or a
 * process (tagged); false after the error was reported. */
static bool join_id(pm_cli *c, pm_args *a, const char *w, uint64_t *out)
{
	char kind;
	uint64_t id;
	bool parsed = pm_id_parse(w, &kind, &id);
	if (parsed && kind == PM_ID_PROCESS) {
		pm_process_info pi;
		if (!pm_engine_process_by_id(c->e, id, &pi)) {
			pm_cli_error(c, a, "no process '%s'", w);
			return false;
		}
		*out = id | PROC_TAG;
		return true;
	}
	pm_task_info ti;
	if (parsed && kind == PM_ID_TASK &&
	    (pm_engine_task_evicted(c->e, id) ||
	     pm_engine_task_info(c->e, id, &ti))) {
		*out = id;
		return true;
	}
	pm_cli_error(c, a, "no task '%s'", w);
	return false;
}

pm_status pm_cmd_join(pm_cli *c, pm_args *a)
{
	double timeout = pm_opt_seconds(a, "timeout", 0);
	pm_pool_state s = pm_engine_pool_state(c->e);
	bool pool_ended = s == PM_POOL_CLOSED || s == PM_POOL_TERMINATED;
	if (a->argc == 1 && !strcmp(a->words[0], "pool")) {
		if (!pool_ended)
			return pm_cli_error(c, a,
					    "pool is still running: close or terminate it first (as Pool.join)");
		return pm_wait_start(c, a, &pool_wait, NULL, timeout);
	}
	if (a->argc == 0)
		return pm_wait_start(c, a, pool_ended ? &pool_wait : &join_wait,
				     NULL, timeout);
	ids_wait *w = xcalloc(1, sizeof *w);
	w->ids = xcalloc(a->argc, sizeof *w->ids);
	w->nids = a->argc;
	for (size_t i = 0; i < a->argc; i++)
		if (!join_id(c, a, a->words[i], &w->ids[i])) {
			ids_wait_free(w);
			return CMD_ERROR;
		}
	return pm_wait_start(c, a, &join_wait, w, timeout);
}

/* ---- save: results to a file ----------------------------------------------- */

/* The lines a result prints, written to a file instead; an error line is
 * kept to be reported once the output is back. */
typedef struct save_sink {
	FILE *f;
	char *error;
} save_sink;

static void save_write(void *ud, const char *bytes, size_t n)
{
	save_sink *s = ud;
	fwrite(bytes, 1, n, s->f);
}

static void save_line(void *ud, pm_line_kind kind, const char *line)
{
	save_sink *s = ud;
	if (kind == PM_LINE_ERROR) {
		if (!s->error)
			s->error = xstrdup(line);
		return;
	}
	fputs(line, s->f);
	fputc('\n', s->f);
}

/* save ID|FIRST..LAST FILE: what result prints in text, all of it (the
 * screen shows a long list's head and tail), into FILE.  The tasks must
 * have ended. */
pm_status pm_cmd_save(pm_cli *c, pm_args *a)
{
	const char *ids = a->words[0], *path = a->words[1];
	uint64_t first;
	size_t count = 1;
	if (!*path)
		return pm_cli_error(c, a, "no file name");
	if (strstr(ids, "..")) {
		if (!task_range(c, a, ids, &first, &count))
			return CMD_ERROR;
	} else {
		pm_task_info ti;
		if (!pm_id_parse_kind(ids, PM_ID_TASK, &first))
			return pm_cli_error(c, a,
					    "'%s' is not a task id (t1) or a range of them (t1..t10)",
					    ids);
		if (!pm_engine_task_info(c->e, first, &ti))
			return pm_cli_no_task(c, a, ids, first);
	}
	uint64_t bad;
	size_t ended = pm_engine_ended_run(c->e, first, count, &bad);
	if (ended < count) {
		char w[PM_ID_MAX];
		return pm_cli_error(c, a,
				    "%s has not ended yet (result %s waits for it)",
				    pm_id_format(w, PM_ID_TASK, first + ended), ids);
	}
	save_sink sink = { fopen(path, "we"), NULL };
	if (!sink.f)
		return pm_cli_error(c, a, "cannot write '%s': %s", path,
				    strerror(errno));
	pm_line_fn out = c->out;
	void *ud = c->ud;
	pm_out_mode mode = c->mode;
	size_t head = c->list_head;
	pm_write_fn write = c->write;
	c->out = save_line;
	c->write = save_write;
	c->ud = &sink;
	c->mode = PM_OUT_TEXT;
	c->list_head = 0;
	if (strstr(ids, "..")) {
		pm_print_map(c, first, count, NULL);
	} else {
		pm_task_info ti;
		pm_engine_task_info(c->e, first, &ti);
		pm_print_result(c, &ti);
	}
	c->out = out;
	c->write = write;
	c->ud = ud;
	c->mode = mode;
	c->list_head = head;
	bool failed = ferror(sink.f) != 0;
	failed |= fclose(sink.f) != 0;
	if (sink.error) {
		pm_cli_error(c, a, "%s", sink.error);
		free(sink.error);
		return CMD_ERROR;
	}
	if (failed)
		return pm_cli_error(c, a, "cannot write '%s': %s", path,
				    strerror(errno));
	char n[PM_COUNT_MAX];
	pm_cli_info(c, "saved %s result%s of %s to %s",
		    pm_fmt_count(n, sizeof n, count), count == 1 ? "" : "s",
		    ids, path);
	return CMD_OK;
}
