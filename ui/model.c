/* SPDX-License-Identifier: GPL-3.0-or-later */
/* model.c — the screen's model, filled from its source (source.c: the
 * local engine or a snapshot of a pool) for drawing (see model.h). */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "util.h"

static void qitems_clear(ui_model *m)
{
	for (size_t i = 0; i < m->nqitems; i++)
		free(m->qitems[i]);
	m->nqitems = m->qtotal = 0;
	m->qbusy = false;
}

void model_init(ui_model *m)
{
	memset(m, 0, sizeof *m);
	m->ps = pm_procstat_new();
	m->wview.sort = m->tview.sort = -1;
}

void ui_task_clear(ui_task *t)
{
	free(t->name);
	free(t->call);
	free(t->outcome);
	free(t->result);
	free(t->error);
	memset(t, 0, sizeof *t);
}

static void rows_clear_view(ui_model *m)
{
	for (size_t i = 0; i < m->nrows; i++) {
		if (m->rows[i].has_task)
			ui_task_clear(&m->rows[i].current);
		m->rows[i].has_task = false;
		m->rows[i].sampled = false;
	}
}

static void detail_clear(ui_detail *d)
{
	free(d->pname);
	ui_task_clear(&d->task);
	memset(d, 0, sizeof *d);
}

static void tasks_clear(ui_model *m)
{
	for (size_t i = 0; i < m->ntasks; i++)
		ui_task_clear(&m->tasks[i]);
	free(m->tasks);
	m->tasks = NULL;
	m->ntasks = 0;
}

void model_free(ui_model *m)
{
	rows_clear_view(m);
	free(m->rows);
	tasks_clear(m);
	free(m->shared);
	free(m->spans);
	qitems_clear(m);
	free(m->qhist);
	detail_clear(&m->detail);
	free(m->samples);
	pm_procstat_free(m->ps);
	memset(m, 0, sizeof *m);
}

size_t model_finished(const pm_counts *c)
{
	return c->done + c->failed + c->crashed + c->timeout + c->terminated +
	       c->cancelled;
}

static bool task_get(const ui_source *s, uint64_t id, ui_task *t)
{
	return id && src_task(s, id, t);
}

/* ---- model_scan: counts and the workers table's rows ------------------------- */

static ui_row *row_add(ui_model *m)
{
	if (m->nrows == m->rows_cap) {
		m->rows_cap = m->rows_cap ? m->rows_cap * 2 : 64;
		m->rows = xrealloc(m->rows, m->rows_cap * sizeof *m->rows);
	}
	ui_row *r = &m->rows[m->nrows++];
	memset(r, 0, sizeof *r);
	return r;
}

static void add_worker_rows(ui_model *m, const ui_source *s)
{
	for (size_t i = 0; i < m->nworkers; i++) {
		pm_worker_info wi;
		if (!src_worker_info(s, i, &wi))
			continue;
		ui_row *r = row_add(m);
		r->kind = PM_ID_WORKER;
		r->num = wi.id;
		pm_id_format(r->id, r->kind, wi.id);
		r->pid = wi.pid;
		snprintf(r->state, sizeof r->state, "%s",
			 pm_worker_state_name(wi.state));
		r->task = wi.task;
		r->is_worker = true;
		r->done = wi.done;
		r->restarts = wi.restarts;
		r->paused = wi.state == PM_WORKER_PAUSED;
		r->tone = wi.state == PM_WORKER_BUSY	 ? TONE_BUSY
			  : wi.state == PM_WORKER_PAUSED ? TONE_PAUSED
			  : wi.state == PM_WORKER_DEAD	 ? TONE_DEAD
							 : TONE_IDLE;
	}
}

/* Standalone processes: the live ones and the last few that exited. */
static void add_process_rows(ui_model *m, const ui_source *s)
{
	size_t np = src_process_count(s);
	size_t exited_skip = 0, exited = 0;
	for (size_t i = 0; i < np; i++) {
		pm_process_info pi;
		if (src_process_info(s, i, &pi) && !pi.alive)
			exited++;
	}
	if (exited > EXITED_PROCESSES_SHOWN)
		exited_skip = exited - EXITED_PROCESSES_SHOWN;
	for (size_t i = 0; i < np; i++) {
		pm_process_info pi;
		if (!src_process_info(s, i, &pi))
			continue;
		if (!pi.alive && exited_skip) {
			exited_skip--;
			continue;
		}
		ui_row *r = row_add(m);
		r->kind = PM_ID_PROCESS;
		r->num = pi.id;
		pm_id_format(r->id, r->kind, pi.id);
		r->pid = pi.alive ? pi.pid : 0;
		if (pi.alive)
			snprintf(r->state, sizeof r->state, "%s",
				 pi.paused ? "paused" : "running");
		else
			snprintf(r->state, sizeof r->state, "exit %d",
				 pi.exitcode);
		r->task = pi.task;
		r->paused = pi.paused;
		r->tone = !pi.alive   ? TONE_DEAD
			  : pi.paused ? TONE_PAUSED
				      : TONE_BUSY;
	}
}

