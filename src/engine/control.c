/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/control.c — acting on tasks, workers, processes and the
 * pool: pause, resume, terminate, kill, close, resize; the targets they
 * name ("t1", "w1", "p1", "all", "pool", read with src/ids.h). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "util.h"

typedef enum target_kind {
	TGT_NONE,
	TGT_ALL,
	TGT_POOL,
	TGT_TASK,
	TGT_WORKER, /* a pool worker or a standalone process */
} target_kind;

static target_kind parse_target(pm_engine *e, const char *s,
				task **t, worker **w, char *err,
				size_t errlen)
{
	char kind;
	uint64_t id;
	if (!s || !*s)
		return TGT_NONE;
	if (!strcmp(s, "all"))
		return TGT_ALL;
	if (!strcmp(s, "pool"))
		return TGT_POOL;
	if (!pm_id_parse(s, &kind, &id))
		kind = 0;
	if (kind == PM_ID_TASK) {
		if (!(*t = eng_task_own(e, id))) {
			if (pm_engine_task_evicted(e, id))
				pm_err(err, errlen,
				       "%s has ended and was evicted: only the last %zu ended tasks are kept (--keep)",
				       s, pm_engine_keep(e));
			else
				pm_err(err, errlen, "no task %s", s);
			return (target_kind)-1;
		}
		return TGT_TASK;
	}
	if (kind == PM_ID_WORKER) {
		if (!(*w = worker_get(e, id)) || (*w)->pid <= 0) {
			pm_err(err, errlen, "no worker %s", s);
			return (target_kind)-1;
		}
		return TGT_WORKER;
	}
	if (kind == PM_ID_PROCESS) {
		if (!(*w = proc_get(e, id))) {
			pm_err(err, errlen, "no process %s", s);
			return (target_kind)-1;
		}
		if ((*w)->pid <= 0) {
			pm_err(err, errlen, "process %s has already exited", s);
			return (target_kind)-1;
		}
		return TGT_WORKER;
	}
	pm_err(err, errlen,
	       "'%s' is not a task (t1), worker (w1), process (p1), 'all' or 'pool'",
	       s);
	return (target_kind)-1;
}

static worker *worker_of(const pm_engine *e, const task *t)
{
	if (!t->worker)
		return NULL;
	return t->in_process ? proc_get(e, t->worker) : worker_get(e, t->worker);
}

/* A task sent to a worker but not started: ask the worker to skip it. */
/* A task sent to a worker but not started, to hold or cancel: taken back
 * at once if its worker has not claimed it (held: paused, out of the
 * queue; cancelled); else it has started, and mark_running applies the
 * action when the manager sees it run. */
static void request_skip(pm_engine *e, task *t, pending_action act)
{
	worker *w = worker_of(e, t);
	size_t pos = w && w->shm ? eng_live_slot(w, t->id) : CHUNK_SLOTS;
	uint8_t got;
	if (pos < CHUNK_SLOTS && eng_revoke_slot(e, w, pos, &got)) {
		t->queued_in_deque = false;
		t->pending = ACT_NONE;
		set_state(e, t, act == ACT_CANCEL ? PM_TASK_CANCELLED
						  : PM_TASK_PAUSED);
		eng_chunk_advance(e, w);
		return;
	}
	t->pending = act;
}

/* SIGSTOPs w, for task id (0: for itself, as pause of the worker). */
void eng_stop_worker(pm_engine *e, worker *w, uint64_t id)
{
	if (w->pid <= 0)
		return;
	if (w->stopped) {
		if (!w->stop_task || (id && id != w->running))
			return;
		w->stop_task = id; /* now for this one, or the worker */
	} else {
		kill(w->pid, SIGSTOP);
		w->stopped = true;
		w->stop_task = id;
		w->state = PM_WORKER_PAUSED;
		eng_emit_worker(e, w, "paused", 0, 0);
	}
	task *t = eng_task_own(e, w->running);
	if (t && t->state == PM_TASK_RUNNING)
		set_state(e, t, PM_TASK_PAUSED);
}

