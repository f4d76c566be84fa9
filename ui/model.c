/* SPDX-License-Identifier: GPL-3.0-or-later */
/* model.c — the screen's model: the one place ui/ reads the engine, the
 * shared objects and libproc2 for drawing (see model.h). */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "value.h"

static void qitems_clear(ui_model *m)
{
	for (size_t i = 0; i < m->nqitems; i++)
		pm_value_free(&m->qitems[i]);
	m->nqitems = m->qtotal = 0;
	m->qbusy = false;
}

void model_init(ui_model *m)
{
	memset(m, 0, sizeof *m);
	m->ps = pm_procstat_new();
	m->wview.sort = m->tview.sort = -1;
}

static void task_clear(ui_task *t)
{
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
			task_clear(&m->rows[i].current);
		m->rows[i].has_task = false;
		m->rows[i].sampled = false;
	}
}

static void detail_clear(ui_detail *d)
{
	free(d->pname);
	task_clear(&d->task);
	memset(d, 0, sizeof *d);
}

static void tasks_clear(ui_model *m)
{
	for (size_t i = 0; i < m->ntasks; i++)
		task_clear(&m->tasks[i]);
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
	t->call = task_call(ti);
	t->outcome = task_outcome(ti);
	if (ti->result) {
		pm_buf b = { 0 };
		pm_value_format(&b, ti->result);
		t->result = pm_buf_take(&b);
	}
	t->error = ti->error ? xstrdup(ti->error) : NULL;
}

