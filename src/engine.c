#define _GNU_SOURCE
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin_loader.h"
#include "ring.h"
#include "shared.h"
#include "util.h"
#include "value.h"

#define CHUNK_MAX 1024
/* A chunk of numbers costs the manager nothing per item in flight: bigger
 * chunks, fewer round trips. */
#define MAP_CHUNK_MAX 8192
#define CHUNK_SLOTS (2 * MAP_CHUNK_MAX) /* items in flight to one worker */
#define TASK_SLAB 4096
#define KILL_GRACE 1.0    /* seconds between SIGTERM and SIGKILL */
#define BUSY_POLL_MS 5    /* ring check period while workers are busy */
#define SPIN_SECONDS 50e-6 /* spin before sleeping, when work is likely */
#define MAX_WORKERS 1024
#define KEEP_TASKS 100000 /* ended tasks a pool keeps, by default */
/* Single submits of a task that runs shorter than this (its mean so far)
 * go to a worker several at a time; longer or unknown ones one by one, so
 * they start in the order they were submitted. */
#define BATCH_BELOW 500e-6
/* A worker whose task has run this long while items sent after it wait
 * in its ring has those items taken back for an idle worker.  (Short
 * tasks sent in batches note their start on the tick clock, up to a tick,
 * 4 ms, early: this leaves room for that.) */
#define STUCK_AFTER 10e-3
#define TICKS_LONG_NS 8000000 /* a run this long is long on the tick clock */

/* A slot of a chunk of numbers: pending, or done with its result in out[]
 * (the worker wrote it; the manager counts it, then the slot is free). */
enum { SLOT_PENDING, SLOT_DONE };
/* A result's record begins with the task id, when it started and when it
 * ended (ns of the worker's clock, 0 if unknown). */
#define RESULT_HEAD 24
/* Who has an item sent to a worker, by slot (shm->claim): nobody yet, the
 * manager's skip (hold or cancel: the worker reports it skipped), the
 * worker (it started it), or the manager again (it took the item back for
 * another worker: the worker passes over it without a word).  The worker
 * and the manager change it only with a compare-and-swap from CLAIM_OPEN,
 * so an item is started or taken back, never both. */
enum { CLAIM_OPEN, CLAIM_SKIP, CLAIM_TAKEN, CLAIM_REVOKED };
/* Records from the manager to a worker. */
enum { DOWN_TASKS = 1, DOWN_LOAD, DOWN_EXIT, DOWN_MAP };
/* Records from a worker to the manager. */
enum {
	UP_DONE = 1, UP_FAILED, UP_PROGRESS, UP_LOG, UP_SKIPPED,
	UP_INIT_FAILED, UP_MAP_END,
};
#define INIT_FAILED_STATUS 121 /* a worker whose initializer failed exits so */
#define INIT_MAX_FAILURES 3    /* in a row, then the pool stops refilling */
#define INIT_BACKOFF 0.05      /* seconds before a worker whose initializer
				* failed is started again, doubling */

/* Shared between the manager and one worker. */
typedef struct shm_worker {
	_Atomic uint64_t cur_task; /* the task running now, 0 if none */
	_Atomic int64_t cur_started_ns; /* when it started (pm_now, ns) */
	_Atomic uint32_t cancel;   /* the running task should stop */
	_Atomic uint32_t in_init;  /* the worker runs the pool's initializer */
	_Atomic uint8_t claim[CHUNK_SLOTS]; /* CLAIM_*, by slot */
	/* A chunk of numbers (DOWN_MAP) goes through these, by slot: the
	 * item, and its result (out_type, out) if a number. */
	uint64_t in[CHUNK_SLOTS];
	uint64_t out[CHUNK_SLOTS];
	uint8_t out_type[CHUNK_SLOTS];
	_Atomic uint8_t out_st[CHUNK_SLOTS]; /* SLOT_* */
	pm_ring down;
	pm_ring up;
} shm_worker;

typedef struct shm_global {
	_Atomic uint32_t mgr_sleeping; /* workers write the eventfd if set */
} shm_global;

typedef enum pending_action { ACT_NONE, ACT_HOLD, ACT_CANCEL } pending_action;
typedef enum kill_reason {
	KILL_NONE,
	KILL_TIMEOUT,
	KILL_TERMINATE, /* terminate of the task, its worker or the pool */
	KILL_RETIRE,
} kill_reason;

typedef struct task {
	uint64_t id;
	size_t plugin, def;
	const char *name; /* plugin.task, owned by the registry */
	pm_value *args;
	size_t nargs;
	pm_task_state state;
	double timeout;
	double queued_at, started, ended, paused_at, paused_total;
	uint64_t worker;
	pid_t pid;
	pm_value result;
	char *error;
	int signo;
	double progress;
	uint64_t group;     /* map id: items of one map may share a chunk */
	size_t chunksize;
	pending_action pending;
	bool dispatched; /* sent to a worker, not started yet */
	bool alone;      /* ... last sent alone, not in a batch */
	bool in_process; /* runs in a standalone process, not the pool */
	bool args_borrowed; /* args point into a map's block */
	bool queued_in_deque;
} task;

/* A map's items, kept in bulk: a state byte, a result and where it ran per
 * item, no task record.  An item gets a task record of its own (B_OWN)
 * only when someone acts on it or it ends other than done/cancelled. */
enum { B_QUEUED, B_SENT, B_RUNNING, B_DONE, B_CANCELLED, B_OWN };

typedef struct mapgrp {
	uint64_t first; /* task id of item 0 */
	size_t n;
	uint64_t gid;   /* the group number its own tasks carry */
	size_t plugin, def;
	const char *name;
	size_t chunksize;
	bool spread;      /* a list item is the argument list */
	/* The items: numbers of one type (raw, the common case), or checked
	 * copies of any values (items). */
	pm_type itype;
	uint64_t *raw;
	pm_value *items;
	uint8_t *st;      /* B_* */
	/* Results: a number is its type in rt and its bits in rraw; any
	 * other value goes to results (made when first needed), rt R_VALUE. */
	uint8_t *rt;
	uint64_t *rraw;
	pm_value *results;
	uint32_t *inc;    /* the chunk (e->spans) it was last sent in */
	double queued_at; /* when the map was queued */
} mapgrp;
#define R_VALUE 0xff

/* Each start of a worker, for the map items it ran. */
typedef struct worker_run {
	uint64_t worker;
	pid_t pid;
} worker_run;

/* A chunk of a map's items sent to a worker: which start of which worker
 * (e->runs), when its first item started and its last ended (0: not
 * yet), as the worker's clock said.  A map item's times are its chunk's. */
typedef struct span {
	uint32_t run;
	double started, ended;
} span;

/* A deque entry: ids first..first+n-1, the queued ones among them. */
typedef struct qent {
	uint64_t first, n;
} qent;

/* A worker's items in flight, by slot; only workers that got work have
 * them (a pool of idle workers forks faster). */
typedef struct worker_slots {
	uint64_t chunk[CHUNK_SLOTS]; /* the item's task id */
	/* Ended out of order (a record came for it while an item before it
	 * was still on). */
	bool fin[CHUNK_SLOTS];
	/* In a chunk of numbers: its result may come in shm->out. */
	bool by_slot[CHUNK_SLOTS];
} worker_slots;

typedef struct worker {
	uint64_t id;
	pid_t pid;
	pm_worker_state state;
	shm_worker *shm;
	/* Items sent and not finished, in order: slots head..tail-1 (mod
	 * CHUNK_SLOTS).  Results come back in that order. */
	struct worker_slots *sl; /* made at the first dispatch */
	uint64_t head, tail;
	uint64_t last_chunk; /* slot where the last chunk sent begins */
	bool last_chunk_map; /* ... and it was a map's */
	uint64_t running;
	double running_since; /* when we saw it start, if its worker does
			       * not say (a chunk of numbers) */
	uint64_t done;
	unsigned restarts;
	uint32_t run; /* its index in e->runs for this start */
	unsigned since_start;
	bool retiring; /* asked to exit; the slot goes away */
	bool recycling; /* asked to exit (maxtasks); the slot is refilled */
	bool exit_sent;
	bool stopped;  /* SIGSTOPped */
	uint64_t stop_task; /* ... for this task (0: the worker itself) */
	kill_reason kill;
	uint64_t kill_task; /* the task it is killed for; 0: the worker */
	double kill_at; /* SIGKILL deadline, 0 if none */
	double restart_at; /* start it again then (its initializer failed) */
	double sent_at; /* when its current chunk was sent */
	/* Standalone processes (spawn) reuse the worker machinery. */
	bool is_process;
	bool daemon;
	bool exited;
	int exitcode; /* Python's: 0, 1 for a failed task, -N for signal N */
	char *name;
	uint64_t task_id; /* a process's one task */
} worker;

struct pm_engine {
	pm_loop *loop;
	pm_registry reg;
	pm_shared *shared; /* mapped before any fork: every child sees it */
	shm_global *g;
	int efd;
	pid_t manager_pid;
	worker **workers;
	size_t nworkers;
	uint64_t next_worker_id;
	int target;
	worker **procs; /* standalone processes, alive or not */
	size_t nprocs;
	task **slabs; /* tasks by id, TASK_SLAB at a time: ids never move;
		       * NULL where only map items (bulk) live */
	size_t ntasks, nslabs;
	mapgrp **groups; /* maps, by first id */
	size_t ngroups, ghit;
	worker_run *runs;
	size_t nruns;
	span *spans;
	size_t nspans, spans_cap;
	/* What pm_engine_task_info and events show of a map item, valid until
	 * the next call (a separate block: info is given from a const
	 * engine). */
	struct bulk_view *view;
	qent *q; /* deque of ranges of queued, undispatched task ids */
	size_t qhead, qlen, qcap;
	pm_pool_state state;
	bool dispatch_paused;
	int maxtasks;
	/* Mean run time of each task of each plugin (seconds, < 0: none
	 * seen yet), by plugin then task: single submits of a task measured
	 * shorter than batch_below go out in batches. */
	double **run_mean;
	size_t nrun_mean;
	double *mean_hit; /* the last one asked for, of mean_p, mean_d */
	size_t mean_p, mean_d;
	double batch_below;
	double t0; /* when the engine was made */
	size_t keep;       /* ended tasks kept (0: all) */
	uint64_t evicted;  /* tasks whose records went */
	double evict_next; /* when evict_old looks again */
	size_t evict_slab; /* slabs before it are all gone or only maps' */
	uint64_t next_group;
	pm_event_fn listener;
	void *ud;
	bool sigchld;
	pm_counts counts;
	bool in_poll;
	double now; /* pm_now() at the start of the current poll */
	bool started; /* the pool was brought up to its size once */
	bool force_spread; /* starmap: every item is an argument list */
	char *found_name; /* find_task's memory */
	size_t found_nplugins, found_plugin, found_def;
	/* Pool initializer, run in each worker as it starts. */
	const char *init_task;
	size_t init_plugin, init_def;
	pm_value *init_args;
	size_t init_nargs;
	char *init_error;       /* the last failure's message */
	unsigned init_failures; /* in a row */
	bool init_broken;       /* gave up refilling the pool */
};

/* ---- worker side ------------------------------------------------------ */

typedef struct worker_ctx {
	pm_ctx ctx;
	pm_ctx fresh; /* ctx as made: each task gets it anew (a task may
		       * write over the one it was given) */
	pm_engine *e;
	worker *w;
	uint64_t task;
	char task_id[24], worker_id[24];
	char error[1024];
	double last_progress;
	double last_notify; /* when we last woke the manager */
	unsigned since_notify;
	bool last_in_chunk; /* the item running is the chunk's last */
	int64_t started_ns; /* when the task running began (pm_now, ns) */
	bool coarse_clock;  /* items of a map: the tick clock */
} worker_ctx;

static worker_ctx *g_wctx; /* the one running task in this worker */

/* DOWN_MAP: tasks first_id.. of a map of numbers of type itype, the
 * items in shm->in[slot..slot+n-1] (mod CHUNK_SLOTS). */
