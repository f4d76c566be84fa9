/* The command table: every command's name, usage, help, argument counts,
 * options, completion and implementation.  Parsing, help and completion
 * all read this one table. */
#define _GNU_SOURCE
#include "commands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_shared.h"
#include "procstat.h"
#include "shared.h"
#include "taskargs.h"

static double opt_seconds(pm_cli *c, pm_args *a, const char *key, bool *bad)
{
	const pm_value *v = pm_args_opt(a, key);
	*bad = false;
	if (!v)
		return 0;
	double s = v->type == PM_INT ? (double)v->u.i
		   : v->type == PM_FLOAT ? v->u.f
					 : NAN;
	if (!(s > 0) || s > 1e6) {
		pm_cli_error(c, a, "%s must be a number of seconds > 0", key);
		*bad = true;
		return 0;
	}
	return s;
}

#define PROC_TAG (1ULL << 63) /* a process id in a wait list */

static int parse_task_id(const char *s, uint64_t *id)
{
	if (s[0] != 't' || !s[1])
		return -1;
	char *end;
	unsigned long long v = strtoull(s + 1, &end, 10);
	if (*end || v == 0 || s[1] == '-' || s[1] == '+')
		return -1;
	*id = v;
	return 0;
}

/* An id typed as "" names nothing (the engine would take no id as the
 * whole pool): true, with the error reported, if a word is empty. */
static bool empty_id(pm_cli *c, pm_args *a)
{
	for (size_t i = 0; i < a->argc; i++)
		if (!a->words[i][0]) {
			const struct pm_command *cmd = pm_command_find(a->name);
			pm_cli_error(c, a, "empty id \"\"; usage: %s",
				     cmd ? cmd->usage : a->name);
			return true;
		}
	return false;
}

static pm_status start_wait(pm_cli *c, pm_args *a, wait_kind kind,
			    double timeout)
{
	c->wait.kind = kind;
	c->wait.deadline = timeout > 0 ? pm_now() + timeout : 0;
	c->wait.text = xstrdup(a->text ? a->text : a->name);
	/* The condition may already hold. */
	pm_engine_poll(c->e);
	extern bool pm_cli_wait_check(pm_cli * c, double now);
	if (pm_cli_wait_check(c, pm_now())) {
		free(c->wait.ids);
		free(c->wait.text);
		memset(&c->wait, 0, sizeof c->wait);
		return CMD_OK;
	}
	return CMD_WAIT;
}

static void print_result(pm_cli *c, const pm_task_info *ti)
{
	pm_buf b = { 0 };
	bool ok = ti->state == PM_TASK_DONE;
	if (c->mode == PM_OUT_JSON) {
		pm_buf_printf(&b, "{\"event\":\"result\",\"id\":\"t%llu\"",
			      (unsigned long long)ti->id);
		if (ok) {
			pm_buf_puts(&b, ",\"result\":");
			pm_value_json(&b, ti->result);
		} else {
			pm_buf_printf(&b, ",\"state\":\"%s\",\"error\":",
				      pm_task_state_name(ti->state));
			pm_json_string(&b, ti->error ? ti->error
						     : pm_task_state_name(ti->state));
		}
		pm_buf_puts(&b, "}");
		pm_cli_json(c, b.s);
	} else if (ok) {
		pm_value_format(&b, ti->result);
		pm_cli_info(c, "%s", b.s);
	} else {
		pm_cli_info(c, "t%llu %s: %s", (unsigned long long)ti->id,
			    pm_task_state_name(ti->state),
			    ti->error ? ti->error : "no result");
	}
	pm_buf_free(&b);
}

static void print_map(pm_cli *c)
{
	pm_buf b = { 0 };
	const pm_task_info *bad = NULL;
	pm_task_info ti, badinfo;
	for (size_t i = 0; i < c->wait.count; i++) {
		pm_engine_task_info(c->e, c->wait.first + i, &ti);
		if (ti.state != PM_TASK_DONE && !bad) {
			badinfo = ti;
			bad = &badinfo;
		}
	}
	if (bad) {
		/* Like Pool.map: the first failure is what you get. */
		if (c->mode == PM_OUT_JSON) {
			pm_buf_printf(&b,
				      "{\"event\":\"result\",\"id\":\"t%llu\",\"state\":\"%s\",\"error\":",
				      (unsigned long long)bad->id,
				      pm_task_state_name(bad->state));
			pm_json_string(&b, bad->error ? bad->error : "");
			pm_buf_puts(&b, "}");
			pm_cli_json(c, b.s);
		} else {
			pm_cli_info(c, "map: t%llu %s: %s",
				    (unsigned long long)bad->id,
				    pm_task_state_name(bad->state),
				    bad->error ? bad->error : "no result");
		}
		pm_buf_free(&b);
		return;
	}
	if (c->mode == PM_OUT_JSON)
		pm_buf_printf(&b,
			      "{\"event\":\"result\",\"ids\":\"t%llu..t%llu\",\"results\":",
			      (unsigned long long)c->wait.first,
			      (unsigned long long)(c->wait.first + c->wait.count - 1));
	pm_buf_puts(&b, "[");
	for (size_t i = 0; i < c->wait.count; i++) {
		pm_engine_task_info(c->e, c->wait.first + i, &ti);
		if (i)
			pm_buf_puts(&b, c->mode == PM_OUT_JSON ? "," : ", ");
		if (c->mode == PM_OUT_JSON)
			pm_value_json(&b, ti.result);
		else
			pm_value_format(&b, ti.result);
	}
	pm_buf_puts(&b, "]");
	if (c->mode == PM_OUT_JSON) {
		pm_buf_puts(&b, "}");
		pm_cli_json(c, b.s);
	} else {
		pm_cli_info(c, "%s", b.s);
	}
	pm_buf_free(&b);
}

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

