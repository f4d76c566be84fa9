/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/internal.h — what the engine's rooms share, and nobody else
 * sees: the tuning numbers, the records between the manager and its
 * workers, the structs (worker, task, mapgrp, shm_worker, the engine
 * itself), the small accessors used per task (static inline: there is no
 * LTO), and the functions one room calls in another.  The API is
 * src/engine.h.
 *
 * The rooms (docs/architecture.md tells the path of a task through them):
 *   engine.c   new, free, load, poll and the loop's hooks
 *   submit.c   submit, map, starmap: what enters the queue
 *   tasks.c    task slabs, map groups and their bulk items, spans, eviction
 *   queue.c    the deque of ranges of queued ids (its hot half is here)
 *   dispatch.c the batch rule, sending to a worker, take-back
 *   worker.c   the worker process: its loop, running tasks, its ctx
 *   results.c  what comes back: the result ring, slots, task_ended
 *   events.c   states, counts and the events told to the listener
 *   reap.c     kills, deadlines, a worker's exit and what it leaves
 *   process.c  forking workers, sizing the pool, the initializer, spawn
 *   control.c  pause, resume, terminate, kill, close, resize, targets
 *   query.c    what front ends read: task, worker, process, counts */
#ifndef POOLMON_ENGINE_INTERNAL_H
#define POOLMON_ENGINE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "engine.h"
#include "ids.h"
#include "loop.h"
#include "plugin/loader.h"
#include "ring.h"
#include "shared.h"
#include "value.h"

/* ---- numbers ------------------------------------------------------------ */

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

/* ---- shared with a worker ----------------------------------------------- */


/* Shared between the manager and one worker. */
typedef struct shm_worker {
	_Atomic uint64_t cur_task; /* the task running now, 0 if none */
	_Atomic int64_t cur_started_ns; /* when it started (pm_now, ns) */
	_Atomic uint32_t cancel;   /* the running task should stop */
	_Atomic uint32_t in_init;  /* the worker runs the pool's initializer */
	/* The shared objects its tasks looked up, a bit per arena entry: who
	 * may have written over one the manager finds corrupted. */
	_Atomic uint64_t touched[PM_SHARED_MAX / 64];
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

/* DOWN_MAP: tasks first_id.. of a map of numbers of type itype, the
 * items in shm->in[slot..slot+n-1] (mod CHUNK_SLOTS). */
typedef struct map_chunk {
	uint32_t plugin, def, n, slot;
	uint32_t itype, pad;
	uint64_t first_id;
} map_chunk;

/* ---- the manager's records ---------------------------------------------- */

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

/* A chunk of a map's items sent to a worker: which start of which worker
 * (e->runs), when its first item started and its last ended (0: not
 * yet), as the worker's clock said.  A map item's times are its chunk's. */
typedef struct span {
	uint32_t run;
	double started, ended;
} span;

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
	/* Or a range of ints, item i being lo + i (raw and items NULL). */
	bool lazy;
	int64_t lo;
	uint8_t *st;      /* B_* */
	/* Results: a number is its type in rt and its bits in rraw; any
	 * other value goes to results (made when first needed), rt R_VALUE. */
	uint8_t *rt;
	uint64_t *rraw;
	pm_value *results;
	uint32_t *inc;    /* the chunk (spans) it was last sent in */
	span *spans;      /* its chunks, 0 is none; they go with the map */
	size_t nspans, spans_cap;
	double queued_at; /* when the map was queued */
} mapgrp;
#define R_VALUE 0xff

/* Each start of a worker, for the map items it ran. */
typedef struct worker_run {
	uint64_t worker;
	pid_t pid;
} worker_run;


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
	const char *corrupt; /* why it was killed: it broke its ring */
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
	/* What pm_engine_task_info and events show of a map item, valid until
	 * the next call (a separate block: info is given from a const
	 * engine). */
	struct bulk_view *view;
	qent *q; /* deque of ranges of queued, undispatched task ids */
	size_t qhead, qlen, qcap;
	pm_pool_state state;
	bool dispatch_paused;
	/* step N while the dispatcher is paused: tasks still to send, one at
	 * a time to an idle worker (one_only: the chunk being sent). */
	size_t step_left;
	bool one_only;
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
	bool items_quiet; /* pm_engine_set_item_events(e, false) */
	void *ud;
	bool listen_ranges; /* runs of map items as one event */
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
	struct eng_deadlocks *deadlocks; /* deadlock.c's memory */
	struct span_ring *spans; /* spans.c: what ran when, for the timeline */
};

/* What pm_engine_task_info and events show of a map item (e->view). */
typedef struct bulk_view {
	pm_value arg, result;
} bulk_view;

/* The queue's next item: a task record (it->t) or a map's bulk item
 * (it->g, it->i). */