typedef struct map_chunk {
	uint32_t plugin, def, n, slot;
	uint32_t itype, pad;
	uint64_t first_id;
} map_chunk;

/* A number's type and bits, as a value. */
static pm_value raw_value(pm_type type, uint64_t bits)
{
	pm_value v = pm_none();
	v.type = type;
	if (type == PM_INT || type == PM_FLOAT)
		memcpy(&v.u.i, &bits, 8);
	return v;
}

/* "t123" without printf: this runs once per task. */
static void format_id(char out[24], char prefix, uint64_t id)
{
	char tmp[21];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + id % 10);
		id /= 10;
	} while (id);
	out[0] = prefix;
	for (int i = 0; i < n; i++)
		out[1 + i] = tmp[n - 1 - i];
	out[1 + n] = '\0';
}

/* The decimal id in s (after its one-letter prefix), plus one. */
static void id_increment(char *s)
{
	size_t n = strlen(s);
	size_t k = n;
	while (k > 1 && s[k - 1] == '9')
		s[--k] = '0';
	if (k > 1) {
		s[k - 1]++;
		return;
	}
	memmove(s + 2, s + 1, n); /* 9..9 + 1: one digit more */
	s[1] = '1';
}

static void check_parent(pm_engine *e)
{
	if (getppid() != e->manager_pid)
		_exit(0);
}

static void up_send(worker_ctx *wc, uint32_t type, const void *head,
		    size_t hlen, const pm_value *v)
{
	shm_worker *s = wc->w->shm;
	size_t vlen = v ? pm_value_encoded_size(v) : 0;
	size_t len = hlen + vlen;
	unsigned char *p;
	while (!(p = pm_ring_reserve(&s->up, len))) {
		if (len > PM_REC_MAX)
			return; /* callers check sizes; never happens */
		uint32_t seq = atomic_load(&s->up.cons_seq);
		atomic_store(&s->up.prod_waiting, 1);
		if ((p = pm_ring_reserve(&s->up, len))) {
			atomic_store(&s->up.prod_waiting, 0);
			break;
		}
		/* Full: the manager must read it now, not at its next look. */
		if (atomic_exchange(&wc->e->g->mgr_sleeping, 0)) {
			uint64_t one = 1;
			ssize_t r = write(wc->e->efd, &one, sizeof one);
			(void)r;
		}
		struct timespec ts = { 1, 0 };
		pm_futex(&s->up.cons_seq, FUTEX_WAIT, seq, &ts);
		check_parent(wc->e);
	}
	memcpy(p, head, hlen);
	if (v)
		pm_value_encode(v, p + hlen, vlen);
	/* The manager never sleeps on this ring: publishing is one store. */
	pm_ring_commit_quiet(&s->up, type, len);
	/* Wake a sleeping manager only when it has to act now: this worker
	 * is about to run out of work, or a millisecond passed since the last
	 * wake-up.  Busy workers thus cost no system call per task; the
	 * manager looks at the rings every few ms while anyone is busy. */
	bool ends_chunk = wc->last_in_chunk &&
			  (type == UP_DONE || type == UP_FAILED ||
			   type == UP_SKIPPED || type == UP_MAP_END);
	if (!ends_chunk && ++wc->since_notify % 32)
		return; /* read the clock once per 32 records */
	double now = pm_now();
	if (!ends_chunk && now - wc->last_notify < 0.001)
		return;
	atomic_thread_fence(memory_order_seq_cst); /* the record, then the flag */
	if (atomic_exchange(&wc->e->g->mgr_sleeping, 0)) {
		uint64_t one = 1;
		ssize_t r = write(wc->e->efd, &one, sizeof one);
		(void)r;
		wc->last_notify = now;
	}
}

/* When the task running ended, as its result is sent (the clock its
 * start was read with). */
static int64_t ended_ns(const worker_ctx *wc)
{
	if (!wc->started_ns)
		return 0;
	return (int64_t)((wc->coarse_clock ? pm_now_coarse() : pm_now()) * 1e9);
}

static void up_send_text(worker_ctx *wc, uint32_t type, uint64_t id,
			 const char *text)
{
	pm_value v = pm_none();
	size_t len = strlen(text);
	if (len > 4096)
		len = 4096;
	v.type = PM_STR;
	v.u.s.ptr = (char *)text;
	v.u.s.len = len;
	if (type == UP_FAILED) {
		int64_t head[3] = { (int64_t)id, wc->started_ns,
				    ended_ns(wc) };
		up_send(wc, type, head, sizeof head, &v);
	} else {
		up_send(wc, type, &id, sizeof id, &v);
	}
}

static int ctx_cancelled(pm_ctx *ctx)
{
	worker_ctx *wc = (worker_ctx *)ctx;
	return atomic_load(&wc->w->shm->cancel) != 0;
}

static void ctx_progress(pm_ctx *ctx, double f)
{
	worker_ctx *wc = (worker_ctx *)ctx;
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	if (f - wc->last_progress < 0.01 && f < 1)
		return;
	wc->last_progress = f;
	unsigned char head[16];
	memcpy(head, &wc->task, 8);
	memcpy(head + 8, &f, 8);
	up_send(wc, UP_PROGRESS, head, sizeof head, NULL);
}

static void ctx_log(pm_ctx *ctx, const char *fmt, ...)
{
	worker_ctx *wc = (worker_ctx *)ctx;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	if (fmt)
		vsnprintf(line, sizeof line, fmt, ap);
	else
		snprintf(line, sizeof line, "(log with a NULL format)");
	va_end(ap);
	up_send_text(wc, UP_LOG, wc->task, line);
}

static int ctx_fail(pm_ctx *ctx, const char *fmt, ...)
{
	worker_ctx *wc = (worker_ctx *)ctx;
	va_list ap;
	va_start(ap, fmt);
	if (fmt)
		vsnprintf(wc->error, sizeof wc->error, fmt, ap);
	else
		snprintf(wc->error, sizeof wc->error,
			 "(fail with a NULL format)");
	va_end(ap);
	return -1;
}

static void *ctx_shared(pm_ctx *ctx, const char *name)
{
	worker_ctx *wc = (worker_ctx *)ctx;
	return pm_shared_find(wc->e->shared, name);
}

/* A task's end, told through the ring: its result, or why it failed.  A
 * result that fails pm_value_check fails the task; its pointers cannot be
 * trusted, so it is neither encoded nor freed (*result becomes None: a
 * leak, in a plugin that is broken anyway). */
static void send_result(worker_ctx *wc, uint64_t id, int rc,
			pm_value *result)
{
	char why[200];
	if (!pm_value_check(result, why, sizeof why)) {
		*result = pm_none();
		if (rc == 0) {
			rc = -1;
			snprintf(wc->error, sizeof wc->error,
				 "invalid result from plugin: %s", why);
		}
	}
	if (rc == 0 && pm_value_encoded_size(result) + RESULT_HEAD > PM_REC_MAX) {
		rc = -1;
		snprintf(wc->error, sizeof wc->error,
			 "result too large (%zu bytes, limit %zu)",
			 pm_value_encoded_size(result),
			 (size_t)PM_REC_MAX - RESULT_HEAD);
	}
	if (rc == 0)
		up_send(wc, UP_DONE,
			(int64_t[3]){ (int64_t)id, wc->started_ns,
				      ended_ns(wc) },
			RESULT_HEAD, result);
	else
		up_send_text(wc, UP_FAILED, id,
			     wc->error[0] ? wc->error : "task failed");
}

/* The task about to run, in the worker's context. */
static void name_task(worker_ctx *wc, uint64_t id)
{
	/* Items of a chunk come one after the other. */
	if (wc->task && id == wc->task + 1)
		id_increment(wc->task_id);
	else
		format_id(wc->task_id, 't', id);
	wc->task = id;
	wc->error[0] = '\0';
	wc->last_progress = 0;
	wc->ctx = wc->fresh;
}

/* The task about to run, on the worker's page and in its context. */
static void begin_task(worker_ctx *wc, uint64_t id)
{
	name_task(wc, id);
	/* No message for the start: the manager reads cur_task (the hot
	 * path sends one record per task, its result). */
	/* A map's items are many and short: the tick clock will do. */
	wc->started_ns = (int64_t)((wc->coarse_clock ? pm_now_coarse()
						     : pm_now()) * 1e9);
	atomic_store_explicit(&wc->w->shm->cur_started_ns, wc->started_ns,
			      memory_order_relaxed);
	atomic_store_explicit(&wc->w->shm->cur_task, id, memory_order_release);
}

static void run_one(worker_ctx *wc, const struct pm_task_def *def,
		    uint64_t id, const unsigned char *enc, size_t enclen)
{
	wc->started_ns = 0;
	/* Few arguments (the common case) are decoded on the stack. */
	pm_value few[8];
	pm_value args = pm_none();
	size_t nargs = 0;
	pm_value *argv = few;
	if (!pm_value_decode_items(enc, enclen, few, 8, &nargs)) {
		if (!pm_value_decode(enc, enclen, &args) ||
		    args.type != PM_LIST) {
			up_send_text(wc, UP_FAILED, id,
				     "corrupt task arguments");
			pm_value_free(&args);
			return;
		}
		argv = args.u.list.items;
		nargs = args.u.list.len;
	}
	begin_task(wc, id);
	pm_value result = pm_none();
	int rc = def->fn(&wc->ctx, argv, nargs, &result);
	send_result(wc, id, rc, &result);
	atomic_store_explicit(&wc->w->shm->cur_task, 0, memory_order_release);
	pm_value_free(&result);
	if (argv == few)
		for (size_t i = 0; i < nargs; i++)
			pm_value_free(&few[i]);
	else
		pm_value_free(&args);
}

/* The worker takes the item in slot before it starts it: CLAIM_TAKEN if
 * it may run it, else what the manager said first (skip, or taken back). */
static int claim_slot(shm_worker *s, size_t slot)
{
	uint8_t want = CLAIM_OPEN;
	if (atomic_compare_exchange_strong_explicit(
		    &s->claim[slot], &want, CLAIM_TAKEN, memory_order_acq_rel,
		    memory_order_acquire))
		return CLAIM_TAKEN;
	return want;
}

/* An item the manager took back: nothing to say about it, but the manager
 * should look soon, this worker may be out of work now. */
static void revoked_passed(worker_ctx *wc)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_exchange(&wc->e->g->mgr_sleeping, 0)) {
		uint64_t one = 1;
		ssize_t r = write(wc->e->efd, &one, sizeof one);
		(void)r;
	}
}

static void run_chunk(worker_ctx *wc, const unsigned char *p, size_t len)
{
	uint32_t hdr[5]; /* plugin, task, items, first slot, map */
	if (len < sizeof hdr)
		return;
	memcpy(hdr, p, sizeof hdr);
	/* A map's items, or single submits sent several at once (short
	 * ones, see dispatch_to): the tick clock will do. */
	wc->coarse_clock = hdr[4] != 0 || hdr[2] > 1;
	size_t off = sizeof hdr;
	const pm_registry *reg = &wc->e->reg;
	const struct pm_task_def *def = NULL;
	if (hdr[0] < reg->n && hdr[1] < reg->entries[hdr[0]].ntasks)
		def = &reg->entries[hdr[0]].plugin->tasks[hdr[1]];
	for (uint32_t i = 0; i < hdr[2] && off + 12 <= len; i++) {
		uint64_t id;
		uint32_t enclen;
		memcpy(&id, p + off, 8);
		memcpy(&enclen, p + off + 8, 4);
		off += 12;
		if (enclen > len - off)
			break;
		wc->last_in_chunk = i + 1 == hdr[2];
		wc->started_ns = 0;
		int claim = claim_slot(wc->w->shm, (hdr[3] + i) % CHUNK_SLOTS);
		if (claim == CLAIM_REVOKED)
			revoked_passed(wc);
		else if (claim == CLAIM_SKIP)
			up_send(wc, UP_SKIPPED, &id, sizeof id, NULL);
		else if (!def)
			up_send_text(wc, UP_FAILED, id,
				     "task not loaded in this worker");
		else
			run_one(wc, def, id, p + off, enclen);
		off += enclen;
	}
}

