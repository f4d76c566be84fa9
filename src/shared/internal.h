/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the files of src/shared/ share and nothing else includes: the
 * layout of the arena and of every object in it, deadlines, the robust
 * mutexes and monitors (mutex.c), the arena's bookkeeping (arena.c), and
 * the operations each room puts in the table tasks get (arena.c gathers
 * them).  The public API is ../shared.h.
 *
 * Locking: every object that blocks is a "monitor": a robust, process-shared
 * pthread mutex guarding its state, plus a futex word `seq` bumped on every
 * change that may let a waiter proceed.  Waiters spin briefly, then sleep on
 * the futex in slices (so a wake-up lost to a killed process costs at most a
 * slice), and re-check.  Lock and RLock are the robust mutexes themselves, so
 * a holder killed with -9 leaves EOWNERDEAD, never a deadlock.  The manager
 * only ever tries locks (never blocks its event loop).  Queues (and pipes)
 * are not monitors but two-lock rings, for throughput: see o_queue. */
#ifndef POOLMON_SHARED_INTERNAL_H
#define POOLMON_SHARED_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "shared.h"

#define OBJ_MAGIC 0x4f534d50u /* "PMSO" */
#define ARENA_MAGIC 0x41534d50u
#define SLICE_NS 200000000L /* longest single futex sleep */
#define SPIN 2000
/* How often a busy mutex is re-tried before sleeping: critical sections
 * here are a few dozen instructions. */
#define LOCK_SPIN 200

/* ---- layout ------------------------------------------------------------ */

typedef struct obj_hdr {
	uint32_t magic;
	uint32_t kind;
} obj_hdr;

typedef struct shm_mutex {
	pthread_mutex_t mu; /* robust, process-shared, error-checking */
	_Atomic int32_t holder;   /* pid, 0 if free */
	_Atomic int32_t dead_pid; /* last holder that died holding it */
	_Atomic uint32_t deaths;
	_Atomic uint32_t waiters;
	uint32_t depth; /* RLock recursion, under the mutex */
	uint32_t recursive;
	/* The holding thread (pthread_self), with holder: an RLock is
	 * held by a thread, as the mutex under it and Python's are. */
	_Atomic uintptr_t thread;
} shm_mutex;

typedef struct shm_mon {
	shm_mutex m;
	_Atomic uint32_t seq;
	_Atomic uint32_t sleepers;
} shm_mon;

/* Who waits for a Lock (an RLock, a Condition's, a value's): a slot per
 * blocked acquire, claimed by CAS of pid 0 -> the waiter's pid, its id tag
 * and since when it waits, cleared as it gets the lock or gives up.  For
 * show, the shared panel and the manager's wait-for graph (the engine's
 * deadlock.c); what the manager reads here is only displayed and checked
 * against its own processes.  A waiter killed -9 leaves its slot: readers
 * skip pids that no longer exist, and a new waiter that finds no free slot
 * takes theirs. */
#define LOCK_WAITERS 8
typedef struct lock_waiter {
	_Atomic int32_t pid; /* 0: free */
	_Atomic uint32_t tag; /* shm_tag of the waiter */
	_Atomic uint64_t since; /* CLOCK_MONOTONIC ns */
} lock_waiter;

typedef struct o_lock {
	obj_hdr h;
	shm_mutex m;
	_Atomic uint32_t holder_tag; /* shm_tag of the holder, 0 if free */
	_Atomic uint32_t dead_tag;   /* ... of the last one that died holding it */
	lock_waiter w[LOCK_WAITERS];
} o_lock;

typedef struct o_array {
	obj_hdr h;
	o_lock lock;
	uint32_t has_lock;
	char code;
	uint32_t elsize;
	uint64_t len;
	_Alignas(16) unsigned char data[];
} o_array;

typedef struct o_sem {
	obj_hdr h;
	shm_mon mon;
	int64_t value;
	int64_t max; /* bounded: the initial value; else 0 */
} o_sem;