typedef struct qitem {
	uint64_t id;
	task *t;
	mapgrp *g;
	size_t i;
} qitem;

/* ---- across the rooms: the functions one room calls in another ---------- */

/* tasks.c */
size_t eng_group_index(const pm_engine *e, uint64_t id);
task *eng_new_task(pm_engine *e, size_t p, size_t d, pm_value *args,
		   size_t nargs, bool queue);
task *eng_task_own(pm_engine *e, uint64_t id);
double eng_bulk_started(const pm_engine *e, uint64_t wid, uint64_t id);
void eng_task_free(task *t);
void *eng_grp_alloc(size_t size);
void eng_grp_free(void *p, size_t size);
void eng_group_free(mapgrp *g);
uint32_t eng_new_span(mapgrp *g, const worker *w);
/* spans.c: the timeline's ring of recent spans. */
#define SPANS_KEPT 16384
void eng_span_task(pm_engine *e, const task *t);
void eng_span_pause(pm_engine *e, const task *t, double from, double to);
void eng_span_chunk(pm_engine *e, const worker *w, const mapgrp *g,
		    size_t i, double started, double ended);
void eng_spans_free(pm_engine *e);
void eng_evict_old(pm_engine *e);
/* queue.c */
void eng_q_grow(pm_engine *e);
void eng_q_push_front(pm_engine *e, uint64_t id);
/* events.c */
void eng_emit_task_at(pm_engine *e, const task *t, double at);
void eng_emit_worker(pm_engine *e, const worker *w, const char *what,
		     int signo, int status);
void eng_emit_bulk(pm_engine *e, const mapgrp *g, size_t i);
void eng_set_state_at(pm_engine *e, task *t, pm_task_state s, double at);
void eng_bulk_set(pm_engine *e, mapgrp *g, size_t i, uint8_t st);
/* To a listener of ranges: items i..i+n-1 of g are in state s now. */
void eng_emit_bulk_range(pm_engine *e, const mapgrp *g, size_t i, size_t n,
			 pm_task_state s, const worker *w);
/* submit.c */
pm_value *eng_args_checked(pm_engine *e, size_t p, size_t d,
			   const pm_value *args, size_t nargs, char *err,
			   size_t errlen);
/* dispatch.c */
void eng_note_run_time(pm_engine *e, size_t p, size_t d, double secs);
void eng_send_down(worker *w, uint32_t type, const void *p, size_t len);
void eng_dispatch_to(pm_engine *e, worker *w);
void eng_dispatch(pm_engine *e);
/* results.c */
size_t eng_live_slot(const worker *w, uint64_t id);
bool eng_slot_settle(pm_engine *e, worker *w, size_t slot);
void eng_chunk_advance(pm_engine *e, worker *w);
/* Takes back the item in w's slot if its worker has not started it (one
 * compare-and-swap of its claim): the manager has it then, neither sent
 * nor queued; else *got says who has it (CLAIM_TAKEN, CLAIM_SKIP). */
bool eng_revoke_slot(pm_engine *e, worker *w, size_t slot, uint8_t *got);
void eng_drain_worker(pm_engine *e, worker *w);
/* worker.c: the worker process's side */
void eng_check_parent(pm_engine *e);
__attribute__((noreturn)) void eng_worker_main(pm_engine *e, worker *w);
/* process.c */
int eng_start_worker(pm_engine *e, worker *w);
worker *eng_add_worker(pm_engine *e);
void eng_remove_worker(pm_engine *e, worker *w);
bool eng_wants_workers(const pm_engine *e);
void eng_start_due_workers(pm_engine *e);
void eng_start_missing_workers(pm_engine *e);
void eng_send_exits(pm_engine *e);
/* reap.c */
void eng_kill_for(worker *w, kill_reason why, uint64_t id);
void eng_kill_and_reap(worker *w);
void eng_reap(pm_engine *e);
void eng_check_deadlines(pm_engine *e, double now);
double eng_next_deadline(const pm_engine *e);
/* deadlock.c */
void eng_check_deadlocks(pm_engine *e);
void eng_deadlocks_free(pm_engine *e);
/* control.c */
void eng_stop_worker(pm_engine *e, worker *w, uint64_t id);
void eng_continue_if_moot(pm_engine *e, worker *w);

/* ---- small and hot: per task, in every room that needs them ------------- */

/* A number's type and bits, as a value. */
static inline pm_value raw_value(pm_type type, uint64_t bits)
{
	pm_value v = pm_none();
	v.type = type;
	if (type == PM_INT || type == PM_FLOAT)
		memcpy(&v.u.i, &bits, 8);
	return v;
}

/* "w1", or "p1" for a standalone process. */
static inline char *worker_id_format(char out[PM_ID_MAX], const worker *w)
{
	return pm_id_format(out, w->is_process ? PM_ID_PROCESS : PM_ID_WORKER,
			    w->id);
}

