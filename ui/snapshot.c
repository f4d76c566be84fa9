// SPDX-License-Identifier: GPL-3.0-or-later
/* snapshot.c — a pool's snapshot (ui_snap, source.h) as one JSON object
 * and back (jansson), and the taker the server's model hook calls
 * (ui_snapshot_json).  Each struct is described once by a table of its
 * fields, which both directions read, so they cannot drift apart.
 *
 * The object: {"snapshot":1, "counts":{…}, "pool":N, "last_task":N,
 * "cli_busy":B, "idle":B, "processes_alive":N, "target_workers":N,
 * "t0":S, "sys_cpu":P, "mem_used_kb":N, "mem_total_kb":N,
 * "workers":[{…}], "processes":[{…}], "samples":[{…}], "npanel":N,
 * "tasks":[{…}], "shared":[{…, "waiting":[…], "items":{…}}],
 * "maps":[{…}], "spans":[[first,count,worker,in_process,paused,state,
 * started,ended]…]}; times are pm_now's clock (CLOCK_MONOTONIC, the same
 * for every process of the machine). */
#include "source.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define SNAPSHOT_FORMAT 1

typedef enum ftype {
	F_U64,
	F_SIZE,
	F_I64,
	F_INT,
	F_UINT,
	F_ULONG,
	F_PID,
	F_BOOL,
	F_DBL,
	F_CHAR,
	F_BUF, /* a char array of size len */
	F_STR, /* a char * (NULL: JSON null) */
} ftype;

typedef struct field {
	const char *key;
	ftype type;
	size_t off, len;
} field;

#define FLD(st, f, t) { #f, t, offsetof(st, f), 0 }
#define BUF(st, f) { #f, F_BUF, offsetof(st, f), sizeof(((st *)0)->f) }
#define STR(st, f) { #f, F_STR, offsetof(st, f), 0 }
#define NFIELDS(a) (sizeof a / sizeof *a)

static const field counts_fields[] = {
	FLD(pm_counts, queued, F_SIZE),	    FLD(pm_counts, running, F_SIZE),
	FLD(pm_counts, paused, F_SIZE),	    FLD(pm_counts, done, F_SIZE),
	FLD(pm_counts, failed, F_SIZE),	    FLD(pm_counts, crashed, F_SIZE),
	FLD(pm_counts, timeout, F_SIZE),    FLD(pm_counts, terminated, F_SIZE),
	FLD(pm_counts, cancelled, F_SIZE),
};

static const field worker_fields[] = {
	FLD(pm_worker_info, id, F_U64),	      FLD(pm_worker_info, pid, F_PID),
	FLD(pm_worker_info, state, F_INT),    FLD(pm_worker_info, task, F_U64),
	FLD(pm_worker_info, task_now, F_U64), FLD(pm_worker_info, done, F_U64),
	FLD(pm_worker_info, restarts, F_UINT),
};

static const field process_fields[] = {
	FLD(pm_process_info, id, F_U64),
	{ "name", F_STR, offsetof(pm_process_info, name), 0 },
	FLD(pm_process_info, pid, F_PID),
	FLD(pm_process_info, alive, F_BOOL),
	FLD(pm_process_info, daemon, F_BOOL),
	FLD(pm_process_info, paused, F_BOOL),
	FLD(pm_process_info, exitcode, F_INT),
	FLD(pm_process_info, task, F_U64),
};

static const field sample_fields[] = {
	FLD(pm_proc_sample, pid, F_PID),      FLD(pm_proc_sample, state, F_CHAR),
	FLD(pm_proc_sample, cpu_pct, F_DBL),  FLD(pm_proc_sample, rss_kb, F_ULONG),
	FLD(pm_proc_sample, threads, F_INT),  FLD(pm_proc_sample, ctxsw, F_ULONG),
	FLD(pm_proc_sample, children, F_INT),
};

#define TI(f, t) { #f, t, offsetof(ui_task, info) + offsetof(pm_task_info, f), 0 }
static const field task_fields[] = {
	TI(id, F_U64),		TI(state, F_INT),	TI(worker, F_U64),
	TI(in_process, F_BOOL), TI(pid, F_PID),		TI(signo, F_INT),
	TI(progress, F_DBL),	TI(elapsed, F_DBL),	TI(queued_at, F_DBL),
	TI(started_at, F_DBL),	TI(ended_at, F_DBL),	TI(changed_at, F_DBL),
	STR(ui_task, name),	STR(ui_task, call),	STR(ui_task, outcome),
	STR(ui_task, result),	STR(ui_task, error),
};

