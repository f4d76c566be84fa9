// SPDX-License-Identifier: GPL-3.0-or-later
/* src/engine/deadlock.c — deadlocks between the pool's processes: every
 * DEADLOCK_EVERY seconds of polls, the wait-for graph over the shared
 * locks (a worker or process waits for a lock that another holds: an edge
 * from the one to the other, from pm_shared_lock_info), its cycles, each
 * reported once as a PM_EV_DEADLOCK event when it is seen at two looks in
 * a row (a snapshot read without locks could catch a wait that was just
 * ending), the locks of reported cycles marked for the screen, and
 * forgotten once broken (a member terminated: its lock released by the
 * robust mutex, see src/shared/internal.h).  What the arena says is only
 * believed for ids whose pid is the one the engine forked now. */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DEADLOCK_EVERY 0.1 /* seconds between two looks */
#define CYCLES_MAX 64      /* remembered at a time */

typedef struct dl_edge {
	uint64_t who, holder; /* keys: see key_of */
	size_t lock;          /* the object's index */
	double waited;
	char who_id[PM_SHARED_ID_MAX], holder_id[PM_SHARED_ID_MAX];
} dl_edge;

/* A cycle by its text ("p1>A>p2 p2>B>p1" from its least member). */
typedef struct dl_set {
	char *sig[CYCLES_MAX];
	size_t n;
} dl_set;

struct eng_deadlocks {
	double next;
	dl_set pending;  /* seen at the last look, not yet reported */
	dl_set reported; /* reported, not broken yet */
	bool *marked;    /* by object index: in a reported cycle */
	size_t nmarked;
};

static void set_clear(dl_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->sig[i]);
	s->n = 0;
}

static bool set_has(const dl_set *s, const char *sig)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->sig[i], sig))
			return true;
	return false;
}

static void set_add(dl_set *s, const char *sig)
{
	if (s->n < CYCLES_MAX && !set_has(s, sig))
		s->sig[s->n++] = xstrdup(sig);
}

void eng_deadlocks_free(pm_engine *e)
{
	struct eng_deadlocks *d = e->deadlocks;
	if (!d)
		return;
	set_clear(&d->pending);
	set_clear(&d->reported);
	free(d->marked);
	free(d);
	e->deadlocks = NULL;
}

/* The live worker or process an id names, if pid is its pid now: its
 * key (workers n, processes 2^32 + n); 0 if not one of ours. */
static uint64_t key_of(const pm_engine *e, const char *id, pid_t pid)
{
	uint64_t n;
	char k = id[0];
	if ((k != 'w' && k != 'p') || sscanf(id + 1, "%" SCNu64, &n) != 1 ||
	    !n || pid <= 0)
		return 0;
	if (k == 'p') {
		if (n > e->nprocs)
			return 0;
		const worker *w = e->procs[n - 1];
		return w->id == n && !w->exited && w->pid == pid
			       ? (1ull << 32) + n
			       : 0;
	}
	for (size_t i = 0; i < e->nworkers; i++)
		if (e->workers[i]->id == n)
			return e->workers[i]->pid == pid &&
					       e->workers[i]->state != PM_WORKER_DEAD
				       ? n
				       : 0;
	return 0;
}

static int by_who(const void *a, const void *b)
{
	uint64_t x = ((const dl_edge *)a)->who, y = ((const dl_edge *)b)->who;
	return (x > y) - (x < y);
}

/* The edge out of who (each waits for one lock at a time), or -1. */
static long edge_of(const dl_edge *ed, size_t n, uint64_t who)
{
	dl_edge want = { .who = who };
	const dl_edge *f = bsearch(&want, ed, n, sizeof *ed, by_who);
	return f ? f - ed : -1;
}

/* Every believed edge, sorted by waiter, one per waiter. */
static size_t build_edges(pm_engine *e, dl_edge **out)
{
	size_t n = 0, cap = 0;
	dl_edge *ed = NULL;
	for (size_t i = 0; i < pm_shared_count(e->shared); i++) {
		pm_shared_info in;
		if (!pm_shared_lock_info(e->shared, i, &in) || !in.locked ||
		    in.holder_dead || !in.nwaiting)
			continue;
		uint64_t h = key_of(e, in.holder_id, in.holder_pid);
		if (!h)
			continue;
		for (unsigned k = 0; k < in.nwaiting; k++) {
			uint64_t w = key_of(e, in.waiting[k].id,
					    in.waiting[k].pid);
			if (!w)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				ed = xrealloc(ed, cap * sizeof *ed);
			}
			ed[n] = (dl_edge){ .who = w, .holder = h, .lock = i,
					   .waited = in.waiting[k].waited };
			snprintf(ed[n].who_id, sizeof ed[n].who_id, "%s",
				 in.waiting[k].id);
			snprintf(ed[n].holder_id, sizeof ed[n].holder_id, "%s",
				 in.holder_id);
			n++;
		}
	}
	if (n)
		qsort(ed, n, sizeof *ed, by_who);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || ed[u - 1].who != ed[i].who)
			ed[u++] = ed[i];
	*out = ed;
	return u;
}