/* A cheap fingerprint of what the screen shows, to redraw on change.  A
 * new shared object shows at once; values and depths change at the
 * sampling rate (reading every object on each event would cost the loop
 * more than a frame). */
static uint64_t signature(const ui_model *m)
{
	uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
	const pm_counts *c = &m->counts;
	MIX(c->queued), MIX(c->running), MIX(c->paused);
	MIX(model_finished(c));
	MIX(m->pool);
	MIX(m->last_task);
	MIX(m->nrows);
	for (size_t i = 0; i < m->nrows; i++) {
		const ui_row *r = &m->rows[i];
		MIX(r->pid), MIX(r->tone), MIX(r->task);
		MIX(r->done), MIX(r->state[0]);
	}
	MIX(m->nshared);
#undef MIX
	return h;
}

/* The queues' depths, for their sparklines: twice a second. */
static void sample_depths(ui_model *m, const ui_source *s)
{
	double now = pm_now();
	if (now < m->qhist_next)
		return;
	m->qhist_next = now + 0.5;
	if (m->nqhist < m->nshared) {
		m->qhist = xrealloc(m->qhist, m->nshared * sizeof *m->qhist);
		memset(m->qhist + m->nqhist, 0,
		       (m->nshared - m->nqhist) * sizeof *m->qhist);
		m->nqhist = m->nshared;
	}
	for (size_t i = 0; i < m->nshared; i++) {
		pm_shared_info in;
		size_t d = src_shared_info(s, i, &in) ? in.qsize : 0;
		memmove(m->qhist[i], m->qhist[i] + 1,
			(QHIST - 1) * sizeof m->qhist[i][0]);
		m->qhist[i][QHIST - 1] = d;
	}
}

/* $POOLMON_SNAPSHOT_LOOPBACK: the engine's snapshot, through JSON. */
static void loopback(ui_source *s)
{
	char *json = ui_snapshot_json(s->loopback);
	char err[256];
	ui_snap_clear(s->snap);
	if (!ui_snap_decode(json, s->snap, err, sizeof err)) {
		fprintf(stderr, "poolmon: snapshot loopback: %s\n", err);
		abort();
	}
	free(json);
}

void model_scan(ui_model *m, ui_source *s)
{
	if (s->loopback)
		loopback(s);
	rows_clear_view(m);
	src_scan(s, m);
	sample_depths(m, s);
	m->nrows = 0;
	add_worker_rows(m, s);
	add_process_rows(m, s);
	tables_arrange_rows(m, s);
	m->signature = signature(m);
}

/* ---- model_sample: libproc2 ------------------------------------------------- */

void model_sample(ui_model *m, const ui_source *s, size_t first,
		  size_t count)
{
	/* Only the rows on screen: reading /proc costs ~50 us a pid, and a
	 * big pool would otherwise spend its frame there (status samples all
	 * of them). */
	size_t lo = count ? first : 0;
	size_t hi = count ? lo + count : m->nrows;
	if (lo > m->nrows)
		lo = m->nrows;
	if (hi > m->nrows)
		hi = m->nrows;
	size_t n = hi - lo;
	pid_t *pids = xcalloc(n ? n : 1, sizeof *pids);
	for (size_t i = 0; i < n; i++)
		pids[i] = m->rows[lo + i].pid;
	m->samples = xrealloc(m->samples, (n ? n : 1) * sizeof *m->samples);
	m->nsamples = n;
	src_sample(s, m->ps, pids, n, m->samples, &m->sys_cpu,
		   &m->mem_used_kb, &m->mem_total_kb);
	free(pids);

	double now = pm_now();
	size_t fin = model_finished(&m->counts);
	if (m->tput_time > 0 && now > m->tput_time) {
		memmove(m->tput, m->tput + 1,
			(TPUT_HIST - 1) * sizeof *m->tput);
		m->tput[TPUT_HIST - 1] = fin >= m->finished_prev
			? (double)(fin - m->finished_prev) / (now - m->tput_time)
			: 0.0;
	}
	m->finished_prev = fin;
	m->tput_time = now;
}