static const field shared_fields[] = {
	BUF(pm_shared_info, name),
	FLD(pm_shared_info, kind, F_INT),
	FLD(pm_shared_info, code, F_CHAR),
	FLD(pm_shared_info, len, F_SIZE),
	FLD(pm_shared_info, has_lock, F_BOOL),
	FLD(pm_shared_info, qsize, F_SIZE),
	FLD(pm_shared_info, maxsize, F_SIZE),
	FLD(pm_shared_info, unfinished, F_SIZE),
	FLD(pm_shared_info, closed, F_BOOL),
	FLD(pm_shared_info, locked, F_BOOL),
	FLD(pm_shared_info, holder_pid, F_PID),
	FLD(pm_shared_info, owner_died, F_BOOL),
	FLD(pm_shared_info, dead_pid, F_PID),
	FLD(pm_shared_info, count, F_I64),
	FLD(pm_shared_info, parties, F_UINT),
	FLD(pm_shared_info, is_set, F_BOOL),
	FLD(pm_shared_info, broken, F_BOOL),
	FLD(pm_shared_info, waiters, F_UINT),
	BUF(pm_shared_info, holder_id),
	FLD(pm_shared_info, holder_dead, F_BOOL),
	BUF(pm_shared_info, dead_id),
	FLD(pm_shared_info, deadlock, F_BOOL),
	BUF(pm_shared_info, text),
	FLD(pm_shared_info, corrupt, F_BOOL),
};

static const field waiter_fields[] = {
	FLD(pm_shared_waiter, pid, F_PID),
	BUF(pm_shared_waiter, id),
	FLD(pm_shared_waiter, waited, F_DBL),
};

static const field queue_fields[] = {
	FLD(ui_snap_queue, total, F_SIZE),
	FLD(ui_snap_queue, busy, F_BOOL),
};

#define MI(f, t) { #f, t, offsetof(ui_map, info) + offsetof(pm_map_info, f), 0 }
static const field map_fields[] = {
	MI(first, F_U64),    MI(n, F_SIZE),	  MI(queued_at, F_DBL),
	BUF(ui_map, task),   FLD(ui_map, ended, F_SIZE),
	FLD(ui_map, rate, F_DBL),
};

/* A span is an array, in this order: there may be thousands. */
static const field span_fields[] = {
	FLD(pm_span_info, first, F_U64),   FLD(pm_span_info, count, F_U64),
	FLD(pm_span_info, worker, F_U64),  FLD(pm_span_info, in_process, F_BOOL),
	FLD(pm_span_info, paused, F_BOOL), FLD(pm_span_info, state, F_INT),
	FLD(pm_span_info, started, F_DBL), FLD(pm_span_info, ended, F_DBL),
};

static const field top_fields[] = {
	FLD(ui_snap, pool, F_INT),
	FLD(ui_snap, last_task, F_U64),
	FLD(ui_snap, cli_busy, F_BOOL),
	FLD(ui_snap, idle, F_BOOL),
	FLD(ui_snap, processes_alive, F_SIZE),
	FLD(ui_snap, target_workers, F_INT),
	FLD(ui_snap, t0, F_DBL),
	FLD(ui_snap, sys_cpu, F_DBL),
	FLD(ui_snap, mem_used_kb, F_ULONG),
	FLD(ui_snap, mem_total_kb, F_ULONG),
	FLD(ui_snap, npanel, F_SIZE),
};

/* ---- encoding ------------------------------------------------------------------ */