/* A number's result left in its slot for the manager to count (one plain
 * store publishes it); false if it is not a number: then it goes through
 * the ring. */
static bool result_in_slot(shm_worker *s, size_t slot, const pm_value *r)
{
	if (r->type != PM_INT && r->type != PM_FLOAT && r->type != PM_NONE)
		return false;
	uint64_t bits = 0;
	if (r->type != PM_NONE)
		memcpy(&bits, &r->u.i, 8);
	s->out[slot] = bits;
	s->out_type[slot] = (uint8_t)r->type;
	atomic_store_explicit(&s->out_st[slot], SLOT_DONE,
			      memory_order_release);
	return true;
}

/* A chunk of numbers: no record per item unless it fails or returns
 * something other than a number; one record at the end, which wakes the
 * manager. */
static void run_map_chunk(worker_ctx *wc, const unsigned char *p, size_t len)
{
	map_chunk mc;
	if (len < sizeof mc)
		return;
	memcpy(&mc, p, sizeof mc);
	const pm_registry *reg = &wc->e->reg;
	const struct pm_task_def *def = NULL;
	if (mc.plugin < reg->n && mc.def < reg->entries[mc.plugin].ntasks)
		def = &reg->entries[mc.plugin].plugin->tasks[mc.def];
	shm_worker *s = wc->w->shm;
	wc->coarse_clock = true;
	wc->last_in_chunk = false;
	atomic_store_explicit(&s->cur_started_ns, 0, memory_order_relaxed);
	/* The chunk's times: two clock reads for all its items. */
	int64_t times[3] = { (int64_t)mc.first_id, (int64_t)(pm_now() * 1e9),
			     0 };
	for (uint32_t k = 0; k < mc.n; k++) {
		uint64_t id = mc.first_id + k;
		size_t slot = (mc.slot + k) % CHUNK_SLOTS;
		wc->started_ns = 0;
		int claim = claim_slot(s, slot);
		if (claim == CLAIM_REVOKED) {
			revoked_passed(wc);
			continue;
		}
		if (claim == CLAIM_SKIP) {
			up_send(wc, UP_SKIPPED, &id, sizeof id, NULL);
			continue;
		}
		if (!def) {
			up_send_text(wc, UP_FAILED, id,
				     "task not loaded in this worker");
			continue;
		}
		/* As begin_task, without a clock: a chunk of numbers holds
		 * many short items, and the manager notes when it sees one
		 * running. */
		name_task(wc, id);
		atomic_store_explicit(&s->cur_task, id, memory_order_release);
		pm_value arg, result = pm_none();
		memset(&arg, 0, sizeof arg);
		arg.type = (pm_type)mc.itype;
		if (arg.type != PM_NONE)
			memcpy(&arg.u.i, &s->in[slot], 8);
		int rc = def->fn(&wc->ctx, &arg, 1, &result);
		if (rc == 0 && result_in_slot(s, slot, &result))
			continue;
		send_result(wc, id, rc, &result);
		pm_value_free(&result);
	}
	atomic_store_explicit(&s->cur_task, 0, memory_order_release);
	wc->last_in_chunk = true;
	times[2] = (int64_t)(pm_now() * 1e9);
	up_send(wc, UP_MAP_END, times, sizeof times, NULL);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void wait_for_work(pm_engine *e, shm_worker *s, bool spin)
{
	/* Work often follows work at once (apply in a loop, the next chunk):
	 * a short spin then saves two context switches.  A worker that has
	 * not worked yet sleeps at once, leaving the CPU to the others. */
	double until = pm_now() + (spin ? SPIN_SECONDS : 0);
	for (unsigned k = 1; spin && pm_ring_empty(&s->down); k++) {
		cpu_relax();
		if (k % 64 == 0 && pm_now() >= until)
			break;
	}
	if (!pm_ring_empty(&s->down))
		return;
	uint32_t seq = atomic_load(&s->down.prod_seq);
	atomic_store(&s->down.cons_waiting, 1);
	if (!pm_ring_empty(&s->down)) {
		atomic_store(&s->down.cons_waiting, 0);
		return;
	}
	/* Wake at least once a second to notice a dead manager even if
	 * PDEATHSIG was missed. */
	struct timespec ts = { 1, 0 };
	pm_futex(&s->down.prod_seq, FUTEX_WAIT, seq, &ts);
	check_parent(e);
}

static __attribute__((noreturn)) void worker_main(pm_engine *e, worker *w)
{
	worker_ctx wc;
	memset(&wc, 0, sizeof wc);
	wc.ctx.size = sizeof wc.ctx;
	wc.ctx.task_id = wc.task_id;
	wc.ctx.worker_id = wc.worker_id;
	wc.ctx.cancelled = ctx_cancelled;
	wc.ctx.progress = ctx_progress;
	wc.ctx.log = ctx_log;
	wc.ctx.fail = ctx_fail;
	wc.ctx.shared = ctx_shared;
	wc.ctx.shm = pm_shared_api();
	wc.fresh = wc.ctx;
	wc.e = e;
	wc.w = w;
	snprintf(wc.worker_id, sizeof wc.worker_id, "%c%llu",
		 w->is_process ? 'p' : 'w', (unsigned long long)w->id);
	g_wctx = &wc;
	shm_worker *s = w->shm;
	if (e->init_task) {
		/* Pool(initializer=…): once, before any task. */
		const struct pm_task_def *def =
			&e->reg.entries[e->init_plugin].plugin->tasks[e->init_def];
		pm_value result = pm_none();
		wc.ctx.task_id = "init";
		/* A crash or exit in there is the initializer's failure too. */
		atomic_store(&s->in_init, 1);
		int rc = def->fn(&wc.ctx, e->init_args, e->init_nargs, &result);
		if (pm_value_check(&result, NULL, 0)) /* else: as send_result */
			pm_value_free(&result);
		wc.ctx.task_id = wc.task_id;
		if (rc != 0) {
			up_send_text(&wc, UP_INIT_FAILED, 0,
				     wc.error[0] ? wc.error : "initializer failed");
			_exit(INIT_FAILED_STATUS);
		}
		atomic_store(&s->in_init, 0);
	}
	bool worked = false; /* since the last sleep */
	for (;;) {
		pm_rec_hdr h;
		const unsigned char *p = pm_ring_peek(&s->down, &h);
		if (!p) {
			wait_for_work(e, s, worked);
			worked = false;
			continue;
		}
		switch (h.type) {
		case DOWN_TASKS:
			run_chunk(&wc, p, h.len);
			worked = true;
			break;
		case DOWN_MAP:
			run_map_chunk(&wc, p, h.len);
			worked = true;
			break;
		case DOWN_LOAD: {
			/* The manager's open fd of the file it vetted, then
			 * its path (for messages): never loaded by path. */
			pm_plugin_ref ref;
			char path[PATH_MAX];
			char err[512];
			if (h.len < sizeof ref)
				break;
			memcpy(&ref, p, sizeof ref);
			size_t n = h.len - sizeof ref;
			if (n > sizeof path - 1)
				n = sizeof path - 1;
			memcpy(path, p + sizeof ref, n);
			path[n] = '\0';
			if (pm_registry_load_ref(&e->reg, &ref, path, err,
						 sizeof err) < 0)
				up_send_text(&wc, UP_LOG, 0, err);
			break;
		}
		case DOWN_EXIT:
			_exit(0);
		}
		pm_ring_pop(&s->down, &h);
	}
}

/* ---- manager side ----------------------------------------------------- */

static task *task_get(const pm_engine *e, uint64_t id)
{
	if (id < 1 || id > e->ntasks)
		return NULL;
	size_t k = (size_t)((id - 1) / TASK_SLAB);
	if (k >= e->nslabs || !e->slabs[k])
		return NULL;
	task *t = &e->slabs[k][(id - 1) % TASK_SLAB];
	return t->id ? t : NULL;
}

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
		/* Its first id: submits fill it in order; else one map item
		 * getting a record needs a page, not the slab. */
		if ((id - 1) % TASK_SLAB == 0)
			prefault(e->slabs[k], TASK_SLAB * sizeof(task));
	}
	return &e->slabs[k][(id - 1) % TASK_SLAB];
}

/* The index in e->groups of the map whose ids hold id, or ngroups. */
static size_t group_index(const pm_engine *e, uint64_t id)
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

/* The map holding id as a bulk item (not B_OWN), and its index there. */
static mapgrp *group_find(const pm_engine *e, uint64_t id, size_t *idx)
{
	size_t k = group_index(e, id);
	if (k == e->ngroups)
		return NULL;
	mapgrp *g = e->groups[k];
	*idx = (size_t)(id - g->first);
	return g->st[*idx] == B_OWN ? NULL : g;
}

/* The same, remembering the last map hit (results come in runs). */
static inline mapgrp *group_of(pm_engine *e, uint64_t id, size_t *idx)
{
	mapgrp *g = e->ghit < e->ngroups ? e->groups[e->ghit] : NULL;
	if (__builtin_expect(!g || id < g->first || id >= g->first + g->n,
			     0)) {
		e->ghit = group_index(e, id);
		if (e->ghit == e->ngroups)
			return NULL;
		g = e->groups[e->ghit];
	}
	*idx = (size_t)(id - g->first);
	return g->st[*idx] == B_OWN ? NULL : g;
}

/* A map's per-item arrays, zeroed.  Big ones are mapped with huge pages
 * where the kernel allows (a million results are 24 MB: 6,000 page
 * faults less). */
#define BIG_ARRAY (2u << 20)
static void *grp_alloc(size_t size)
{
	if (size < BIG_ARRAY)
		return xcalloc(1, size ? size : 1);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return xcalloc(1, size);
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);
#endif
	return p;
}

static void grp_free(void *p, size_t size)
{
	if (size < BIG_ARRAY)
		free(p);
	else
		munmap(p, size);
}

static pm_task_state bulk_state(uint8_t st)
{
	switch (st) {
	case B_RUNNING: return PM_TASK_RUNNING;
	case B_DONE: return PM_TASK_DONE;
	case B_CANCELLED: return PM_TASK_CANCELLED;
	default: return PM_TASK_QUEUED;
	}
}

typedef struct bulk_view {
	pm_value arg, result;
} bulk_view;

/* Item i's arguments; numbers are shown through *tmp. */
static void bulk_args(const mapgrp *g, size_t i, pm_value *tmp,
		      const pm_value **args, size_t *nargs)
{
	if (g->raw) {
		*tmp = raw_value(g->itype, g->raw[i]);
		*args = tmp;
		*nargs = 1;
		return;
	}
	const pm_value *it = &g->items[i];
	if (g->spread && it->type == PM_LIST) {
		*args = it->u.list.items;
		*nargs = it->u.list.len;
	} else {
		*args = it;
		*nargs = 1;
	}
}

/* Item i's result (done), through *tmp for a number. */
static const pm_value *bulk_result(const mapgrp *g, size_t i, pm_value *tmp)
{
	if (g->rt[i] == R_VALUE)
		return &g->results[i];
	*tmp = raw_value((pm_type)g->rt[i], g->rraw[i]);
	return tmp;
}

static task *new_task_q(pm_engine *e, size_t p, size_t d, pm_value *args,
			size_t nargs, bool queue);

static worker *worker_get(const pm_engine *e, uint64_t id)
{
	for (size_t i = 0; i < e->nworkers; i++)
		if (e->workers[i]->id == id)
			return e->workers[i];
	return NULL;
}

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

/* The time of the current poll (one clock read per batch of messages),
 * or now outside a poll. */
static double engine_now(const pm_engine *e)
{
	return e->in_poll && e->now > 0 ? e->now : pm_now();
}

static void emit(pm_engine *e, const pm_event *ev)
{
	if (e->listener)
		e->listener(e->ud, ev);
}