bool pm_cli_wait_check(pm_cli *c, double now);
bool pm_cli_wait_check(pm_cli *c, double now)
{
	pm_wait *w = &c->wait;
	bool done = false;
	switch (w->kind) {
	case WAIT_NONE:
		return true;
	case WAIT_SLEEP:
		done = false;
		break;
	case WAIT_SHARED: /* reports its own timeout */
		return pm_cmd_shared_wait_check(c, now);
	case WAIT_TASKS:
		done = true;
		if (!w->ids) {
			/* All tasks, and the processes they ran in gone (a
			 * process's task ends before the process does). */
			done = pm_engine_idle(c->e) &&
			       !pm_engine_processes_alive(c->e, false);
			break;
		}
		for (size_t i = 0; i < w->nids && done; i++)
			done = task_final(c, w->ids[i]);
		break;
	case WAIT_POOL:
		done = pm_engine_idle(c->e) && pm_engine_workers_gone(c->e);
		break;
	case WAIT_RESULT:
		done = task_final(c, w->ids[0]);
		if (done) {
			pm_task_info ti;
			pm_engine_task_info(c->e, w->ids[0], &ti);
			print_result(c, &ti);
		}
		break;
	case WAIT_MAP:
		while (w->next < w->count && task_final(c, w->first + w->next))
			w->next++;
		done = w->next == w->count;
		if (done)
			print_map(c);
		break;
	case WAIT_IMAP:
		/* Pool.imap: in order, each as soon as it (and all before it)
		 * finished. */
		while (w->next < w->count && task_final(c, w->first + w->next)) {
			pm_task_info ti;
			pm_engine_task_info(c->e, w->first + w->next, &ti);
			print_result(c, &ti);
			w->next++;
		}
		done = w->next == w->count;
		break;
	}
	if (done)
		return true;
	if (w->deadline > 0 && now >= w->deadline) {
		if (w->kind == WAIT_RESULT && w->timeout_is_error) {
			pm_args a = { .name = (char *)"result" };
			pm_cli_error(c, &a, "t%llu: timed out waiting for the result",
				     (unsigned long long)w->ids[0]);
		} else if (w->kind != WAIT_SLEEP) {
			pm_cli_info(c, "%s: timed out", w->text);
		}
		return true;
	}
	return false;
}

/* ---- commands ----------------------------------------------------------- */

/* What submit and apply share: timeout=, arguments bound to the task's
 * signature, the engine's submit. */
static pm_status submit_task(pm_cli *c, pm_args *a, uint64_t *id)
{
	bool bad;
	pm_submit_opts o = { opt_seconds(c, a, "timeout", &bad) };
	if (bad)
		return CMD_ERROR;
	pm_value *args;
	size_t nargs;
	if (pm_taskargs_bind(c, a, "timeout", &args, &nargs) < 0)
		return CMD_ERROR;
	char err[512];
	int rc = pm_engine_submit(c->e, a->words[0], args, nargs, &o, id, err,
				  sizeof err);
	pm_values_free(args, nargs);
	if (rc < 0)
		return pm_cli_error(c, a, "%s", err);
	return CMD_OK;
}

static pm_status cmd_submit(pm_cli *c, pm_args *a)
{
	uint64_t id;
	if (submit_task(c, a, &id) != CMD_OK)
		return CMD_ERROR;
	if (c->mode == PM_OUT_TEXT)
		pm_cli_info(c, "t%llu", (unsigned long long)id);
	return CMD_OK;
}

