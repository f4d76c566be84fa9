/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/results.c — what comes back from a worker: the records of
 * its result ring (handle_up), the numbers it left done in their slots,
 * its slots in flight moving on in order, what it runs now (its shared
 * page), and a task's end (task_ended). */
#define _GNU_SOURCE
#include "internal.h"

#include <signal.h>

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Task t (with a record, not ended) that ran in w has ended: done with
 * result v, or failed with v as the message; started_ns is when it
 * started as the worker saw it (0: unknown).  Takes v. */
static void task_ended(pm_engine *e, worker *w, task *t, bool done,
		       int64_t started_ns, int64_t ended_ns, pm_value v)
{
	/* Its run time, for the choice to batch: exact if it was sent alone;
	 * sent in a batch, its times are ticks (4 ms), which tell a long run
	 * only. */
	if (started_ns > 0 && ended_ns >= started_ns && !t->group &&
	    (t->alone || ended_ns - started_ns > TICKS_LONG_NS))
		eng_note_run_time(e, t->plugin, t->def,
				  (double)(ended_ns - started_ns) / 1e9);
	double end = ended_ns > 0 ? (double)ended_ns / 1e9 : 0;
	if (t->state == PM_TASK_QUEUED) {
		/* It ran between two looks: it is over, what the worker runs
		 * now is another task (w->running stays), and a pause or
		 * terminate asked meanwhile is moot. */
		t->dispatched = false;
		t->worker = w->id;
		t->pid = w->pid;
		t->pending = ACT_NONE;
		if (started_ns > 0 && t->started == 0)
			t->started = (double)started_ns / 1e9;
		eng_set_state_at(e, t, PM_TASK_RUNNING, t->started);
	}
	if (done) {
		t->result = v;
		w->done++;
		t->progress = 1.0;
		eng_set_state_at(e, t, PM_TASK_DONE, end);
	} else if (w->kill == KILL_TIMEOUT || w->kill == KILL_TERMINATE) {
		/* It gave up because we asked it to stop. */
		pm_value_free(&v);
		if (w->kill == KILL_TIMEOUT)
			t->error = xstrdup("timed out");
		set_state(e, t, w->kill == KILL_TIMEOUT ? PM_TASK_TIMEOUT
							: PM_TASK_TERMINATED);
	} else {
		t->error = xstrdup(v.type == PM_STR ? v.u.s.ptr
						    : "task failed");
		pm_value_free(&v);
		eng_set_state_at(e, t, PM_TASK_FAILED, end);
	}
	if (w->running == t->id)
		w->running = 0;
}

/* A map item done: the counts (and events), the worker's figures. */
static void bulk_finish(pm_engine *e, worker *w, mapgrp *g, size_t i)
{
	if (!e->listener) {
		/* Nobody to tell: the counts only. */
		if (g->st[i] == B_SENT)
			e->counts.queued--;
		else
			e->counts.running--;
		e->counts.done++;
		g->st[i] = B_DONE;
	} else {
		if (g->st[i] == B_SENT) /* ran between two looks */
			eng_bulk_set(e, g, i, B_RUNNING);
		eng_bulk_set(e, g, i, B_DONE);
	}
	w->done++;
	if (w->running == g->first + i)
		w->running = 0;
}

/* Counts the item in w's slot if its worker left it done there (a chunk
 * of numbers); false otherwise. */
bool eng_slot_settle(pm_engine *e, worker *w, size_t slot)
{
	if (!w->sl->by_slot[slot] ||
	    atomic_load_explicit(&w->shm->out_st[slot],
				 memory_order_acquire) != SLOT_DONE)
		return false;
	w->sl->by_slot[slot] = false; /* counted once */
	uint64_t id = w->sl->chunk[slot];
	uint8_t type = w->shm->out_type[slot];
	uint64_t bits = w->shm->out[slot];
	size_t i;
	mapgrp *g = group_of(e, id, &i);
	if (g && span_of(g, i)->run == w->run &&
	    (g->st[i] == B_SENT || g->st[i] == B_RUNNING)) {
		g->rt[i] = type;
		g->rraw[i] = bits;
		bulk_finish(e, w, g, i);
		return true;
	}
	/* Someone acted on it meanwhile: it has a record of its own. */
	task *t = task_get(e, id);
	if (t && !pm_task_state_final(t->state))
		task_ended(e, w, t, true, 0, 0, raw_value((pm_type)type, bits));
	return true;
}

/* The slot of id among w's items in flight that have not ended, or
 * CHUNK_SLOTS. */