static json_t *field_value(const field *f, const void *st)
{
	const char *p = (const char *)st + f->off;
	switch (f->type) {
	case F_U64: return json_integer((json_int_t)*(const uint64_t *)p);
	case F_SIZE: return json_integer((json_int_t)*(const size_t *)p);
	case F_I64: return json_integer((json_int_t)*(const int64_t *)p);
	case F_INT: return json_integer(*(const int *)p);
	case F_UINT: return json_integer(*(const unsigned *)p);
	case F_ULONG: return json_integer((json_int_t)*(const unsigned long *)p);
	case F_PID: return json_integer(*(const pid_t *)p);
	case F_BOOL: return json_boolean(*(const bool *)p);
	case F_DBL: return json_real(*(const double *)p);
	case F_CHAR: return json_integer((unsigned char)*p);
	case F_BUF: return json_stringn(p, strnlen(p, f->len));
	case F_STR: {
		const char *s = *(const char *const *)p;
		return s ? json_string(s) : json_null();
	}
	}
	return json_null();
}

static json_t *enc_obj(const field *fs, size_t n, const void *st)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, fs[i].key, field_value(&fs[i], st));
	return o;
}

static json_t *enc_arr(const field *fs, size_t n, const void *st)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, field_value(&fs[i], st));
	return a;
}

static bool is_queue(pm_shared_kind k)
{
	return k == PM_SK_QUEUE || k == PM_SK_JOINABLE_QUEUE ||
	       k == PM_SK_SIMPLE_QUEUE;
}

static json_t *enc_shared(const pm_shared_info *in, const ui_snap_queue *q)
{
	json_t *o = enc_obj(shared_fields, NFIELDS(shared_fields), in);
	json_t *w = json_array();
	for (unsigned i = 0; i < in->nwaiting && i < PM_SHARED_WAITERS; i++)
		json_array_append_new(w, enc_obj(waiter_fields,
						 NFIELDS(waiter_fields),
						 &in->waiting[i]));
	json_object_set_new(o, "waiting", w);
	if (is_queue(in->kind)) {
		json_t *qo = enc_obj(queue_fields, NFIELDS(queue_fields), q);
		json_t *items = json_array();
		for (size_t k = 0; k < q->n; k++)
			json_array_append_new(items, json_string(q->items[k]));
		json_object_set_new(qo, "items", items);
		json_object_set_new(o, "queue", qo);
	}
	return o;
}

#define ENC_LIST(key, fs, arr, n, fn)                                         \
	do {                                                                  \
		json_t *a_ = json_array();                                    \
		for (size_t i_ = 0; i_ < (n); i_++)                           \
			json_array_append_new(a_, fn(fs, NFIELDS(fs),         \
						     &(arr)[i_]));            \
		json_object_set_new(o, key, a_);                              \
	} while (0)

char *ui_snap_encode(const ui_snap *s)
{
	json_t *o = enc_obj(top_fields, NFIELDS(top_fields), s);
	json_object_set_new(o, "snapshot", json_integer(SNAPSHOT_FORMAT));
	json_object_set_new(o, "counts", enc_obj(counts_fields,
						 NFIELDS(counts_fields),
						 &s->counts));
	ENC_LIST("workers", worker_fields, s->workers, s->nworkers, enc_obj);
	ENC_LIST("processes", process_fields, s->procs, s->nprocs, enc_obj);
	ENC_LIST("samples", sample_fields, s->samples, s->nsamples, enc_obj);
	ENC_LIST("tasks", task_fields, s->tasks, s->ntasks, enc_obj);
	ENC_LIST("maps", map_fields, s->maps, s->nmaps, enc_obj);
	ENC_LIST("spans", span_fields, s->spans, s->nspans, enc_arr);
	json_t *sh = json_array();
	for (size_t i = 0; i < s->nshared; i++)
		json_array_append_new(sh, enc_shared(&s->shared[i],
						     &s->queues[i]));
	json_object_set_new(o, "shared", sh);
	char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(o);
	return text;
}

/* ---- decoding ------------------------------------------------------------------ */

typedef struct dec {
	char *err;
	size_t errlen;
	bool failed;
} dec;

static void bad(dec *d, const char *what, const char *key)
{
	if (!d->failed)
		snprintf(d->err, d->errlen, "snapshot: %s%s%s", what,
			 key ? ": " : "", key ? key : "");
	d->failed = true;
}