static inline task *task_get(const pm_engine *e, uint64_t id)
{
	if (id < 1 || id > e->ntasks)
		return NULL;
	size_t k = (size_t)((id - 1) / TASK_SLAB);
	if (k >= e->nslabs || !e->slabs[k])
		return NULL;
	task *t = &e->slabs[k][(id - 1) % TASK_SLAB];
	return t->id ? t : NULL;
}

/* The map holding id as a bulk item (not B_OWN), and its index there. */
static inline mapgrp *group_find(const pm_engine *e, uint64_t id, size_t *idx)
{
	size_t k = eng_group_index(e, id);
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
		e->ghit = eng_group_index(e, id);
		if (e->ghit == e->ngroups)
			return NULL;
		g = e->groups[e->ghit];
	}
	*idx = (size_t)(id - g->first);
	return g->st[*idx] == B_OWN ? NULL : g;
}

static inline worker *worker_get(const pm_engine *e, uint64_t id)
{
	for (size_t i = 0; i < e->nworkers; i++)
		if (e->workers[i]->id == id)
			return e->workers[i];
	return NULL;
}

static inline worker *proc_get(const pm_engine *e, uint64_t id)
{
	for (size_t i = 0; i < e->nprocs; i++)
		if (e->procs[i]->id == id)
			return e->procs[i];
	return NULL;
}

static inline pm_task_state bulk_state(uint8_t st)
{
	switch (st) {
	case B_RUNNING: return PM_TASK_RUNNING;
	case B_DONE: return PM_TASK_DONE;
	case B_CANCELLED: return PM_TASK_CANCELLED;
	default: return PM_TASK_QUEUED;
	}
}

/* Its items are numbers, sent through the slots. */
static inline bool grp_numbers(const mapgrp *g)
{
	return g->raw || g->lazy;
}

/* Item i's arguments; numbers are shown through *tmp. */
static inline void bulk_args(const mapgrp *g, size_t i, pm_value *tmp,
		      const pm_value **args, size_t *nargs)
{
	if (g->lazy) {
		*tmp = pm_int(g->lo + (int64_t)i);
		*args = tmp;
		*nargs = 1;
		return;
	}
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
static inline const pm_value *bulk_result(const mapgrp *g, size_t i, pm_value *tmp)
{
	if (g->rt[i] == R_VALUE)
		return &g->results[i];
	*tmp = raw_value((pm_type)g->rt[i], g->rraw[i]);
	return tmp;
}

/* The time of the current poll (one clock read per batch of messages),
 * or now outside a poll. */
static inline double engine_now(const pm_engine *e)
{
	return e->in_poll && e->now > 0 ? e->now : pm_now();
}

static inline void emit(pm_engine *e, const pm_event *ev)
{
	if (e->listener)
		e->listener(e->ud, ev);
}

static inline void emit_task(pm_engine *e, const task *t)
{
	if (e->listener)
		eng_emit_task_at(e, t, engine_now(e));
}

static inline void set_state(pm_engine *e, task *t, pm_task_state s)
{
	eng_set_state_at(e, t, s, 0);
}

/* The chunk item i of g was last sent in (none: a chunk of no run). */
static inline const span *span_of(const mapgrp *g, size_t i)
{
	static const span none = { UINT32_MAX, 0, 0 };
	uint32_t k = g->inc[i];
	return k && k < g->nspans ? &g->spans[k] : &none;
}

/* The worker and pid that ran (or run) item i of g: 0 if never sent. */
static inline worker_run run_of(const pm_engine *e, const mapgrp *g, size_t i)
{
	uint32_t r = span_of(g, i)->run;
	return r < e->nruns ? e->runs[r] : (worker_run){ 0, 0 };
}

/* Item times (ns of the worker's clock) into its chunk's. */
static inline void span_note(mapgrp *g, uint32_t sp, int64_t started_ns,
			     int64_t ended_ns)
{
	if (!sp || sp >= g->nspans)
		return;
	span *c = &g->spans[sp];
	double a = (double)started_ns / 1e9, b = (double)ended_ns / 1e9;
	if (started_ns > 0 && (c->started == 0 || a < c->started))
		c->started = a;
	if (ended_ns > 0 && b > c->ended)
		c->ended = b;
}

static inline void q_push_range(pm_engine *e, uint64_t first, uint64_t n)
{
	eng_q_grow(e);
	e->q[(e->qhead + e->qlen++) % e->qcap] = (qent){ first, n };
}

static inline void q_push_back(pm_engine *e, uint64_t id)
{
	q_push_range(e, id, 1);
}

/* The queue's next item, skipping ids that left the queue since they were
 * pushed (cancelled, held, sent). */
static inline bool q_front(pm_engine *e, qitem *it)
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
static inline void q_pop_front(pm_engine *e, qitem *it)
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

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

#endif
