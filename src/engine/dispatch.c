/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/dispatch.c — who gets which work: the batch rule (short
 * single submits go out several at once, by their mean run time), a chunk
 * sent to a worker's down ring (tasks with their arguments, or numbers
 * through its slots), which workers may take work, and take-back of what
 * waits behind a long task while another worker is idle. */
#define _GNU_SOURCE
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The mean run time of task d of plugin p, its slot made if need be. */
static double *run_mean_of(pm_engine *e, size_t p, size_t d)
{
	if (e->mean_hit && p == e->mean_p && d == e->mean_d)
		return e->mean_hit; /* results come in runs of one task */
	if (p >= e->reg.n || d >= e->reg.entries[p].ntasks)
		return NULL;
	if (p >= e->nrun_mean) {
		e->run_mean = xrealloc(e->run_mean,
				       (p + 1) * sizeof *e->run_mean);
		memset(e->run_mean + e->nrun_mean, 0,
		       (p + 1 - e->nrun_mean) * sizeof *e->run_mean);
		e->nrun_mean = p + 1;
	}
	if (!e->run_mean[p]) {
		size_t n = e->reg.entries[p].ntasks;
		e->run_mean[p] = xmalloc((n ? n : 1) * sizeof(double));
		for (size_t k = 0; k < n; k++)
			e->run_mean[p][k] = -1;
	}
	e->mean_p = p;
	e->mean_d = d;
	return e->mean_hit = &e->run_mean[p][d];
}

/* A run of task d of plugin p took secs: into its mean (a long run
 * counts at once, short ones bring the mean down slowly). */
void eng_note_run_time(pm_engine *e, size_t p, size_t d, double secs)
{
	double *m = run_mean_of(e, p, d);
	if (!m)
		return;
	if (*m < 0 || secs > *m)
		*m = secs;
	else
		*m += (secs - *m) / 8;
}

/* Are single submits of this task short enough to be sent in batches? */
static bool batchable(pm_engine *e, size_t p, size_t d)
{
	const double *m = run_mean_of(e, p, d);
	return m && *m >= 0 && *m < e->batch_below;
}

void eng_send_down(worker *w, uint32_t type, const void *p, size_t len)
{
	unsigned char *dst = pm_ring_reserve(&w->shm->down, len);
	if (!dst)
		return; /* callers keep one chunk in flight: cannot be full */
	memcpy(dst, p, len);
	if (pm_ring_commit(&w->shm->down, type, len))
		pm_futex_wake(&w->shm->down.prod_seq);
}

static uint64_t item_group(const qitem *it)
{
	return it->t ? it->t->group : it->g->gid;
}

/* The next run of queued items of a map of numbers, from item i on (the
 * queue's front), through the worker's slots. */
static void dispatch_numbers(pm_engine *e, worker *w, mapgrp *g, size_t i)
{
	qent *q = &e->q[e->qhead];
	size_t limit = e->one_only ? 1 : g->chunksize;
	if (limit > CHUNK_SLOTS - (w->tail - w->head))
		limit = CHUNK_SLOTS - (w->tail - w->head);
	size_t n = 0;
	while (n < limit && n < q->n && i + n < g->n &&
	       g->st[i + n] == B_QUEUED)
		n++;
	if (!n)
		return; /* no free slot (callers keep two chunks at most) */
	map_chunk mc = {
		.plugin = (uint32_t)g->plugin, .def = (uint32_t)g->def,
		.n = (uint32_t)n, .slot = (uint32_t)(w->tail % CHUNK_SLOTS),
		.itype = (uint32_t)g->itype, .first_id = q->first,
	};
	shm_worker *s = w->shm;
	w->last_chunk = w->tail;
	w->last_chunk_map = true;
	/* In bulk, in at most two runs of slots (the slots wrap around);
	 * the record published after them makes them visible. */
	for (size_t k = 0; k < n;) {
		size_t slot = (size_t)(w->tail % CHUNK_SLOTS);
		size_t m = n - k;
		if (m > CHUNK_SLOTS - slot)
			m = CHUNK_SLOTS - slot;
		memset(w->sl->fin + slot, 0, m);
		memset(w->sl->by_slot + slot, 1, m);
		if (g->lazy)
			for (size_t j = 0; j < m; j++)
				s->in[slot + j] =
					(uint64_t)(g->lo + (int64_t)(i + k + j));
		else
			memcpy(s->in + slot, g->raw + i + k, 8 * m);
		for (size_t j = 0; j < m; j++) {
			atomic_store_explicit(&s->claim[slot + j],
					      CLAIM_OPEN, memory_order_relaxed);
			atomic_store_explicit(&s->out_st[slot + j],
					      SLOT_PENDING,
					      memory_order_relaxed);
			w->sl->chunk[slot + j] = q->first + k + j;
		}
		w->tail += m;
		k += m;
	}
	uint32_t sp = eng_new_span(g, w);
	for (size_t k = 0; k < n; k++)
		g->inc[i + k] = sp;
	memset(g->st + i, B_SENT, n);
	q->first += n;
	q->n -= n;
	if (!q->n) {
		e->qhead = (e->qhead + 1) % e->qcap;
		e->qlen--;
	}
	w->sent_at = pm_now();
	w->state = PM_WORKER_BUSY;
	w->since_start += (unsigned)n;
	eng_send_down(w, DOWN_MAP, &mc, sizeof mc);
}

