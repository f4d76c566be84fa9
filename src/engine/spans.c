// SPDX-License-Identifier: GPL-3.0-or-later
/* src/engine/spans.c — the recent spans the timeline draws: what each
 * worker and process ran and when (a task, or a chunk of a map's items as
 * one span), and when a task was paused.  A ring of the last SPANS_KEPT,
 * filled as tasks end (eng_span_task, eng_span_pause) and map chunks end
 * (eng_span_chunk); read by pm_engine_spans. */
#include "internal.h"

#include <stdlib.h>

/* One span and the chunk it belongs to (0, 0: no chunk), so that the
 * items of one chunk make one span. */
struct span_ring {
	pm_span_info *s;
	uint64_t *key_map; /* the map's first id */
	uint32_t *key_sp;  /* its chunk */
	size_t head, n;    /* the oldest at head; n used */
};

#define MERGE_LOOK 64 /* how far back a chunk's item looks for its chunk */

void eng_spans_free(pm_engine *e)
{
	if (!e->spans)
		return;
	free(e->spans->s);
	free(e->spans->key_map);
	free(e->spans->key_sp);
	free(e->spans);
	e->spans = NULL;
}

static size_t at(const struct span_ring *r, size_t k)
{
	return (r->head + k) % SPANS_KEPT;
}

static void push(pm_engine *e, const pm_span_info *s, uint64_t key_map,
		 uint32_t key_sp)
{
	struct span_ring *r = e->spans;
	if (!r) {
		r = e->spans = xcalloc(1, sizeof *r);
		r->s = xcalloc(SPANS_KEPT, sizeof *r->s);
		r->key_map = xcalloc(SPANS_KEPT, sizeof *r->key_map);
		r->key_sp = xcalloc(SPANS_KEPT, sizeof *r->key_sp);
	}
	if (key_map) {
		/* An item of a chunk already here: the chunk grows. */
		for (size_t k = r->n, looked = 0; k > 0 && looked < MERGE_LOOK;
		     k--, looked++) {
			size_t j = at(r, k - 1);
			pm_span_info *o = &r->s[j];
			if (r->key_map[j] != key_map || r->key_sp[j] != key_sp ||
			    o->worker != s->worker)
				continue;
			uint64_t end = o->first + o->count;
			if (s->first + s->count > end)
				end = s->first + s->count;
			if (s->first < o->first)
				o->first = s->first;
			o->count = end - o->first;
			if (s->started > 0 &&
			    (o->started == 0 || s->started < o->started))
				o->started = s->started;
			if (s->ended > o->ended)
				o->ended = s->ended;
			return;
		}
	}
	size_t j;
	if (r->n < SPANS_KEPT) {
		j = at(r, r->n++);
	} else {
		j = r->head;
		r->head = (r->head + 1) % SPANS_KEPT;
	}
	r->s[j] = *s;
	r->key_map[j] = key_map;
	r->key_sp[j] = key_sp;
}

void eng_span_task(pm_engine *e, const task *t)
{
	if (!t->worker)
		return;
	bool mark = t->state == PM_TASK_CRASHED ||
		    t->state == PM_TASK_TIMEOUT ||
		    t->state == PM_TASK_TERMINATED;
	if (t->started <= 0 && !mark)
		return; /* never ran: cancelled, skipped */
	pm_span_info s = { .first = t->id, .count = 1, .worker = t->worker,
			   .in_process = t->in_process, .state = t->state,
			   .started = t->started > 0 ? t->started : t->ended,
			   .ended = t->ended };
	push(e, &s, 0, 0);
}

void eng_span_pause(pm_engine *e, const task *t, double from, double to)
{
	if (!t->worker || from <= 0 || to < from)
		return;
	pm_span_info s = { .first = t->id, .count = 1, .worker = t->worker,
			   .in_process = t->in_process, .paused = true,
			   .state = PM_TASK_PAUSED, .started = from,
			   .ended = to };
	push(e, &s, 0, 0);
}

void eng_span_chunk(pm_engine *e, const worker *w, const mapgrp *g,
		    size_t i, double started, double ended)
{
	uint32_t sp = g->inc[i];
	if (!sp)
		return;
	/* The chunk's items from i on. */
	size_t k = i;
	while (k < g->n && g->inc[k] == sp)
		k++;
	pm_span_info s = { .first = g->first + i, .count = k - i,
			   .worker = w->id, .in_process = w->is_process,
			   .state = PM_TASK_DONE, .started = started,
			   .ended = ended };
	push(e, &s, g->first, sp);
}

size_t pm_engine_spans(const pm_engine *e, double since, pm_span_info *out,
		       size_t max)
{
	const struct span_ring *r = e->spans;
	if (!r)
		return 0;
	/* The newest max of those that ended at or after since, oldest
	 * first. */
	size_t n = 0, from = r->n;
	while (from > 0 && r->s[at(r, from - 1)].ended >= since) {
		from--;
		n++;
	}
	/* Ends are in the order spans were noted, nearly sorted: a span
	 * that ended before since may sit among newer ones. */
	size_t skip = n > max ? n - max : 0, got = 0;
	for (size_t k = from + skip; k < r->n && got < max; k++)
		out[got++] = r->s[at(r, k)];
	return got;
}