static pm_status cmd_spawn(pm_cli *c, pm_args *a)
{
	pm_spawn_opts o = { 0 };
	const pm_value *name = pm_args_opt(a, "name");
	const pm_value *daemon = pm_args_opt(a, "daemon");
	if (name && name->type != PM_STR)
		return pm_cli_error(c, a, "name must be a string");
	if (daemon && (daemon->type != PM_INT || daemon->u.i < 0 ||
		       daemon->u.i > 1))
		return pm_cli_error(c, a, "daemon must be 0 or 1");
	o.name = name ? name->u.s.ptr : NULL;
	o.daemon = daemon && daemon->u.i;
	pm_value *args;
	size_t nargs;
	if (pm_taskargs_bind(c, a, "name,daemon", &args, &nargs) < 0)
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

static pm_status cmd_initializer(pm_cli *c, pm_args *a)
{
	char err[512];
	if (pm_engine_set_initializer(c->e, a->words[0], a->vals + 1,
				      a->argc - 1, err, sizeof err) < 0)
		return pm_cli_error(c, a, "%s", err);
	return CMD_OK;
}

static pm_status cmd_apply(pm_cli *c, pm_args *a)
{
	uint64_t id;
	if (submit_task(c, a, &id) != CMD_OK)
		return CMD_ERROR;
	pm_cli_mark_quiet(c, id, 1);
	c->wait.ids = xmalloc(sizeof *c->wait.ids);
	c->wait.ids[0] = id;
	c->wait.nids = 1;
	return start_wait(c, a, WAIT_RESULT, 0);
}

/* map and imap: the items of a range or list, then a wait that prints the
 * results all at once (map) or as they come in order (imap). */
static pm_status run_map(pm_cli *c, pm_args *a, size_t chunksize,
			 wait_kind kind)
{
	const pm_value *items = &a->vals[1];
	const pm_value *cs = pm_args_opt(a, "chunksize");
	if (cs) {
		if (cs->type != PM_INT || cs->u.i < 1)
			return pm_cli_error(c, a,
					    "chunksize must be an integer >= 1");
		chunksize = (size_t)cs->u.i;
	}
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
	c->wait.first = first;
	c->wait.count = items->u.list.len;
	return start_wait(c, a, kind, 0);
}

static pm_status cmd_map(pm_cli *c, pm_args *a)
{
	return run_map(c, a, 0, WAIT_MAP);
}

static pm_status cmd_imap(pm_cli *c, pm_args *a)
{
	return run_map(c, a, 1, WAIT_IMAP); /* Pool.imap's chunksize 1 */
}

static pm_status cmd_starmap(pm_cli *c, pm_args *a)
{
	const pm_value *cs = pm_args_opt(a, "chunksize");
	size_t chunksize = 0;
	if (cs) {
		if (cs->type != PM_INT || cs->u.i < 1)
			return pm_cli_error(c, a,
					    "chunksize must be an integer >= 1");
		chunksize = (size_t)cs->u.i;
	}
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
	c->wait.first = first;
	c->wait.count = n;
	return start_wait(c, a, WAIT_MAP, 0);
}

/* An id that names no task now: it never was, or it ended and was
 * evicted (only the last ones are kept). */
static pm_status no_task(pm_cli *c, pm_args *a, const char *word, uint64_t id)
{
	if (pm_engine_task_evicted(c->e, id))
		return pm_cli_error(c, a,
				    "%s has ended and was evicted: only the last %zu ended tasks are kept (--keep)",
				    word, pm_engine_keep(c->e));
	return pm_cli_error(c, a, "no task %s", word);
}

static pm_status cmd_result(pm_cli *c, pm_args *a)
{
	uint64_t id;
	bool bad;
	double timeout = opt_seconds(c, a, "timeout", &bad);
	if (bad)
		return CMD_ERROR;
	pm_task_info ti;
	if (empty_id(c, a))
		return CMD_ERROR;
	if (parse_task_id(a->words[0], &id) < 0)
		return pm_cli_error(c, a, "'%s' is not a task id (t1, t2, …)",
				    a->words[0]);
	if (!pm_engine_task_info(c->e, id, &ti))
		return no_task(c, a, a->words[0], id);
	c->wait.ids = xmalloc(sizeof *c->wait.ids);
	c->wait.ids[0] = id;
	c->wait.nids = 1;
	c->wait.timeout_is_error = true;
	return start_wait(c, a, WAIT_RESULT, timeout);
}

static pm_status cmd_join(pm_cli *c, pm_args *a)
{
	bool bad;
	double timeout = opt_seconds(c, a, "timeout", &bad);
	if (bad || empty_id(c, a))
		return CMD_ERROR;
	if (a->argc == 1 && !strcmp(a->words[0], "pool")) {
		pm_pool_state s = pm_engine_pool_state(c->e);
		if (s != PM_POOL_CLOSED && s != PM_POOL_TERMINATED)
			return pm_cli_error(c, a,
					    "pool is still running: close or terminate it first (as Pool.join)");
		return start_wait(c, a, WAIT_POOL, timeout);
	}
	if (a->argc == 0) {
		pm_pool_state s = pm_engine_pool_state(c->e);
		return start_wait(c, a,
				  s == PM_POOL_CLOSED || s == PM_POOL_TERMINATED
					  ? WAIT_POOL
					  : WAIT_TASKS,
				  timeout);
	}
	uint64_t *ids = xcalloc(a->argc, sizeof *ids);
	for (size_t i = 0; i < a->argc; i++) {
		pm_task_info ti;
		pm_process_info pi;
		const char *w = a->words[i];
		char *end;
		if (w[0] == 'p' && w[1] >= '1' && w[1] <= '9') {
			uint64_t id = strtoull(w + 1, &end, 10);
			if (!*end && pm_engine_process_by_id(c->e, id, &pi)) {
				ids[i] = id | PROC_TAG;
				continue;
			}
			free(ids);
			return pm_cli_error(c, a, "no process '%s'", w);
		}
		if (parse_task_id(w, &ids[i]) < 0) {
			free(ids);
			return pm_cli_error(c, a, "no task '%s'", w);
		}
		if (pm_engine_task_evicted(c->e, ids[i]))
			continue; /* it has ended: nothing to wait for */
		if (!pm_engine_task_info(c->e, ids[i], &ti)) {
			free(ids);
			return pm_cli_error(c, a, "no task '%s'", w);
		}
	}
	c->wait.ids = ids;
	c->wait.nids = a->argc;
	return start_wait(c, a, WAIT_TASKS, timeout);
}

static pm_status cmd_sleep(pm_cli *c, pm_args *a)
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
	return start_wait(c, a, WAIT_SLEEP, s);
}