static void continue_worker(pm_engine *e, worker *w)
{
	if (!w->stopped || w->pid <= 0)
		return;
	kill(w->pid, SIGCONT);
	w->stopped = false;
	w->stop_task = 0;
	w->state = w->head < w->tail ? PM_WORKER_BUSY : PM_WORKER_IDLE;
	eng_emit_worker(e, w, "resumed", 0, 0);
	task *t = task_get(e, w->running);
	if (t && t->state == PM_TASK_PAUSED)
		set_state(e, t, PM_TASK_RUNNING);
}

/* A worker stopped for a task that has ended meanwhile (it was done as
 * the pause came) goes on: there is nothing of it left to pause. */
void eng_continue_if_moot(pm_engine *e, worker *w)
{
	if (!w->stopped || !w->stop_task)
		return;
	const task *t = task_get(e, w->stop_task);
	if (t && !pm_task_state_final(t->state))
		return;
	if (!t) {
		size_t i;
		const mapgrp *g = group_find(e, w->stop_task, &i);
		if (g && !pm_task_state_final(bulk_state(g->st[i])))
			return;
	}
	continue_worker(e, w);
}

int pm_engine_pause(pm_engine *e, const char *target, char *err,
		    size_t errlen)
{
	task *t = NULL;
	worker *w = NULL;
	char tid[PM_ID_MAX], wid[PM_ID_MAX];
	target_kind k = parse_target(e, target, &t, &w, err, errlen);
	switch ((int)k) {
	case TGT_NONE:
	case TGT_ALL:
		if (e->state == PM_POOL_TERMINATED)
			return pm_err(err, errlen, "pool is terminated");
		e->dispatch_paused = true;
		if (k == TGT_ALL)
			for (size_t i = 0; i < e->nworkers; i++)
				if (e->workers[i]->pid > 0)
					eng_stop_worker(e, e->workers[i], 0);
		return 0;
	case TGT_POOL:
		e->dispatch_paused = true;
		return 0;
	case TGT_WORKER:
		/* Stopped for a task's pause: now for the worker itself. */
		if (w->stopped && !w->stop_task)
			return pm_err(err, errlen, "%s is already paused",
				      worker_id_format(wid, w));
		eng_stop_worker(e, w, 0);
		return 0;
	case TGT_TASK:
		break;
	default:
		return -1;
	}
	if (pm_task_state_final(t->state) || t->state == PM_TASK_PAUSED)
		return pm_err(err, errlen, "%s is already %s",
			      pm_id_format(tid, PM_ID_TASK, t->id),
			      pm_task_state_name(t->state));
	if (t->state == PM_TASK_RUNNING) {
		eng_stop_worker(e, worker_of(e, t), t->id);
		return 0;
	}
	if (t->dispatched) {
		request_skip(e, t, ACT_HOLD);
		return 0;
	}
	t->queued_in_deque = false;
	set_state(e, t, PM_TASK_PAUSED);
	return 0;
}

int pm_engine_resume(pm_engine *e, const char *target, char *err,
		     size_t errlen)
{
	task *t = NULL;
	worker *w = NULL;
	char tid[PM_ID_MAX], wid[PM_ID_MAX];
	target_kind k = parse_target(e, target, &t, &w, err, errlen);
	switch ((int)k) {
	case TGT_NONE:
	case TGT_ALL:
	case TGT_POOL:
		e->dispatch_paused = false;
		e->step_left = 0;
		if (k == TGT_ALL)
			for (size_t i = 0; i < e->nworkers; i++)
				continue_worker(e, e->workers[i]);
		pm_engine_poll(e);
		return 0;
	case TGT_WORKER:
		if (!w->stopped)
			return pm_err(err, errlen, "%s is not paused",
				      worker_id_format(wid, w));
		continue_worker(e, w);
		pm_engine_poll(e);
		return 0;
	case TGT_TASK:
		break;
	default:
		return -1;
	}
	if (t->pending == ACT_HOLD) {
		/* Its worker started it before the hold could take it back:
		 * the pause is moot, it runs on. */
		t->pending = ACT_NONE;
		return 0;
	}
	if (t->state != PM_TASK_PAUSED)
		return pm_err(err, errlen, "%s is not paused (%s)",
			      pm_id_format(tid, PM_ID_TASK, t->id),
			      pm_task_state_name(t->state));
	w = worker_of(e, t);
	if (w && w->running == t->id) {
		continue_worker(e, w);
		return 0;
	}
	t->queued_in_deque = true;
	eng_q_push_front(e, t->id);
	set_state(e, t, PM_TASK_QUEUED);
	pm_engine_poll(e);
	return 0;
}

