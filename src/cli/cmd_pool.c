/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_pool.c — the commands of the pool and its workers: initializer,
 * pause, resume, step, terminate, kill, close, workers, and status (with the
 * status event the UI may ask for). */
#define _GNU_SOURCE
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>

#include "ids.h"
#include "output.h"
#include "procstat.h"
#include "state.h"

pm_status pm_cmd_initializer(pm_cli *c, pm_args *a)
{
	char err[512];
	if (pm_engine_set_initializer(c->e, a->words[0], a->vals + 1,
				      a->argc - 1, err, sizeof err) < 0)
		return pm_cli_error(c, a, "%s", err);
	return CMD_OK;
}

typedef int (*control_fn)(pm_engine *, const char *, char *, size_t);

static pm_status control(pm_cli *c, pm_args *a, control_fn fn)
{
	char err[512];
	if (fn(c->e, a->argc ? a->words[0] : NULL, err, sizeof err) < 0)
		return pm_cli_error(c, a, "%s", err);
	return CMD_OK;
}

pm_status pm_cmd_pause(pm_cli *c, pm_args *a)
{
	return control(c, a, pm_engine_pause);
}

pm_status pm_cmd_resume(pm_cli *c, pm_args *a)
{
	return control(c, a, pm_engine_resume);
}

pm_status pm_cmd_step(pm_cli *c, pm_args *a)
{
	char err[256];
	int64_t n = 1;
	if (a->argc == 1 && !pm_word_count(a, 0, 1, 1000000, &n))
		return pm_cli_error(c, a, "expected a count 1..1000000, got '%s'",
				    a->words[0]);
	if (pm_engine_step(c->e, (size_t)n, err, sizeof err) < 0)
		return pm_cli_error(c, a, "%s", err);
	return CMD_OK;
}

pm_status pm_cmd_terminate(pm_cli *c, pm_args *a)
{
	return control(c, a, pm_engine_terminate);
}

pm_status pm_cmd_kill(pm_cli *c, pm_args *a)
{
	return control(c, a, pm_engine_kill);
}

pm_status pm_cmd_close(pm_cli *c, pm_args *a)
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

/* The processes a worker's tasks forked, shown at most. */
#define CHILDREN_MAX 64

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
		      ",\"cpu\":%.1f,\"rss_kb\":%lu,\"done\":%llu,\"restarts\":%u,\"children\":[",
		      ps->cpu_pct, ps->rss_kb, (unsigned long long)wi->done,
		      wi->restarts);
	pid_t kids[CHILDREN_MAX];
	size_t nk = wi->pid > 0 ? pm_procstat_children(wi->pid, kids,
						       CHILDREN_MAX)
				: 0;
	for (size_t k = 0; k < nk && k < CHILDREN_MAX; k++)
		pm_buf_printf(b, "%s%d", k ? "," : "", (int)kids[k]);
	pm_buf_puts(b, "]}");
}

pm_status pm_cmd_workers(pm_cli *c, pm_args *a)
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
	pm_buf b;
	pm_cli_list_begin(c, &b, "workers");
	if (c->mode == PM_OUT_TEXT)
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
			char task[PM_ID_MAX] = "-";
			if (wi.task)
				pm_id_format(task, PM_ID_TASK, wi.task);
			pm_cli_info(c, "w%-4llu %-8d %-7s %-2c %-8s %6llu",
				    (unsigned long long)wi.id, (int)wi.pid,
				    pm_worker_state_name(wi.state), ps[i].state,
				    task, (unsigned long long)wi.done);
			/* What its task forked, a line each under it. */
			pid_t kids[CHILDREN_MAX];
			size_t nk = wi.pid > 0 ? pm_procstat_children(
							 wi.pid, kids,
							 CHILDREN_MAX)
					       : 0;
			for (size_t k = 0; k < nk && k < CHILDREN_MAX; k++)
				pm_cli_info(c, "  child %d", (int)kids[k]);
		}
	}
	pm_cli_list_end(c, &b);
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

pm_status pm_cmd_status(pm_cli *c, pm_args *a)
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
	pm_status st = pm_cmd_workers(c, &none);
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