static void report(pm_engine *e, const dl_edge *ed, const long *members,
		   size_t len)
{
	pm_deadlock_link *links = xcalloc(len, sizeof *links);
	char (*names)[PM_SHARED_NAME_MAX] = xcalloc(len, sizeof *names);
	for (size_t i = 0; i < len; i++) {
		const dl_edge *x = &ed[members[i]];
		pm_shared_info in;
		if (pm_shared_lock_info(e->shared, x->lock, &in))
			snprintf(names[i], sizeof names[i], "%s", in.name);
		links[i] = (pm_deadlock_link){ x->who_id, names[i],
					       x->holder_id, x->waited };
	}
	pm_event ev = { 0 };
	ev.kind = PM_EV_DEADLOCK;
	ev.cycle = links;
	ev.ncycle = len;
	ev.time = engine_now(e);
	emit(e, &ev);
	free(names);
	free(links);
}

static void found_cycle(pm_engine *e, struct eng_deadlocks *d,
			const dl_edge *ed, long *cyc, size_t len, dl_set *now)
{
	/* From its least member (edges are sorted by waiter), so that the
	 * same cycle reads the same at every look. */
	size_t least = 0;
	for (size_t i = 1; i < len; i++)
		if (cyc[i] < cyc[least])
			least = i;
	long *rot = xcalloc(len, sizeof *rot);
	for (size_t i = 0; i < len; i++)
		rot[i] = cyc[(least + i) % len];
	pm_buf sig = { 0 };
	for (size_t i = 0; i < len; i++)
		pm_buf_printf(&sig, "%s%s>%zu>%s", i ? " " : "",
			      ed[rot[i]].who_id, ed[rot[i]].lock,
			      ed[rot[i]].holder_id);
	set_add(now, sig.s);
	if (!set_has(&d->reported, sig.s) && set_has(&d->pending, sig.s)) {
		set_add(&d->reported, sig.s);
		report(e, ed, rot, len);
	}
	pm_buf_free(&sig);
	free(rot);
}

/* The cycles through the edges: each waiter has one edge out, so a walk
 * from each edge not seen yet either ends, joins a walk seen before, or
 * comes back onto itself (a cycle).  Every edge is walked once. */
static void find_cycles(pm_engine *e, struct eng_deadlocks *d,
			const dl_edge *ed, size_t n, dl_set *now)
{
	enum { UNSEEN, ON_PATH, DONE };
	unsigned char *state = xcalloc(n, 1);
	long *path = xcalloc(n, sizeof *path);
	size_t *at = xcalloc(n, sizeof *at); /* where on the path */
	for (size_t s = 0; s < n; s++) {
		size_t len = 0;
		long cur = (long)s;
		while (cur >= 0 && state[cur] == UNSEEN) {
			state[cur] = ON_PATH;
			at[cur] = len;
			path[len++] = cur;
			cur = edge_of(ed, n, ed[cur].holder);
		}
		if (cur >= 0 && state[cur] == ON_PATH)
			found_cycle(e, d, ed, path + at[cur], len - at[cur], now);
		for (size_t i = 0; i < len; i++)
			state[path[i]] = DONE;
	}
	free(at);
	free(path);
	free(state);
}

/* Keeps the members of from that are in keep. */
static void set_keep(dl_set *from, const dl_set *keep)
{
	size_t u = 0;
	for (size_t i = 0; i < from->n; i++)
		if (set_has(keep, from->sig[i]))
			from->sig[u++] = from->sig[i];
		else
			free(from->sig[i]);
	from->n = u;
}

static void mark_locks(pm_engine *e, struct eng_deadlocks *d)
{
	size_t n = pm_shared_count(e->shared);
	if (d->nmarked < n) {
		d->marked = xrealloc(d->marked, n * sizeof *d->marked);
		memset(d->marked + d->nmarked, 0,
		       (n - d->nmarked) * sizeof *d->marked);
		d->nmarked = n;
	}
	bool *want = xcalloc(n ? n : 1, sizeof *want);
	for (size_t c = 0; c < d->reported.n; c++) {
		/* "w1>3>p2 p2>0>w1": the number after a member's first '>'
		 * is its lock (ids here are w- and p- ids: no '>', no ' '). */
		const char *p = d->reported.sig[c];
		while (p) {
			const char *gt = strchr(p, '>');
			if (!gt)
				break;
			size_t i = strtoul(gt + 1, NULL, 10);
			if (i < n)
				want[i] = true;
			p = strchr(gt, ' ');
			if (p)
				p++;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (want[i] != d->marked[i]) {
			pm_shared_mark_deadlock(e->shared, i, want[i]);
			d->marked[i] = want[i];
		}
	free(want);
}

void eng_check_deadlocks(pm_engine *e)
{
	struct eng_deadlocks *d = e->deadlocks;
	if (!d && !pm_shared_count(e->shared))
		return;
	if (!d)
		d = e->deadlocks = xcalloc(1, sizeof *d);
	double now = engine_now(e);
	/* While a deadlock is reported, at every poll: its mark goes as
	 * soon as a member is gone. */
	if (now < d->next && !d->reported.n)
		return;
	d->next = now + DEADLOCK_EVERY;
	dl_edge *ed;
	size_t n = build_edges(e, &ed);
	dl_set seen = { 0 };
	if (n)
		find_cycles(e, d, ed, n, &seen);
	free(ed);
	set_keep(&d->reported, &seen);
	set_clear(&d->pending);
	d->pending = seen;
	mark_locks(e, d);
}