int pm_engine_step(pm_engine *e, size_t n, char *err, size_t errlen)
{
	if (e->state == PM_POOL_TERMINATED)
		return pm_err(err, errlen, "pool is terminated");
	if (!e->dispatch_paused)
		return pm_err(err, errlen,
			      "the dispatcher is not paused (pause pool first)");
	if (n < 1)
		return pm_err(err, errlen, "step a count of 1 or more");
	qitem it;
	if (!q_front(e, &it))
		return pm_err(err, errlen, "no task is queued");
	e->step_left += n;
	eng_dispatch(e);
	return 0;
}

static void terminate_pool(pm_engine *e)
{
	e->state = PM_POOL_TERMINATED;
	for (qitem it; q_front(e, &it);) {
		q_pop_front(e, &it);
		if (it.t)
			set_state(e, it.t, PM_TASK_CANCELLED);
		else
			eng_bulk_set(e, it.g, it.i, B_CANCELLED);
	}
	for (uint64_t id = 1; id <= e->ntasks; id++) {
		task *t = task_get(e, id);
		if (!t)
			continue; /* a map's bulk item: see worker_exited */
		if (t->state == PM_TASK_PAUSED && !t->worker)
			set_state(e, t, PM_TASK_CANCELLED);
		else if (t->state == PM_TASK_QUEUED && t->dispatched)
			t->pending = ACT_CANCEL;
	}
	for (size_t i = 0; i < e->nworkers; i++) {
		worker *w = e->workers[i];
		w->retiring = true;
		eng_kill_for(w, KILL_TERMINATE, 0);
	}
}

int pm_engine_terminate(pm_engine *e, const char *target, char *err,
			size_t errlen)
{
	task *t = NULL;
	worker *w = NULL;
	char tid[PM_ID_MAX];
	target_kind k = parse_target(e, target, &t, &w, err, errlen);
	switch ((int)k) {
	case TGT_NONE:
		return pm_err(err, errlen,
			      "terminate what? a task (t1), a worker (w1) or 'pool'");
	case TGT_ALL:
	case TGT_POOL:
		if (e->state == PM_POOL_TERMINATED)
			return pm_err(err, errlen, "pool is already terminated");
		terminate_pool(e);
		return 0;
	case TGT_WORKER:
		eng_kill_for(w, KILL_TERMINATE, 0);
		return 0;
	case TGT_TASK:
		break;
	default:
		return -1;
	}
	if (pm_task_state_final(t->state))
		return pm_err(err, errlen, "%s is already %s",
			      pm_id_format(tid, PM_ID_TASK, t->id),
			      pm_task_state_name(t->state));
	w = worker_of(e, t);
	if (w && w->running == t->id) {
		eng_kill_for(w, KILL_TERMINATE, t->id);
		return 0;
	}
	if (t->dispatched) {
		request_skip(e, t, ACT_CANCEL);
		return 0;
	}
	t->queued_in_deque = false;
	set_state(e, t, PM_TASK_CANCELLED);
	return 0;
}

int pm_engine_close(pm_engine *e, char *err, size_t errlen)
{
	if (e->state == PM_POOL_TERMINATED)
		return pm_err(err, errlen, "pool is already terminated");
	e->state = PM_POOL_CLOSED;
	pm_engine_poll(e);
	return 0;
}