typedef struct o_event {
	obj_hdr h;
	shm_mon mon;
	uint32_t flag;
} o_event;

typedef struct o_cond {
	obj_hdr h;
	o_lock lock; /* an RLock, like Python's Condition() */
	_Atomic uint32_t seq;
	_Atomic uint32_t sleepers;
} o_cond;

typedef struct o_barrier {
	obj_hdr h;
	shm_mon mon;
	uint32_t parties, count, gen, broken;
} o_barrier;

/* Queues and the two directions of a pipe: records of [u32 len][bytes]
 * in a byte ring that wraps at cap.
 *
 * Two locks, not one (a "two-lock queue"): producers serialise among
 * themselves on `plock`, consumers on `clock`, and the two sides meet only
 * through two published words, each written by one side:
 *
 *   pw = (items put << 32) | head offset     (producers, under plock)
 *   cw = (items got << 32) | tail offset     (consumers, under clock)
 *
 * (item counts wrap mod 2^32; offsets are in [0, cap)).  One store of pw
 * publishes a whole record together with its count, one store of cw frees
 * it, so a process killed with -9 anywhere inside put or get leaves either
 * the old word (its half-written record is invisible, its half-read record
 * is still there for the next consumer) or the new one, never a mix; and
 * since plock/clock are robust mutexes, the next producer or consumer gets
 * them back (EOWNERDEAD) with nothing to repair.  That is why the hot path
 * keeps these locks rather than going lock-free (a Vyukov ring of slots
 * claimed by CAS would wedge every consumer behind a slot whose producer
 * died between claiming and publishing it): with one producer and one
 * consumer each lock stays in its own process's cache and costs two
 * uncontended atomics, and what made the old one-monitor queue slow — both
 * sides fighting over one mutex, one count and one futex word per item —
 * is gone.  Each side also caches the other's word (p_cw, c_pw) and re-reads
 * it only when the cached value says full / empty.
 *
 * Waiting: a side that must wait (empty, full, join) spins briefly, then
 * arms its wait line and sleeps on the line's futex word in slices.  The
 * other side looks at `armed` after each change (a read of a line nobody
 * writes while nobody sleeps: no system call and no cache-line transfer per
 * item); the first to find it set clears it and wakes every sleeper, so a
 * sleep costs one wake-up however many items go by before the sleeper runs
 * again.  A sleeper killed -9 leaves it armed: that costs one wake-up.
 *
 * Sleepers also register their pid, for status ("waiters") only.  A waker
 * whose wake-up woke nobody drops the pids of processes that no longer
 * exist, and registrations older than QW_STALE_MS (a live sleeper renews its
 * own every slice), so a sleeper killed -9 is not shown for ever. */
#define QW_PIDS 14
#define QW_STALE_MS 5000u
typedef struct q_wait {
	_Atomic uint32_t word;  /* futex: bumped by every wake-up */
	_Atomic uint32_t armed; /* someone sleeps (or is about to) */
	_Atomic int32_t pid[QW_PIDS]; /* sleepers; 0: free slot */
	/* Another line, read only when a wake-up woke nobody. */
	_Alignas(64) _Atomic uint32_t since[QW_PIDS]; /* ms, registered */
} __attribute__((aligned(64))) q_wait;

typedef struct o_queue {
	obj_hdr h;
	uint64_t maxsize; /* items, 0 = only the buffer limits */
	uint64_t cap;
	_Atomic uint32_t closed;
	_Alignas(64) shm_mutex plock;
	_Alignas(64) _Atomic uint64_t pw;
	uint64_t p_cw; /* producers' copy of cw, under plock */
	_Alignas(64) shm_mutex clock;
	_Alignas(64) _Atomic uint64_t cw;
	uint64_t c_pw; /* consumers' copy of pw, under clock */
	_Alignas(64) _Atomic uint32_t done; /* task_done() calls, mod 2^32 */
	q_wait getters; /* waiting for an item (get, poll) */
	q_wait putters; /* waiting for room */
	q_wait joiners; /* waiting for unfinished == 0 */
	_Alignas(64) unsigned char buf[];
} o_queue;