static void emit_task_at(pm_engine *e, const task *t, double at)
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

static void emit_task(pm_engine *e, const task *t)
{
	if (e->listener)
		emit_task_at(e, t, engine_now(e));
}

static void emit_worker(pm_engine *e, const worker *w, const char *what,
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
static void set_state_at(pm_engine *e, task *t, pm_task_state s, double at)
{
	/* The time of the current poll: one clock read per batch of
	 * messages, not three per task. */
	double now = at > 0 ? at : engine_now(e);
	--*count_slot(&e->counts, t->state);
	++*count_slot(&e->counts, s);
	if (t->state == PM_TASK_PAUSED && t->paused_at > 0) {
		t->paused_total += now - t->paused_at;
		t->paused_at = 0;
	}
	if (s == PM_TASK_PAUSED && t->started > 0)
		t->paused_at = now;
	if (s == PM_TASK_RUNNING && t->started == 0)
		t->started = now;
	t->state = s;
	if (pm_task_state_final(s))
		t->ended = now;
	emit_task_at(e, t, now);
}

static void set_state(pm_engine *e, task *t, pm_task_state s)
{
	set_state_at(e, t, s, 0);
}

static void emit_bulk(pm_engine *e, const mapgrp *g, size_t i)
{
	if (!e->listener)
		return;
	pm_event ev = { 0 };
	ev.kind = PM_EV_TASK;
	ev.time = engine_now(e);
	ev.id = g->first + i;
	uint8_t st = g->st[i];
	ev.state = (int)bulk_state(st);
	ev.task = g->name;
	if (st == B_RUNNING || st == B_DONE) {
		ev.worker = e->runs[e->spans[g->inc[i]].run].worker;
		ev.pid = e->runs[e->spans[g->inc[i]].run].pid;
	}
	pm_value tmp;
	ev.result = st == B_DONE ? bulk_result(g, i, &tmp) : NULL;
	emit(e, &ev);
}

/* A bulk item's new state: the counts, and an event when the state a user
 * sees changes (sent is still queued). */
static void bulk_set(pm_engine *e, mapgrp *g, size_t i, uint8_t st)
{
	pm_task_state from = bulk_state(g->st[i]), to = bulk_state(st);
	g->st[i] = st;
	if (from == to)
		return;
	--*count_slot(&e->counts, from);
	++*count_slot(&e->counts, to);
	emit_bulk(e, g, i);
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
			bulk_set(e, g, i, B_RUNNING);
		bulk_set(e, g, i, B_DONE);
	}
	w->done++;
	if (w->running == g->first + i)
		w->running = 0;
}

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
static void note_run_time(pm_engine *e, size_t p, size_t d, double secs)
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
		note_run_time(e, t->plugin, t->def,
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
		set_state_at(e, t, PM_TASK_RUNNING, t->started);
	}
	if (done) {
		t->result = v;
		w->done++;
		t->progress = 1.0;
		set_state_at(e, t, PM_TASK_DONE, end);
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
		set_state_at(e, t, PM_TASK_FAILED, end);
	}
	if (w->running == t->id)
		w->running = 0;
}

/* Counts the item in w's slot if its worker left it done there (a chunk
 * of numbers); false otherwise. */
static bool slot_settle(pm_engine *e, worker *w, size_t slot)
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
	if (g && e->spans[g->inc[i]].run == w->run &&
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

/* When worker wid started running task id, as its shared page says; 0 if
 * it does not run it now. */
static double bulk_started(const pm_engine *e, uint64_t wid, uint64_t id)
{
	const worker *w = worker_get(e, wid);
	if (!w || !w->shm || atomic_load(&w->shm->cur_task) != id)
		return 0;
	int64_t ns = atomic_load(&w->shm->cur_started_ns);
	if (ns > 0)
		return (double)ns / 1e9;
	return w->running == id ? w->running_since : 0;
}

/* The slot of id among w's items in flight that have not ended, or
 * CHUNK_SLOTS. */
static size_t live_slot(const worker *w, uint64_t id)
{
	for (uint64_t k = w->head; k < w->tail; k++) {
		size_t slot = (size_t)(k % CHUNK_SLOTS);
		if (w->sl->chunk[slot] == id && !w->sl->fin[slot])
			return slot;
	}
	return CHUNK_SLOTS;
}

/* The task record of id, made from its map's bulk item if it has none
 * yet.  NULL if there is no such task. */
static task *task_own(pm_engine *e, uint64_t id)
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
		t->worker = e->runs[e->spans[g->inc[i]].run].worker;
		t->pid = e->runs[e->spans[g->inc[i]].run].pid;
	}
	t->queued_at = g->queued_at;
	if (st == B_RUNNING) {
		double started = bulk_started(e, t->worker, id);
		t->started = started > 0 ? started : pm_now();
	}
	g->st[i] = B_OWN;
	return t;
}

static void q_grow(pm_engine *e)
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

static void q_push_range(pm_engine *e, uint64_t first, uint64_t n)
{
	q_grow(e);
	e->q[(e->qhead + e->qlen++) % e->qcap] = (qent){ first, n };
}

static void q_push_back(pm_engine *e, uint64_t id)
{
	q_push_range(e, id, 1);
}

static void q_push_front(pm_engine *e, uint64_t id)
{
	qent *front = e->qlen ? &e->q[e->qhead] : NULL;
	if (front && front->n && front->first == id + 1) {
		/* Items put back in order, last first (a dead worker's):
		 * one range, so they go out in chunks again. */
		front->first = id;
		front->n++;
		return;
	}
	q_grow(e);
	e->qhead = (e->qhead + e->qcap - 1) % e->qcap;
	e->q[e->qhead] = (qent){ id, 1 };
	e->qlen++;
}

/* The queue's next item: a task record (it->t) or a map's bulk item
 * (it->g, it->i).  Skips ids that left the queue since they were pushed
 * (cancelled, held, sent). */
typedef struct qitem {
	uint64_t id;
	task *t;
	mapgrp *g;
	size_t i;
} qitem;

static bool q_front(pm_engine *e, qitem *it)
{
	while (e->qlen) {
		qent *q = &e->q[e->qhead];
		while (q->n) {
			it->id = q->first;
			it->t = task_get(e, q->first);
			it->g = it->t ? NULL : group_of(e, q->first, &it->i);
			if (it->t ? it->t->queued_in_deque
				  : it->g && it->g->st[it->i] == B_QUEUED)
				return true;
			q->first++;
			q->n--;
		}
		e->qhead = (e->qhead + 1) % e->qcap;
		e->qlen--;
	}
	return false;
}

/* Takes the item q_front just returned off the queue. */
static void q_pop_front(pm_engine *e, qitem *it)
{
	qent *q = &e->q[e->qhead];
	if (it->t)
		it->t->queued_in_deque = false;
	q->first++;
	if (!--q->n) {
		e->qhead = (e->qhead + 1) % e->qcap;
		e->qlen--;
	}
}

static void send_down(worker *w, uint32_t type, const void *p, size_t len)
{
	unsigned char *dst = pm_ring_reserve(&w->shm->down, len);
	if (!dst)
		return; /* callers keep one chunk in flight: cannot be full */
	memcpy(dst, p, len);
	if (pm_ring_commit(&w->shm->down, type, len))
		pm_futex_wake(&w->shm->down.prod_seq);
}

static void dispatch(pm_engine *e);
static void chunk_advance(pm_engine *e, worker *w);
static void engine_sigchld(void *ud, int signo);
static void engine_efd(void *ud, int fd, short revents);
static int engine_timeout(void *ud);
static void engine_tick(void *ud);

static int start_worker(pm_engine *e, worker *w)
{
	w->shm = mmap(NULL, sizeof(shm_worker), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w->shm == MAP_FAILED) {
		w->shm = NULL;
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		munmap(w->shm, sizeof(shm_worker));
		w->shm = NULL;
		return -1;
	}
	if (pid == 0) {
		/* Its own process group: what its tasks fork is in it, and
		 * dies with it (worker_exited, kill_and_reap). */
		setpgid(0, 0);
		pm_loop_child_reset(e->loop);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		check_parent(e);
		/* A task's fault must kill its worker with the real signal,
		 * even where a sanitizer runtime installed handlers. */
		static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
					      SIGPIPE };
		for (size_t i = 0; i < sizeof faults / sizeof *faults; i++)
			signal(faults[i], SIG_DFL);
		worker_main(e, w);
	}
	setpgid(pid, pid); /* as the child does: whoever runs first */
	w->pid = pid;
	w->state = PM_WORKER_IDLE;
	e->runs = xrealloc(e->runs, (e->nruns + 1) * sizeof *e->runs);
	e->runs[e->nruns] = (worker_run){ w->id, pid };
	w->run = (uint32_t)e->nruns++;
	w->head = w->tail = w->last_chunk = 0;
	w->running = 0;
	w->since_start = 0;
	w->exit_sent = w->stopped = w->recycling = false;
	w->stop_task = 0;
	w->kill = KILL_NONE;
	w->kill_task = 0;
	w->kill_at = 0;
	emit_worker(e, w, "started", 0, 0);
	return 0;
}

static worker *add_worker(pm_engine *e)
{
	worker *w = xcalloc(1, sizeof *w);
	w->id = ++e->next_worker_id;
	if (start_worker(e, w) < 0) {
		free(w);
		return NULL;
	}
	e->workers = xrealloc(e->workers,
			      (e->nworkers + 1) * sizeof *e->workers);
	e->workers[e->nworkers++] = w;
	return w;
}

pm_engine *pm_engine_new(pm_loop *loop, const pm_engine_config *cfg,
			 char **err)
{
	pm_engine *e = xcalloc(1, sizeof *e);
	e->loop = loop;
	e->manager_pid = getpid();
	e->maxtasks = cfg && cfg->maxtasks > 0 ? cfg->maxtasks : 0;
	e->t0 = pm_now();
	e->keep = cfg && cfg->keep_tasks ? (cfg->keep_tasks < 0 ? 0
					       : (size_t)cfg->keep_tasks)
					 : KEEP_TASKS;
	e->batch_below = cfg && cfg->batch_below > 0 ? cfg->batch_below
						     : BATCH_BELOW;
	int n = cfg && cfg->workers > 0 ? cfg->workers
					: (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > MAX_WORKERS) {
		*err = xasprintf("too many workers: %d (at most %d)", n,
				 MAX_WORKERS);
		free(e);
		return NULL;
	}
	e->target = n;
	pm_registry_init(&e->reg);
	char shm_err[256];
	e->shared = pm_shared_new(shm_err, sizeof shm_err);
	if (!e->shared) {
		*err = xstrdup(shm_err);
		free(e);
		return NULL;
	}
	e->g = mmap(NULL, sizeof *e->g, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	e->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->g == MAP_FAILED || e->efd < 0) {
		*err = xasprintf("cannot set up shared memory: %s",
				 strerror(errno));
		if (e->g != MAP_FAILED)
			munmap(e->g, sizeof *e->g);
		if (e->efd >= 0)
			close(e->efd);
		pm_shared_free(e->shared);
		free(e);
		return NULL;
	}
	e->view = xcalloc(1, sizeof *e->view);
	pm_loop_watch_signal(loop, SIGCHLD, engine_sigchld, e);
	pm_loop_add_fd(loop, e->efd, POLLIN, engine_efd, e);
	pm_loop_add_hook(loop, engine_timeout, engine_tick, e);
	/* Fork one worker now so that a system that cannot fork fails here;
	 * the rest start at the first poll, after the start-up plugins are
	 * loaded, so they inherit them instead of each loading them again. */
	if (!add_worker(e)) {
		*err = xasprintf("cannot start worker: %s", strerror(errno));
		pm_engine_free(e);
		return NULL;
	}
	return e;
}

void pm_engine_add_plugin_dir(pm_engine *e, const char *dir)
{
	pm_registry_add_dir(&e->reg, dir);
}

