/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/submit.c — what enters the queue: a single submit (its
 * arguments checked against the task's signature, a task record) and a
 * map or starmap (its items kept in bulk, one range of ids). */
#define _GNU_SOURCE
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static int check_args(pm_engine *e, size_t p, size_t d, pm_value *args,
		      size_t nargs, char *err, size_t errlen)
{
	char why[512];
	const struct pm_task_def *def = &e->reg.entries[p].plugin->tasks[d];
	if (pm_signature_check(&e->reg.entries[p].sigs[d], args, nargs, why,
			       sizeof why) < 0)
		return pm_err(err, errlen, "%s.%s(%s): %s",
			      e->reg.entries[p].plugin->name, def->name,
			      def->signature ? def->signature : "", why);
	pm_value list = pm_list_take(args, nargs);
	if (pm_value_encoded_size(&list) > PM_REC_MAX / 2)
		return pm_err(err, errlen, "arguments too large (limit %zu bytes)",
			      (size_t)PM_REC_MAX / 2);
	return 0;
}

/* A checked copy of a task's arguments (an int made a float where the
 * signature wants one), or NULL with a message. */
pm_value *eng_args_checked(pm_engine *e, size_t p, size_t d,
			   const pm_value *args, size_t nargs, char *err,
			   size_t errlen)
{
	pm_value *copy = pm_values_copy(args, nargs);
	if (check_args(e, p, d, copy, nargs, err, errlen) < 0) {
		pm_values_free(copy, nargs);
		return NULL;
	}
	return copy;
}

static int accepting(const pm_engine *e, char *err, size_t errlen)
{
	if (e->init_broken)
		return pm_err(err, errlen,
			      "pool is broken: its initializer %s keeps failing (%s)",
			      e->init_task, e->init_error);
	if (e->state == PM_POOL_CLOSED || e->state == PM_POOL_TERMINATED)
		return pm_err(err, errlen,
			      "pool is %s: it accepts no more tasks",
			      pm_pool_state_name(e->state));
	return 0;
}

/* Task names resolve the same way until a plugin is loaded: remember the
 * last one (a loop of submits names the same task). */
static int find_task(pm_engine *e, const char *name, size_t *p, size_t *d,
		     char *err, size_t errlen)
{
	if (e->found_name && e->found_nplugins == e->reg.n &&
	    !strcmp(e->found_name, name)) {
		*p = e->found_plugin;
		*d = e->found_def;
		return 0;
	}
	if (pm_registry_find(&e->reg, name, p, d, err, errlen) < 0)
		return -1;
	free(e->found_name);
	e->found_name = xstrdup(name);
	e->found_nplugins = e->reg.n;
	e->found_plugin = *p;
	e->found_def = *d;
	return 0;
}

int pm_engine_submit(pm_engine *e, const char *name, const pm_value *args,
		     size_t nargs, const pm_submit_opts *opts, uint64_t *id,
		     char *err, size_t errlen)
{
	size_t p, d;
	if (accepting(e, err, errlen) < 0 || find_task(e, name, &p, &d, err,
						       errlen) < 0)
		return -1;
	if (opts && opts->timeout < 0)
		return pm_err(err, errlen, "timeout must be positive");
	pm_value *copy = eng_args_checked(e, p, d, args, nargs, err, errlen);
	if (!copy)
		return -1;
	task *t = eng_new_task(e, p, d, copy, nargs, true);
	t->timeout = opts ? opts->timeout : 0;
	t->chunksize = 1;
	*id = t->id;
	emit_task(e, t);
	if (!e->in_poll)
		eng_dispatch(e); /* idle workers start at once; the rest at poll */
	return 0;
}

static size_t map_chunksize(const pm_engine *e, size_t nitems,
			    size_t chunksize, size_t most)
{
	if (chunksize == 0) {
		/* Python's rule: about four chunks per worker. */
		size_t per = (size_t)(e->target > 0 ? e->target : 1) * 4;
		chunksize = (nitems + per - 1) / per;
	}
	if (chunksize < 1)
		chunksize = 1;
	if (chunksize > most)
		chunksize = most;
	return chunksize;
}

/* Numbers of one type, the one parameter's, copied as their bits to raw
 * (one pass over the items); false if they are not. */
static bool map_scalars(const pm_signature *sig, const pm_value *items,
			size_t n, uint64_t *raw)
{
	pm_type want = sig->params[0].type;
	if (sig->params[0].kwargs)
		return false;
	for (size_t i = 0; i < n; i++) {
		pm_type t = items[i].type;
		if ((t != PM_INT && t != PM_FLOAT && t != PM_NONE) ||
		    (want != PM_NONE && t != want) || t != items[0].type)
			return false;
		memcpy(&raw[i], &items[i].u.i, 8);
	}
	return true;
}

static void map_queue(pm_engine *e, mapgrp *g, size_t p, size_t d,
		      size_t chunksize, uint64_t *first);

int pm_engine_map(pm_engine *e, const char *name, const pm_value *items,
		  size_t nitems, size_t chunksize, uint64_t *first, char *err,
		  size_t errlen)
{
	size_t p, d;
	if (accepting(e, err, errlen) < 0 ||
	    pm_registry_find(&e->reg, name, &p, &d, err, errlen) < 0)
		return -1;
	const pm_signature *sig = &e->reg.entries[p].sigs[d];
	mapgrp *g = xcalloc(1, sizeof *g);
	g->spread = e->force_spread || sig->n != 1 || sig->params[0].variadic;
	g->n = nitems;
	size_t cap = nitems ? nitems : 1;
	bool number = nitems && (items[0].type == PM_INT ||
				 items[0].type == PM_FLOAT ||
				 items[0].type == PM_NONE);
	if (!g->spread && (number || !nitems)) {
		g->raw = eng_grp_alloc(cap * sizeof *g->raw);
		if (!map_scalars(sig, items, nitems, g->raw)) {
			eng_grp_free(g->raw, cap * sizeof *g->raw);
			g->raw = NULL;
		}
	}
	if (g->raw) {
		/* Numbers of the parameter's own type: nothing to check or
		 * convert per item, eight bytes each. */
		g->itype = nitems ? items[0].type : PM_INT;
	} else {
		g->items = pm_values_copy(items, nitems);
		for (size_t i = 0; i < nitems; i++) {
			pm_value *it = &g->items[i];
			bool list = g->spread && it->type == PM_LIST;
			char why[400];
			if (check_args(e, p, d, list ? it->u.list.items : it,
				       list ? it->u.list.len : 1, why,
				       sizeof why) < 0) {
				pm_err(err, errlen, "item %zu: %s", i + 1, why);
				pm_values_free(g->items, nitems);
				free(g);
				return -1;
			}
		}
	}
	map_queue(e, g, p, d, chunksize, first);
	return 0;
}

/* Queues map g of task (p, d), its items set: ids, arrays, the queue, the
 * queued events, the dispatch. */
static void map_queue(pm_engine *e, mapgrp *g, size_t p, size_t d,
		      size_t chunksize, uint64_t *first)
{
	size_t nitems = g->n, cap = nitems ? nitems : 1;
	g->first = e->ntasks + 1;
	g->queued_at = engine_now(e);
	g->gid = ++e->next_group;
	g->plugin = p;
	g->def = d;
	g->name = e->reg.entries[p].full_names[d];
	g->chunksize = map_chunksize(e, nitems, chunksize,
				     grp_numbers(g) ? MAP_CHUNK_MAX : CHUNK_MAX);
	g->st = eng_grp_alloc(cap); /* B_QUEUED */
	g->rt = eng_grp_alloc(cap);
	g->rraw = eng_grp_alloc(cap * sizeof *g->rraw);
	g->inc = eng_grp_alloc(cap * sizeof *g->inc);
	e->groups = xrealloc(e->groups, (e->ngroups + 1) * sizeof *e->groups);
	e->groups[e->ngroups++] = g;
	e->ntasks += nitems;
	e->counts.queued += nitems;
	*first = g->first;
	if (nitems)
		q_push_range(e, g->first, nitems);
	if (e->listen_ranges && nitems)
		eng_emit_bulk_range(e, g, 0, nitems, PM_TASK_QUEUED, NULL);
	for (size_t i = 0; e->listener && !e->listen_ranges && i < nitems; i++)
		eng_emit_bulk(e, g, i);
	if (!e->in_poll)
		eng_dispatch(e); /* idle workers start at once; the rest at poll */
}

/* Items built from a range, for a task that takes them otherwise than as
 * one int: as many values (the limit of a built range). */
#define RANGE_BUILD_MAX 10000000ULL

int pm_engine_map_range(pm_engine *e, const char *name, int64_t lo,
			uint64_t n, size_t chunksize, uint64_t *first,
			char *err, size_t errlen)
{
	size_t p, d;
	if (accepting(e, err, errlen) < 0 ||
	    pm_registry_find(&e->reg, name, &p, &d, err, errlen) < 0)
		return -1;
	if (n > PM_MAP_MAX)
		return pm_err(err, errlen,
			      "a map of %llu items is too large: at most %llu (each item's state and result are kept, 14 bytes an item)",
			      (unsigned long long)n,
			      (unsigned long long)PM_MAP_MAX);
	if (n && (uint64_t)INT64_MAX - (uint64_t)(lo < 0 ? 0 : lo) < n - 1)
		return pm_err(err, errlen, "range past the 64-bit integers");
	const pm_signature *sig = &e->reg.entries[p].sigs[d];
	pm_type want = sig->n == 1 ? sig->params[0].type : PM_NONE;
	if (e->force_spread || sig->n != 1 || sig->params[0].variadic ||
	    sig->params[0].kwargs || (want != PM_NONE && want != PM_INT)) {
		/* Checked and converted item by item: built. */
		if (n > RANGE_BUILD_MAX)
			return pm_err(err, errlen,
				      "%s.%s(%s) takes other than one int: a range of more than %llu items goes only to a task of one int parameter",
				      e->reg.entries[p].plugin->name,
				      e->reg.entries[p].plugin->tasks[d].name,
				      e->reg.entries[p].plugin->tasks[d].signature
					      ? e->reg.entries[p].plugin->tasks[d].signature
					      : "",
				      (unsigned long long)RANGE_BUILD_MAX);
		pm_value *items = xcalloc(n ? n : 1, sizeof *items);
		for (uint64_t k = 0; k < n; k++)
			items[k] = pm_int(lo + (int64_t)k);
		int rc = pm_engine_map(e, name, items, (size_t)n, chunksize,
				       first, err, errlen);
		free(items); /* ints: nothing inside */
		return rc;
	}
	mapgrp *g = xcalloc(1, sizeof *g);
	g->n = (size_t)n;
	g->lazy = true;
	g->lo = lo;
	g->itype = PM_INT;
	map_queue(e, g, p, d, chunksize, first);
	return 0;
}

int pm_engine_starmap(pm_engine *e, const char *name, const pm_value *items,
		      size_t nitems, size_t chunksize, uint64_t *first,
		      char *err, size_t errlen)
{
	for (size_t i = 0; i < nitems; i++)
		if (items[i].type != PM_LIST)
			return pm_err(err, errlen,
				      "item %zu: starmap items are argument lists (1,2)",
				      i + 1);
	e->force_spread = true;
	int rc = pm_engine_map(e, name, items, nitems, chunksize, first, err,
			       errlen);
	e->force_spread = false;
	return rc;
}
