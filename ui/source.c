// SPDX-License-Identifier: GPL-3.0-or-later
/* source.c — the model's two sources (see source.h): the local engine, the
 * one place ui/ reads it, the shared objects and libproc2; or a snapshot
 * of a pool (ui_snap), and the taking of one from the local engine. */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "value.h"

/* ---- a task, as text -------------------------------------------------------- */

/* "demo.square(7)". */
static char *task_call(const pm_task_info *ti)
{
	pm_buf b = { 0 };
	pm_buf_printf(&b, "%s(", ti->task ? ti->task : "?");
	for (size_t i = 0; i < ti->nargs; i++) {
		if (i)
			pm_buf_puts(&b, ", ");
		pm_value_format(&b, &ti->args[i]);
	}
	pm_buf_puts(&b, ")");
	return pm_buf_take(&b);
}

static char *task_outcome(const pm_task_info *ti)
{
	pm_buf b = { 0 };
	if (ti->state == PM_TASK_DONE && ti->result)
		pm_value_format(&b, ti->result);
	else if (ti->state == PM_TASK_CRASHED && ti->signo)
		pm_buf_printf(&b, "%s", pm_signal_name(ti->signo));
	else if (ti->error)
		pm_buf_puts(&b, ti->error);
	else if (ti->state == PM_TASK_RUNNING && ti->progress > 0)
		pm_buf_printf(&b, "%.0f%%", ti->progress * 100.0);
	return b.s ? pm_buf_take(&b) : xstrdup("");
}