struct pm_shared *pm_engine_shared(const pm_engine *e)
{
	return e->shared;
}

/* What a task record holds; the record is empty after (id 0). */
static void task_free(task *t)
{
	if (!t->id)
		return;
	if (!t->args_borrowed)
		pm_values_free(t->args, t->nargs);
	pm_value_free(&t->result);
	free(t->error);
	memset(t, 0, sizeof *t);
}

static void group_free(mapgrp *g)
{
	size_t cap = g->n ? g->n : 1;
	if (g->raw)
		grp_free(g->raw, cap * sizeof *g->raw);
	else
		pm_values_free(g->items, g->n);
	for (size_t i = 0; g->results && i < g->n; i++)
		pm_value_free(&g->results[i]);
	if (g->results)
		grp_free(g->results, cap * sizeof *g->results);
	grp_free(g->st, cap);
	grp_free(g->rt, cap);
	grp_free(g->rraw, cap * sizeof *g->rraw);
	grp_free(g->inc, cap * sizeof *g->inc);
	free(g);
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
static void evict_old(pm_engine *e)
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
				task_free(task_get(e, g->first + i));
		e->evicted += g->n;
		group_free(g);
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
				!(t->group && group_index(e, t->id) < e->ngroups);
			n++;
		}
		if (!ended)
			continue;
		for (size_t j = 0; j < TASK_SLAB; j++)
			task_free(&slab[j]);
		free(slab);
		e->slabs[k] = NULL;
		e->evicted += n;
		if (k == e->evict_slab)
			e->evict_slab = k + 1;
	}
}

static void kill_and_reap(worker *w)
{
	if (w->pid <= 0)
		return;
	kill(-w->pid, SIGKILL); /* the worker and what its tasks forked */
	kill(w->pid, SIGKILL);
	while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
}

void pm_engine_free(pm_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nworkers; i++) {
		worker *w = e->workers[i];
		kill_and_reap(w);
		if (w->shm)
			munmap(w->shm, sizeof(shm_worker));
		free(w->sl);
		free(w);
	}
	free(e->workers);
	for (size_t i = 0; i < e->nprocs; i++) {
		worker *w = e->procs[i];
		kill_and_reap(w);
		if (w->shm)
			munmap(w->shm, sizeof(shm_worker));
		free(w->name);
		free(w->sl);
		free(w);
	}
	free(e->procs);
	pm_values_free(e->init_args, e->init_nargs);
	free(e->init_error);
	free(e->found_name);
	for (size_t k = 0; k < e->nslabs; k++) {
		for (size_t j = 0; e->slabs[k] && j < TASK_SLAB; j++)
			task_free(&e->slabs[k][j]);
		free(e->slabs[k]);
	}
	free(e->slabs);
	for (size_t k = 0; k < e->ngroups; k++)
		group_free(e->groups[k]);
	free(e->groups);
	free(e->runs);
	free(e->spans);
	free(e->view);
	free(e->q);
	for (size_t k = 0; k < e->nrun_mean; k++)
		free(e->run_mean[k]);
	free(e->run_mean);
	pm_loop_remove_fd(e->loop, e->efd);
	pm_loop_remove_hook(e->loop, e);
	close(e->efd);
	munmap(e->g, sizeof *e->g);
	pm_shared_free(e->shared);
	pm_registry_free(&e->reg);
	free(e);
}

void pm_engine_set_listener(pm_engine *e, pm_event_fn fn, void *ud)
{
	e->listener = fn;
	e->ud = ud;
}

int pm_engine_load(pm_engine *e, const char *spec, char *err, size_t errlen)
{
	if (pm_registry_load(&e->reg, spec, err, errlen) < 0)
		return -1;
	const pm_plugin_entry *pe = &e->reg.entries[e->reg.n - 1];
	/* Running workers load the manager's open fd of what it vetted;
	 * those forked later have the plugin loaded already. */
	pm_plugin_ref ref = pm_registry_ref(&e->reg, e->reg.n - 1);
	size_t plen = strlen(pe->path);
	unsigned char *msg = xmalloc(sizeof ref + plen);
	memcpy(msg, &ref, sizeof ref);
	memcpy(msg + sizeof ref, pe->path, plen);
	for (size_t i = 0; i < e->nworkers; i++)
		if (e->workers[i]->pid > 0)
			send_down(e->workers[i], DOWN_LOAD, msg,
				  sizeof ref + plen);
	free(msg);
	pm_event ev = { 0 };
	ev.kind = PM_EV_PLUGIN;
	ev.task = pe->plugin->name;
	ev.error = pe->path;
	emit(e, &ev);
	return 0;
}

size_t pm_engine_plugin_count(const pm_engine *e)
{
	return e->reg.n;
}

const struct pm_plugin *pm_engine_plugin(const pm_engine *e, size_t i,
					 const char **path)
{
	if (i >= e->reg.n)
		return NULL;
	if (path)
		*path = e->reg.entries[i].path;
	return e->reg.entries[i].plugin;
}

const struct pm_task_def *pm_engine_find_task(const pm_engine *e,
					      const char *name,
					      const char **plugin, char *err,
					      size_t errlen)
{
	size_t p, t;
	if (pm_registry_find(&e->reg, name, &p, &t, err, errlen) < 0)
		return NULL;
	if (plugin)
		*plugin = e->reg.entries[p].plugin->name;
	return &e->reg.entries[p].plugin->tasks[t];
}

static task *new_task_q(pm_engine *e, size_t p, size_t d, pm_value *args,
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

static task *new_task(pm_engine *e, size_t p, size_t d, pm_value *args,
		      size_t nargs)
{
	return new_task_q(e, p, d, args, nargs, true);
}

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
	pm_value *copy = pm_values_copy(args, nargs);
	if (check_args(e, p, d, copy, nargs, err, errlen) < 0) {
		pm_values_free(copy, nargs);
		return -1;
	}
	task *t = new_task(e, p, d, copy, nargs);
	t->timeout = opts ? opts->timeout : 0;
	t->chunksize = 1;
	*id = t->id;
	emit_task(e, t);
	if (!e->in_poll)
		dispatch(e); /* idle workers start at once; the rest at poll */
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
		g->raw = grp_alloc(cap * sizeof *g->raw);
		if (!map_scalars(sig, items, nitems, g->raw)) {
			grp_free(g->raw, cap * sizeof *g->raw);
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
	g->first = e->ntasks + 1;
	g->queued_at = engine_now(e);
	g->gid = ++e->next_group;
	g->plugin = p;
	g->def = d;
	g->name = e->reg.entries[p].full_names[d];
	g->chunksize = map_chunksize(e, nitems, chunksize,
				     g->raw ? MAP_CHUNK_MAX : CHUNK_MAX);
	g->st = grp_alloc(cap); /* B_QUEUED */
	g->rt = grp_alloc(cap);
	g->rraw = grp_alloc(cap * sizeof *g->rraw);
	g->inc = grp_alloc(cap * sizeof *g->inc);
	e->groups = xrealloc(e->groups, (e->ngroups + 1) * sizeof *e->groups);
	e->groups[e->ngroups++] = g;
	e->ntasks += nitems;
	e->counts.queued += nitems;
	*first = g->first;
	if (nitems)
		q_push_range(e, g->first, nitems);
	for (size_t i = 0; e->listener && i < nitems; i++)
		emit_bulk(e, g, i);
	if (!e->in_poll)
		dispatch(e); /* idle workers start at once; the rest at poll */
	return 0;
}

/* ---- dispatch, messages, children ------------------------------------- */

static uint64_t item_group(const qitem *it)
{
	return it->t ? it->t->group : it->g->gid;
}

/* The next run of queued items of a map of numbers, from item i on (the
 * queue's front), through the worker's slots. */
/* A new chunk for w: its index in e->spans. */
static uint32_t new_span(pm_engine *e, const worker *w)
{
	if (e->nspans + 2 > e->spans_cap) {
		e->spans_cap = e->spans_cap ? 2 * e->spans_cap : 256;
		e->spans = xrealloc(e->spans, e->spans_cap * sizeof *e->spans);
	}
	if (!e->nspans) /* 0 is no chunk */
		e->spans[e->nspans++] = (span){ UINT32_MAX, 0, 0 };
	e->spans[e->nspans] = (span){ w->run, 0, 0 };
	return (uint32_t)e->nspans++;
}

/* Item times (ns of the worker's clock) into its chunk's. */
static void span_note(pm_engine *e, uint32_t sp, int64_t started_ns,
		      int64_t ended_ns)
{
	if (!sp || sp >= e->nspans)
		return;
	span *c = &e->spans[sp];
	double a = (double)started_ns / 1e9, b = (double)ended_ns / 1e9;
	if (started_ns > 0 && (c->started == 0 || a < c->started))
		c->started = a;
	if (ended_ns > 0 && b > c->ended)
		c->ended = b;
}

static void dispatch_numbers(pm_engine *e, worker *w, mapgrp *g, size_t i)
{
	qent *q = &e->q[e->qhead];
	size_t limit = g->chunksize;
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
	uint32_t sp = new_span(e, w);
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
	send_down(w, DOWN_MAP, &mc, sizeof mc);
}

static void dispatch_to(pm_engine *e, worker *w)
{
	qitem it;
	if (!q_front(e, &it))
		return;
	if (!w->sl)
		w->sl = xcalloc(1, sizeof *w->sl);
	if (it.g && it.g->raw) {
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
	if (w->is_process)
		limit = 1; /* its own task, none of the pool's */
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
				sp = new_span(e, w);
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
	send_down(w, DOWN_TASKS, b.s, b.len);
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
	int64_t ns = atomic_load_explicit(&w->shm->cur_started_ns,
					  memory_order_relaxed);
	double since = ns > 0 ? (double)ns / 1e9
		       : w->running ? w->running_since : w->sent_at;
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
		uint8_t want = CLAIM_OPEN;
		if (!atomic_compare_exchange_strong(&w->shm->claim[slot],
						    &want, CLAIM_REVOKED)) {
			if (want == CLAIM_SKIP)
				continue; /* held or cancelled: it says so */
			break; /* started: so is all before it */
		}
		w->sl->fin[slot] = true;
		w->sl->by_slot[slot] = false;
		w->sl->chunk[slot] = 0;
		if (w->since_start)
			w->since_start--;
		if (t) {
			t->dispatched = false;
			t->worker = 0;
			t->pid = 0;
			t->queued_in_deque = true;
		} else {
			g->st[i] = B_QUEUED;
		}
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 64;
			*ids = xrealloc(*ids, *cap * sizeof **ids);
		}
		(*ids)[(*n)++] = id;
	}
	chunk_advance(e, w);
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
		if (w->pid <= 0 || !w->sl || w->tail - w->head < 2 ||
		    w->kill != KILL_NONE || (!qempty && !stuck(e, w)))
			continue;
		take_back_from(e, w, qempty, &ids, &n, &cap);
	}
	if (n > 1)
		qsort(ids, n, sizeof *ids, by_id_desc);
	for (size_t k = 0; k < n; k++)
		q_push_front(e, ids[k]);
	free(ids);
}

static void dispatch(pm_engine *e)
{
	if (e->dispatch_paused || e->state == PM_POOL_TERMINATED)
		return;
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
			dispatch_to(e, e->workers[i]);
}

/* Counts at once the items from w's oldest slot on that its worker left
 * done in their slots, as long as they are a run of one map's bulk items:
 * their results copied in bulk.  Only without a listener (events go item
 * by item).  Returns how many. */
static size_t slots_settle_run(pm_engine *e, worker *w)
{
	size_t slot = (size_t)(w->head % CHUNK_SLOTS);
	if (e->listener || !w->sl->by_slot[slot])
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
	       e->spans[g->inc[i + m]].run == w->run &&
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
	return m;
}

/* Moves w's oldest slot on past every item that has ended: those whose
 * end came out of order, and the numbers' items its worker left done in
 * their slots (counted here, in order). */
