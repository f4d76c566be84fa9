/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/query.c — what front ends read: a task (a record, or a map's
 * bulk item), a worker, a process, the plugins, the counts and states. */
#define _GNU_SOURCE
#include "internal.h"

#include <string.h>

bool pm_task_state_final(pm_task_state s)
{
	return s >= PM_TASK_DONE;
}

const char *pm_task_state_name(pm_task_state s)
{
	static const char *const names[] = {
		"queued", "running", "paused", "done", "failed",
		"crashed", "timeout", "terminated", "cancelled",
	};
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

const char *pm_worker_state_name(pm_worker_state s)
{
	static const char *const names[] = { "starting", "idle", "busy",
					     "paused", "dead" };
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

const char *pm_pool_state_name(pm_pool_state s)
{
	static const char *const names[] = { "running", "paused", "closed",
					     "terminated" };
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

/* A map's bulk item, as a task. */
static bool bulk_info(const pm_engine *e, uint64_t id, pm_task_info *out)
{
	size_t i;
	const mapgrp *g = group_find(e, id, &i);
	if (!g)
		return false;
	memset(out, 0, sizeof *out);
	out->id = id;
	out->task = g->name;
	uint8_t st = g->st[i];
	out->state = bulk_state(st);
	bulk_args(g, i, &e->view->arg, &out->args, &out->nargs);
	if (st != B_QUEUED) {
		out->worker = run_of(e, g, i).worker;
		out->pid = run_of(e, g, i).pid;
	}
	if (st == B_DONE) {
		out->result = bulk_result(g, i, &e->view->result);
		out->progress = 1.0;
	}
	out->queued_at = g->queued_at;
	if (st != B_QUEUED && g->inc[i] < g->nspans) {
		/* A map item's times are its chunk's. */
		out->started_at = span_of(g, i)->started;
		if (st == B_DONE || st == B_CANCELLED)
			out->ended_at = span_of(g, i)->ended;
	}
	if (st == B_RUNNING) {
		double started = eng_bulk_started(e, out->worker, id);
		if (started > 0) {
			out->elapsed = pm_now() - started;
			out->started_at = started;
		}
	}
	out->changed_at = out->ended_at > 0 ? out->ended_at
			  : out->started_at > 0 ? out->started_at
						: out->queued_at;
	return true;
}

bool pm_engine_task_info(const pm_engine *e, uint64_t id, pm_task_info *out)
{
	const task *t = task_get(e, id);
	if (!t)
		return bulk_info(e, id, out);
	memset(out, 0, sizeof *out);
	out->id = t->id;
	out->task = t->name;
	out->state = t->state;
	out->args = t->args;
	out->nargs = t->nargs;
	out->worker = t->worker;
	out->in_process = t->in_process;
	out->pid = t->pid;
	out->result = t->state == PM_TASK_DONE ? &t->result : NULL;
	out->error = t->error;
	out->signo = t->signo;
	out->progress = t->progress;
	out->queued_at = t->queued_at;
	out->started_at = t->started;
	out->ended_at = t->ended;
	out->changed_at = t->ended > 0 ? t->ended
			  : t->paused_at > 0 ? t->paused_at
			  : t->started > 0 ? t->started : t->queued_at;
	if (t->started > 0) {
		double end = t->ended > 0 ? t->ended : pm_now();
		double paused = t->paused_total;
		if (t->paused_at > 0)
			paused += end - t->paused_at;
		out->elapsed = end - t->started - paused;
	}
	return true;
}

/* Results come back in a chunk's order: a map item's chunk has ended
 * when the last item sent in it has. */
bool pm_engine_task_times_final(const pm_engine *e, uint64_t id)
{
	const task *t = task_get(e, id);
	if (t)
		return pm_task_state_final(t->state);
	size_t i;
	const mapgrp *g = group_find(e, id, &i);
	if (!g || !pm_task_state_final(bulk_state(g->st[i])))
		return false;
	uint32_t sp = g->inc[i];
	for (size_t j = i + 1; j < g->n && g->inc[j] == sp; j++) {
		if (g->st[j] == B_OWN) {
			const task *o = task_get(e, g->first + j);
			if (o && !pm_task_state_final(o->state))
				return false;
		} else if (!pm_task_state_final(bulk_state(g->st[j])) ||
			   g->st[j] == B_QUEUED) {
			return false;
		}
	}
	return true;
}

size_t pm_engine_map_results(const pm_engine *e, uint64_t first, size_t n,
			     const uint8_t **types, const uint64_t **bits)
{
	size_t gi = eng_group_index(e, first);
	if (gi == e->ngroups)
		return 0;
	const mapgrp *g = e->groups[gi];
	size_t i = (size_t)(first - g->first), k = 0;
	if (n > g->n - i)
		n = g->n - i;
	while (k < n && g->st[i + k] == B_DONE)
		k++;
	*types = g->rt + i;
	*bits = g->rraw + i;
	return k;
}

bool pm_engine_task_evicted(const pm_engine *e, uint64_t id)
{
	return id >= 1 && id <= e->ntasks && !task_get(e, id) &&
	       eng_group_index(e, id) == e->ngroups;
}

uint64_t pm_engine_evicted(const pm_engine *e)
{
	return e->evicted;
}

size_t pm_engine_keep(const pm_engine *e)
{
	return e->keep;
}

double pm_engine_t0(const pm_engine *e)
{
	return e->t0;
}

uint64_t pm_engine_last_task_id(const pm_engine *e)
{
	return e->ntasks;
}

size_t pm_engine_worker_count(const pm_engine *e)
{
	return e->nworkers;
}

static void fill_worker(const worker *w, pm_worker_info *out)
{
	out->id = w->id;
	out->pid = w->pid;
	out->state = w->state;
	out->task = w->running;
	out->task_now = w->shm ? atomic_load(&w->shm->cur_task) : 0;
	out->done = w->done;
	out->restarts = w->restarts;
}

bool pm_engine_worker_info(const pm_engine *e, size_t i, pm_worker_info *out)
{
	if (i >= e->nworkers)
		return false;
	fill_worker(e->workers[i], out);
	return true;
}

bool pm_engine_worker_by_id(const pm_engine *e, uint64_t id,
			    pm_worker_info *out)
{
	const worker *w = worker_get(e, id);
	if (!w)
		return false;
	fill_worker(w, out);
	return true;
}

pm_pool_state pm_engine_pool_state(const pm_engine *e)
{
	if (e->state == PM_POOL_RUNNING && e->dispatch_paused)
		return PM_POOL_PAUSED;
	return e->state;
}

pm_counts pm_engine_counts(const pm_engine *e)
{
	return e->counts;
}

bool pm_engine_idle(const pm_engine *e)
{
	return e->counts.queued + e->counts.running + e->counts.paused == 0;
}

bool pm_engine_workers_gone(const pm_engine *e)
{
	return (e->state == PM_POOL_CLOSED ||
		e->state == PM_POOL_TERMINATED) &&
	       e->nworkers == 0;
}

int pm_engine_target_workers(const pm_engine *e)
{
	return e->target;
}

size_t pm_engine_process_count(const pm_engine *e)
{
	return e->nprocs;
}

static void fill_process(const worker *w, pm_process_info *out)
{
	out->id = w->id;
	out->name = w->name;
	out->pid = w->pid;
	out->alive = !w->exited;
	out->daemon = w->daemon;
	out->exitcode = w->exitcode;
	out->task = w->task_id;
	out->paused = w->stopped;
}

bool pm_engine_process_info(const pm_engine *e, size_t i,
			    pm_process_info *out)
{
	if (i >= e->nprocs)
		return false;
	fill_process(e->procs[i], out);
	return true;
}

bool pm_engine_process_by_id(const pm_engine *e, uint64_t id,
			     pm_process_info *out)
{
	const worker *w = proc_get(e, id);
	if (!w)
		return false;
	fill_process(w, out);
	return true;
}

size_t pm_engine_processes_alive(const pm_engine *e, bool daemons)
{
	size_t n = 0;
	for (size_t i = 0; i < e->nprocs; i++)
		if (!e->procs[i]->exited && e->procs[i]->daemon == daemons)
			n++;
	return n;
}

const char *pm_engine_initializer(const pm_engine *e)
{
	return e->init_task;
}

struct pm_shared *pm_engine_shared(const pm_engine *e)
{
	return e->shared;
}

size_t pm_engine_plugin_count(const pm_engine *e)
{
	return e->reg.n;
}

const struct pm_plugin *pm_engine_plugin(const pm_engine *e, size_t i,
					 const char **path)
{
	if (i >= e->reg.n)
		return NULL;
	if (path)
		*path = e->reg.entries[i].path;
	return e->reg.entries[i].plugin;
}

const struct pm_task_def *pm_engine_find_task(const pm_engine *e,
					      const char *name,
					      const char **plugin, char *err,
					      size_t errlen)
{
	size_t p, t;
	if (pm_registry_find(&e->reg, name, &p, &t, err, errlen) < 0)
		return NULL;
	if (plugin)
		*plugin = e->reg.entries[p].plugin->name;
	return &e->reg.entries[p].plugin->tasks[t];
}

/* ---- maps, for a progress line ------------------------------------------ */

size_t pm_engine_map_count(const pm_engine *e)
{
	return e->ngroups;
}

bool pm_engine_map_at(const pm_engine *e, size_t i, pm_map_info *out)
{
	if (i >= e->ngroups)
		return false;
	const mapgrp *g = e->groups[i];
	*out = (pm_map_info){ .first = g->first, .n = g->n, .task = g->name,
			      .queued_at = g->queued_at };
	return true;
}

size_t pm_engine_map_ended(const pm_engine *e, size_t i)
{
	if (i >= e->ngroups)
		return 0;
	const mapgrp *g = e->groups[i];
	const uint8_t *st = g->st;
	size_t ended = 0, own = 0;
	for (size_t k = 0; k < g->n; k++) {
		ended += st[k] == B_DONE || st[k] == B_CANCELLED;
		own += st[k] == B_OWN;
	}
	if (own)
		for (size_t k = 0; k < g->n; k++) {
			const task *t;
			if (st[k] == B_OWN &&
			    (t = task_get(e, g->first + k)) &&
			    pm_task_state_final(t->state))
				ended++;
		}
	return ended;
}

size_t pm_engine_ended_run(const pm_engine *e, uint64_t first, size_t count,
			   uint64_t *not_done)
{
	*not_done = 0;
	size_t k = 0;
	while (k < count) {
		uint64_t id = first + k;
		const task *t = task_get(e, id);
		size_t gi = t ? e->ngroups : eng_group_index(e, id);
		if (gi < e->ngroups) {
			/* A map's items: their state bytes, a run at a time. */
			const mapgrp *g = e->groups[gi];
			size_t i = (size_t)(id - g->first);
			size_t end = g->n - i < count - k ? g->n : i + (count - k);
			for (; i < end; i++, k++) {
				uint8_t st = g->st[i];
				if (st == B_DONE)
					continue;
				if (st == B_OWN) {
					const task *o = task_get(e, g->first + i);
					if (o && !pm_task_state_final(o->state))
						return k;
					if ((!o || o->state != PM_TASK_DONE) &&
					    !*not_done)
						*not_done = g->first + i;
					continue;
				}
				if (st != B_CANCELLED)
					return k;
				if (!*not_done)
					*not_done = g->first + i;
			}
			continue;
		}
		if (t && !pm_task_state_final(t->state))
			return k;
		if ((!t || t->state != PM_TASK_DONE) && !*not_done)
			*not_done = id;
		k++;
	}
	return k;
}