static void task_fill(ui_task *t, const pm_task_info *ti)
{
	t->info = *ti;
	t->info.task = NULL;
	t->info.args = NULL;
	t->info.nargs = 0;
	t->info.result = NULL;
	t->info.error = NULL;
	t->name = xstrdup(ti->task ? ti->task : "?");
	t->call = task_call(ti);
	t->outcome = task_outcome(ti);
	if (ti->result) {
		pm_buf b = { 0 };
		pm_value_format(&b, ti->result);
		t->result = pm_buf_take(&b);
	}
	t->error = ti->error ? xstrdup(ti->error) : NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void task_copy(ui_task *to, const ui_task *from)
{
	to->info = from->info;
	to->name = dup_or_null(from->name);
	to->call = dup_or_null(from->call);
	to->outcome = dup_or_null(from->outcome);
	to->result = dup_or_null(from->result);
	to->error = dup_or_null(from->error);
}

static const ui_task *snap_task(const ui_snap *sn, uint64_t id)
{
	for (size_t i = 0; id && i < sn->ntasks; i++)
		if (sn->tasks[i].info.id == id)
			return &sn->tasks[i];
	return NULL;
}

void ui_snap_clear(ui_snap *s)
{
	free(s->workers);
	for (size_t i = 0; i < s->nprocs; i++)
		free((char *)s->procs[i].name);
	free(s->procs);
	free(s->samples);
	for (size_t i = 0; i < s->ntasks; i++)
		ui_task_clear(&s->tasks[i]);
	free(s->tasks);
	for (size_t i = 0; i < s->nshared; i++)
		for (size_t k = 0; k < s->queues[i].n; k++)
			free(s->queues[i].items[k]);
	free(s->queues);
	free(s->shared);
	free(s->spans);
	memset(s, 0, sizeof *s);
}

/* ---- the figures model_scan takes -------------------------------------------- */

void src_scan(const ui_source *s, ui_model *m)
{
	const ui_snap *sn = s->snap;
	if (sn) {
		m->counts = sn->counts;
		m->pool = sn->pool;
		m->nworkers = sn->nworkers;
		m->last_task = sn->last_task;
		m->nshared = sn->nshared;
		m->cli_busy = sn->cli_busy;
		m->processes_alive = sn->processes_alive;
		m->idle = sn->idle;
		m->target_workers = sn->target_workers;
		m->t0 = sn->t0;
		return;
	}
	pm_engine *e = s->e;
	m->counts = pm_engine_counts(e);
	m->pool = pm_engine_pool_state(e);
	m->nworkers = pm_engine_worker_count(e);
	m->last_task = pm_engine_last_task_id(e);
	pm_shared *sh = pm_engine_shared(e);
	m->nshared = sh ? pm_shared_count(sh) : 0;
	m->cli_busy = s->cli && pm_cli_busy(s->cli);
	m->processes_alive = pm_engine_processes_alive(e, false);
	m->idle = pm_engine_idle(e);
	m->target_workers = pm_engine_target_workers(e);
	m->t0 = pm_engine_t0(e);
}

bool src_worker_info(const ui_source *s, size_t i, pm_worker_info *out)
{
	if (!s->snap)
		return pm_engine_worker_info(s->e, i, out);
	if (i >= s->snap->nworkers)
		return false;
	*out = s->snap->workers[i];
	return true;
}

size_t src_process_count(const ui_source *s)
{
	return s->snap ? s->snap->nprocs : pm_engine_process_count(s->e);
}

bool src_process_info(const ui_source *s, size_t i, pm_process_info *out)
{
	if (!s->snap)
		return pm_engine_process_info(s->e, i, out);
	if (i >= s->snap->nprocs)
		return false;
	*out = s->snap->procs[i];
	return true;
}

bool src_worker_by_id(const ui_source *s, uint64_t id, pm_worker_info *out)
{
	if (!s->snap)
		return pm_engine_worker_by_id(s->e, id, out);
	for (size_t i = 0; i < s->snap->nworkers; i++)
		if (s->snap->workers[i].id == id) {
			*out = s->snap->workers[i];
			return true;
		}
	return false;
}

bool src_process_by_id(const ui_source *s, uint64_t id, pm_process_info *out)
{
	if (!s->snap)
		return pm_engine_process_by_id(s->e, id, out);
	for (size_t i = 0; i < s->snap->nprocs; i++)
		if (s->snap->procs[i].id == id) {
			*out = s->snap->procs[i];
			return true;
		}
	return false;
}

bool src_task(const ui_source *s, uint64_t id, ui_task *out)
{
	if (s->snap) {
		const ui_task *t = snap_task(s->snap, id);
		if (t)
			task_copy(out, t);
		return t != NULL;
	}
	pm_task_info ti;
	if (!id || !pm_engine_task_info(s->e, id, &ti))
		return false;
	task_fill(out, &ti);
	return true;
}

bool model_task_brief(const ui_source *s, uint64_t id, const char **name,
		      double *elapsed)
{
	if (s->snap) {
		const ui_task *t = snap_task(s->snap, id);
		if (t) {
			*name = t->name;
			*elapsed = t->info.elapsed;
		}
		return t != NULL;
	}
	pm_task_info ti;
	if (!id || !pm_engine_task_info(s->e, id, &ti))
		return false;
	*name = ti.task;
	*elapsed = ti.elapsed;
	return true;
}

bool model_paused_now(const ui_source *s, char kind, uint64_t num)
{
	pm_worker_info wi;
	pm_process_info pi;
	if (kind == PM_ID_WORKER)
		return src_worker_by_id(s, num, &wi) &&
		       wi.state == PM_WORKER_PAUSED;
	if (kind == PM_ID_PROCESS)
		return src_process_by_id(s, num, &pi) && pi.paused;
	if (s->snap) {
		const ui_task *t = snap_task(s->snap, num);
		return t && t->info.state == PM_TASK_PAUSED;
	}
	pm_task_info ti;
	return pm_engine_task_info(s->e, num, &ti) &&
	       ti.state == PM_TASK_PAUSED;
}

bool model_alive_now(const ui_source *s)
{
	if (s->snap)
		return !s->snap->idle || s->snap->processes_alive > 0;
	return !pm_engine_idle(s->e) ||
	       pm_engine_processes_alive(s->e, false) > 0;
}

int model_target_workers_now(const ui_source *s)
{
	return s->snap ? s->snap->target_workers
		       : pm_engine_target_workers(s->e);
}

/* Unfinished tasks first, then recent ones, newest first within each;
 * bounded so a million old tasks cost nothing. */
void src_panel_tasks(const ui_source *s, bool (*fn)(void *ud, ui_task *t),
		     void *ud)
{
	if (s->snap) {
		for (size_t i = 0; i < s->snap->npanel; i++) {
			ui_task t = { 0 };
			task_copy(&t, &s->snap->tasks[i]);
			if (!fn(ud, &t))
				return;
		}
		return;
	}
	uint64_t last = pm_engine_last_task_id(s->e);
	size_t scanned = 0;
	for (int final = 0; final < 2; final++, scanned = 0)
		for (uint64_t id = last; id >= 1 && scanned < 4096;
		     id--, scanned++) {
			pm_task_info ti;
			if (!pm_engine_task_info(s->e, id, &ti) ||
			    pm_task_state_final(ti.state) != final)
				continue;
			ui_task t = { 0 };
			task_fill(&t, &ti);
			if (!fn(ud, &t))
				return;
		}
}

/* ---- shared objects, spans, samples, maps ------------------------------------ */

bool src_shared_info(const ui_source *s, size_t i, pm_shared_info *out)
{
	if (s->snap) {
		if (i >= s->snap->nshared)
			return false;
		*out = s->snap->shared[i];
		out->kind_name = pm_shared_kind_name(out->kind);
		return true;
	}
	pm_shared *sh = pm_engine_shared(s->e);
	return sh && pm_shared_get_info(sh, i, out);
}

void src_queue_items(const ui_source *s, size_t i, char **items, size_t *n,
		     size_t *total, bool *busy)
{
	*n = *total = 0;
	*busy = false;
	if (s->snap) {
		if (i >= s->snap->nshared)
			return;
		const ui_snap_queue *q = &s->snap->queues[i];
		for (size_t k = 0; k < q->n; k++)
			items[k] = xstrdup(q->items[k]);
		*n = q->n;
		*total = q->total;
		*busy = q->busy;
		return;
	}
	pm_shared *sh = pm_engine_shared(s->e);
	if (!sh || i >= pm_shared_count(sh))
		return;
	pm_value v[UI_QUEUE_ITEMS];
	*busy = pm_shared_queue_peek(pm_shared_at(sh, i), UI_QUEUE_ITEMS, v, n,
				     total) == PM_SHM_TIMEOUT;
	for (size_t k = 0; k < *n; k++) {
		pm_buf b = { 0 };
		pm_value_format(&b, &v[k]);
		items[k] = b.s ? pm_buf_take(&b) : xstrdup("");
		pm_value_free(&v[k]);
	}
}

size_t src_spans(const ui_source *s, double since, pm_span_info *out,
		 size_t max)
{
	if (!s->snap)
		return pm_engine_spans(s->e, since, out, max);
	size_t from = 0, n = 0;
	while (from < s->snap->nspans && s->snap->spans[from].ended < since)
		from++;
	size_t left = s->snap->nspans - from;
	if (left > max) /* the newest max of them */
		from += left - max;
	for (size_t i = from; i < s->snap->nspans; i++)
		out[n++] = s->snap->spans[i];
	return n;
}

void src_sample(const ui_source *s, pm_procstat *ps, const pid_t *pids,
		size_t n, pm_proc_sample *out, double *sys_cpu,
		unsigned long *mem_used_kb, unsigned long *mem_total_kb)
{
	const ui_snap *sn = s->snap;
	if (!sn) {
		pm_procstat_sample(ps, pids, n, out);
		pm_procstat_system(ps, sys_cpu, mem_used_kb, mem_total_kb);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].pid = pids[i];
		out[i].state = '?';
		for (size_t k = 0; pids[i] > 0 && k < sn->nsamples; k++)
			if (sn->samples[k].pid == pids[i]) {
				out[i] = sn->samples[k];
				break;
			}
	}
	*sys_cpu = sn->sys_cpu;
	*mem_used_kb = sn->mem_used_kb;
	*mem_total_kb = sn->mem_total_kb;
}