typedef struct o_conn {
	obj_hdr h;
	uint32_t end;
	int64_t pipe_rel; /* the pipe, relative to this end */
} o_conn;

typedef struct o_pipe {
	obj_hdr h;
	uint32_t duplex;
	o_conn ends[2];
	int64_t ch_rel[2]; /* channel delivering to end i, relative to pipe */
} o_pipe;

/* pw and cw: (items << 32) | offset. */
static inline uint32_t w_items(uint64_t w)
{
	return (uint32_t)(w >> 32);
}

static inline uint32_t w_off(uint64_t w)
{
	return (uint32_t)w;
}

static inline uint64_t w_make(uint32_t items, uint64_t off)
{
	return (uint64_t)items << 32 | (uint32_t)off;
}

/* Items between a consumer word and a later producer word. */
static inline uint32_t w_count(uint64_t cw, uint64_t pw)
{
	return w_items(pw) - w_items(cw);
}

/* A pipe: the o_pipe, then its two channels, each 64-aligned. */
static inline size_t pipe_head_size(void)
{
	return (sizeof(o_pipe) + 63) & ~(size_t)63;
}

static inline size_t pipe_channel_size(void)
{
	return (sizeof(o_queue) + PM_SHARED_PIPE_BYTES + 63) & ~(size_t)63;
}

static inline int64_t pipe_end_rel(uint32_t end)
{
	return -(int64_t)(offsetof(o_pipe, ends) + end * sizeof(o_conn));
}

static inline int64_t pipe_channel_rel(int i)
{
	return (int64_t)(pipe_head_size() + (size_t)i * pipe_channel_size());
}

/* The pipe of an end, NULL if the end's fields were overwritten: they
 * never change, so anyone can check them. */
static inline o_pipe *conn_pipe(const o_conn *c)
{
	if (c->end > 1 || c->pipe_rel != pipe_end_rel(c->end))
		return NULL;
	return (o_pipe *)((char *)c + c->pipe_rel);
}

static inline o_queue *pipe_channel(o_pipe *p, int i)
{
	if (p->ch_rel[i] != pipe_channel_rel(i))
		return NULL;
	return (o_queue *)((char *)p + p->ch_rel[i]);
}

typedef struct arena_entry {
	char name[PM_SHARED_NAME_MAX];
	uint32_t kind;
	uint64_t off;
} arena_entry;

typedef struct arena {
	uint32_t magic;
	_Atomic uint32_t count; /* entries published */
	uint64_t used;
	arena_entry e[PM_SHARED_MAX];
} arena;

/* The manager's own record of an object: what it is, where, and what
 * never changes after creation.  Workers can write the whole arena (the
 * table in it included, which only they read), so the manager trusts only
 * this and checks the object against it before reading anything else. */
typedef struct obj_rec {
	char name[PM_SHARED_NAME_MAX];
	pm_shared_kind kind;
	uint64_t off, size;
	char code;                 /* value, array */
	uint32_t elsize, has_lock; /* value, array */
	uint64_t len;              /* value, array */
	uint64_t cap, maxsize;     /* queues */
	uint32_t duplex;           /* pipe */
	int64_t max;               /* semaphore */
	uint32_t parties;          /* barrier */
	bool deadlock; /* in a cycle the engine found (pm_shared_mark_deadlock) */
	bool corrupt;
	char why[160];
	uint32_t entry;            /* its arena entry (a->e) */
} obj_rec;

struct pm_shared {
	arena *a;
	pid_t owner; /* the manager: the process that mapped it */
	size_t n;
	/* Arena bytes and entries ever used: a deleted object's are not
	 * used again (a task may still hold its handle). */
	uint64_t high;
	uint32_t entries;
	obj_rec rec[PM_SHARED_MAX];
	pm_shared_report_fn report;
	void *report_ud;
};

/* ---- deadlines (mutex.c) ------------------------------------------------ */