int pm_engine_reopen(pm_engine *e, int n, char *err, size_t errlen)
{
	if (e->state != PM_POOL_CLOSED && e->state != PM_POOL_TERMINATED)
		return pm_err(err, errlen,
			      "the pool is %s (close or terminate it first; workers N resizes it)",
			      pm_pool_state_name(pm_engine_pool_state(e)));
	if (n < 0 || n > MAX_WORKERS)
		return pm_err(err, errlen, "workers must be 1..%d, got %d",
			      MAX_WORKERS, n);
	if (!pm_engine_workers_gone(e))
		return pm_err(err, errlen,
			      "the old pool's workers have not all exited yet");
	if (n)
		e->target = n;
	e->state = PM_POOL_RUNNING;
	e->dispatch_paused = false;
	e->step_left = 0;
	e->started = false;
	/* A new Pool() has no initializer. */
	pm_values_free(e->init_args, e->init_nargs);
	e->init_task = NULL;
	e->init_args = NULL;
	e->init_nargs = 0;
	e->init_failures = 0;
	e->init_broken = false;
	eng_start_missing_workers(e);
	pm_engine_poll(e);
	return 0;
}

int pm_engine_resize(pm_engine *e, int n, char *err, size_t errlen)
{
	if (e->state != PM_POOL_RUNNING)
		return pm_err(err, errlen, "pool is %s: cannot resize",
			      pm_pool_state_name(e->state));
	if (n < 1 || n > MAX_WORKERS)
		return pm_err(err, errlen, "workers must be 1..%d, got %d",
			      MAX_WORKERS, n);
	int live = 0;
	for (size_t i = 0; i < e->nworkers; i++)
		if (!e->workers[i]->retiring)
			live++;
	e->target = n;
	while (live < n) {
		if (!eng_add_worker(e))
			return pm_err(err, errlen, "cannot start worker: %s",
				      strerror(errno));
		live++;
	}
	/* Shrink: idle workers first, then the busy ones after their work
	 * (send_exits waits for them to be idle). */
	for (int pass = 0; pass < 2 && live > n; pass++) {
		for (size_t i = e->nworkers; i-- > 0 && live > n;) {
			worker *w = e->workers[i];
			if (w->retiring ||
			    (pass == 0 && w->state != PM_WORKER_IDLE))
				continue;
			w->retiring = true;
			live--;
		}
	}
	pm_engine_poll(e);
	return 0;
}

/* Process.kill(): SIGKILL at once, no grace.  A task's worker, a worker or
 * a standalone process; the task ends terminated, the worker is replaced. */
int pm_engine_kill(pm_engine *e, const char *target, char *err, size_t errlen)
{
	task *t = NULL;
	worker *w = NULL;
	char tid[PM_ID_MAX];
	target_kind k = parse_target(e, target, &t, &w, err, errlen);
	switch ((int)k) {
	case TGT_WORKER:
		break;
	case TGT_TASK:
		if (pm_task_state_final(t->state))
			return pm_err(err, errlen, "%s is already %s",
				      pm_id_format(tid, PM_ID_TASK, t->id),
				      pm_task_state_name(t->state));
		w = worker_of(e, t);
		if (!w || w->running != t->id)
			return pm_err(err, errlen,
				      "%s is not running (terminate cancels a queued task)",
				      pm_id_format(tid, PM_ID_TASK, t->id));
		break;
	case (target_kind)-1:
		return -1;
	default:
		return pm_err(err, errlen,
			      "kill what? a task (t1), a worker (w1) or a process (p1)");
	}
	if (w->kill == KILL_NONE) {
		w->kill = KILL_TERMINATE;
		w->kill_task = k == TGT_TASK ? t->id : 0;
	} else if (w->kill_task) {
		w->kill_task = k == TGT_TASK ? t->id : 0;
	}
	kill(w->pid, SIGKILL); /* stopped or not */
	w->kill_at = 0;
	return 0;
}
