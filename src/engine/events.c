/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/events.c — a task's state changes in one place: the counts
 * by state, its times (started, paused, ended), and the event told to the
 * listener; the same for a map's bulk items and for workers. */
#define _GNU_SOURCE
#include "internal.h"

static size_t *count_slot(pm_counts *c, pm_task_state s)
{
	switch (s) {
	case PM_TASK_QUEUED: return &c->queued;
	case PM_TASK_RUNNING: return &c->running;
	case PM_TASK_PAUSED: return &c->paused;
	case PM_TASK_DONE: return &c->done;
	case PM_TASK_FAILED: return &c->failed;
	case PM_TASK_CRASHED: return &c->crashed;
	case PM_TASK_TIMEOUT: return &c->timeout;
	case PM_TASK_TERMINATED: return &c->terminated;
	case PM_TASK_CANCELLED: return &c->cancelled;
	}
	return &c->queued;
}

void eng_emit_task_at(pm_engine *e, const task *t, double at)
{
	if (!e->listener)
		return;
	pm_event ev = { 0 };
	ev.kind = PM_EV_TASK;
	ev.time = at;
	ev.id = t->id;
	ev.state = (int)t->state;
	ev.task = t->name;
	ev.worker = t->worker;
	ev.pid = t->pid;
	ev.result = t->state == PM_TASK_DONE ? &t->result : NULL;
	ev.error = t->error;
	ev.signo = t->signo;
	emit(e, &ev);
}

void eng_emit_worker(pm_engine *e, const worker *w, const char *what,
		     int signo, int status)
{
	pm_event ev = { 0 };
	ev.kind = w->is_process ? PM_EV_PROCESS : PM_EV_WORKER;
	ev.task = w->name;
	ev.id = w->id;
	ev.what = what;
	ev.pid = w->pid;
	ev.signo = signo;
	ev.exit_status = status;
	ev.worker = w->id;
	ev.time = engine_now(e);
	emit(e, &ev);
}

/* Task t's state is s from time at (0: now). */
void eng_set_state_at(pm_engine *e, task *t, pm_task_state s, double at)
{
	/* The time of the current poll: one clock read per batch of
	 * messages, not three per task. */
	double now = at > 0 ? at : engine_now(e);
	--*count_slot(&e->counts, t->state);
	++*count_slot(&e->counts, s);
	if (t->state == PM_TASK_PAUSED && t->paused_at > 0) {
		eng_span_pause(e, t, t->paused_at, now);
		t->paused_total += now - t->paused_at;
		t->paused_at = 0;
	}
	if (s == PM_TASK_PAUSED && t->started > 0)
		t->paused_at = now;
	if (s == PM_TASK_RUNNING && t->started == 0)
		t->started = now;
	t->state = s;
	if (pm_task_state_final(s)) {
		t->ended = now;
		eng_span_task(e, t);
	}
	eng_emit_task_at(e, t, now);
}

void eng_emit_bulk(pm_engine *e, const mapgrp *g, size_t i)
{
	if (!e->listener || (e->items_quiet && g->st[i] <= B_DONE))
		return;
	pm_event ev = { 0 };
	ev.kind = PM_EV_TASK;
	ev.time = engine_now(e);
	ev.id = g->first + i;
	uint8_t st = g->st[i];
	ev.state = (int)bulk_state(st);
	ev.task = g->name;
	if (st == B_RUNNING || st == B_DONE) {
		ev.worker = run_of(e, g, i).worker;
		ev.pid = run_of(e, g, i).pid;
	}
	pm_value tmp;
	ev.result = st == B_DONE ? bulk_result(g, i, &tmp) : NULL;
	emit(e, &ev);
}

void eng_emit_bulk_range(pm_engine *e, const mapgrp *g, size_t i, size_t n,
			 pm_task_state s, const worker *w)
{
	if (!e->listener || !n ||
	    (e->items_quiet && (s == PM_TASK_QUEUED || s == PM_TASK_RUNNING ||
				s == PM_TASK_DONE)))
		return;
	pm_event ev = { 0 };
	ev.kind = PM_EV_TASK;
	ev.time = engine_now(e);
	ev.id = g->first + i;
	ev.last = g->first + i + n - 1;
	ev.state = (int)s;
	ev.task = g->name;
	if (w) {
		ev.worker = w->id;
		ev.pid = w->pid;
	}
	emit(e, &ev);
}

/* A bulk item's new state: the counts, and an event when the state a user
 * sees changes (sent is still queued). */
void eng_bulk_set(pm_engine *e, mapgrp *g, size_t i, uint8_t st)
{
	pm_task_state from = bulk_state(g->st[i]), to = bulk_state(st);
	g->st[i] = st;
	if (from == to)
		return;
	--*count_slot(&e->counts, from);
	++*count_slot(&e->counts, to);
	eng_emit_bulk(e, g, i);
}