static void set_field(dec *d, const field *f, void *st, json_t *v)
{
	char *p = (char *)st + f->off;
	if (f->type == F_STR) {
		if (json_is_null(v))
			*(char **)p = NULL;
		else if (json_is_string(v))
			*(char **)p = xstrdup(json_string_value(v));
		else
			bad(d, "not a string", f->key);
		return;
	}
	if (f->type == F_BUF) {
		if (!json_is_string(v) || json_string_length(v) >= f->len)
			return bad(d, "not a string that fits", f->key);
		memcpy(p, json_string_value(v), json_string_length(v) + 1);
		return;
	}
	if (f->type == F_BOOL) {
		if (!json_is_boolean(v))
			return bad(d, "not true or false", f->key);
		*(bool *)p = json_is_true(v);
		return;
	}
	if (f->type == F_DBL) {
		if (!json_is_number(v))
			return bad(d, "not a number", f->key);
		*(double *)p = json_number_value(v);
		return;
	}
	if (!json_is_integer(v))
		return bad(d, "not an integer", f->key);
	json_int_t i = json_integer_value(v);
	bool neg_ok = f->type == F_I64 || f->type == F_INT;
	if (i < 0 && !neg_ok)
		return bad(d, "negative", f->key);
	switch (f->type) {
	case F_U64: *(uint64_t *)p = (uint64_t)i; break;
	case F_SIZE: *(size_t *)p = (size_t)i; break;
	case F_I64: *(int64_t *)p = (int64_t)i; break;
	case F_INT: *(int *)p = (int)i; break;
	case F_UINT: *(unsigned *)p = (unsigned)i; break;
	case F_ULONG: *(unsigned long *)p = (unsigned long)i; break;
	case F_PID: *(pid_t *)p = (pid_t)i; break;
	case F_CHAR: *p = (char)i; break;
	default: break;
	}
}

static void dec_obj(dec *d, const field *fs, size_t n, json_t *o, void *st)
{
	if (!json_is_object(o))
		return bad(d, "not an object", fs[0].key);
	for (size_t i = 0; i < n && !d->failed; i++) {
		json_t *v = json_object_get(o, fs[i].key);
		if (!v)
			return bad(d, "missing", fs[i].key);
		set_field(d, &fs[i], st, v);
	}
}

static void dec_arr(dec *d, const field *fs, size_t n, json_t *a, void *st)
{
	if (!json_is_array(a) || json_array_size(a) != n)
		return bad(d, "not an array of the fields of", fs[0].key);
	for (size_t i = 0; i < n && !d->failed; i++)
		set_field(d, &fs[i], st, json_array_get(a, i));
}

/* The array o[key]: its items decoded into a calloc'd array (at least
 * one element, so a caller never frees NULL by mistake); its size in *n. */
static void *dec_list(dec *d, json_t *o, const char *key, const field *fs,
		      size_t nf, size_t size, size_t max, size_t *n,
		      void (*fn)(dec *, const field *, size_t, json_t *,
				 void *))
{
	json_t *a = json_object_get(o, key);
	*n = 0;
	if (!json_is_array(a)) {
		bad(d, "not a list", key);
		return xcalloc(1, size);
	}
	size_t len = json_array_size(a);
	if (len > max) {
		bad(d, "too many items in", key);
		return xcalloc(1, size);
	}
	char *out = xcalloc(len ? len : 1, size);
	for (size_t i = 0; i < len && !d->failed; i++, ++*n)
		fn(d, fs, nf, json_array_get(a, i), out + i * size);
	return out;
}

static void dec_shared(dec *d, json_t *o, pm_shared_info *in,
		       ui_snap_queue *q)
{
	dec_obj(d, shared_fields, NFIELDS(shared_fields), o, in);
	if (d->failed)
		return;
	json_t *w = json_object_get(o, "waiting");
	if (!json_is_array(w) || json_array_size(w) > PM_SHARED_WAITERS)
		return bad(d, "not a list of at most 8", "waiting");
	in->nwaiting = (unsigned)json_array_size(w);
	for (unsigned i = 0; i < in->nwaiting && !d->failed; i++)
		dec_obj(d, waiter_fields, NFIELDS(waiter_fields),
			json_array_get(w, i), &in->waiting[i]);
	json_t *qo = json_object_get(o, "queue");
	if (!qo || d->failed)
		return;
	dec_obj(d, queue_fields, NFIELDS(queue_fields), qo, q);
	json_t *items = json_object_get(qo, "items");
	if (!json_is_array(items) || json_array_size(items) > UI_QUEUE_ITEMS)
		return bad(d, "not a list of at most 20", "items");
	for (size_t k = 0; k < json_array_size(items); k++) {
		json_t *it = json_array_get(items, k);
		if (!json_is_string(it))
			return bad(d, "not a string", "items");
		q->items[q->n++] = xstrdup(json_string_value(it));
	}
}