enum { DL_FOREVER, DL_NOWAIT, DL_UNTIL };
typedef struct dl {
	int mode;
	struct timespec at; /* CLOCK_MONOTONIC */
} dl;

extern const dl shm_forever;

dl shm_dl_until(double timeout);

/* Inline, and the common cases without the struct copy the slow case
 * needs (a per-call store-forwarding stall on the queue's hot path). */
static inline __attribute__((always_inline)) dl shm_dl_make(double timeout)
{
	dl d = { timeout < 0 ? DL_FOREVER : DL_NOWAIT, { 0, 0 } };
	if (timeout <= 0)
		return d;
	return shm_dl_until(timeout);
}

/* Nanoseconds left (mode DL_UNTIL), <= 0 once passed. */
long long shm_dl_left(const dl *d);
bool shm_dl_passed(const dl *d);
/* The next futex sleep: a slice, or what is left of d if less; false
 * once d has passed. */
bool shm_dl_slice(const dl *d, struct timespec *rel);

/* ---- spinning, sleeping, pids (mutex.c) -------------------------------- */

bool shm_may_spin(void);

static inline void shm_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Sleeps while *word == seq: spins a little, then one futex slice. */
void shm_sleep_on(_Atomic uint32_t *word, _Atomic uint32_t *sleepers,
		  uint32_t seq, const dl *d);

/* getpid(), cached (it is a system call in current glibc, and lock
 * holders are recorded on every lock); forgotten in a forked child. */
extern pid_t shm_pid;

static inline pid_t shm_my_pid(void)
{
	if (!shm_pid)
		shm_pid = getpid();
	return shm_pid;
}

/* Once per process: makes forked children forget the cached pid (and
 * their tag). */
void shm_pid_atfork(void);

/* This process's poolmon id as a tag, (letter << 24) | number: 'w' and
 * 'p' set by the engine in the child it forks (pm_shared_set_self), 'm' for
 * the process that mapped the arena; 0 (unknown) in any other child. */
#define TAG_MANAGER ((uint32_t)'m' << 24)
extern uint32_t shm_tag;
/* A tag as the id it names ("w2", "p1", "poolmon"), else "pid N". */
void shm_tag_name(uint32_t tag, pid_t pid, char *buf, size_t len);

/* ---- robust mutexes and monitors (mutex.c) ------------------------------ */

void shm_mutex_init(shm_mutex *m, bool recursive);
/* After pthread_mutex_trylock(m) said EBUSY: spins, then waits until d
 * (not DL_NOWAIT); pthread's answer (0, EOWNERDEAD, ETIMEDOUT, …). */
int shm_mutex_wait(shm_mutex *m, const dl *d);
/* After EOWNERDEAD: marks m consistent and notes the dead holder. */
void shm_mutex_recover(shm_mutex *m);
/* Locks m (PM_SHM_OK, PM_SHM_OWNER_DIED, or why not). */
int shm_mutex_lock(shm_mutex *m, const dl *d);
void shm_mutex_unlock(shm_mutex *m);
bool shm_held_by_me(shm_mutex *m);
/* The mutex's answer after pthread_mutex_trylock or _wait said rc:
 * PM_SHM_OK or PM_SHM_OWNER_DIED with the holder noted, or why not. */
int shm_mutex_settle(shm_mutex *m, int rc, const dl *d);
/* A Lock's, RLock's or Condition's mutex taken and given back, with its
 * holder's tag and, while it blocks, a waiter slot (no recursion). */
int shm_lock_take(o_lock *l, const dl *d);
void shm_lock_give(o_lock *l);
/* A Lock's or RLock's acquire and release (depth counted). */
int shm_lock_acquire(o_lock *l, const dl *d);
int shm_lock_release(o_lock *l);

void shm_mon_init(shm_mon *mo);
/* false if not entered (NOWAIT and busy, or the deadline passed). */
bool shm_mon_enter(shm_mon *mo, const dl *d);
void shm_mon_leave(shm_mon *mo);
void shm_mon_notify(shm_mon *mo);
/* Leaves, waits for a notify (or a slice), re-enters.  PM_SHM_TIMEOUT
 * without waiting once the deadline has passed. */
