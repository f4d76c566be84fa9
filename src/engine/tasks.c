/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/tasks.c — where tasks live: records in slabs by id (ids
 * never move), a map's items in bulk (a state byte, a result, a chunk per
 * item) until one needs a record of its own, the chunks' times (spans),
 * and eviction of what ended past the last --keep N. */
#define _GNU_SOURCE
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

/* Faults in the whole pages of a block about to be filled in a burst (a
 * slab of tasks): one call instead of a page fault every few records. */
static void prefault(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(page - 1);
	if (b > a)
		madvise((void *)a, b - a, MADV_POPULATE_WRITE); /* a hint */
#else
	(void)p;
	(void)len;
#endif
}

/* Where task id's record goes (its slab is made if need be). */
static task *task_slot(pm_engine *e, uint64_t id)
{
	size_t k = (size_t)((id - 1) / TASK_SLAB);
	if (k >= e->nslabs) {
		e->slabs = xrealloc(e->slabs, (k + 1) * sizeof *e->slabs);
		memset(e->slabs + e->nslabs, 0,
		       (k + 1 - e->nslabs) * sizeof *e->slabs);
		e->nslabs = k + 1;
	}
	if (!e->slabs[k]) {
		e->slabs[k] = xcalloc(TASK_SLAB, sizeof(task));
		if (k < e->evict_slab)
			e->evict_slab = k; /* eviction looks at it again */
		/* Its first id: submits fill it in order; else one map item
		 * getting a record needs a page, not the slab. */
		if ((id - 1) % TASK_SLAB == 0)
			prefault(e->slabs[k], TASK_SLAB * sizeof(task));
	}
	return &e->slabs[k][(id - 1) % TASK_SLAB];
}

/* The index in e->groups of the map whose ids hold id, or ngroups. */
size_t eng_group_index(const pm_engine *e, uint64_t id)
{
	size_t lo = 0, hi = e->ngroups;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const mapgrp *g = e->groups[mid];
		if (id < g->first)
			hi = mid;
		else if (id >= g->first + g->n)
			lo = mid + 1;
		else
			return mid;
	}
	return e->ngroups;
}

/* A map's per-item arrays, zeroed.  Those of 64 KiB and more are mapped
 * on their own, so that an evicted map's memory goes back to the kernel at
 * once (in the heap, glibc's moving mmap threshold would keep it there,
 * or not, depending on what was freed before); big ones with huge pages
 * where the kernel allows (a million results are 24 MB: 6,000 page faults
 * less). */
#define MAPPED_ARRAY (64u << 10)
#define BIG_ARRAY (2u << 20)
void *eng_grp_alloc(size_t size)
{
	if (size < MAPPED_ARRAY)
		return xcalloc(1, size ? size : 1);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) { /* as xcalloc: freed by munmap, it cannot be */
		static const char msg[] = "poolmon: out of memory\n";
		if (write(2, msg, sizeof msg - 1) < 0) {
			/* nothing more to say */
		}
		abort();
	}
#ifdef MADV_HUGEPAGE
	if (size >= BIG_ARRAY)
		madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

void eng_grp_free(void *p, size_t size)
{
	if (size < MAPPED_ARRAY)
		free(p);
	else
		munmap(p, size);
}

task *eng_new_task(pm_engine *e, size_t p, size_t d, pm_value *args,
		   size_t nargs, bool queue)
{
	e->ntasks++;
	task *t = task_slot(e, e->ntasks);
	t->id = e->ntasks;
	t->plugin = p;
	t->def = d;
	t->name = e->reg.entries[p].full_names[d];
	t->args = args;
	t->nargs = nargs;
	t->state = PM_TASK_QUEUED;
	/* The tick clock (a submit in a loop reads no clock): never later
	 * than the precise one its start is read with. */
	t->queued_at = e->in_poll && e->now > 0 ? e->now : pm_now_coarse();
	e->counts.queued++;
	if (queue) {
		t->queued_in_deque = true;
		q_push_back(e, t->id);
	}
	return t;
}

/* When worker wid started running task id, as its shared page says; 0 if
 * it does not run it now. */
double eng_bulk_started(const pm_engine *e, uint64_t wid, uint64_t id)
{
	const worker *w = worker_get(e, wid);
	if (!w || !w->shm || atomic_load(&w->shm->cur_task) != id)
		return 0;
	int64_t ns = atomic_load(&w->shm->cur_started_ns);
	if (ns > 0)
		return (double)ns / 1e9;
	return w->running == id ? w->running_since : 0;
}

/* The task record of id, made from its map's bulk item if it has none
 * yet.  NULL if there is no such task. */