const pm_proc_sample *model_sample_of(const ui_model *m, pid_t pid)
{
	for (size_t i = 0; i < m->nsamples; i++)
		if (m->samples[i].pid == pid && pid > 0)
			return &m->samples[i];
	return NULL;
}

/* ---- model_view: what the rows on screen need ------------------------------- */

static void view_rows(ui_model *m, const ui_source *s, size_t first,
		      size_t count)
{
	for (size_t i = first; i < m->nrows && i < first + count; i++) {
		ui_row *r = &m->rows[i];
		const pm_proc_sample *ps = model_sample_of(m, r->pid);
		r->sampled = ps != NULL;
		if (ps)
			r->sample = *ps;
		r->has_task = r->task && r->tone != TONE_DEAD &&
			      task_get(s, r->task, &r->current);
	}
}

/* The tasks panel's rows, in the source's order, those the filter shows. */
typedef struct tasks_take {
	ui_model *m;
	size_t want;
} tasks_take;

static bool take_task(void *ud, ui_task *t)
{
	tasks_take *k = ud;
	ui_model *m = k->m;
	if (m->ntasks >= k->want) {
		ui_task_clear(t);
		return false;
	}
	if (tables_task_shown(m, t)) {
		m->tasks[m->ntasks++] = *t;
	} else {
		ui_task_clear(t);
		m->tasks_hidden++;
	}
	return m->ntasks < k->want;
}

static void view_tasks(ui_model *m, const ui_source *s, size_t want)
{
	tasks_clear(m);
	m->tasks_hidden = 0;
	m->tasks = xcalloc(want ? want : 1, sizeof *m->tasks);
	if (want) {
		tasks_take k = { m, want };
		src_panel_tasks(s, take_task, &k);
	}
	tables_arrange_tasks(m);
}

static void view_shared(ui_model *m, const ui_source *s,
			const ui_view_want *w)
{
	size_t first = w->shared_first < m->nshared ? w->shared_first : 0;
	size_t left = m->nshared - first;
	size_t shown = left < w->shared ? left : w->shared;
	m->shared = xrealloc(m->shared, (shown ? shown : 1) * sizeof *m->shared);
	m->nshared_shown = shown;
	m->shared_first = first;
	for (size_t i = 0; i < shown; i++)
		if (!src_shared_info(s, first + i, &m->shared[i]))
			m->shared[i].name[0] = '\0';
	qitems_clear(m);
	if (w->shared_open && w->shared_open <= m->nshared)
		src_queue_items(s, w->shared_open - 1, m->qitems, &m->nqitems,
				&m->qtotal, &m->qbusy);
}

static void view_detail(ui_model *m, const ui_source *s, char kind,
			uint64_t num)
{
	ui_detail *d = &m->detail;
	detail_clear(d);
	d->kind = kind;
	d->num = num;
	uint64_t task = 0;
	pid_t pid = 0;
	if (kind == PM_ID_WORKER) {
		d->found = src_worker_by_id(s, num, &d->worker);
		pid = d->worker.pid;
		task = d->worker.task;
	} else if (kind == PM_ID_PROCESS) {
		d->found = src_process_by_id(s, num, &d->process);
		d->pname = xstrdup(d->found && d->process.name ? d->process.name
							       : "");
		d->process.name = NULL;
		pid = d->process.pid;
		task = d->process.task;
	} else {
		task = num;
	}
	const pm_proc_sample *ps = d->found ? model_sample_of(m, pid) : NULL;
	d->sampled = ps != NULL;
	if (ps)
		d->sample = *ps;
	if (kind == PM_ID_TASK || d->found)
		d->has_task = task_get(s, task, &d->task);
}

void model_view(ui_model *m, const ui_source *s, const ui_view_want *want)
{
	rows_clear_view(m);
	view_rows(m, s, want->rows_first, want->rows_count);
	view_tasks(m, s, want->tasks);
	view_shared(m, s, want);
	m->nspans = 0;
	if (want->spans_since > 0) {
		if (!m->spans)
			m->spans = xcalloc(UI_SPANS_MAX, sizeof *m->spans);
		m->nspans = src_spans(s, want->spans_since, m->spans,
				      UI_SPANS_MAX);
	}
	if (want->detail_kind)
		view_detail(m, s, want->detail_kind, want->detail_num);
	else
		detail_clear(&m->detail);
}

/* ---- model_maps: the progress lines ----------------------------------------- */

void model_maps(ui_model *m, const ui_source *s)
{
	src_maps(s, m);
}