int shm_mon_wait(shm_mon *mo, const dl *d);

/* ---- the arena (arena.c) ------------------------------------------------ */

/* The arena this process manages (the last one it mapped), for the
 * operations, which get a handle only. */
extern pm_shared *shm_manager;

/* Reserves room for a new object of size bytes and clears its first
 * `zeroed` bytes; NULL with a message if the name is bad or taken or the
 * arena is full.  Publish with shm_publish(). */
void *shm_reserve(pm_shared *s, const char *name, size_t size, size_t zeroed,
		  char *err, size_t errlen);
/* Stamps obj's header with kind and makes it visible to all: the
 * manager's record, then the arena's table.  Returns 0. */
int shm_publish(pm_shared *s, const char *name, void *obj, size_t size,
		pm_shared_kind kind);
void shm_hdr_init(obj_hdr *h, pm_shared_kind kind);

/* In the manager: 0 if the handle may be used, else the code to refuse
 * it with (PM_SHM_TYPE: not a handle at all). */
int shm_refuse(const void *obj);

/* A set of kinds, for shm_check. */
#define KIND(k) (1u << (k))
#define KINDS_ARRAY (KIND(PM_SK_VALUE) | KIND(PM_SK_ARRAY))
#define KINDS_QUEUE                                                       \
	(KIND(PM_SK_QUEUE) | KIND(PM_SK_JOINABLE_QUEUE) |                 \
	 KIND(PM_SK_SIMPLE_QUEUE) | KIND(PM_SK_CHANNEL))
/* An operation's first look at its handle: shm_refuse's code, else
 * PM_SHM_TYPE unless obj is of one of kinds, else 0.  Inline: it is on
 * the queue's hot path. */
static inline int shm_check(const void *obj, unsigned kinds)
{
	int bad = shm_refuse(obj);
	if (bad)
		return bad;
	/* A worker reads the kind from a header anyone could have written. */
	uint32_t k = (uint32_t)pm_shared_kind_of(obj);
	return k && k < 32 && (kinds & KIND(k)) ? 0 : PM_SHM_TYPE;
}

/* ---- the rooms' parts of the table, and what the others need of them -- */

/* numbers.c */
size_t shm_api_len(const void *obj);
char shm_api_code(const void *obj);
int shm_api_value_get(void *obj, size_t i, pm_value *out);
int shm_api_value_set(void *obj, size_t i, const pm_value *v);
int shm_api_value_add(void *obj, size_t i, const pm_value *delta,
		      pm_value *out);
void *shm_api_get_lock(void *obj);
void *shm_api_raw(void *obj);
/* An array's element as a value. */
pm_value shm_elem_load(char code, const void *p);

/* sync.c */
int shm_api_acquire(void *obj, double timeout);
int shm_api_release(void *obj);
int shm_api_wait(void *obj, double timeout);
int shm_api_notify(void *obj, int n);
int shm_api_event_set(void *obj);
int shm_api_event_clear(void *obj);
int shm_api_event_is_set(const void *obj);

/* queue.c */
int shm_api_queue_put(void *obj, const pm_value *item, double timeout);
int shm_api_queue_get(void *obj, pm_value *out, double timeout);
size_t shm_api_qsize(const void *obj);
int shm_api_queue_empty(const void *obj);
int shm_api_queue_full(const void *obj);
int shm_api_queue_close(void *obj);
int shm_api_task_done(void *obj);
int shm_api_join(void *obj, double timeout);
void *shm_api_pipe_end(void *pipe, int end);
int shm_api_send(void *conn, const pm_value *v);
int shm_api_recv(void *conn, pm_value *out, double timeout);
int shm_api_poll(void *conn, double timeout);
/* For status: a queue's figures. */
size_t shm_queue_count(const o_queue *q);
uint32_t shm_queue_unfinished(const o_queue *q);
unsigned shm_queue_sleepers(const o_queue *q);

#endif