size_t eng_live_slot(const worker *w, uint64_t id)
{
	for (uint64_t k = w->head; k < w->tail; k++) {
		size_t slot = (size_t)(k % CHUNK_SLOTS);
		if (w->sl->chunk[slot] == id && !w->sl->fin[slot])
			return slot;
	}
	return CHUNK_SLOTS;
}

/* Counts at once the items from w's oldest slot on that its worker left
 * done in their slots, as long as they are a run of one map's bulk items:
 * their results copied in bulk.  Only without a listener or with one of
 * ranges (one event per run: running for those not seen running, then
 * done for all).  Returns how many. */
static size_t slots_settle_run(pm_engine *e, worker *w)
{
	size_t slot = (size_t)(w->head % CHUNK_SLOTS);
	if ((e->listener && !e->items_quiet && !e->listen_ranges) ||
	    !w->sl->by_slot[slot])
		return 0;
	uint64_t id = w->sl->chunk[slot];
	size_t i;
	mapgrp *g = group_of(e, id, &i);
	if (!g)
		return 0;
	size_t most = (size_t)(w->tail - w->head);
	if (most > CHUNK_SLOTS - slot)
		most = CHUNK_SLOTS - slot;
	if (most > g->n - i)
		most = g->n - i;
	shm_worker *s = w->shm;
	size_t m = 0, running = 0;
	while (m < most && w->sl->by_slot[slot + m] &&
	       w->sl->chunk[slot + m] == id + m &&
	       span_of(g, i + m)->run == w->run &&
	       atomic_load_explicit(&s->out_st[slot + m],
				    memory_order_acquire) == SLOT_DONE) {
		uint8_t st = g->st[i + m];
		if (st == B_RUNNING)
			running++;
		else if (st != B_SENT)
			break;
		m++;
	}
	if (!m)
		return 0;
	for (size_t k = 0; e->listener && k < m;) {
		/* Those not seen running ran between two looks. */
		size_t run = 0;
		while (k + run < m && g->st[i + k + run] == B_SENT)
			run++;
		if (run) {
			eng_emit_bulk_range(e, g, i + k, run, PM_TASK_RUNNING,
					    w);
			k += run;
		} else {
			k++;
		}
	}
	memcpy(g->rraw + i, s->out + slot, 8 * m);
	memcpy(g->rt + i, s->out_type + slot, m);
	memset(g->st + i, B_DONE, m);
	memset(w->sl->by_slot + slot, 0, m);
	e->counts.queued -= m - running;
	e->counts.running -= running;
	e->counts.done += m;
	w->done += m;
	if (w->running >= id && w->running < id + m)
		w->running = 0;
	w->head += m;
	eng_emit_bulk_range(e, g, i, m, PM_TASK_DONE, w);
	return m;
}

/* Moves w's oldest slot on past every item that has ended: those whose
 * end came out of order, and the numbers' items its worker left done in
 * their slots (counted here, in order). */
void eng_chunk_advance(pm_engine *e, worker *w)
{
	while (w->head < w->tail) {
		size_t slot = (size_t)(w->head % CHUNK_SLOTS);
		if (slots_settle_run(e, w))
			continue;
		if (w->sl->fin[slot])
			w->sl->fin[slot] = false;
		else if (!eng_slot_settle(e, w, slot))
			break;
		w->head++;
	}
	if (w->head == w->tail && w->state == PM_WORKER_BUSY)
		w->state = PM_WORKER_IDLE;
}

/* Item id, in flight to w, has ended. */
static void chunk_item_finished(pm_engine *e, worker *w, uint64_t id)
{
	size_t slot = eng_live_slot(w, id);
	if (slot < CHUNK_SLOTS)
		w->sl->fin[slot] = true;
	else if (w->head < w->tail)
		w->head++; /* not in flight: cannot be; as it always was */
	eng_chunk_advance(e, w);
}

static void mark_running(pm_engine *e, worker *w, task *t)
{
	t->dispatched = false;
	w->running = t->id;
	t->worker = w->id;
	t->pid = w->pid;
	if (t->started == 0)
		t->started = (double)atomic_load(&w->shm->cur_started_ns) / 1e9;
	eng_set_state_at(e, t, PM_TASK_RUNNING, t->started);
	if (t->pending == ACT_HOLD)
		eng_stop_worker(e, w, t->id);
	else if (t->pending == ACT_CANCEL)
		eng_kill_for(w, KILL_TERMINATE, t->id);
	t->pending = ACT_NONE;
}

