/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/reap.c — ends: killing a worker (SIGTERM, SIGKILL after a
 * grace), the deadlines of timeouts and kills, reaping children in one
 * waitpid loop, and what a worker's exit means for the task it ran, the
 * items it held, and the initializer. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "util.h"

static void kill_worker(worker *w, kill_reason why)
{
	if (w->pid <= 0 || w->kill != KILL_NONE)
		return;
	w->kill = why;
	atomic_store(&w->shm->cancel, 1);
	kill(w->pid, SIGTERM);
	if (w->stopped)
		kill(w->pid, SIGCONT);
	w->kill_at = pm_now() + KILL_GRACE;
}

/* Kills w to end task id (0: w itself, whatever it runs).  Should the task
 * end just before the signal lands, what w runs then is not what was
 * meant: worker_exited puts that one back in the queue. */
void eng_kill_for(worker *w, kill_reason why, uint64_t id)
{
	if (w->kill == KILL_NONE)
		w->kill_task = id;
	else if (w->kill_task && (!id || id == w->running))
		w->kill_task = id; /* what it runs now is meant too */
	kill_worker(w, why);
}

void eng_kill_and_reap(worker *w)
{
	if (w->pid <= 0)
		return;
	kill(-w->pid, SIGKILL); /* the worker and what its tasks forked */
	kill(w->pid, SIGKILL);
	while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
}

/* Workers die in their initializer again and again: rather than fork
 * forever (or hang, as Python's Pool does), fail what waits and stop. */
static void give_up_on_initializer(pm_engine *e)
{
	e->init_broken = true;
	for (qitem it; q_front(e, &it);) {
		q_pop_front(e, &it);
		task *t = it.t ? it.t : eng_task_own(e, it.id);
		t->queued_in_deque = false;
		t->error = xasprintf("worker initializer %s failed: %s",
				     e->init_task, e->init_error);
		set_state(e, t, PM_TASK_FAILED);
	}
	char *line = xasprintf("initializer %s failed %d times in a row: no more workers are started (%s)",
			       e->init_task, INIT_MAX_FAILURES, e->init_error);
	pm_event ev = { 0 };
	ev.kind = PM_EV_LOG;
	ev.error = line;
	emit(e, &ev);
	free(line);
}