static bool map_known_ended(const ui_model *m, uint64_t first)
{
	for (size_t i = 0; i < MAPS_ENDED_KEPT; i++)
		if (m->maps_ended[i] == first)
			return true;
	return false;
}

void src_maps(const ui_source *s, ui_model *m)
{
	m->nmaps = 0;
	if (s->snap) {
		m->nmaps = s->snap->nmaps;
		memcpy(m->maps, s->snap->maps, sizeof m->maps);
		return;
	}
	pm_engine *e = s->e;
	double now = pm_now();
	/* Newest first; an old map that still runs behind MAPS_ENDED_KEPT
	 * newer ones that ended is not looked for. */
	size_t n = pm_engine_map_count(e), looked = 0;
	for (size_t i = n; i-- > 0 && m->nmaps < MAPS_SHOWN &&
			   looked < MAPS_ENDED_KEPT;
	     looked++) {
		pm_map_info mi;
		if (!pm_engine_map_at(e, i, &mi) ||
		    map_known_ended(m, mi.first))
			continue;
		size_t ended = pm_engine_map_ended(e, i);
		if (ended >= mi.n) {
			m->maps_ended[m->maps_ended_at] = mi.first;
			m->maps_ended_at = (m->maps_ended_at + 1) % MAPS_ENDED_KEPT;
			continue;
		}
		ui_map *u = &m->maps[m->nmaps++];
		u->info = mi;
		snprintf(u->task, sizeof u->task, "%s", mi.task ? mi.task : "?");
		u->info.task = NULL;
		u->ended = ended;
		double secs = now - mi.queued_at;
		u->rate = secs > 0 ? (double)ended / secs : 0;
	}
}