static bool task_get(pm_engine *e, uint64_t id, ui_task *t)
{
	pm_task_info ti;
	if (!id || !pm_engine_task_info(e, id, &ti))
		return false;
	task_fill(t, &ti);
	return true;
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

static void add_worker_rows(ui_model *m, pm_engine *e)
{
	for (size_t i = 0; i < m->nworkers; i++) {
		pm_worker_info wi;
		if (!pm_engine_worker_info(e, i, &wi))
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
static void add_process_rows(ui_model *m, pm_engine *e)
{
	size_t np = pm_engine_process_count(e);
	size_t exited_skip = 0, exited = 0;
	for (size_t i = 0; i < np; i++) {
		pm_process_info pi;
		if (pm_engine_process_info(e, i, &pi) && !pi.alive)
			exited++;
	}
	if (exited > EXITED_PROCESSES_SHOWN)
		exited_skip = exited - EXITED_PROCESSES_SHOWN;
	for (size_t i = 0; i < np; i++) {
		pm_process_info pi;
		if (!pm_engine_process_info(e, i, &pi))
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
static void sample_depths(ui_model *m, pm_shared *sh)
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
		size_t d = pm_shared_get_info(sh, i, &in) ? in.qsize : 0;
		memmove(m->qhist[i], m->qhist[i] + 1,
			(QHIST - 1) * sizeof m->qhist[i][0]);
		m->qhist[i][QHIST - 1] = d;
	}
}

void model_scan(ui_model *m, pm_engine *e, pm_cli *cli)
{
	rows_clear_view(m);
	m->counts = pm_engine_counts(e);
	m->pool = pm_engine_pool_state(e);
	m->nworkers = pm_engine_worker_count(e);
	m->last_task = pm_engine_last_task_id(e);
	pm_shared *sh = pm_engine_shared(e);
	m->nshared = sh ? pm_shared_count(sh) : 0;
	sample_depths(m, sh);
	m->cli_busy = pm_cli_busy(cli);
	m->processes_alive = pm_engine_processes_alive(e, false);
	m->nrows = 0;
	add_worker_rows(m, e);
	add_process_rows(m, e);
	tables_arrange_rows(m, e);
	m->signature = signature(m);
}

/* ---- model_sample: libproc2 ------------------------------------------------- */

void model_sample(ui_model *m, size_t first, size_t count)
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
	pm_procstat_sample(m->ps, pids, n, m->samples);
	free(pids);
	pm_procstat_system(m->ps, &m->sys_cpu, &m->mem_used_kb,
			   &m->mem_total_kb);

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

static void view_rows(ui_model *m, pm_engine *e, size_t first, size_t count)
{
	for (size_t i = first; i < m->nrows && i < first + count; i++) {
		ui_row *r = &m->rows[i];
		const pm_proc_sample *s = model_sample_of(m, r->pid);
		r->sampled = s != NULL;
		if (s)
			r->sample = *s;
		r->has_task = r->task && r->tone != TONE_DEAD &&
			      task_get(e, r->task, &r->current);
	}
}

/* The tasks panel's rows: unfinished tasks first, then recent ones, newest
 * first within each; bounded so a million old tasks cost nothing. */
static void view_tasks(ui_model *m, pm_engine *e, size_t want)
{
	tasks_clear(m);
	m->tasks_hidden = 0;
	m->tasks = xcalloc(want ? want : 1, sizeof *m->tasks);
	uint64_t last = m->last_task;
	size_t scanned = 0;
	for (int final = 0; final < 2; final++, scanned = 0)
		for (uint64_t id = last;
		     id >= 1 && m->ntasks < want && scanned < 4096;
		     id--, scanned++) {
			pm_task_info ti;
			if (!pm_engine_task_info(e, id, &ti) ||
			    pm_task_state_final(ti.state) != final)
				continue;
			ui_task *t = &m->tasks[m->ntasks];
			task_fill(t, &ti);
			if (tables_task_shown(m, t)) {
				m->ntasks++;
			} else {
				task_clear(t);
				m->tasks_hidden++;
			}
		}
	tables_arrange_tasks(m);
}

static void view_shared(ui_model *m, pm_engine *e, const ui_view_want *w)
{
	pm_shared *sh = pm_engine_shared(e);
	size_t first = w->shared_first < m->nshared ? w->shared_first : 0;
	size_t left = m->nshared - first;
	size_t shown = left < w->shared ? left : w->shared;
	m->shared = xrealloc(m->shared, (shown ? shown : 1) * sizeof *m->shared);
	m->nshared_shown = shown;
	m->shared_first = first;
	for (size_t i = 0; i < shown; i++)
		if (!sh || !pm_shared_get_info(sh, first + i, &m->shared[i]))
			m->shared[i].name[0] = '\0';
	qitems_clear(m);
	if (w->shared_open && sh && w->shared_open <= m->nshared)
		m->qbusy = pm_shared_queue_peek(
				   pm_shared_at(sh, w->shared_open - 1),
				   UI_QUEUE_ITEMS, m->qitems, &m->nqitems,
				   &m->qtotal) == PM_SHM_TIMEOUT;
}

static void view_detail(ui_model *m, pm_engine *e, char kind, uint64_t num)
{
	ui_detail *d = &m->detail;
	detail_clear(d);
	d->kind = kind;
	d->num = num;
	uint64_t task = 0;
	pid_t pid = 0;
	if (kind == PM_ID_WORKER) {
		d->found = pm_engine_worker_by_id(e, num, &d->worker);
		pid = d->worker.pid;
		task = d->worker.task;
	} else if (kind == PM_ID_PROCESS) {
		d->found = pm_engine_process_by_id(e, num, &d->process);
		d->pname = xstrdup(d->found && d->process.name ? d->process.name
							       : "");
		d->process.name = NULL;
		pid = d->process.pid;
		task = d->process.task;
	} else {
		task = num;
	}
	const pm_proc_sample *s = d->found ? model_sample_of(m, pid) : NULL;
	d->sampled = s != NULL;
	if (s)
		d->sample = *s;
	if (kind == PM_ID_TASK || d->found)
		d->has_task = task_get(e, task, &d->task);
}

void model_view(ui_model *m, pm_engine *e, const ui_view_want *want)
{
	rows_clear_view(m);
	view_rows(m, e, want->rows_first, want->rows_count);
	view_tasks(m, e, want->tasks);
	view_shared(m, e, want);
	m->nspans = 0;
	if (want->spans_since > 0) {
		if (!m->spans)
			m->spans = xcalloc(UI_SPANS_MAX, sizeof *m->spans);
		m->nspans = pm_engine_spans(e, want->spans_since, m->spans,
					    UI_SPANS_MAX);
	}
	if (want->detail_kind)
		view_detail(m, e, want->detail_kind, want->detail_num);
	else
		detail_clear(&m->detail);
}

/* ---- model_maps: the progress lines ----------------------------------------- */

static bool map_known_ended(const ui_model *m, uint64_t first)
{
	for (size_t i = 0; i < MAPS_ENDED_KEPT; i++)
		if (m->maps_ended[i] == first)
			return true;
	return false;
}

void model_maps(ui_model *m, pm_engine *e)
{
	m->nmaps = 0;
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