void eng_dispatch_to(pm_engine *e, worker *w)
{
	qitem it;
	if (!q_front(e, &it))
		return;
	if (!w->sl)
		w->sl = xcalloc(1, sizeof *w->sl);
	if (it.g && grp_numbers(it.g)) {
		dispatch_numbers(e, w, it.g, it.i);
		return;
	}
	pm_buf b = { 0 };
	uint32_t hdr[5] = {
		(uint32_t)(it.t ? it.t->plugin : it.g->plugin),
		(uint32_t)(it.t ? it.t->def : it.g->def), 0,
		(uint32_t)(w->tail % CHUNK_SLOTS), it.g != NULL,
	};
	pm_buf_add(&b, (const char *)hdr, sizeof hdr);
	uint64_t group = item_group(&it);
	size_t limit = it.t ? it.t->chunksize : it.g->chunksize;
	if (!group) {
		/* Single submits of a short task: when the queue is deep,
		 * send a worker its share in one record (guided
		 * self-scheduling: a fraction of what is left, so the tail
		 * stays balanced).  Busy workers then need no system call per
		 * task; should one of them run long after all, take_back gives
		 * what waits behind it to an idle worker.  Other tasks go one
		 * by one: they start in the order they were submitted. */
		size_t nw = e->nworkers ? e->nworkers : 1;
		limit = batchable(e, hdr[0], hdr[1]) ? e->qlen / (2 * nw) : 1;
	}
	if (limit < 1)
		limit = 1;
	if (limit > CHUNK_MAX)
		limit = CHUNK_MAX; /* also for a map of numbers' own records */
	if (w->is_process || e->one_only)
		limit = 1; /* its own task, none of the pool's; or a step */
	if (limit > CHUNK_SLOTS - (w->tail - w->head))
		limit = CHUNK_SLOTS - (w->tail - w->head);
	w->last_chunk = w->tail;
	w->last_chunk_map = group != 0;
	size_t n = 0;
	task *first = NULL;
	uint32_t sp = UINT32_MAX; /* a map's chunk, made at its first item */
	pm_value tmp;
	for (bool more = q_front(e, &it); more && n < limit && b.len < PM_REC_MAX / 2;
	     more = q_front(e, &it)) {
		if (n && group && item_group(&it) != group)
			break;
		if (n && !group &&
		    (item_group(&it) || it.t->plugin != hdr[0] ||
		     it.t->def != hdr[1]))
			break;
		q_pop_front(e, &it);
		const pm_value *args;
		size_t nargs;
		if (it.t) {
			args = it.t->args;
			nargs = it.t->nargs;
		} else {
			bulk_args(it.g, it.i, &tmp, &args, &nargs);
		}
		/* id, length, then the argument list as value.c encodes it. */
		size_t enclen = 5;
		for (size_t k = 0; k < nargs; k++)
			enclen += pm_value_encoded_size(&args[k]);
		size_t off = b.len;
		pm_buf_reserve(&b, 12 + enclen);
		unsigned char *out = (unsigned char *)b.s + off;
		uint32_t len32 = (uint32_t)enclen, n32 = (uint32_t)nargs;
		memcpy(out, &it.id, 8);
		memcpy(out + 8, &len32, 4);
		out[12] = PM_LIST;
		memcpy(out + 13, &n32, 4);
		for (size_t k = 0, at = 17; k < nargs; k++)
			at += pm_value_encode(&args[k], out + at,
					      12 + enclen - at);
		b.len = off + 12 + enclen;
		size_t slot = (size_t)(w->tail++ % CHUNK_SLOTS);
		w->sl->fin[slot] = w->sl->by_slot[slot] = false;
		atomic_store_explicit(&w->shm->claim[slot], CLAIM_OPEN,
				      memory_order_relaxed);
		w->sl->chunk[slot] = it.id;
		if (it.t) {
			it.t->dispatched = true;
			it.t->worker = w->id;
			it.t->pid = w->pid;
			it.t->alone = false;
			first = first ? first : it.t;
		} else {
			it.g->st[it.i] = B_SENT;
			if (sp == UINT32_MAX)
				sp = eng_new_span(it.g, w);
			it.g->inc[it.i] = sp;
		}
		n++;
	}
	hdr[2] = (uint32_t)n;
	if (n == 1 && first)
		first->alone = true; /* timed on the precise clock */
	memcpy(b.s, hdr, sizeof hdr);
	w->sent_at = pm_now();
	w->state = PM_WORKER_BUSY;
	w->since_start += (unsigned)n;
	eng_send_down(w, DOWN_TASKS, b.s, b.len);
	pm_buf_free(&b);
}