bool ui_snap_decode(const char *json, ui_snap *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	json_error_t je;
	json_t *o = json_loads(json, 0, &je);
	if (!o) {
		snprintf(err, errlen, "snapshot: not JSON: %s", je.text);
		return false;
	}
	bool ok = ui_snap_from_json(o, s, err, errlen);
	json_decref(o);
	return ok;
}

bool ui_snap_from_json(json_t *o, ui_snap *s, char *err, size_t errlen)
{
	dec d = { err, errlen, false };
	memset(s, 0, sizeof *s);
	json_t *fmt = json_object_get(o, "snapshot");
	if (!json_is_integer(fmt) || json_integer_value(fmt) != SNAPSHOT_FORMAT)
		bad(&d, "not a snapshot of format 1", NULL);
	if (!d.failed)
		dec_obj(&d, top_fields, NFIELDS(top_fields), o, s);
	if (!d.failed)
		dec_obj(&d, counts_fields, NFIELDS(counts_fields),
			json_object_get(o, "counts"), &s->counts);
	const size_t many = (size_t)1 << 24;
	s->workers = dec_list(&d, o, "workers", worker_fields,
			      NFIELDS(worker_fields), sizeof *s->workers, many,
			      &s->nworkers, dec_obj);
	s->procs = dec_list(&d, o, "processes", process_fields,
			    NFIELDS(process_fields), sizeof *s->procs, many,
			    &s->nprocs, dec_obj);
	s->samples = dec_list(&d, o, "samples", sample_fields,
			      NFIELDS(sample_fields), sizeof *s->samples, many,
			      &s->nsamples, dec_obj);
	s->tasks = dec_list(&d, o, "tasks", task_fields, NFIELDS(task_fields),
			    sizeof *s->tasks, many, &s->ntasks, dec_obj);
	s->spans = dec_list(&d, o, "spans", span_fields, NFIELDS(span_fields),
			    sizeof *s->spans, SNAP_SPANS, &s->nspans, dec_arr);
	size_t nmaps = 0;
	ui_map *maps = dec_list(&d, o, "maps", map_fields, NFIELDS(map_fields),
				sizeof *maps, MAPS_SHOWN, &nmaps, dec_obj);
	memcpy(s->maps, maps, nmaps * sizeof *maps);
	s->nmaps = nmaps;
	free(maps);
	json_t *sh = json_object_get(o, "shared");
	if (!json_is_array(sh)) {
		bad(&d, "not a list", "shared");
		sh = NULL;
	}
	size_t nsh = sh ? json_array_size(sh) : 0;
	s->shared = xcalloc(nsh ? nsh : 1, sizeof *s->shared);
	s->queues = xcalloc(nsh ? nsh : 1, sizeof *s->queues);
	for (size_t i = 0; i < nsh && !d.failed; i++, s->nshared++)
		dec_shared(&d, json_array_get(sh, i), &s->shared[i],
			   &s->queues[i]);
	if (s->npanel > s->ntasks)
		bad(&d, "more panel rows than tasks", "npanel");
	if (d.failed) {
		ui_snap_clear(s);
		return false;
	}
	return true;
}

/* ---- the taker ----------------------------------------------------------------- */

struct ui_snap_taker {
	ui_source src;
	ui_model m; /* its libproc2 reader and the maps seen ended */
};

ui_snap_taker *ui_snap_taker_new(pm_engine *e, pm_cli *cli)
{
	ui_snap_taker *k = xcalloc(1, sizeof *k);
	k->src.e = e;
	k->src.cli = cli;
	model_init(&k->m);
	return k;
}

void ui_snap_taker_free(ui_snap_taker *k)
{
	if (!k)
		return;
	model_free(&k->m);
	free(k);
}

char *ui_snapshot_json(void *ud)
{
	ui_snap_taker *k = ud;
	ui_snap s;
	ui_snap_take(&s, &k->src, &k->m);
	char *text = ui_snap_encode(&s);
	ui_snap_clear(&s);
	return text;
}