static void chunk_advance(pm_engine *e, worker *w)
{
	while (w->head < w->tail) {
		size_t slot = (size_t)(w->head % CHUNK_SLOTS);
		if (slots_settle_run(e, w))
			continue;
		if (w->sl->fin[slot])
			w->sl->fin[slot] = false;
		else if (!slot_settle(e, w, slot))
			break;
		w->head++;
	}
	if (w->head == w->tail && w->state == PM_WORKER_BUSY)
		w->state = PM_WORKER_IDLE;
}

/* Item id, in flight to w, has ended. */
static void chunk_item_finished(pm_engine *e, worker *w, uint64_t id)
{
	size_t slot = live_slot(w, id);
	if (slot < CHUNK_SLOTS)
		w->sl->fin[slot] = true;
	else if (w->head < w->tail)
		w->head++; /* not in flight: cannot be; as it always was */
	chunk_advance(e, w);
}

static void kill_worker(worker *w, kill_reason why);

/* Kills w to end task id (0: w itself, whatever it runs).  Should the task
 * end just before the signal lands, what w runs then is not what was
 * meant: worker_exited puts that one back in the queue. */
static void kill_for(worker *w, kill_reason why, uint64_t id)
{
	if (w->kill == KILL_NONE)
		w->kill_task = id;
	else if (w->kill_task && (!id || id == w->running))
		w->kill_task = id; /* what it runs now is meant too */
	kill_worker(w, why);
}

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

/* SIGSTOPs w, for task id (0: for itself, as pause of the worker). */
static void stop_worker(pm_engine *e, worker *w, uint64_t id)
{
	if (w->pid <= 0)
		return;
	if (w->stopped) {
		if (!w->stop_task || (id && id != w->running))
			return;
		w->stop_task = id; /* now for this one, or the worker */
	} else {
		kill(w->pid, SIGSTOP);
		w->stopped = true;
		w->stop_task = id;
		w->state = PM_WORKER_PAUSED;
		emit_worker(e, w, "paused", 0, 0);
	}
	task *t = task_own(e, w->running);
	if (t && t->state == PM_TASK_RUNNING)
		set_state(e, t, PM_TASK_PAUSED);
}

static void continue_worker(pm_engine *e, worker *w)
{
	if (!w->stopped || w->pid <= 0)
		return;
	kill(w->pid, SIGCONT);
	w->stopped = false;
	w->stop_task = 0;
	w->state = w->head < w->tail ? PM_WORKER_BUSY : PM_WORKER_IDLE;
	emit_worker(e, w, "resumed", 0, 0);
	task *t = task_get(e, w->running);
	if (t && t->state == PM_TASK_PAUSED)
		set_state(e, t, PM_TASK_RUNNING);
}

static void mark_running(pm_engine *e, worker *w, task *t)
{
	t->dispatched = false;
	w->running = t->id;
	t->worker = w->id;
	t->pid = w->pid;
	if (t->started == 0)
		t->started = (double)atomic_load(&w->shm->cur_started_ns) / 1e9;
	set_state_at(e, t, PM_TASK_RUNNING, t->started);
	if (t->pending == ACT_HOLD)
		stop_worker(e, w, t->id);
	else if (t->pending == ACT_CANCEL)
		kill_for(w, KILL_TERMINATE, t->id);
	t->pending = ACT_NONE;
}