task *eng_task_own(pm_engine *e, uint64_t id)
{
	task *t = task_get(e, id);
	size_t i;
	mapgrp *g;
	if (t || !(g = group_find(e, id, &i)))
		return t;
	uint8_t st = g->st[i];
	t = task_slot(e, id);
	memset(t, 0, sizeof *t);
	t->id = id;
	t->plugin = g->plugin;
	t->def = g->def;
	t->name = g->name;
	const pm_value *args;
	pm_value tmp;
	bulk_args(g, i, &tmp, &args, &t->nargs);
	if (args == &tmp) {
		t->args = pm_values_copy(&tmp, 1);
	} else {
		t->args = (pm_value *)args;
		t->args_borrowed = true;
	}
	t->group = g->gid;
	t->chunksize = g->chunksize;
	t->state = bulk_state(st);
	switch (st) {
	case B_QUEUED:
		t->queued_in_deque = true; /* its range is still queued */
		break;
	case B_SENT:
		t->dispatched = true;
		break;
	case B_DONE:
		if (g->rt[i] == R_VALUE) {
			t->result = g->results[i];
			g->results[i] = pm_none();
		} else {
			t->result = raw_value((pm_type)g->rt[i], g->rraw[i]);
		}
		t->progress = 1.0;
		break;
	}
	if (st != B_QUEUED) {
		t->worker = run_of(e, g, i).worker;
		t->pid = run_of(e, g, i).pid;
	}
	t->queued_at = g->queued_at;
	if (st != B_QUEUED) {
		/* Its chunk's times, which are its own now. */
		t->started = span_of(g, i)->started;
		if (st == B_DONE || st == B_CANCELLED)
			t->ended = span_of(g, i)->ended;
	}
	if (st == B_RUNNING) {
		double started = eng_bulk_started(e, t->worker, id);
		t->started = started > 0 ? started : t->started > 0 ? t->started
							       : pm_now();
	}
	g->st[i] = B_OWN;
	return t;
}

/* What a task record holds; the record is empty after (id 0). */
void eng_task_free(task *t)
{
	if (!t->id)
		return;
	if (!t->args_borrowed)
		pm_values_free(t->args, t->nargs);
	pm_value_free(&t->result);
	free(t->error);
	memset(t, 0, sizeof *t);
}

void eng_group_free(mapgrp *g)
{
	size_t cap = g->n ? g->n : 1;
	if (g->raw)
		eng_grp_free(g->raw, cap * sizeof *g->raw);
	else if (g->items)
		pm_values_free(g->items, g->n);
	for (size_t i = 0; g->results && i < g->n; i++)
		pm_value_free(&g->results[i]);
	if (g->results)
		eng_grp_free(g->results, cap * sizeof *g->results);
	eng_grp_free(g->st, cap);
	eng_grp_free(g->rt, cap);
	eng_grp_free(g->rraw, cap * sizeof *g->rraw);
	eng_grp_free(g->inc, cap * sizeof *g->inc);
	free(g->spans);
	free(g);
}

/* A new chunk of g for w: its index in g->spans. */
uint32_t eng_new_span(mapgrp *g, const worker *w)
{
	if (g->nspans + 2 > g->spans_cap) {
		g->spans_cap = g->spans_cap ? 2 * g->spans_cap : 16;
		g->spans = xrealloc(g->spans, g->spans_cap * sizeof *g->spans);
	}
	if (!g->nspans) /* 0 is no chunk */
		g->spans[g->nspans++] = (span){ UINT32_MAX, 0, 0 };
	g->spans[g->nspans] = (span){ w->run, 0, 0 };
	return (uint32_t)g->nspans++;
}

/* ---- eviction: a long-lived pool keeps the last e->keep tasks ---------- */

/* Have all of map g's items ended?  (Its own records count too.) */
static bool group_ended(const pm_engine *e, const mapgrp *g)
{
	for (size_t i = 0; i < g->n; i++) {
		uint8_t st = g->st[i];
		if (st == B_DONE || st == B_CANCELLED)
			continue;
		const task *t = st == B_OWN ? task_get(e, g->first + i) : NULL;
		if (!t || !pm_task_state_final(t->state))
			return false;
	}
	return true;
}

/* Evicts what ended among tasks with ids up to ntasks - keep, in whole
 * maps and whole slabs of records: their memory goes, their counts stay,
 * and pm_engine_task_evicted tells them from ids that never were.  Runs
 * at most once a second (a map that has not ended is looked at again). */
void eng_evict_old(pm_engine *e)
{
	if (!e->keep || e->ntasks <= e->keep || e->now < e->evict_next)
		return;
	e->evict_next = e->now + 1.0;
	uint64_t limit = e->ntasks - e->keep;
	for (size_t k = 0; k < e->ngroups;) {
		mapgrp *g = e->groups[k];
		if (g->first + g->n - 1 > limit)
			break; /* sorted by first id */
		if (!group_ended(e, g)) {
			k++;
			continue;
		}
		for (size_t i = 0; i < g->n; i++)
			if (g->st[i] == B_OWN)
				eng_task_free(task_get(e, g->first + i));
		e->evicted += g->n;
		eng_group_free(g);
		memmove(&e->groups[k], &e->groups[k + 1],
			(e->ngroups - k - 1) * sizeof *e->groups);
		e->ngroups--;
		e->ghit = 0;
	}
	for (size_t k = e->evict_slab; k < e->nslabs; k++) {
		if ((uint64_t)(k + 1) * TASK_SLAB > limit)
			break;
		task *slab = e->slabs[k];
		if (!slab)
			continue;
		bool ended = true;
		size_t n = 0;
		for (size_t j = 0; j < TASK_SLAB && ended; j++) {
			const task *t = &slab[j];
			if (!t->id)
				continue;
			/* A map item's own record goes with its map. */
			ended = pm_task_state_final(t->state) &&
				!(t->group && eng_group_index(e, t->id) < e->ngroups);
			n++;
		}
		if (!ended)
			continue;
		for (size_t j = 0; j < TASK_SLAB; j++)
			eng_task_free(&slab[j]);
		free(slab);
		e->slabs[k] = NULL;
		e->evicted += n;
		if (k == e->evict_slab)
			e->evict_slab = k + 1;
	}
}