typedef int (*control_fn)(pm_engine *, const char *, char *, size_t);

static pm_status control(pm_cli *c, pm_args *a, control_fn fn)
{
	char err[512];
	if (empty_id(c, a))
		return CMD_ERROR;
	if (fn(c->e, a->argc ? a->words[0] : NULL, err, sizeof err) < 0)
		return pm_cli_error(c, a, "%s", err);
	return CMD_OK;
}

static pm_status cmd_pause(pm_cli *c, pm_args *a)
{
	return control(c, a, pm_engine_pause);
}

static pm_status cmd_resume(pm_cli *c, pm_args *a)
{
	return control(c, a, pm_engine_resume);
}

static pm_status cmd_terminate(pm_cli *c, pm_args *a)
{
	return control(c, a, pm_engine_terminate);
}

static pm_status cmd_kill(pm_cli *c, pm_args *a)
{
	return control(c, a, pm_engine_kill);
}

static bool parse_prefixed(const char *s, char prefix, uint64_t *id)
{
	if (s[0] != prefix || s[1] < '1' || s[1] > '9')
		return false;
	char *end;
	*id = strtoull(s + 1, &end, 10);
	return *end == '\0';
}

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

static pm_status cmd_show(pm_cli *c, pm_args *a)
{
	const char *w = a->words[0];
	uint64_t id;
	if (empty_id(c, a))
		return CMD_ERROR;
	if (!pm_shared_find(pm_engine_shared(c->e), w)) {
		pm_task_info ti;
		pm_worker_info wi;
		pm_process_info pi;
		if (parse_prefixed(w, 't', &id)) {
			if (!pm_engine_task_info(c->e, id, &ti))
				return no_task(c, a, w, id);
			show_task(c, &ti);
			return CMD_OK;
		}
		if (parse_prefixed(w, 'w', &id)) {
			if (!pm_engine_worker_by_id(c->e, id, &wi))
				return pm_cli_error(c, a, "no worker %s", w);
			char task[24] = "-";
			if (wi.task)
				snprintf(task, sizeof task, "t%llu",
					 (unsigned long long)wi.task);
			pm_cli_info(c, "w%llu pid %d %s, task %s, done %llu, restarts %u",
				    (unsigned long long)wi.id, (int)wi.pid,
				    pm_worker_state_name(wi.state), task,
				    (unsigned long long)wi.done, wi.restarts);
			return CMD_OK;
		}
		if (parse_prefixed(w, 'p', &id)) {
			if (!pm_engine_process_by_id(c->e, id, &pi))
				return pm_cli_error(c, a, "no process %s", w);
			if (pi.alive)
				pm_cli_info(c, "p%llu %s pid %d alive%s%s, task t%llu",
					    (unsigned long long)pi.id, pi.name,
					    (int)pi.pid, pi.daemon ? ", daemon" : "",
					    pi.paused ? ", paused" : "",
					    (unsigned long long)pi.task);
			else
				pm_cli_info(c, "p%llu %s exited, exitcode %d, task t%llu",
					    (unsigned long long)pi.id, pi.name,
					    pi.exitcode, (unsigned long long)pi.task);
			return CMD_OK;
		}
	}
	return pm_cmd_show(c, a);
}

static pm_status cmd_close(pm_cli *c, pm_args *a)
{
	char err[256];
	if (pm_engine_close(c->e, err, sizeof err) < 0)
		return pm_cli_error(c, a, "%s", err);
	return CMD_OK;
}

static pm_procstat *g_procstat;

static void sample_workers(pm_engine *e, pm_proc_sample **out, size_t *n)
{
	*n = pm_engine_worker_count(e);
	pid_t *pids = xcalloc(*n ? *n : 1, sizeof *pids);
	*out = xcalloc(*n ? *n : 1, sizeof **out);
	for (size_t i = 0; i < *n; i++) {
		pm_worker_info wi;
		pm_engine_worker_info(e, i, &wi);
		pids[i] = wi.pid;
	}
	if (!g_procstat)
		g_procstat = pm_procstat_new();
	if (!g_procstat || pm_procstat_sample(g_procstat, pids, *n, *out) < 0)
		for (size_t i = 0; i < *n; i++)
			(*out)[i] = (pm_proc_sample){ .pid = pids[i],
						      .state = '?' };
	free(pids);
}