/* What the worker runs now, as its shared page says. */
static void sync_running(pm_engine *e, worker *w)
{
	if (!w->shm || w->head == w->tail)
		return;
	uint64_t id = atomic_load_explicit(&w->shm->cur_task,
					   memory_order_acquire);
	for (uint64_t k = w->head; !id && w->stopped && k < w->tail; k++) {
		/* Stopped between claiming its next item and naming it on
		 * its page: that item has started. */
		size_t slot = (size_t)(k % CHUNK_SLOTS);
		if (w->sl->fin[slot])
			continue;
		if (atomic_load(&w->shm->claim[slot]) == CLAIM_TAKEN)
			id = w->sl->chunk[slot];
		break;
	}
	if (!id)
		return;
	task *t = task_get(e, id);
	size_t i;
	mapgrp *g;
	if (t) {
		if (t->state == PM_TASK_QUEUED && t->dispatched &&
		    t->worker == w->id)
			mark_running(e, w, t);
	} else if ((g = group_of(e, id, &i)) && g->st[i] == B_SENT &&
		   span_of(g, i)->run == w->run) {
		w->running = id;
		w->running_since = engine_now(e);
		eng_bulk_set(e, g, i, B_RUNNING);
	}
	/* The worker, paused, had gone on to this one just before: this one
	 * is paused now. */
	if (w->stopped && !w->stop_task && w->running == id) {
		task *r = eng_task_own(e, id);
		if (r && r->state == PM_TASK_RUNNING)
			set_state(e, r, PM_TASK_PAUSED);
	}
}

static const char *task_name(pm_engine *e, uint64_t id)
{
	const task *t = task_get(e, id);
	size_t i;
	const mapgrp *g = t ? NULL : group_of(e, id, &i);
	return t ? t->name : g ? g->name : NULL;
}

/* A log line about worker w (line is taken). */
static void log_worker(pm_engine *e, const worker *w, char *line)
{
	pm_event ev = { 0 };
	ev.kind = PM_EV_LOG;
	ev.worker = w->id;
	ev.pid = w->pid;
	ev.error = line;
	emit(e, &ev);
	free(line);
}

/* A map item done, the common case: no task record. */
static bool bulk_done(pm_engine *e, worker *w, uint64_t id,
		      const int64_t ns[2], const unsigned char *enc, size_t len)
{
	size_t i;
	mapgrp *g = group_of(e, id, &i);
	if (!g || (g->st[i] != B_SENT && g->st[i] != B_RUNNING) ||
	    span_of(g, i)->run != w->run)
		return false;
	pm_value v;
	if (len == 9 && (enc[0] == PM_INT || enc[0] == PM_FLOAT)) {
		g->rt[i] = enc[0]; /* a number: its bits, no decoding */
		memcpy(&g->rraw[i], enc + 1, 8);
	} else if (len == 1 && enc[0] == PM_NONE) {
		g->rt[i] = PM_NONE;
	} else if (pm_value_decode(enc, len, &v)) {
		if (!g->results)
			g->results = eng_grp_alloc((g->n ? g->n : 1) *
						   sizeof *g->results);
		g->results[i] = v;
		g->rt[i] = R_VALUE;
	} else {
		return false;
	}
	span_note(g, g->inc[i], ns[0], ns[1]);
	eng_span_chunk(e, w, g, i, span_of(g, i)->started,
		       span_of(g, i)->ended);
	bulk_finish(e, w, g, i);
	chunk_item_finished(e, w, id);
	return true;
}