/* What the worker runs now, as its shared page says. */
static void sync_running(pm_engine *e, worker *w)
{
	if (!w->shm || w->head == w->tail)
		return;
	uint64_t id = atomic_load_explicit(&w->shm->cur_task,
					   memory_order_acquire);
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
		   e->spans[g->inc[i]].run == w->run) {
		w->running = id;
		w->running_since = engine_now(e);
		bulk_set(e, g, i, B_RUNNING);
	}
	/* The worker, paused, had gone on to this one just before: this one
	 * is paused now. */
	if (w->stopped && !w->stop_task && w->running == id) {
		task *r = task_own(e, id);
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

/* A map item done, the common case: no task record. */
static bool bulk_done(pm_engine *e, worker *w, uint64_t id,
		      const int64_t ns[2], const unsigned char *enc, size_t len)
{
	size_t i;
	mapgrp *g = group_of(e, id, &i);
	if (!g || (g->st[i] != B_SENT && g->st[i] != B_RUNNING) ||
	    e->spans[g->inc[i]].run != w->run)
		return false;
	pm_value v;
	if (len == 9 && (enc[0] == PM_INT || enc[0] == PM_FLOAT)) {
		g->rt[i] = enc[0]; /* a number: its bits, no decoding */
		memcpy(&g->rraw[i], enc + 1, 8);
	} else if (len == 1 && enc[0] == PM_NONE) {
		g->rt[i] = PM_NONE;
	} else if (pm_value_decode(enc, len, &v)) {
		if (!g->results)
			g->results = grp_alloc((g->n ? g->n : 1) *
					       sizeof *g->results);
		g->results[i] = v;
		g->rt[i] = R_VALUE;
	} else {
		return false;
	}
	span_note(e, g->inc[i], ns[0], ns[1]);
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
		char *line = xasprintf("w%llu: initializer %s failed: %s",
				       (unsigned long long)w->id, e->init_task,
				       e->init_error);
		pm_event ev = { 0 };
		ev.kind = PM_EV_LOG;
		ev.worker = w->id;
		ev.pid = w->pid;
		ev.error = line;
		emit(e, &ev);
		free(line);
		return;
	}
	if (h->type == UP_MAP_END) {
		/* The chunk's times; drain_worker counts its items. */
		int64_t ns[2];
		size_t i;
		mapgrp *g = group_of(e, id, &i);
		if (h->len >= RESULT_HEAD && g &&
		    e->spans[g->inc[i]].run == w->run) {
			memcpy(ns, p + 8, 16);
			span_note(e, g->inc[i], ns[0], ns[1]);
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
	task *t = task_own(e, id);
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
			q_push_front(e, t->id);
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

static void drain_worker(pm_engine *e, worker *w)
{
	if (!w->shm)
		return;
	drain_ctx dc = { e, w };
	pm_ring_drain(&w->shm->up, drain_one, &dc);
	/* The items it marked done in shared maps, then what runs now (it
	 * started after those records were sent). */
	chunk_advance(e, w);
	sync_running(e, w);
}

static void remove_worker(pm_engine *e, worker *w)
{
	for (size_t i = 0; i < e->nworkers; i++) {
		if (e->workers[i] != w)
			continue;
		memmove(&e->workers[i], &e->workers[i + 1],
			(e->nworkers - i - 1) * sizeof *e->workers);
		e->nworkers--;
		break;
	}
	free(w->sl);
	free(w);
}

static bool wants_workers(const pm_engine *e)
{
	if (e->state == PM_POOL_TERMINATED || e->init_broken)
		return false;
	if (e->state == PM_POOL_CLOSED)
		return e->counts.queued + e->counts.paused > 0;
	return true;
}

/* Workers die in their initializer again and again: rather than fork
 * forever (or hang, as Python's Pool does), fail what waits and stop. */
static void give_up_on_initializer(pm_engine *e)
{
	e->init_broken = true;
	for (qitem it; q_front(e, &it);) {
		q_pop_front(e, &it);
		task *t = it.t ? it.t : task_own(e, it.id);
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
	drain_worker(e, w);
	int signo = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
	/* The task it was running ends here, with the reason we know.  Its
	 * shared page says which: set before each task, cleared after its
	 * result was sent. */
	uint64_t cur = w->shm ? atomic_load(&w->shm->cur_task) : 0;
	task *t = task_own(e, cur ? cur : w->running);
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
		if (slot_settle(e, w, (size_t)(k % CHUNK_SLOTS)))
			continue; /* done just before the end */
		if (g && g->st[i] == B_SENT) {
			if (e->state == PM_POOL_TERMINATED) {
				bulk_set(e, g, i, B_CANCELLED);
				continue;
			}
			if (!e->init_broken) {
				g->st[i] = B_QUEUED;
				q_push_front(e, id);
				continue;
			}
			c = task_own(e, id);
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
			q_push_front(e, c->id);
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
			q_push_front(e, t->id);
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
	emit_worker(e, w, "exited", signo, code);
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
	bool refill = !w->retiring && wants_workers(e);
	if (!refill) {
		remove_worker(e, w);
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
	if (start_worker(e, w) < 0)
		remove_worker(e, w);
}

/* Workers whose restart was put off (their initializer failed) start
 * when their time comes. */
static void start_due_workers(pm_engine *e)
{
	for (size_t i = 0; i < e->nworkers; i++) {
		worker *w = e->workers[i];
		if (!w->restart_at || e->now < w->restart_at)
			continue;
		w->restart_at = 0;
		if (w->retiring || !wants_workers(e) || start_worker(e, w) < 0) {
			remove_worker(e, w);
			i--;
		}
	}
}

static void reap(pm_engine *e)
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

static void check_deadline(pm_engine *e, worker *w, double now);

static void check_deadlines(pm_engine *e, double now)
{
	for (size_t i = 0; i < e->nworkers; i++)
		check_deadline(e, e->workers[i], now);
	for (size_t i = 0; i < e->nprocs; i++)
		check_deadline(e, e->procs[i], now);
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
			kill_for(w, KILL_TIMEOUT, t->id);
	}
}

static double next_deadline(const pm_engine *e)
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

/* Brings the pool up to its size (start-up, and after a failed fork). */
static void start_missing_workers(pm_engine *e)
{
	/* A running pool keeps its size; the first start completes even if
	 * close came first (the pool was created with that size). */
	if (e->state == PM_POOL_TERMINATED || e->init_broken ||
	    (e->state != PM_POOL_RUNNING && e->started))
		return;
	e->started = true;
	size_t live = 0;
	for (size_t i = 0; i < e->nworkers; i++)
		live += !e->workers[i]->retiring;
	while (live < (size_t)e->target && add_worker(e))
		live++;
}

/* Closed pools let idle workers go once nothing is left to do; shrinking
 * and recycling send their exits here too. */
static void send_exits(pm_engine *e)
{
	bool closing = e->state == PM_POOL_CLOSED && !wants_workers(e);
	for (size_t i = 0; i < e->nworkers; i++) {
		worker *w = e->workers[i];
		if (w->pid <= 0 || w->exit_sent || w->state != PM_WORKER_IDLE)
			continue;
		if (e->maxtasks && w->since_start >= (unsigned)e->maxtasks &&
		    !closing && !w->retiring)
			w->recycling = true;
		if (closing)
			w->retiring = true;
		if (w->retiring || w->recycling) {
			send_down(w, DOWN_EXIT, "", 0);
			w->exit_sent = true;
		}
	}
}

/* A worker stopped for a task that has ended meanwhile (it was done as
 * the pause came) goes on: there is nothing of it left to pause. */
static void continue_if_moot(pm_engine *e, worker *w)
{
	if (!w->stopped || !w->stop_task)
		return;
	const task *t = task_get(e, w->stop_task);
	if (t && !pm_task_state_final(t->state))
		return;
	if (!t) {
		size_t i;
		const mapgrp *g = group_find(e, w->stop_task, &i);
		if (g && !pm_task_state_final(bulk_state(g->st[i])))
			return;
	}
	continue_worker(e, w);
}

void pm_engine_poll(pm_engine *e)
{
	if (e->in_poll)
		return;
	e->in_poll = true;
	e->now = pm_now();
	uint64_t junk;
	while (read(e->efd, &junk, sizeof junk) > 0)
		;
	for (size_t i = 0; i < e->nworkers; i++) {
		drain_worker(e, e->workers[i]);
		continue_if_moot(e, e->workers[i]);
	}
	for (size_t i = 0; i < e->nprocs; i++) {
		drain_worker(e, e->procs[i]);
		continue_if_moot(e, e->procs[i]);
	}
	if (e->sigchld) {
		e->sigchld = false;
		reap(e);
	}
	check_deadlines(e, e->now);
	start_due_workers(e);
	start_missing_workers(e);
	send_exits(e);
	dispatch(e);
	evict_old(e);
	e->in_poll = false;
}

static void engine_sigchld(void *ud, int signo)
{
	(void)signo;
	((pm_engine *)ud)->sigchld = true;
}

static void engine_efd(void *ud, int fd, short revents)
{
	(void)ud;
	(void)fd;
	(void)revents;
	/* Drained in the tick. */
}

static int engine_timeout(void *ud)
{
	pm_engine *e = ud;
	if (e->sigchld)
		return 0;
	/* A chunk sent moments ago is likely done in microseconds: spin a
	 * little rather than sleep and be woken. */
	double now = pm_now();
	for (size_t i = 0; i < e->nworkers; i++) {
		worker *w = e->workers[i];
		/* Only for a task or a few: big chunks take longer. */
		if (w->head == w->tail || w->tail - w->head > 4 ||
		    now - w->sent_at > SPIN_SECONDS)
			continue;
		double until = now + SPIN_SECONDS;
		for (unsigned k = 1; pm_ring_empty(&w->shm->up); k++) {
			cpu_relax();
			if (k % 64 == 0 && pm_now() >= until)
				break;
		}
		if (!pm_ring_empty(&w->shm->up))
			return 0;
	}
	atomic_store(&e->g->mgr_sleeping, 1);
	for (size_t i = 0; i < e->nworkers; i++)
		if (e->workers[i]->shm && !pm_ring_empty(&e->workers[i]->shm->up))
			return 0;
	for (size_t i = 0; i < e->nprocs; i++)
		if (e->procs[i]->shm && !pm_ring_empty(&e->procs[i]->shm->up))
			return 0;
	double d = next_deadline(e);
	/* Workers only wake us at the end of their work (see up_send):
	 * while any is busy, look at the rings every few ms. */
	int busy_ms = -1;
	for (size_t i = 0; i < e->nworkers + e->nprocs && busy_ms < 0; i++) {
		const worker *w = i < e->nworkers ? e->workers[i]
						  : e->procs[i - e->nworkers];
		if (w->head != w->tail)
			busy_ms = BUSY_POLL_MS;
	}
	if (!d)
		return busy_ms;
	double ms = (d - pm_now()) * 1000.0;
	int dms = ms <= 0 ? 0 : (int)ms + 1;
	return busy_ms >= 0 && busy_ms < dms ? busy_ms : dms;
}

static void engine_tick(void *ud)
{
	pm_engine *e = ud;
	atomic_store(&e->g->mgr_sleeping, 0);
	pm_engine_poll(e);
}

/* ---- queries ----------------------------------------------------------- */

bool pm_task_state_final(pm_task_state s)
{
	return s >= PM_TASK_DONE;
}

const char *pm_task_state_name(pm_task_state s)
{
	static const char *const names[] = {
		"queued", "running", "paused", "done", "failed",
		"crashed", "timeout", "terminated", "cancelled",
	};
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

const char *pm_worker_state_name(pm_worker_state s)
{
	static const char *const names[] = { "starting", "idle", "busy",
					     "paused", "dead" };
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

const char *pm_pool_state_name(pm_pool_state s)
{
	static const char *const names[] = { "running", "paused", "closed",
					     "terminated" };
	return (unsigned)s < sizeof names / sizeof *names ? names[s] : "?";
}

/* A map's bulk item, as a task. */
static bool bulk_info(const pm_engine *e, uint64_t id, pm_task_info *out)
{
	size_t i;
	const mapgrp *g = group_find(e, id, &i);
	if (!g)
		return false;
	memset(out, 0, sizeof *out);
	out->id = id;
	out->task = g->name;
	uint8_t st = g->st[i];
	out->state = bulk_state(st);
	bulk_args(g, i, &e->view->arg, &out->args, &out->nargs);
	if (st != B_QUEUED) {
		out->worker = e->runs[e->spans[g->inc[i]].run].worker;
		out->pid = e->runs[e->spans[g->inc[i]].run].pid;
	}
	if (st == B_DONE) {
		out->result = bulk_result(g, i, &e->view->result);
		out->progress = 1.0;
	}
	out->queued_at = g->queued_at;
	if (st != B_QUEUED && g->inc[i] < e->nspans) {
		/* A map item's times are its chunk's. */
		out->started_at = e->spans[g->inc[i]].started;
		if (st == B_DONE || st == B_CANCELLED)
			out->ended_at = e->spans[g->inc[i]].ended;
	}
	if (st == B_RUNNING) {
		double started = bulk_started(e, out->worker, id);
		if (started > 0) {
			out->elapsed = pm_now() - started;
			out->started_at = started;
		}
	}
	out->changed_at = out->ended_at > 0 ? out->ended_at
			  : out->started_at > 0 ? out->started_at
						: out->queued_at;
	return true;
}

bool pm_engine_task_info(const pm_engine *e, uint64_t id, pm_task_info *out)
{
	const task *t = task_get(e, id);
	if (!t)
		return bulk_info(e, id, out);
	memset(out, 0, sizeof *out);
	out->id = t->id;
	out->task = t->name;
	out->state = t->state;
	out->args = t->args;
	out->nargs = t->nargs;
	out->worker = t->worker;
	out->in_process = t->in_process;
	out->pid = t->pid;
	out->result = t->state == PM_TASK_DONE ? &t->result : NULL;
	out->error = t->error;
	out->signo = t->signo;
	out->progress = t->progress;
	out->queued_at = t->queued_at;
	out->started_at = t->started;
	out->ended_at = t->ended;
	out->changed_at = t->ended > 0 ? t->ended
			  : t->paused_at > 0 ? t->paused_at
			  : t->started > 0 ? t->started : t->queued_at;
	if (t->started > 0) {
		double end = t->ended > 0 ? t->ended : pm_now();
		double paused = t->paused_total;
		if (t->paused_at > 0)
			paused += end - t->paused_at;
		out->elapsed = end - t->started - paused;
	}
	return true;
}

bool pm_engine_task_evicted(const pm_engine *e, uint64_t id)
{
	return id >= 1 && id <= e->ntasks && !task_get(e, id) &&
	       group_index(e, id) == e->ngroups;
}

uint64_t pm_engine_evicted(const pm_engine *e)
{
	return e->evicted;
}

size_t pm_engine_keep(const pm_engine *e)
{
	return e->keep;
}

double pm_engine_t0(const pm_engine *e)
{
	return e->t0;
}

uint64_t pm_engine_last_task_id(const pm_engine *e)
{
	return e->ntasks;
}

size_t pm_engine_worker_count(const pm_engine *e)
{
	return e->nworkers;
}

static void fill_worker(const worker *w, pm_worker_info *out)
{
	out->id = w->id;
	out->pid = w->pid;
	out->state = w->state;
	out->task = w->running;
	out->task_now = w->shm ? atomic_load(&w->shm->cur_task) : 0;
	out->done = w->done;
	out->restarts = w->restarts;
}

bool pm_engine_worker_info(const pm_engine *e, size_t i, pm_worker_info *out)
{
	if (i >= e->nworkers)
		return false;
	fill_worker(e->workers[i], out);
	return true;
}

bool pm_engine_worker_by_id(const pm_engine *e, uint64_t id,
			    pm_worker_info *out)
{
	const worker *w = worker_get(e, id);
	if (!w)
		return false;
	fill_worker(w, out);
	return true;
}

pm_pool_state pm_engine_pool_state(const pm_engine *e)
{
	if (e->state == PM_POOL_RUNNING && e->dispatch_paused)
		return PM_POOL_PAUSED;
	return e->state;
}

pm_counts pm_engine_counts(const pm_engine *e)
{
	return e->counts;
}

bool pm_engine_idle(const pm_engine *e)
{
	return e->counts.queued + e->counts.running + e->counts.paused == 0;
}

bool pm_engine_workers_gone(const pm_engine *e)
{
	return (e->state == PM_POOL_CLOSED ||
		e->state == PM_POOL_TERMINATED) &&
	       e->nworkers == 0;
}

int pm_engine_target_workers(const pm_engine *e)
{
	return e->target;
}

/* ---- control ----------------------------------------------------------- */

static int parse_id(const char *s, char prefix, uint64_t *id)
{
	if (!s || s[0] != prefix || !s[1])
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s + 1, &end, 10);
	if (*end || errno || v == 0 || s[1] == '-' || s[1] == '+')
		return -1;
	*id = v;
	return 0;
}

typedef enum target_kind {
	TGT_NONE,
	TGT_ALL,
	TGT_POOL,
	TGT_TASK,
	TGT_WORKER, /* a pool worker or a standalone process */
} target_kind;

static worker *proc_get(const pm_engine *e, uint64_t id)
{
	for (size_t i = 0; i < e->nprocs; i++)
		if (e->procs[i]->id == id)
			return e->procs[i];
	return NULL;
}

static target_kind parse_target(pm_engine *e, const char *s,
				task **t, worker **w, char *err,
				size_t errlen)
{
	uint64_t id;
	if (!s || !*s)
		return TGT_NONE;
	if (!strcmp(s, "all"))
		return TGT_ALL;
	if (!strcmp(s, "pool"))
		return TGT_POOL;
	if (parse_id(s, 't', &id) == 0) {
		if (!(*t = task_own(e, id))) {
			pm_err(err, errlen, "no task %s", s);
			return (target_kind)-1;
		}
		return TGT_TASK;
	}
	if (parse_id(s, 'w', &id) == 0) {
		if (!(*w = worker_get(e, id)) || (*w)->pid <= 0) {
			pm_err(err, errlen, "no worker %s", s);
			return (target_kind)-1;
		}
		return TGT_WORKER;
	}
	if (parse_id(s, 'p', &id) == 0) {
		if (!(*w = proc_get(e, id))) {
			pm_err(err, errlen, "no process %s", s);
			return (target_kind)-1;
		}
		if ((*w)->pid <= 0) {
			pm_err(err, errlen, "process %s has already exited", s);
			return (target_kind)-1;
		}
		return TGT_WORKER;
	}
	pm_err(err, errlen,
	       "'%s' is not a task (t1), worker (w1), process (p1), 'all' or 'pool'",
	       s);
	return (target_kind)-1;
}

static worker *worker_of(const pm_engine *e, const task *t)
{
	if (!t->worker)
		return NULL;
	return t->in_process ? proc_get(e, t->worker) : worker_get(e, t->worker);
}


/* A task sent to a worker but not started: ask the worker to skip it. */
static void request_skip(const pm_engine *e, task *t, pending_action act)
{
	worker *w = worker_of(e, t);
	size_t pos = w ? live_slot(w, t->id) : CHUNK_SLOTS;
	if (pos < CHUNK_SLOTS) {
		/* If the worker took it first, it runs: mark_running applies
		 * the pending action when the manager sees it start. */
		uint8_t want = CLAIM_OPEN;
		atomic_compare_exchange_strong(&w->shm->claim[pos], &want,
					       CLAIM_SKIP);
	}
	t->pending = act;
}

int pm_engine_pause(pm_engine *e, const char *target, char *err,
		    size_t errlen)
{
	task *t = NULL;
	worker *w = NULL;
	target_kind k = parse_target(e, target, &t, &w, err, errlen);
	switch ((int)k) {
	case TGT_NONE:
	case TGT_ALL:
		if (e->state == PM_POOL_TERMINATED)
			return pm_err(err, errlen, "pool is terminated");
		e->dispatch_paused = true;
		if (k == TGT_ALL)
			for (size_t i = 0; i < e->nworkers; i++)
				if (e->workers[i]->pid > 0)
					stop_worker(e, e->workers[i], 0);
		return 0;
	case TGT_POOL:
		e->dispatch_paused = true;
		return 0;
	case TGT_WORKER:
		/* Stopped for a task's pause: now for the worker itself. */
		if (w->stopped && !w->stop_task)
			return pm_err(err, errlen, "%c%llu is already paused",
				      w->is_process ? 'p' : 'w',
				      (unsigned long long)w->id);
		stop_worker(e, w, 0);
		return 0;
	case TGT_TASK:
		break;
	default:
		return -1;
	}
	if (pm_task_state_final(t->state) || t->state == PM_TASK_PAUSED)
		return pm_err(err, errlen, "t%llu is already %s",
			      (unsigned long long)t->id,
			      pm_task_state_name(t->state));
	if (t->state == PM_TASK_RUNNING) {
		stop_worker(e, worker_of(e, t), t->id);
		return 0;
	}
	if (t->dispatched) {
		request_skip(e, t, ACT_HOLD);
		return 0;
	}
	t->queued_in_deque = false;
	set_state(e, t, PM_TASK_PAUSED);
	return 0;
}

int pm_engine_resume(pm_engine *e, const char *target, char *err,
		     size_t errlen)
{
	task *t = NULL;
	worker *w = NULL;
	target_kind k = parse_target(e, target, &t, &w, err, errlen);
	switch ((int)k) {
	case TGT_NONE:
	case TGT_ALL:
	case TGT_POOL:
		e->dispatch_paused = false;
		if (k == TGT_ALL)
			for (size_t i = 0; i < e->nworkers; i++)
				continue_worker(e, e->workers[i]);
		pm_engine_poll(e);
		return 0;
	case TGT_WORKER:
		if (!w->stopped)
			return pm_err(err, errlen, "%c%llu is not paused",
				      w->is_process ? 'p' : 'w',
				      (unsigned long long)w->id);
		continue_worker(e, w);
		pm_engine_poll(e);
		return 0;
	case TGT_TASK:
		break;
	default:
		return -1;
	}
	if (t->pending == ACT_HOLD) {
		/* Not skipped yet: let its worker run it after all.  If the
		 * worker has read the flag already, the skip puts it back in
		 * the queue. */
		t->pending = ACT_NONE;
		w = worker_of(e, t);
		size_t slot = w && w->shm ? live_slot(w, t->id) : CHUNK_SLOTS;
		if (slot < CHUNK_SLOTS) {
			uint8_t want = CLAIM_SKIP;
			atomic_compare_exchange_strong(&w->shm->claim[slot],
						       &want, CLAIM_OPEN);
		}
		return 0;
	}
	if (t->state != PM_TASK_PAUSED)
		return pm_err(err, errlen, "t%llu is not paused (%s)",
			      (unsigned long long)t->id,
			      pm_task_state_name(t->state));
	w = worker_of(e, t);
	if (w && w->running == t->id) {
		continue_worker(e, w);
		return 0;
	}
	t->queued_in_deque = true;
	q_push_front(e, t->id);
	set_state(e, t, PM_TASK_QUEUED);
	pm_engine_poll(e);
	return 0;
}

static void terminate_pool(pm_engine *e)
{
	e->state = PM_POOL_TERMINATED;
	for (qitem it; q_front(e, &it);) {
		q_pop_front(e, &it);
		if (it.t)
			set_state(e, it.t, PM_TASK_CANCELLED);
		else
			bulk_set(e, it.g, it.i, B_CANCELLED);
	}
	for (uint64_t id = 1; id <= e->ntasks; id++) {
		task *t = task_get(e, id);
		if (!t)
			continue; /* a map's bulk item: see worker_exited */
		if (t->state == PM_TASK_PAUSED && !t->worker)
			set_state(e, t, PM_TASK_CANCELLED);
		else if (t->state == PM_TASK_QUEUED && t->dispatched)
			t->pending = ACT_CANCEL;
	}
	for (size_t i = 0; i < e->nworkers; i++) {
		worker *w = e->workers[i];
		w->retiring = true;
		kill_for(w, KILL_TERMINATE, 0);
	}
}

int pm_engine_terminate(pm_engine *e, const char *target, char *err,
			size_t errlen)
{
	task *t = NULL;
	worker *w = NULL;
	target_kind k = parse_target(e, target, &t, &w, err, errlen);
	switch ((int)k) {
	case TGT_NONE:
		return pm_err(err, errlen,
			      "terminate what? a task (t1), a worker (w1) or 'pool'");
	case TGT_ALL:
	case TGT_POOL:
		if (e->state == PM_POOL_TERMINATED)
			return pm_err(err, errlen, "pool is already terminated");
		terminate_pool(e);
		return 0;
	case TGT_WORKER:
		kill_for(w, KILL_TERMINATE, 0);
		return 0;
	case TGT_TASK:
		break;
	default:
		return -1;
	}
	if (pm_task_state_final(t->state))
		return pm_err(err, errlen, "t%llu is already %s",
			      (unsigned long long)t->id,
			      pm_task_state_name(t->state));
	w = worker_of(e, t);
	if (w && w->running == t->id) {
		kill_for(w, KILL_TERMINATE, t->id);
		return 0;
	}
	if (t->dispatched) {
		request_skip(e, t, ACT_CANCEL);
		return 0;
	}
	t->queued_in_deque = false;
	set_state(e, t, PM_TASK_CANCELLED);
	return 0;
}

int pm_engine_close(pm_engine *e, char *err, size_t errlen)
{
	if (e->state == PM_POOL_TERMINATED)
		return pm_err(err, errlen, "pool is already terminated");
	e->state = PM_POOL_CLOSED;
	pm_engine_poll(e);
	return 0;
}

int pm_engine_resize(pm_engine *e, int n, char *err, size_t errlen)
{
	if (e->state != PM_POOL_RUNNING)
		return pm_err(err, errlen, "pool is %s: cannot resize",
			      pm_pool_state_name(e->state));
	if (n < 1 || n > MAX_WORKERS)
		return pm_err(err, errlen, "workers must be 1..%d, got %d",
			      MAX_WORKERS, n);
	int live = 0;
	for (size_t i = 0; i < e->nworkers; i++)
		if (!e->workers[i]->retiring)
			live++;
	e->target = n;
	while (live < n) {
		if (!add_worker(e))
			return pm_err(err, errlen, "cannot start worker: %s",
				      strerror(errno));
		live++;
	}
	/* Shrink: idle workers first, then the busy ones after their work
	 * (send_exits waits for them to be idle). */
	for (int pass = 0; pass < 2 && live > n; pass++) {
		for (size_t i = e->nworkers; i-- > 0 && live > n;) {
			worker *w = e->workers[i];
			if (w->retiring ||
			    (pass == 0 && w->state != PM_WORKER_IDLE))
				continue;
			w->retiring = true;
			live--;
		}
	}
	pm_engine_poll(e);
	return 0;
}

/* ---- standalone processes --------------------------------------------- */

int pm_engine_spawn(pm_engine *e, const char *name, const pm_value *args,
		    size_t nargs, const pm_spawn_opts *opts, uint64_t *proc_id,
		    uint64_t *task_id, char *err, size_t errlen)
{
	size_t p, d;
	if (pm_registry_find(&e->reg, name, &p, &d, err, errlen) < 0)
		return -1;
	pm_value *copy = pm_values_copy(args, nargs);
	if (check_args(e, p, d, copy, nargs, err, errlen) < 0) {
		pm_values_free(copy, nargs);
		return -1;
	}
	worker *w = xcalloc(1, sizeof *w);
	w->is_process = true;
	w->id = e->nprocs + 1;
	w->daemon = opts && opts->daemon;
	w->name = opts && opts->name && *opts->name
			  ? xstrdup(opts->name)
			  : xasprintf("Process-%llu", (unsigned long long)w->id);
	task *t = new_task_q(e, p, d, copy, nargs, false);
	t->in_process = true;
	t->chunksize = 1;
	emit_task(e, t);
	if (start_worker(e, w) < 0) {
		pm_err(err, errlen, "cannot start process: %s", strerror(errno));
		t->error = xstrdup("could not start its process");
		set_state(e, t, PM_TASK_FAILED);
		free(w->name);
		free(w);
		return -1;
	}
	e->procs = xrealloc(e->procs, (e->nprocs + 1) * sizeof *e->procs);
	e->procs[e->nprocs++] = w;
	/* Its one task, then its exit. */
	t->queued_in_deque = true;
	q_push_front(e, t->id);
	dispatch_to(e, w);
	send_down(w, DOWN_EXIT, "", 0);
	w->exit_sent = true;
	w->task_id = t->id;
	*proc_id = w->id;
	*task_id = t->id;
	return 0;
}

size_t pm_engine_process_count(const pm_engine *e)
{
	return e->nprocs;
}

static void fill_process(const worker *w, pm_process_info *out)
{
	out->id = w->id;
	out->name = w->name;
	out->pid = w->pid;
	out->alive = !w->exited;
	out->daemon = w->daemon;
	out->exitcode = w->exitcode;
	out->task = w->task_id;
	out->paused = w->stopped;
}

bool pm_engine_process_info(const pm_engine *e, size_t i,
			    pm_process_info *out)
{
	if (i >= e->nprocs)
		return false;
	fill_process(e->procs[i], out);
	return true;
}

bool pm_engine_process_by_id(const pm_engine *e, uint64_t id,
			     pm_process_info *out)
{
	const worker *w = proc_get(e, id);
	if (!w)
		return false;
	fill_process(w, out);
	return true;
}

size_t pm_engine_processes_alive(const pm_engine *e, bool daemons)
{
	size_t n = 0;
	for (size_t i = 0; i < e->nprocs; i++)
		if (!e->procs[i]->exited && e->procs[i]->daemon == daemons)
			n++;
	return n;
}

int pm_engine_set_initializer(pm_engine *e, const char *name,
			      const pm_value *args, size_t nargs, char *err,
			      size_t errlen)
{
	size_t p, d;
	if (e->state != PM_POOL_RUNNING)
		return pm_err(err, errlen, "pool is %s",
			      pm_pool_state_name(e->state));
	if (pm_registry_find(&e->reg, name, &p, &d, err, errlen) < 0)
		return -1;
	pm_value *copy = pm_values_copy(args, nargs);
	if (check_args(e, p, d, copy, nargs, err, errlen) < 0) {
		pm_values_free(copy, nargs);
		return -1;
	}
	pm_values_free(e->init_args, e->init_nargs);
	e->init_task = e->reg.entries[p].full_names[d];
	e->init_plugin = p;
	e->init_def = d;
	e->init_args = copy;
	e->init_nargs = nargs;
	e->init_failures = 0;
	e->init_broken = false;
	/* Workers alive now were started without it: replace each as soon as
	 * it is idle (no task is cut short). */
	for (size_t i = 0; i < e->nworkers; i++)
		if (!e->workers[i]->retiring)
			e->workers[i]->recycling = true;
	pm_engine_poll(e);
	return 0;
}

const char *pm_engine_initializer(const pm_engine *e)
{
	return e->init_task;
}

/* Process.kill(): SIGKILL at once, no grace.  A task's worker, a worker or
 * a standalone process; the task ends terminated, the worker is replaced. */
int pm_engine_kill(pm_engine *e, const char *target, char *err, size_t errlen)
{
	task *t = NULL;
	worker *w = NULL;
	target_kind k = parse_target(e, target, &t, &w, err, errlen);
	switch ((int)k) {
	case TGT_WORKER:
		break;
	case TGT_TASK:
		if (pm_task_state_final(t->state))
			return pm_err(err, errlen, "t%llu is already %s",
				      (unsigned long long)t->id,
				      pm_task_state_name(t->state));
		w = worker_of(e, t);
		if (!w || w->running != t->id)
			return pm_err(err, errlen,
				      "t%llu is not running (terminate cancels a queued task)",
				      (unsigned long long)t->id);
		break;
	case (target_kind)-1:
		return -1;
	default:
		return pm_err(err, errlen,
			      "kill what? a task (t1), a worker (w1) or a process (p1)");
	}
	if (w->kill == KILL_NONE) {
		w->kill = KILL_TERMINATE;
		w->kill_task = k == TGT_TASK ? t->id : 0;
	} else if (w->kill_task) {
		w->kill_task = k == TGT_TASK ? t->id : 0;
	}
	kill(w->pid, SIGKILL); /* stopped or not */
	w->kill_at = 0;
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