/* ---- a snapshot of the local source ------------------------------------------ */

typedef struct panel_take {
	ui_snap *out;
	size_t cap;
} panel_take;

static bool take_panel_task(void *ud, ui_task *t)
{
	panel_take *p = ud;
	p->out->tasks[p->out->ntasks++] = *t;
	return p->out->ntasks < SNAP_TASKS;
}

static void take_task(ui_snap *out, const ui_source *s, uint64_t id,
		      size_t *cap)
{
	if (!id || snap_task(out, id))
		return;
	if (out->ntasks == *cap) {
		*cap *= 2;
		out->tasks = xrealloc(out->tasks, *cap * sizeof *out->tasks);
	}
	ui_task *t = &out->tasks[out->ntasks];
	memset(t, 0, sizeof *t);
	if (src_task(s, id, t))
		out->ntasks++;
}

void ui_snap_take(ui_snap *out, const ui_source *s, ui_model *m)
{
	memset(out, 0, sizeof *out);
	src_scan(s, m);
	out->counts = m->counts;
	out->pool = m->pool;
	out->last_task = m->last_task;
	out->cli_busy = m->cli_busy;
	out->idle = m->idle;
	out->processes_alive = m->processes_alive;
	out->target_workers = m->target_workers;
	out->t0 = m->t0;

	out->workers = xcalloc(m->nworkers ? m->nworkers : 1,
			       sizeof *out->workers);
	for (size_t i = 0; i < m->nworkers; i++)
		if (src_worker_info(s, i, &out->workers[out->nworkers]))
			out->nworkers++;
	size_t np = src_process_count(s);
	out->procs = xcalloc(np ? np : 1, sizeof *out->procs);
	for (size_t i = 0; i < np; i++) {
		pm_process_info *pi = &out->procs[out->nprocs];
		if (!src_process_info(s, i, pi))
			continue;
		pi->name = xstrdup(pi->name ? pi->name : "");
		out->nprocs++;
	}

	size_t npids = out->nworkers + out->nprocs;
	pid_t *pids = xcalloc(npids ? npids : 1, sizeof *pids);
	for (size_t i = 0; i < out->nworkers; i++)
		pids[i] = out->workers[i].pid;
	for (size_t i = 0; i < out->nprocs; i++)
		pids[out->nworkers + i] = out->procs[i].alive ? out->procs[i].pid
							      : 0;
	out->samples = xcalloc(npids ? npids : 1, sizeof *out->samples);
	src_sample(s, m->ps, pids, npids, out->samples, &out->sys_cpu,
		   &out->mem_used_kb, &out->mem_total_kb);
	for (size_t i = 0; i < npids; i++)
		if (pids[i] > 0)
			out->samples[out->nsamples++] = out->samples[i];
	free(pids);

	size_t cap = SNAP_TASKS + npids + 1;
	out->tasks = xcalloc(cap, sizeof *out->tasks);
	panel_take p = { out, cap };
	src_panel_tasks(s, take_panel_task, &p);
	out->npanel = out->ntasks;
	for (size_t i = 0; i < out->nworkers; i++)
		take_task(out, s, out->workers[i].task, &cap);
	for (size_t i = 0; i < out->nprocs; i++)
		take_task(out, s, out->procs[i].task, &cap);

	out->nshared = m->nshared;
	out->shared = xcalloc(m->nshared ? m->nshared : 1, sizeof *out->shared);
	out->queues = xcalloc(m->nshared ? m->nshared : 1, sizeof *out->queues);
	for (size_t i = 0; i < m->nshared; i++) {
		pm_shared_info *in = &out->shared[i];
		if (!src_shared_info(s, i, in)) {
			in->name[0] = '\0';
			continue;
		}
		in->kind_name = NULL;
		if (in->kind == PM_SK_QUEUE || in->kind == PM_SK_JOINABLE_QUEUE ||
		    in->kind == PM_SK_SIMPLE_QUEUE) {
			ui_snap_queue *q = &out->queues[i];
			src_queue_items(s, i, q->items, &q->n, &q->total,
					&q->busy);
		}
	}

	src_maps(s, m);
	out->nmaps = m->nmaps;
	memcpy(out->maps, m->maps, sizeof out->maps);

	out->spans = xcalloc(SNAP_SPANS, sizeof *out->spans);
	double since = pm_now() - SNAP_SPAN_SECS;
	if (since < out->t0)
		since = out->t0;
	out->nspans = src_spans(s, since > 0 ? since : 1e-9, out->spans,
				SNAP_SPANS);
}