static void worker_exited(pm_engine *e, worker *w, int status)
{
	eng_drain_worker(e, w);
	int signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
	/* The task it was running ends here, with the reason we know.  Its
	 * shared page says which: set before each task, cleared after its
	 * result was sent. */
	uint64_t cur = w->shm ? atomic_load(&w->shm->cur_task) : 0;
	task *t = eng_task_own(e, cur ? cur : w->running);
	/* A process's one task ends with it, started or not: it never goes
	 * to the pool. */
	if (w->is_process && !t)
		t = task_get(e, w->task_id);
	/* Killed for a task that ended just before: what it ran then was
	 * not meant, and goes back to the queue (after the loop below, so
	 * that it comes first). */
	bool bystander = t && !pm_task_state_final(t->state) &&
			 (w->kill == KILL_TIMEOUT || w->kill == KILL_TERMINATE) &&
			 w->kill_task && t->id != w->kill_task &&
			 e->state != PM_POOL_TERMINATED && !e->init_broken;
	if (t && !pm_task_state_final(t->state) && !bystander) {
		if (w->kill == KILL_TIMEOUT) {
			t->error = xstrdup("timed out");
			set_state(e, t, PM_TASK_TIMEOUT);
		} else if (w->kill == KILL_TERMINATE) {
			set_state(e, t, PM_TASK_TERMINATED);
		} else if (w->corrupt) {
			t->error = xasprintf("its worker wrote over what it shares with the manager (%s) and was replaced",
					     w->corrupt);
			set_state(e, t, PM_TASK_FAILED);
		} else if (signo) {
			t->signo = signo;
			t->error = xasprintf("worker killed by %s",
					     pm_signal_name(signo));
			set_state(e, t, PM_TASK_CRASHED);
		} else {
			t->error = xasprintf("worker exited with status %d",
					     code);
			set_state(e, t, PM_TASK_FAILED);
		}
	}
	/* Items of its chunk it never started go back to the queue front,
	 * in order. */
	for (uint64_t k = w->tail; k-- > w->head;) {
		uint64_t id = w->sl->chunk[k % CHUNK_SLOTS];
		task *c = task_get(e, id);
		size_t i;
		mapgrp *g = c ? NULL : group_of(e, id, &i);
		if (eng_slot_settle(e, w, (size_t)(k % CHUNK_SLOTS)))
			continue; /* done just before the end */
		if (g && g->st[i] == B_SENT) {
			if (e->state == PM_POOL_TERMINATED) {
				eng_bulk_set(e, g, i, B_CANCELLED);
				continue;
			}
			if (!e->init_broken) {
				g->st[i] = B_QUEUED;
				eng_q_push_front(e, id);
				continue;
			}
			c = eng_task_own(e, id);
		}
		if (!c || !c->dispatched || pm_task_state_final(c->state))
			continue;
		c->dispatched = false;
		c->worker = 0;
		c->pid = 0;
		if (c->pending == ACT_CANCEL ||
		    e->state == PM_POOL_TERMINATED) {
			set_state(e, c, PM_TASK_CANCELLED);
		} else if (c->pending == ACT_HOLD) {
			set_state(e, c, PM_TASK_PAUSED);
		} else if (e->init_broken) {
			c->error = xasprintf("worker initializer %s failed: %s",
					     e->init_task, e->init_error);
			set_state(e, c, PM_TASK_FAILED);
		} else {
			c->queued_in_deque = true;
			eng_q_push_front(e, c->id);
		}
		c->pending = ACT_NONE;
	}
	if (bystander) {
		t->dispatched = false;
		t->worker = 0;
		t->pid = 0;
		t->pending = ACT_NONE;
		if (!(t->state == PM_TASK_PAUSED && w->stop_task == t->id)) {
			t->queued_in_deque = true;
			eng_q_push_front(e, t->id);
			set_state(e, t, PM_TASK_QUEUED);
			t->started = t->paused_total = 0; /* it starts over */
		}
	}
	w->head = w->tail = w->last_chunk = 0;
	w->running = 0;
	w->state = PM_WORKER_DEAD;
	if (w->is_process) {
		/* Python's exitcode: -N for signal N, 1 when the target
		 * raised. */
		task *pt = task_get(e, w->task_id);
		w->exited = true;
		w->exitcode = signo ? -signo : code;
		if (!signo && !code && pt && pt->state == PM_TASK_FAILED)
			w->exitcode = 1;
	}
	eng_emit_worker(e, w, "exited", signo, code);
	bool in_init = w->shm && atomic_load(&w->shm->in_init);
	munmap(w->shm, sizeof(shm_worker));
	w->shm = NULL;
	/* What its tasks forked dies with it (its process group). */
	kill(-w->pid, SIGKILL);
	w->pid = 0;
	if (w->is_process)
		return;
	bool init_failed = false;
	if (in_init && e->init_task && w->kill == KILL_NONE) {
		/* Died in the initializer: failed, crashed or exited. */
		if (signo || code != INIT_FAILED_STATUS || !e->init_error) {
			free(e->init_error);
			e->init_error =
				signo ? xasprintf("worker killed by %s",
						  pm_signal_name(signo))
				      : xasprintf("worker exited with status %d",
						  code);
		}
		init_failed = true;
		if (++e->init_failures >= INIT_MAX_FAILURES && !e->init_broken)
			give_up_on_initializer(e);
	} else if (!in_init) {
		e->init_failures = 0; /* its initializer, if any, went well */
	}
	bool refill = !w->retiring && eng_wants_workers(e);
	if (!refill) {
		eng_remove_worker(e, w);
		return;
	}
	if (!w->recycling)
		w->restarts++;
	if (init_failed) {
		/* Back off: the next attempt after 50 ms, then 100 ms... */
		double now = engine_now(e);
		w->restart_at = now + INIT_BACKOFF *
				(double)(1u << (e->init_failures - 1));
		return;
	}
	if (eng_start_worker(e, w) < 0)
		eng_remove_worker(e, w);
}

void eng_reap(pm_engine *e)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		worker *w = NULL;
		for (size_t i = 0; i < e->nworkers && !w; i++)
			if (e->workers[i]->pid == pid)
				w = e->workers[i];
		for (size_t i = 0; i < e->nprocs && !w; i++)
			if (e->procs[i]->pid == pid)
				w = e->procs[i];
		if (w)
			worker_exited(e, w, status);
	}
}

static void check_deadline(pm_engine *e, worker *w, double now)
{
	{
		if (w->pid <= 0)
			return;
		if (w->kill_at > 0 && now >= w->kill_at) {
			kill(w->pid, SIGKILL);
			w->kill_at = 0;
		}
		task *t = task_get(e, w->running);
		if (t && t->state == PM_TASK_RUNNING && t->timeout > 0 &&
		    now >= t->started + t->paused_total + t->timeout)
			eng_kill_for(w, KILL_TIMEOUT, t->id);
	}
}

void eng_check_deadlines(pm_engine *e, double now)
{
	for (size_t i = 0; i < e->nworkers; i++)
		check_deadline(e, e->workers[i], now);
	for (size_t i = 0; i < e->nprocs; i++)
		check_deadline(e, e->procs[i], now);
}

double eng_next_deadline(const pm_engine *e)
{
	double best = 0;
	for (size_t i = 0; i < e->nworkers + e->nprocs; i++) {
		const worker *w = i < e->nworkers ? e->workers[i]
						  : e->procs[i - e->nworkers];
		double d = 0;
		if (w->kill_at > 0)
			d = w->kill_at;
		if (w->restart_at > 0 && (!d || w->restart_at < d))
			d = w->restart_at;
		const task *t = task_get(e, w->running);
		if (w->kill == KILL_NONE && t &&
		    t->state == PM_TASK_RUNNING && t->timeout > 0) {
			double td = t->started + t->paused_total + t->timeout;
			if (!d || td < d)
				d = td;
		}
		if (d && (!best || d < best))
			best = d;
	}
	return best;
}