/* May w be sent a chunk now?  An idle worker may.  A busy one may get a
 * second chunk of a big map, so that it never waits for the manager
 * between chunks; near the end of the queue work goes only to workers
 * that are free, which keeps the tail balanced. */
static bool can_take(pm_engine *e, worker *w)
{
	if (w->pid <= 0 || w->retiring || w->recycling || w->exit_sent ||
	    w->stopped)
		return false;
	if (w->state == PM_WORKER_IDLE)
		return true;
	if (w->state != PM_WORKER_BUSY || w->head < w->last_chunk)
		return false; /* not started on its last chunk yet */
	if (!w->last_chunk_map)
		return false; /* spares a look at the queue on every submit */
	qitem it;
	if (!q_front(e, &it) || it.t || it.g->chunksize < 2)
		return false;
	return e->q[e->qhead].n >= 2 * e->nworkers * it.g->chunksize;
}

/* Has w run what it runs now for longer than STUCK_AFTER (or is it
 * stopped), while it holds items not started? */
static bool stuck(const pm_engine *e, const worker *w)
{
	if (w->stopped)
		return true;
	/* What it runs now, since when; nothing: what it was sent, since
	 * then (its page keeps the start of the task before). */
	double since = w->sent_at;
	if (atomic_load_explicit(&w->shm->cur_task, memory_order_acquire)) {
		int64_t ns = atomic_load_explicit(&w->shm->cur_started_ns,
						  memory_order_relaxed);
		since = ns > 0 ? (double)ns / 1e9
			: w->running ? w->running_since : w->sent_at;
	}
	double now = engine_now(e);
	return since > 0 && now - since > STUCK_AFTER;
}