/* One worker as `workers` and `status` show it under --json. */
static void worker_json(pm_buf *b, const pm_worker_info *wi,
			const pm_proc_sample *ps)
{
	pm_buf_printf(b,
		      "{\"id\":\"w%llu\",\"pid\":%d,\"state\":\"%s\",\"kernel_state\":\"%c\",\"task\":",
		      (unsigned long long)wi->id, (int)wi->pid,
		      pm_worker_state_name(wi->state), ps->state);
	if (wi->task)
		pm_buf_printf(b, "\"t%llu\"", (unsigned long long)wi->task);
	else
		pm_buf_puts(b, "null");
	pm_buf_printf(b,
		      ",\"cpu\":%.1f,\"rss_kb\":%lu,\"done\":%llu,\"restarts\":%u}",
		      ps->cpu_pct, ps->rss_kb, (unsigned long long)wi->done,
		      wi->restarts);
}

static pm_status cmd_workers(pm_cli *c, pm_args *a)
{
	if (a->argc == 1) {
		char err[256];
		if (a->vals[0].type != PM_INT)
			return pm_cli_error(c, a, "expected a worker count, got '%s'",
					    a->words[0]);
		if (a->vals[0].u.i < 1 || a->vals[0].u.i > 1024)
			return pm_cli_error(c, a, "workers must be 1..1024, got %lld",
					    (long long)a->vals[0].u.i);
		if (pm_engine_resize(c->e, (int)a->vals[0].u.i, err,
				     sizeof err) < 0)
			return pm_cli_error(c, a, "%s", err);
		return CMD_OK;
	}
	pm_proc_sample *ps;
	size_t n;
	sample_workers(c->e, &ps, &n);
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON)
		pm_buf_puts(&b, "{\"event\":\"workers\",\"workers\":[");
	else
		pm_cli_info(c, "%-5s %-8s %-7s %-2s %-8s %6s", "ID", "PID",
			    "STATE", "S", "TASK", "DONE");
	for (size_t i = 0; i < n; i++) {
		pm_worker_info wi;
		pm_engine_worker_info(c->e, i, &wi);
		if (c->mode == PM_OUT_JSON) {
			if (i)
				pm_buf_puts(&b, ",");
			worker_json(&b, &wi, &ps[i]);
		} else {
			char task[24] = "-";
			if (wi.task)
				snprintf(task, sizeof task, "t%llu",
					 (unsigned long long)wi.task);
			pm_cli_info(c, "w%-4llu %-8d %-7s %-2c %-8s %6llu",
				    (unsigned long long)wi.id, (int)wi.pid,
				    pm_worker_state_name(wi.state), ps[i].state,
				    task, (unsigned long long)wi.done);
		}
	}
	if (c->mode == PM_OUT_JSON) {
		pm_buf_puts(&b, "]}");
		pm_cli_json(c, b.s);
	}
	pm_buf_free(&b);
	free(ps);
	return CMD_OK;
}

char *pm_cli_status_json(pm_cli *c)
{
	pm_engine *e = c->e;
	pm_proc_sample *ps;
	size_t n;
	sample_workers(e, &ps, &n);
	pm_counts k = pm_engine_counts(e);
	pm_buf b = { 0 };
	pm_buf_printf(&b,
		      "{\"event\":\"status\",\"pool\":{\"workers\":%zu,\"target\":%d,\"state\":\"%s\"},\"workers\":[",
		      n, pm_engine_target_workers(e),
		      pm_pool_state_name(pm_engine_pool_state(e)));
	for (size_t i = 0; i < n; i++) {
		pm_worker_info wi;
		pm_engine_worker_info(e, i, &wi);
		if (i)
			pm_buf_puts(&b, ",");
		worker_json(&b, &wi, &ps[i]);
	}
	pm_buf_puts(&b, "],\"processes\":[");
	for (size_t i = 0; i < pm_engine_process_count(e); i++) {
		pm_process_info pi;
		pm_engine_process_info(e, i, &pi);
		pm_buf_printf(&b, "%s{\"id\":\"p%llu\",\"name\":", i ? "," : "",
			      (unsigned long long)pi.id);
		pm_json_string(&b, pi.name);
		pm_buf_printf(&b,
			      ",\"pid\":%d,\"alive\":%s,\"daemon\":%s,\"task\":\"t%llu\"",
			      (int)pi.pid, pi.alive ? "true" : "false",
			      pi.daemon ? "true" : "false",
			      (unsigned long long)pi.task);
		if (pi.alive)
			pm_buf_puts(&b, ",\"exitcode\":null}");
		else
			pm_buf_printf(&b, ",\"exitcode\":%d}", pi.exitcode);
	}
	pm_buf_printf(&b,
		      "],\"tasks\":{\"queued\":%zu,\"running\":%zu,\"paused\":%zu,\"done\":%zu,\"failed\":%zu,\"crashed\":%zu,\"timeout\":%zu,\"terminated\":%zu,\"cancelled\":%zu,\"evicted\":%llu,\"keep\":%zu},\"shared\":",
		      k.queued, k.running, k.paused, k.done, k.failed,
		      k.crashed, k.timeout, k.terminated, k.cancelled,
		      (unsigned long long)pm_engine_evicted(c->e),
		      pm_engine_keep(c->e));
	pm_cmd_shared_status_json(c, &b);
	pm_buf_puts(&b, "}");
	free(ps);
	return pm_buf_take(&b);
}

