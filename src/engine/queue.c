/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/queue.c — the deque of ranges of queued, undispatched task
 * ids: a map is one range; items put back at the front (a dead worker's,
 * taken back, resumed) join the front range when they follow it.  Pushing
 * at the back and reading the front are per task: they are static inline
 * in internal.h; the rest is here. */
#define _GNU_SOURCE
#include "internal.h"

#include <stdlib.h>

#include "util.h"

void eng_q_grow(pm_engine *e)
{
	if (e->qlen < e->qcap)
		return;
	size_t cap = e->qcap ? e->qcap * 2 : 256;
	qent *q = xmalloc(cap * sizeof *q);
	for (size_t i = 0; i < e->qlen; i++)
		q[i] = e->q[(e->qhead + i) % e->qcap];
	free(e->q);
	e->q = q;
	e->qcap = cap;
	e->qhead = 0;
}

void eng_q_push_front(pm_engine *e, uint64_t id)
{
	qent *front = e->qlen ? &e->q[e->qhead] : NULL;
	if (front && front->n && front->first == id + 1) {
		/* Items put back in order, last first (a dead worker's):
		 * one range, so they go out in chunks again. */
		front->first = id;
		front->n++;
		return;
	}
	eng_q_grow(e);
	e->qhead = (e->qhead + e->qcap - 1) % e->qcap;
	e->q[e->qhead] = (qent){ id, 1 };
	e->qlen++;
}