static void handle_up(pm_engine *e, worker *w, const pm_rec_hdr *h,
		      const unsigned char *p)
{
	uint64_t id;
	if (h->len < 8)
		return;
	memcpy(&id, p, 8);
	if (h->type == UP_INIT_FAILED) {
		pm_value v;
		if (!pm_value_decode(p + 8, h->len - 8, &v))
			return;
		free(e->init_error);
		e->init_error = xstrdup(v.type == PM_STR ? v.u.s.ptr : "?");
		pm_value_free(&v);
		char wid[PM_ID_MAX];
		log_worker(e, w, xasprintf("%s: initializer %s failed: %s",
					   pm_id_format(wid, PM_ID_WORKER, w->id),
					   e->init_task, e->init_error));
		return;
	}
	if (h->type == UP_MAP_END) {
		/* The chunk's times; drain_worker counts its items. */
		int64_t ns[2];
		size_t i;
		mapgrp *g = group_of(e, id, &i);
		if (h->len >= RESULT_HEAD && g &&
		    span_of(g, i)->run == w->run) {
			memcpy(ns, p + 8, 16);
			span_note(g, g->inc[i], ns[0], ns[1]);
			eng_span_chunk(e, w, g, i, span_of(g, i)->started,
				       span_of(g, i)->ended);
		}
		return;
	}
	if (h->type == UP_LOG) {
		pm_value v;
		if (!pm_value_decode(p + 8, h->len - 8, &v))
			return;
		pm_event ev = { 0 };
		ev.kind = PM_EV_LOG;
		ev.id = id;
		ev.worker = w->id;
		ev.in_process = w->is_process;
		ev.pid = w->pid;
		ev.task = task_name(e, id);
		ev.error = v.type == PM_STR ? v.u.s.ptr : "";
		emit(e, &ev);
		pm_value_free(&v);
		return;
	}
	/* Results carry when their task started, after the id. */
	bool result = h->type == UP_DONE || h->type == UP_FAILED;
	if (result && h->len < RESULT_HEAD)
		return;
	int64_t ns[2] = { 0, 0 };
	if (result)
		memcpy(ns, p + 8, 16);
	if (h->type == UP_DONE && !task_get(e, id) &&
	    bulk_done(e, w, id, ns, p + RESULT_HEAD, h->len - RESULT_HEAD))
		return;
	/* Anything else about a map item needs its own record. */
	task *t = eng_task_own(e, id);
	bool ends = h->type == UP_DONE || h->type == UP_FAILED ||
		    h->type == UP_SKIPPED;
	if (!t || pm_task_state_final(t->state)) {
		if (ends)
			chunk_item_finished(e, w, id);
		return;
	}
	switch (h->type) {
	case UP_SKIPPED:
		t->dispatched = false;
		t->worker = 0;
		t->pid = 0;
		if (t->pending == ACT_CANCEL ||
		    e->state == PM_POOL_TERMINATED) {
			set_state(e, t, PM_TASK_CANCELLED);
		} else if (t->pending == ACT_HOLD) {
			set_state(e, t, PM_TASK_PAUSED);
		} else {
			/* Resumed after its worker had read the hold. */
			t->queued_in_deque = true;
			eng_q_push_front(e, t->id);
		}
		t->pending = ACT_NONE;
		chunk_item_finished(e, w, id);
		break;
	case UP_DONE:
	case UP_FAILED: {
		pm_value v;
		bool done = h->type == UP_DONE;
		char why[160];
		if (!pm_value_decode_why(p + RESULT_HEAD, h->len - RESULT_HEAD,
					 &v, why, sizeof why)) {
			/* Not a result: the task failed, and says why. */
			char *msg = xasprintf("%s: %s",
					      done ? "undecodable result"
						   : "undecodable error",
					      why);
			v = pm_str(msg);
			free(msg);
			done = false;
		}
		task_ended(e, w, t, done, ns[0], ns[1], v);
		chunk_item_finished(e, w, id);
		break;
	}
	case UP_PROGRESS:
		if (h->len >= 16)
			memcpy(&t->progress, p + 8, 8);
		break;
	}
}

typedef struct drain_ctx {
	pm_engine *e;
	worker *w;
} drain_ctx;

static void drain_one(void *ud, const pm_rec_hdr *h, const unsigned char *p)
{
	drain_ctx *dc = ud;
	handle_up(dc->e, dc->w, h, p);
}

void eng_drain_worker(pm_engine *e, worker *w)
{
	if (!w->shm)
		return;
	drain_ctx dc = { e, w };
	const char *bad;
	pm_ring_drain_checked(&w->shm->up, drain_one, &dc, &bad);
	if (bad && !w->corrupt && w->pid > 0) {
		/* Nothing more of it can be read: said once, and the worker
		 * replaced (worker_exited ends what it ran). */
		w->corrupt = bad;
		char wid[PM_ID_MAX];
		log_worker(e, w, xasprintf("%s (pid %d): %s: it is replaced",
					   pm_id_format(wid, w->is_process
								 ? PM_ID_PROCESS
								 : PM_ID_WORKER,
							w->id),
					   (int)w->pid, bad));
		kill(-w->pid, SIGKILL);
		kill(w->pid, SIGKILL);
		return;
	}
	if (w->corrupt)
		return;
	/* The items it marked done in shared maps, then what runs now (it
	 * started after those records were sent). */
	eng_chunk_advance(e, w);
	sync_running(e, w);
}