static pm_status cmd_status(pm_cli *c, pm_args *a)
{
	(void)a;
	if (c->mode == PM_OUT_JSON) {
		char *s = pm_cli_status_json(c);
		pm_cli_json(c, s);
		free(s);
		return CMD_OK;
	}
	pm_counts k = pm_engine_counts(c->e);
	pm_cli_info(c, "pool: %s, %zu workers (target %d)",
		    pm_pool_state_name(pm_engine_pool_state(c->e)),
		    pm_engine_worker_count(c->e),
		    pm_engine_target_workers(c->e));
	pm_cli_info(c,
		    "tasks: queued %zu, running %zu, paused %zu, done %zu, failed %zu, crashed %zu, timeout %zu, terminated %zu, cancelled %zu; evicted %llu (%s%zu ended are kept)",
		    k.queued, k.running, k.paused, k.done, k.failed, k.crashed,
		    k.timeout, k.terminated, k.cancelled,
		    (unsigned long long)pm_engine_evicted(c->e),
		    pm_engine_keep(c->e) ? "the last " : "all: ",
		    pm_engine_keep(c->e) ? pm_engine_keep(c->e) : k.done + k.failed + k.crashed + k.timeout + k.terminated + k.cancelled);
	pm_args none = { 0 };
	pm_status st = cmd_workers(c, &none);
	for (size_t i = 0; i < pm_engine_process_count(c->e); i++) {
		pm_process_info pi;
		pm_engine_process_info(c->e, i, &pi);
		if (pi.alive)
			pm_cli_info(c, "p%llu %s pid %d alive%s%s",
				    (unsigned long long)pi.id, pi.name,
				    (int)pi.pid, pi.daemon ? " daemon" : "",
				    pi.paused ? " paused" : "");
		else
			pm_cli_info(c, "p%llu %s exited, exitcode %d",
				    (unsigned long long)pi.id, pi.name,
				    pi.exitcode);
	}
	pm_cmd_shared_status_text(c);
	return st;
}

static pm_status cmd_tasks(pm_cli *c, pm_args *a)
{
	(void)a;
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON)
		pm_buf_puts(&b, "{\"event\":\"tasks\",\"tasks\":[");
	bool first = true;
	for (size_t i = 0; i < pm_engine_plugin_count(c->e); i++) {
		const struct pm_plugin *p = pm_engine_plugin(c->e, i, NULL);
		for (size_t k = 0; p->tasks[k].name; k++) {
			const struct pm_task_def *t = &p->tasks[k];
			if (c->mode == PM_OUT_JSON) {
				pm_buf_puts(&b, first ? "{\"name\":" : ",{\"name\":");
				char *full = xasprintf("%s.%s", p->name, t->name);
				pm_json_string(&b, full);
				free(full);
				pm_buf_puts(&b, ",\"signature\":");
				pm_json_string(&b, t->signature ? t->signature : "");
				pm_buf_puts(&b, ",\"result\":");
				pm_json_string(&b, t->result ? t->result : "");
				pm_buf_puts(&b, ",\"help\":");
				pm_json_string(&b, t->help ? t->help : "");
				pm_buf_puts(&b, "}");
			} else {
				pm_cli_info(c, "%s.%s(%s) -> %s  %s", p->name,
					    t->name,
					    t->signature ? t->signature : "",
					    t->result ? t->result : "?",
					    t->help ? t->help : "");
			}
			first = false;
		}
	}
	if (c->mode == PM_OUT_JSON) {
		pm_buf_puts(&b, "]}");
		pm_cli_json(c, b.s);
	}
	pm_buf_free(&b);
	return CMD_OK;
}

static pm_status cmd_plugins(pm_cli *c, pm_args *a)
{
	(void)a;
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON)
		pm_buf_puts(&b, "{\"event\":\"plugins\",\"plugins\":[");
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
	if (c->mode == PM_OUT_JSON) {
		pm_buf_puts(&b, "]}");
		pm_cli_json(c, b.s);
	}
	pm_buf_free(&b);
	return CMD_OK;
}

static pm_status cmd_load(pm_cli *c, pm_args *a)
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

static pm_status cmd_echo(pm_cli *c, pm_args *a)
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