static int by_id_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Takes back from w the items it was sent and has not started, newest
 * first, as far as it may: single submits always; a map's items only when
 * the queue is empty (qempty) and only from its last chunk (a chunk is
 * the unit a map hands out, as Python's).  Each one is claimed in shared
 * memory first: the worker runs it or the manager has it, never both.
 * The ids go to ids[*n]. */
bool eng_revoke_slot(pm_engine *e, worker *w, size_t slot, uint8_t *got)
{
	uint8_t want = CLAIM_OPEN;
	if (!atomic_compare_exchange_strong(&w->shm->claim[slot], &want,
					    CLAIM_REVOKED)) {
		*got = want;
		return false;
	}
	*got = CLAIM_REVOKED;
	uint64_t id = w->sl->chunk[slot];
	w->sl->fin[slot] = true;
	w->sl->by_slot[slot] = false;
	w->sl->chunk[slot] = 0;
	if (w->since_start)
		w->since_start--;
	task *t = task_get(e, id);
	size_t i;
	mapgrp *g;
	if (t) {
		t->dispatched = false;
		t->worker = 0;
		t->pid = 0;
	} else if ((g = group_of(e, id, &i))) {
		g->st[i] = B_QUEUED;
	}
	return true;
}

static void take_back_from(pm_engine *e, worker *w, bool qempty,
			   uint64_t **ids, size_t *n, size_t *cap)
{
	for (uint64_t k = w->tail; k-- > w->head;) {
		size_t slot = (size_t)(k % CHUNK_SLOTS);
		if (w->sl->fin[slot])
			continue;
		uint64_t id = w->sl->chunk[slot];
		task *t = task_get(e, id);
		size_t i = 0;
		mapgrp *g = t ? NULL : group_of(e, id, &i);
		bool single = t && !t->group && !t->in_process;
		if (!single && !(qempty && k >= w->last_chunk))
			break;
		if (!t && (!g || g->st[i] != B_SENT))
			break;
		if (t && (!t->dispatched || t->state != PM_TASK_QUEUED))
			break;
		uint8_t got;
		if (!eng_revoke_slot(e, w, slot, &got)) {
			if (got == CLAIM_SKIP)
				continue; /* held or cancelled: it says so */
			break; /* started: so is all before it */
		}
		if (t)
			t->queued_in_deque = true;
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			*ids = xrealloc(*ids, *cap * sizeof **ids);
		}
		(*ids)[(*n)++] = id;
	}
	eng_chunk_advance(e, w);
}

/* Work conservation: while a worker is idle, nothing waits in another
 * worker's ring behind a task that runs long (or a stopped worker), nor
 * at all when the queue is empty.  What is taken back goes to the queue's
 * front, in id order. */
static void take_back(pm_engine *e)
{
	bool qempty = !e->qlen;
	uint64_t *ids = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < e->nworkers; i++) {
		worker *w = e->workers[i];
		/* A worker's one item is taken back only from a stopped
		 * worker, or one that has not started it for a while (seen
		 * running: it has started, no look at its page needed). */
		bool lone = w->tail - w->head < 2;
		if (w->pid <= 0 || !w->sl || w->tail == w->head ||
		    w->kill != KILL_NONE ||
		    (lone && w->running && !w->stopped) ||
		    ((!qempty || lone) && !stuck(e, w)))
			continue;
		take_back_from(e, w, qempty, &ids, &n, &cap);
	}
	if (n > 1)
		qsort(ids, n, sizeof *ids, by_id_desc);
	for (size_t k = 0; k < n; k++)
		eng_q_push_front(e, ids[k]);
	free(ids);
}

/* step N: while the dispatcher is paused, the next tasks one by one, each
 * alone to an idle worker. */
static void dispatch_steps(pm_engine *e)
{
	qitem it;
	for (size_t i = 0; i < e->nworkers && e->step_left && q_front(e, &it);
	     i++) {
		worker *w = e->workers[i];
		if (w->state != PM_WORKER_IDLE || !can_take(e, w))
			continue;
		e->one_only = true;
		eng_dispatch_to(e, w);
		e->one_only = false;
		e->step_left--;
	}
	if (!q_front(e, &it))
		e->step_left = 0; /* nothing left to step through */
}

void eng_dispatch(pm_engine *e)
{
	if (e->state == PM_POOL_TERMINATED)
		return;
	if (e->dispatch_paused) {
		if (e->step_left)
			dispatch_steps(e);
		return;
	}
	/* At a look (not at every submit): an idle worker takes back what
	 * waits elsewhere. */
	bool idle = false;
	for (size_t i = 0; e->in_poll && i < e->nworkers && !idle; i++)
		idle = e->workers[i]->state == PM_WORKER_IDLE &&
		       can_take(e, e->workers[i]);
	if (idle)
		take_back(e);
	/* Who can take work first: the queue's front (often a record long
	 * out of the cache) only for them. */
	for (size_t i = 0; i < e->nworkers && e->qlen; i++)
		if (can_take(e, e->workers[i]))
			eng_dispatch_to(e, e->workers[i]);
}