static pm_status cmd_help(pm_cli *c, pm_args *a)
{
	if (a->argc == 1) {
		const struct pm_command *cmd = pm_command_find(a->words[0]);
		if (!cmd)
			return pm_cli_error(c, a, "no command '%s' (try 'help')",
					    a->words[0]);
		pm_cli_info(c, "%s", cmd->usage);
		pm_cli_info(c, "  %s", cmd->help);
		return CMD_OK;
	}
	for (size_t i = 0; i < pm_ncommands; i++) {
		/* Pad by what the terminal shows: "…" is 3 bytes, 1 column. */
		const char *u = pm_commands[i].usage;
		int cols = 0;
		for (const char *p = u; *p; p++)
			cols += ((unsigned char)*p & 0xc0) != 0x80;
		pm_cli_info(c, "%s%*s %s", u, cols < 42 ? 42 - cols : 0, "",
			    pm_commands[i].help);
	}
	pm_cli_info(c, "Words split on blanks, \"...\" quotes, ';' separates commands, '#' starts a comment.");
	return CMD_OK;
}

static pm_status cmd_quit(pm_cli *c, pm_args *a)
{
	(void)c;
	(void)a;
	return CMD_QUIT;
}

const struct pm_command pm_commands[] = {
	{ "submit", "submit TASK [ARG…] [KEY=VALUE…] [timeout=S]",
	  "queue one task and print its id (apply_async); KEY=VALUE binds a parameter by name or goes to the task's **kwargs",
	  1, -1, "timeout,*",
	  PM_COMPLETE_TASK, PM_COMPLETE_NONE, cmd_submit },
	{ "spawn", "spawn [name=N] [daemon=1] TASK [ARG…] [KEY=VALUE…]",
	  "run a task in a standalone process outside the pool (Process.start)",
	  1, -1, "name,daemon,*", PM_COMPLETE_TASK, PM_COMPLETE_NONE,
	  cmd_spawn },
	{ "initializer", "initializer TASK [ARG…]",
	  "run TASK in each worker as it starts (Pool initializer); live workers are replaced when idle",
	  1, -1, NULL, PM_COMPLETE_TASK, PM_COMPLETE_NONE, cmd_initializer },
	{ "apply", "apply TASK [ARG…] [KEY=VALUE…] [timeout=S]",
	  "run one task and wait for its result (apply)", 1, -1, "timeout,*",
	  PM_COMPLETE_TASK, PM_COMPLETE_NONE, cmd_apply },
	{ "map", "map TASK RANGE|LIST [chunksize=N]",
	  "one task per item; print the ordered results (map)", 2, 2,
	  "chunksize", PM_COMPLETE_TASK, PM_COMPLETE_NONE, cmd_map },
	{ "imap", "imap TASK RANGE|LIST [chunksize=N]",
	  "like map, but each result prints as soon as it and those before it are in (imap)",
	  2, 2, "chunksize", PM_COMPLETE_TASK, PM_COMPLETE_NONE, cmd_imap },
	{ "starmap", "starmap TASK ARGS… [chunksize=N]",
	  "one task per word, each word the call's arguments: starmap add 1,2 3,4 (starmap)",
	  2, -1, "chunksize", PM_COMPLETE_TASK, PM_COMPLETE_NONE, cmd_starmap },
	{ "result", "result ID [timeout=S]",
	  "wait for a task and print its result or error (AsyncResult.get)",
	  1, 1, "timeout", PM_COMPLETE_ID, PM_COMPLETE_NONE, cmd_result },
	{ "join", "join [ID…|pool] [timeout=S]",
	  "wait for these tasks/processes; none named: all tasks, and after close/terminate the workers' exit (Pool.join)",
	  0, -1, "timeout", PM_COMPLETE_ID, PM_COMPLETE_ID, cmd_join },
	{ "pause", "pause [ID|all]",
	  "no id: stop dispatching; task: hold it or SIGSTOP its worker; worker: SIGSTOP; all: both",
	  0, 1, NULL, PM_COMPLETE_ID, PM_COMPLETE_NONE, cmd_pause },
	{ "resume", "resume [ID|all]", "undo pause", 0, 1, NULL,
	  PM_COMPLETE_ID, PM_COMPLETE_NONE, cmd_resume },
	{ "terminate", "terminate ID|pool",
	  "task: cancel if queued, kill its worker if running; worker/process: kill it; pool: Pool.terminate",
	  1, 1, NULL, PM_COMPLETE_ID, PM_COMPLETE_NONE, cmd_terminate },
	{ "kill", "kill ID",
	  "SIGKILL now, no grace: a running task's worker, a worker or a process (Process.kill)",
	  1, 1, NULL, PM_COMPLETE_ID, PM_COMPLETE_NONE, cmd_kill },
	{ "close", "close", "accept no more tasks (Pool.close)", 0, 0, NULL,
	  PM_COMPLETE_NONE, PM_COMPLETE_NONE, cmd_close },
	{ "workers", "workers [N]",
	  "list the workers; with N, grow or shrink the pool", 0, 1, NULL,
	  PM_COMPLETE_NONE, PM_COMPLETE_NONE, cmd_workers },
	{ "status", "status",
	  "a snapshot of pool, workers, tasks and shared objects", 0, 0, NULL,
	  PM_COMPLETE_NONE, PM_COMPLETE_NONE, cmd_status },
	{ "tasks", "tasks", "list the tasks the loaded plugins export", 0, 0,
	  NULL, PM_COMPLETE_NONE, PM_COMPLETE_NONE, cmd_tasks },
	{ "plugins", "plugins", "list the loaded plugins", 0, 0, NULL,
	  PM_COMPLETE_NONE, PM_COMPLETE_NONE, cmd_plugins },
	{ "load", "load PATH|NAME",
	  "load a task plugin (also while tasks run)", 1, 1, NULL,
	  PM_COMPLETE_FILE, PM_COMPLETE_NONE, cmd_load },
	{ "sleep", "sleep S", "wait S seconds (the screen keeps updating)", 1,
	  1, NULL, PM_COMPLETE_NONE, PM_COMPLETE_NONE, cmd_sleep },
	{ "echo", "echo TEXT…", "print the text", 0, -1, NULL,
	  PM_COMPLETE_NONE, PM_COMPLETE_NONE, cmd_echo },
	{ "help", "help [CMD]", "list the commands, or explain one", 0, 1,
	  NULL, PM_COMPLETE_COMMAND, PM_COMPLETE_NONE, cmd_help },
	{ "value", "value NAME CODE [INIT] [lock=0]",
	  "a shared number (Value); codes b B h H i I l L q Q f d c; lock=0: RawValue",
	  2, 3, "lock", PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_value },
	{ "array", "array NAME CODE SIZE|LIST [lock=0]",
	  "a shared one-dimensional array (Array) of SIZE zeros or the items",
	  3, 3, "lock", PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_array },
	{ "queue", "queue NAME [MAXSIZE] [joinable=1|simple=1]",
	  "a shared queue (Queue, JoinableQueue, SimpleQueue); 0: no limit",
	  1, 2, "joinable,simple", PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_queue },
	{ "put", "put NAME ITEM [timeout=S] [nowait=1]",
	  "put an item (None: the sentinel) on a queue; waits while full",
	  2, 2, "timeout,nowait", PM_COMPLETE_SHARED, PM_COMPLETE_NONE,
	  pm_cmd_put },
	{ "get", "get NAME [timeout=S] [nowait=1]",
	  "take an item from a queue and print it; waits while empty", 1, 1,
	  "timeout,nowait", PM_COMPLETE_SHARED, PM_COMPLETE_NONE, pm_cmd_get },
	{ "lock", "lock NAME [kind=rlock]",
	  "a shared robust Lock (or RLock)", 1, 1, "kind", PM_COMPLETE_NONE,
	  PM_COMPLETE_NONE, pm_cmd_lock },
	{ "semaphore", "semaphore NAME [N] [bounded=1]",
	  "a shared Semaphore (BoundedSemaphore) starting at N (1)", 1, 2,
	  "bounded", PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_semaphore },
	{ "event", "event NAME", "a shared Event (set NAME 1 / set NAME 0)",
	  1, 1, NULL, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_event },
	{ "condition", "condition NAME", "a shared Condition (over an RLock)",
	  1, 1, NULL, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_condition },
	{ "barrier", "barrier NAME N", "a shared Barrier for N parties", 2, 2,
	  NULL, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_barrier },
	{ "pipe", "pipe NAME [duplex=0]",
	  "a Pipe: ends 0 and 1 (duplex=0: 0 receives, 1 sends)", 1, 1,
	  "duplex", PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_pipe },
	{ "set", "set NAME[IDX] VALUE",
	  "write a value, an array item (or all items as a list), or an event (1/0)",
	  2, 2, NULL, PM_COMPLETE_SHARED, PM_COMPLETE_NONE, pm_cmd_set },
	{ "show", "show NAME|ID",
	  "one shared object in full, or a task (ready, successful, result), worker or process",
	  1, 1, NULL, PM_COMPLETE_SHARED, PM_COMPLETE_NONE, cmd_show },
	{ "acquire", "acquire NAME [timeout=S]",
	  "take a lock or semaphore (or a value's lock) for poolmon itself",
	  1, 1, "timeout", PM_COMPLETE_SHARED, PM_COMPLETE_NONE,
	  pm_cmd_acquire },
	{ "release", "release NAME", "release what acquire took", 1, 1, NULL,
	  PM_COMPLETE_SHARED, PM_COMPLETE_NONE, pm_cmd_release },
	{ "quit", "quit", "leave poolmon (running tasks are terminated)", 0,
	  0, NULL, PM_COMPLETE_NONE, PM_COMPLETE_NONE, cmd_quit },
};

const size_t pm_ncommands = sizeof pm_commands / sizeof pm_commands[0];
