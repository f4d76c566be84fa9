/* Shared objects in one arena (see shared.h).
 *
 * Locking: every object that blocks is a "monitor": a robust, process-shared
 * pthread mutex guarding its state, plus a futex word `seq` bumped on every
 * change that may let a waiter proceed.  Waiters spin briefly, then sleep on
 * the futex in slices (so a wake-up lost to a killed process costs at most a
 * slice), and re-check.  Lock and RLock are the robust mutexes themselves, so
 * a holder killed with -9 leaves EOWNERDEAD, never a deadlock.  The manager
 * only ever tries locks (never blocks its event loop).  Queues (and pipes)
 * are not monitors but two-lock rings, for throughput: see o_queue. */
#define _GNU_SOURCE
#include "shared.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"
#include "util.h"
#include "value.h"

#define OBJ_MAGIC 0x4f534d50u /* "PMSO" */
#define ARENA_MAGIC 0x41534d50u
#define SLICE_NS 200000000L /* longest single futex sleep */
#define SPIN 2000
#define SMALL_ITEM 256

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
} shm_mutex;

typedef struct shm_mon {
	shm_mutex m;
	_Atomic uint32_t seq;
	_Atomic uint32_t sleepers;
} shm_mon;

typedef struct o_lock {
	obj_hdr h;
	shm_mutex m;
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
	bool corrupt;
	char why[160];
} obj_rec;

struct pm_shared {
	arena *a;
	pid_t owner; /* the manager: the process that mapped it */
	size_t n;
	obj_rec rec[PM_SHARED_MAX];
	pm_shared_report_fn report;
	void *report_ud;
};

/* ---- time -------------------------------------------------------------- */

enum { DL_FOREVER, DL_NOWAIT, DL_UNTIL };
typedef struct dl {
	int mode;
	struct timespec at; /* CLOCK_MONOTONIC */
} dl;

static dl dl_until(double timeout);

/* Inline, and the common cases without the struct copy the slow case
 * needs (a per-call store-forwarding stall on the queue's hot path). */
static inline __attribute__((always_inline)) dl dl_make(double timeout)
{
	dl d = { timeout < 0 ? DL_FOREVER : DL_NOWAIT, { 0, 0 } };
	if (timeout <= 0)
		return d;
	return dl_until(timeout);
}

static dl dl_until(double timeout)
{
	dl d = { DL_FOREVER, { 0, 0 } };
	if (timeout > 1e7)
		timeout = 1e7;
	d.mode = DL_UNTIL;
	clock_gettime(CLOCK_MONOTONIC, &d.at);
	long long ns = (long long)(timeout * 1e9);
	d.at.tv_sec += (time_t)(ns / 1000000000LL);
	d.at.tv_nsec += (long)(ns % 1000000000LL);
	if (d.at.tv_nsec >= 1000000000L) {
		d.at.tv_sec++;
		d.at.tv_nsec -= 1000000000L;
	}
	return d;
}

/* Nanoseconds left (mode DL_UNTIL), <= 0 once passed. */
static long long dl_left(const dl *d)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(d->at.tv_sec - now.tv_sec) * 1000000000LL +
	       (d->at.tv_nsec - now.tv_nsec);
}

static bool dl_passed(const dl *d)
{
	return d->mode == DL_NOWAIT || (d->mode == DL_UNTIL && dl_left(d) <= 0);
}

static bool g_spin_checked, g_spin;

static bool may_spin(void)
{
	if (!g_spin_checked) {
		g_spin = sysconf(_SC_NPROCESSORS_ONLN) > 1;
		g_spin_checked = true;
	}
	return g_spin;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Sleeps while *word == seq: spins a little, then one futex slice. */
static void sleep_on(_Atomic uint32_t *word, _Atomic uint32_t *sleepers,
		     uint32_t seq, const dl *d)
{
	if (may_spin())
		for (int i = 0; i < SPIN; i++) {
			if (atomic_load_explicit(word, memory_order_acquire) !=
			    seq)
				return;
			cpu_relax();
		}
	struct timespec rel = { 0, SLICE_NS };
	if (d->mode == DL_UNTIL) {
		long long left = dl_left(d);
		if (left <= 0)
			return;
		if (left < SLICE_NS)
			rel.tv_nsec = (long)left;
	}
	atomic_fetch_add(sleepers, 1);
	pm_futex(word, FUTEX_WAIT, seq, &rel);
	atomic_fetch_sub(sleepers, 1);
}

/* ---- robust mutexes ---------------------------------------------------- */

/* getpid() is a system call in current glibc; lock holders are recorded on
 * every lock, so the pid is cached and forgotten in a forked child. */
static pid_t g_pid;

static void forget_pid(void)
{
	g_pid = 0;
}

static pid_t my_pid(void)
{
	if (!g_pid)
		g_pid = getpid();
	return g_pid;
}

/* How often a busy mutex is re-tried before sleeping: critical sections
 * here are a few dozen instructions. */
#define LOCK_SPIN 200

static void mutex_init(shm_mutex *m, bool recursive)
{
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_settype(&at, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m->mu, &at);
	pthread_mutexattr_destroy(&at);
	m->recursive = recursive;
}

static int mutex_lock(shm_mutex *m, const dl *d)
{
	int rc = pthread_mutex_trylock(&m->mu);
	if (rc == EBUSY && d->mode != DL_NOWAIT && may_spin())
		for (int i = 0; i < LOCK_SPIN && rc == EBUSY; i++) {
			cpu_relax();
			rc = pthread_mutex_trylock(&m->mu);
		}
	if (rc == EBUSY && d->mode != DL_NOWAIT) {
		atomic_fetch_add(&m->waiters, 1);
		rc = d->mode == DL_FOREVER
			     ? pthread_mutex_lock(&m->mu)
			     : pthread_mutex_clocklock(&m->mu, CLOCK_MONOTONIC,
						       &d->at);
		atomic_fetch_sub(&m->waiters, 1);
	}
	int out = PM_SHM_OK;
	switch (rc) {
	case 0:
		break;
	case EOWNERDEAD:
		/* The holder died: the state it guarded is ours to trust. */
		pthread_mutex_consistent(&m->mu);
		atomic_store(&m->dead_pid, atomic_load(&m->holder));
		atomic_fetch_add(&m->deaths, 1);
		m->depth = 0;
		out = PM_SHM_OWNER_DIED;
		break;
	case EBUSY:
	case ETIMEDOUT:
		return PM_SHM_TIMEOUT;
	case EDEADLK: /* a Lock's acquire(False) by its holder: just False */
		return d->mode == DL_NOWAIT ? PM_SHM_TIMEOUT : PM_SHM_DEADLOCK;
	default:
		return PM_SHM_TYPE;
	}
	atomic_store(&m->holder, (int32_t)my_pid());
	return out;
}

static void mutex_unlock(shm_mutex *m)
{
	atomic_store(&m->holder, 0);
	pthread_mutex_unlock(&m->mu);
}

static bool held_by_me(shm_mutex *m)
{
	return atomic_load(&m->holder) == (int32_t)my_pid();
}

static int lock_acquire(shm_mutex *m, const dl *d)
{
	if (m->recursive && held_by_me(m)) {
		m->depth++;
		return PM_SHM_OK;
	}
	int rc = mutex_lock(m, d);
	if (rc == PM_SHM_OK || rc == PM_SHM_OWNER_DIED)
		m->depth = 1;
	return rc;
}

static int lock_release(shm_mutex *m)
{
	if (!held_by_me(m))
		return PM_SHM_NOT_HELD;
	if (m->recursive && m->depth > 1) {
		m->depth--;
		return PM_SHM_OK;
	}
	m->depth = 0;
	mutex_unlock(m);
	return PM_SHM_OK;
}

/* ---- monitors ---------------------------------------------------------- */

static void mon_init(shm_mon *mo)
{
	mutex_init(&mo->m, false);
}

/* false if not entered (NOWAIT and busy, or the deadline passed). */
static bool mon_enter(shm_mon *mo, const dl *d)
{
	int rc = mutex_lock(&mo->m, d);
	return rc == PM_SHM_OK || rc == PM_SHM_OWNER_DIED;
}

static void mon_leave(shm_mon *mo)
{
	mutex_unlock(&mo->m);
}

static void mon_notify(shm_mon *mo)
{
	atomic_fetch_add(&mo->seq, 1);
	if (atomic_load(&mo->sleepers))
		pm_futex_wake(&mo->seq);
}

/* Leaves, waits for a notify (or a slice), re-enters.  PM_SHM_TIMEOUT
 * without waiting once the deadline has passed. */
static int mon_wait(shm_mon *mo, const dl *d)
{
	if (dl_passed(d))
		return PM_SHM_TIMEOUT;
	uint32_t seq = atomic_load(&mo->seq);
	mon_leave(mo);
	sleep_on(&mo->seq, &mo->sleepers, seq, d);
	dl forever = { DL_FOREVER, { 0, 0 } };
	mon_enter(mo, &forever);
	return PM_SHM_OK;
}

/* ---- handles ----------------------------------------------------------- */

static obj_hdr *hdr(const void *obj)
{
	obj_hdr *h = (obj_hdr *)obj;
	return h && h->magic == OBJ_MAGIC ? h : NULL;
}

/* The arena this process manages (the last one it mapped), for the
 * operations, which get a handle only. */
static pm_shared *g_mgr;

static pid_t my_pid(void);
static int mgr_refuse(const void *obj);
static bool in_manager(const pm_shared *s)
{
	return s && s->owner == my_pid();
}

/* The record whose object holds handle obj, NULL if none. */
static obj_rec *rec_of(pm_shared *s, const void *obj)
{
	const char *p = obj, *base = (const char *)s->a;
	if (!p || p < base || p >= base + PM_SHARED_ARENA)
		return NULL;
	uint64_t off = (uint64_t)(p - base);
	size_t lo = 0, hi = s->n; /* records are in offset order */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->rec[mid].off + s->rec[mid].size <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->rec[lo].off <= off ? &s->rec[lo] : NULL;
}

/* The kind of a handle inside a record: the object, an array's lock or a
 * condition's (its RLock), a pipe's end. */
static pm_shared_kind rec_handle_kind(const pm_shared *s, const obj_rec *r,
				      const void *obj);

pm_shared_kind pm_shared_kind_of(const void *obj)
{
	if (in_manager(g_mgr)) {
		obj_rec *r = rec_of(g_mgr, obj);
		return r ? rec_handle_kind(g_mgr, r, obj) : 0;
	}
	obj_hdr *h = hdr(obj);
	return h ? (pm_shared_kind)h->kind : 0;
}

static o_array *as_array(const void *obj)
{
	pm_shared_kind k = pm_shared_kind_of(obj);
	return k == PM_SK_VALUE || k == PM_SK_ARRAY ? (o_array *)obj : NULL;
}

static o_queue *as_queue(const void *obj)
{
	pm_shared_kind k = pm_shared_kind_of(obj);
	return k == PM_SK_QUEUE || k == PM_SK_JOINABLE_QUEUE ||
			       k == PM_SK_SIMPLE_QUEUE || k == PM_SK_CHANNEL
		       ? (o_queue *)obj
		       : NULL;
}

/* A pipe: the o_pipe, then its two channels, each 64-aligned. */
static size_t pipe_head_size(void)
{
	return (sizeof(o_pipe) + 63) & ~(size_t)63;
}

static size_t pipe_channel_size(void)
{
	return (sizeof(o_queue) + PM_SHARED_PIPE_BYTES + 63) & ~(size_t)63;
}

static int64_t pipe_end_rel(uint32_t end)
{
	return -(int64_t)(offsetof(o_pipe, ends) + end * sizeof(o_conn));
}

static int64_t pipe_channel_rel(int i)
{
	return (int64_t)(pipe_head_size() + (size_t)i * pipe_channel_size());
}

/* The pipe of an end, NULL if the end's fields were overwritten: they
 * never change, so anyone can check them. */
static o_pipe *conn_pipe(const o_conn *c)
{
	if (c->end > 1 || c->pipe_rel != pipe_end_rel(c->end))
		return NULL;
	return (o_pipe *)((char *)c + c->pipe_rel);
}

static o_queue *pipe_channel(o_pipe *p, int i)
{
	if (p->ch_rel[i] != pipe_channel_rel(i))
		return NULL;
	return (o_queue *)((char *)p + p->ch_rel[i]);
}

const char *pm_shared_kind_name(pm_shared_kind k)
{
	switch (k) {
	case PM_SK_VALUE: return "value";
	case PM_SK_ARRAY: return "array";
	case PM_SK_QUEUE: return "queue";
	case PM_SK_JOINABLE_QUEUE: return "joinable_queue";
	case PM_SK_SIMPLE_QUEUE: return "simple_queue";
	case PM_SK_LOCK: return "lock";
	case PM_SK_RLOCK: return "rlock";
	case PM_SK_SEMAPHORE: return "semaphore";
	case PM_SK_BOUNDED_SEMAPHORE: return "bounded_semaphore";
	case PM_SK_EVENT: return "event";
	case PM_SK_CONDITION: return "condition";
	case PM_SK_BARRIER: return "barrier";
	case PM_SK_PIPE: return "pipe";
	case PM_SK_CONNECTION: return "connection";
	case PM_SK_CHANNEL: return "channel";
	}
	return NULL;
}

static const char *api_kind(const void *obj)
{
	if (mgr_refuse(obj) == PM_SHM_TYPE)
		return NULL;
	return pm_shared_kind_name(pm_shared_kind_of(obj));
}

static const char *api_strerror(int rc)
{
	switch (rc) {
	case PM_SHM_OK: return "ok";
	case PM_SHM_OWNER_DIED: return "acquired: the previous holder died holding it";
	case PM_SHM_TIMEOUT: return "timed out";
	case PM_SHM_EMPTY: return "queue is empty (Empty)";
	case PM_SHM_FULL: return "queue is full (Full)";
	case PM_SHM_CLOSED: return "queue is closed";
	case PM_SHM_BROKEN: return "barrier is broken (BrokenBarrierError)";
	case PM_SHM_NOT_HELD: return "lock is not held by this process";
	case PM_SHM_TOO_MANY: return "released too many times";
	case PM_SHM_DEADLOCK: return "lock already held by this process (would deadlock)";
	case PM_SHM_RANGE: return "value out of range for the type code, or index out of range";
	case PM_SHM_TYPE: return "wrong kind of object or type of value";
	case PM_SHM_TOO_BIG: return "item larger than the queue's buffer";
	case PM_SHM_CORRUPT: return "its shared memory was overwritten (by a task?): refused";
	}
	return "unknown error";
}

/* ---- the arena --------------------------------------------------------- */

pm_shared *pm_shared_new(char *err, size_t errlen)
{
	void *p = mmap(NULL, PM_SHARED_ARENA, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		pm_err(err, errlen, "cannot map %u MiB of shared memory: %s",
		       PM_SHARED_ARENA >> 20, strerror(errno));
		return NULL;
	}
	static bool atfork_done;
	if (!atfork_done) {
		pthread_atfork(NULL, NULL, forget_pid);
		atfork_done = true;
	}
	pm_shared *s = xcalloc(1, sizeof *s);
	s->a = p;
	s->owner = my_pid();
	s->a->magic = ARENA_MAGIC;
	s->a->used = (sizeof(arena) + 63) & ~(uint64_t)63;
	g_mgr = s;
	return s;
}

void pm_shared_free(pm_shared *s)
{
	if (!s)
		return;
	if (g_mgr == s)
		g_mgr = NULL;
	munmap(s->a, PM_SHARED_ARENA);
	free(s);
}

void pm_shared_set_reporter(pm_shared *s, pm_shared_report_fn fn, void *ud)
{
	if (!s)
		return;
	s->report = fn;
	s->report_ud = ud;
}

bool pm_shared_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (!n || n >= PM_SHARED_NAME_MAX)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') ||
	      (name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static const obj_rec *find_rec(const pm_shared *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->rec[i].name, name))
			return &s->rec[i];
	return NULL;
}

/* A worker's lookup of an object created after it was forked: in the
 * arena's table, which any task may have written over, so every field is
 * bounded before use (a bad entry costs that worker a failed lookup). */
static void *find_in_arena(const pm_shared *s, const char *name)
{
	uint32_t n = atomic_load_explicit(&s->a->count, memory_order_acquire);
	if (n > PM_SHARED_MAX)
		n = PM_SHARED_MAX;
	for (uint32_t i = 0; i < n; i++) {
		const arena_entry *e = &s->a->e[i];
		if (strncmp(e->name, name, sizeof e->name))
			continue;
		if (e->off < sizeof(arena) || e->off % 64 ||
		    e->off >= PM_SHARED_ARENA - sizeof(obj_hdr))
			return NULL;
		return (char *)s->a + e->off;
	}
	return NULL;
}

void *pm_shared_find(const pm_shared *s, const char *name)
{
	if (!s || !name)
		return NULL;
	const obj_rec *r = find_rec(s, name);
	if (r)
		return (char *)s->a + r->off;
	return in_manager(s) ? NULL : find_in_arena(s, name);
}

/* Reserves room for a new object; NULL with a message if the name is bad
 * or taken or the arena is full.  Publish with publish(). */
static void *reserve(pm_shared *s, const char *name, size_t size, char *err,
		     size_t errlen)
{
	if (!pm_shared_name_ok(name)) {
		pm_err(err, errlen,
		       "bad name '%s': use letters, digits and _ (at most %d), not starting with a digit",
		       name, PM_SHARED_NAME_MAX - 1);
		return NULL;
	}
	if (find_rec(s, name)) {
		pm_err(err, errlen, "'%s' already exists", name);
		return NULL;
	}
	if (s->n >= PM_SHARED_MAX) {
		pm_err(err, errlen, "too many shared objects (at most %d)",
		       PM_SHARED_MAX);
		return NULL;
	}
	uint64_t used = s->n ? s->rec[s->n - 1].off + s->rec[s->n - 1].size
			     : sizeof(arena);
	uint64_t off = (used + 63) & ~(uint64_t)63;
	if (size > PM_SHARED_ARENA || off + size > PM_SHARED_ARENA) {
		pm_err(err, errlen,
		       "shared memory full: %zu bytes wanted, %llu of %u MiB left",
		       size,
		       (unsigned long long)(PM_SHARED_ARENA - (off < PM_SHARED_ARENA ? off : PM_SHARED_ARENA)),
		       PM_SHARED_ARENA >> 20);
		return NULL;
	}
	return (char *)s->a + off;
}

static void rec_snapshot(obj_rec *r, const void *obj);

static void publish(pm_shared *s, const char *name, void *obj, size_t size,
		    pm_shared_kind kind)
{
	size_t n = s->n;
	obj_rec *r = &s->rec[n];
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	r->kind = kind;
	r->off = (uint64_t)((char *)obj - (char *)s->a);
	r->size = size;
	rec_snapshot(r, obj);
	s->n = n + 1;
	/* The arena's copy, for workers forked before this. */
	arena_entry *e = &s->a->e[n];
	snprintf(e->name, sizeof e->name, "%s", name);
	e->kind = kind;
	e->off = r->off;
	s->a->used = r->off + size;
	atomic_store_explicit(&s->a->count, (uint32_t)(n + 1),
			      memory_order_release);
}

static void hdr_init(obj_hdr *h, pm_shared_kind kind)
{
	h->magic = OBJ_MAGIC;
	h->kind = kind;
}

/* ---- type codes -------------------------------------------------------- */

size_t pm_shared_code_size(char code)
{
	switch (code) {
	case 'b': case 'B': case 'c': return 1;
	case 'h': case 'H': return sizeof(short);
	case 'i': case 'I': return sizeof(int);
	case 'l': case 'L': return sizeof(long);
	case 'q': case 'Q': return sizeof(long long);
	case 'f': return sizeof(float);
	case 'd': return sizeof(double);
	}
	return 0;
}

static bool code_is_float(char code)
{
	return code == 'f' || code == 'd';
}

static bool code_range(char code, int64_t *lo, uint64_t *hi)
{
	switch (code) {
	case 'b': *lo = SCHAR_MIN; *hi = SCHAR_MAX; return true;
	case 'B': *lo = 0; *hi = UCHAR_MAX; return true;
	case 'h': *lo = SHRT_MIN; *hi = SHRT_MAX; return true;
	case 'H': *lo = 0; *hi = USHRT_MAX; return true;
	case 'i': *lo = INT_MIN; *hi = INT_MAX; return true;
	case 'I': *lo = 0; *hi = UINT_MAX; return true;
	case 'l': *lo = LONG_MIN; *hi = LONG_MAX; return true;
	case 'L': *lo = 0; *hi = ULONG_MAX; return true;
	case 'q': *lo = LLONG_MIN; *hi = LLONG_MAX; return true;
	case 'Q': *lo = 0; *hi = ULLONG_MAX; return true;
	}
	return false;
}

int pm_shared_check_value(char code, const pm_value *v, char *err,
			  size_t errlen)
{
	if (!pm_shared_code_size(code))
		return pm_err(err, errlen,
			      "bad type code '%c' (one of b B h H i I l L q Q f d c)",
			      code);
	if (code == 'c') {
		if ((v->type == PM_STR || v->type == PM_BYTES) &&
		    v->u.s.len == 1)
			return 0;
		if (v->type == PM_INT && v->u.i >= 0 && v->u.i <= 255)
			return 0;
		return pm_err(err, errlen,
			      "type code 'c' takes one character (or 0..255)");
	}
	if (code_is_float(code)) {
		if (v->type == PM_INT)
			return 0;
		if (v->type != PM_FLOAT)
			return pm_err(err, errlen,
				      "type code '%c' takes a number, got %s",
				      code, pm_type_name(v->type));
		if (code == 'f' && isfinite(v->u.f) &&
		    (v->u.f > FLT_MAX || v->u.f < -FLT_MAX))
			return pm_err(err, errlen,
				      "%g is out of range for type code 'f' (float)",
				      v->u.f);
		return 0;
	}
	if (v->type != PM_INT)
		return pm_err(err, errlen,
			      "type code '%c' takes an integer, got %s", code,
			      pm_type_name(v->type));
	int64_t lo = 0;
	uint64_t hi = 0;
	code_range(code, &lo, &hi);
	if (v->u.i < lo || (v->u.i >= 0 && (uint64_t)v->u.i > hi))
		return pm_err(err, errlen,
			      "%lld is out of range for type code '%c' (%lld..%llu)",
			      (long long)v->u.i, code, (long long)lo,
			      (unsigned long long)hi);
	return 0;
}

/* Stores a checked value. */
static void elem_store(char code, void *p, const pm_value *v)
{
	int64_t i = v->type == PM_INT ? v->u.i : 0;
	double f = v->type == PM_FLOAT ? v->u.f : (double)i;
	switch (code) {
	case 'c': {
		unsigned char ch = v->type == PM_INT ? (unsigned char)i
						     : (unsigned char)v->u.s.ptr[0];
		memcpy(p, &ch, 1);
		break;
	}
	case 'b': { signed char x = (signed char)i; memcpy(p, &x, sizeof x); break; }
	case 'B': { unsigned char x = (unsigned char)i; memcpy(p, &x, sizeof x); break; }
	case 'h': { short x = (short)i; memcpy(p, &x, sizeof x); break; }
	case 'H': { unsigned short x = (unsigned short)i; memcpy(p, &x, sizeof x); break; }
	case 'i': { int x = (int)i; memcpy(p, &x, sizeof x); break; }
	case 'I': { unsigned x = (unsigned)i; memcpy(p, &x, sizeof x); break; }
	case 'l': { long x = (long)i; memcpy(p, &x, sizeof x); break; }
	case 'L': { unsigned long x = (unsigned long)i; memcpy(p, &x, sizeof x); break; }
	case 'q': { long long x = (long long)i; memcpy(p, &x, sizeof x); break; }
	case 'Q': { unsigned long long x = (unsigned long long)i; memcpy(p, &x, sizeof x); break; }
	case 'f': { float x = (float)f; memcpy(p, &x, sizeof x); break; }
	case 'd': memcpy(p, &f, sizeof f); break;
	}
}

/* An element as (wrapping) 64-bit integer bits, for add. */
static uint64_t elem_bits(char code, const void *p)
{
	switch (code) {
	case 'b': { signed char x; memcpy(&x, p, sizeof x); return (uint64_t)(int64_t)x; }
	case 'B': case 'c': { unsigned char x; memcpy(&x, p, sizeof x); return x; }
	case 'h': { short x; memcpy(&x, p, sizeof x); return (uint64_t)(int64_t)x; }
	case 'H': { unsigned short x; memcpy(&x, p, sizeof x); return x; }
	case 'i': { int x; memcpy(&x, p, sizeof x); return (uint64_t)(int64_t)x; }
	case 'I': { unsigned x; memcpy(&x, p, sizeof x); return x; }
	case 'l': { long x; memcpy(&x, p, sizeof x); return (uint64_t)(int64_t)x; }
	case 'L': { unsigned long x; memcpy(&x, p, sizeof x); return x; }
	case 'q': { long long x; memcpy(&x, p, sizeof x); return (uint64_t)(int64_t)x; }
	case 'Q': { unsigned long long x; memcpy(&x, p, sizeof x); return x; }
	}
	return 0;
}

static void elem_store_bits(char code, void *p, uint64_t bits)
{
	switch (code) {
	case 'b': case 'B': case 'c': { unsigned char x = (unsigned char)bits; memcpy(p, &x, 1); break; }
	case 'h': case 'H': { unsigned short x = (unsigned short)bits; memcpy(p, &x, sizeof x); break; }
	case 'i': case 'I': { unsigned x = (unsigned)bits; memcpy(p, &x, sizeof x); break; }
	case 'l': case 'L': { unsigned long x = (unsigned long)bits; memcpy(p, &x, sizeof x); break; }
	case 'q': case 'Q': { unsigned long long x = bits; memcpy(p, &x, sizeof x); break; }
	}
}

static pm_value elem_load(char code, const void *p)
{
	if (code == 'f') {
		float x;
		memcpy(&x, p, sizeof x);
		return pm_float((double)x);
	}
	if (code == 'd') {
		double x;
		memcpy(&x, p, sizeof x);
		return pm_float(x);
	}
	uint64_t bits = elem_bits(code, p);
	if (code == 'c') {
		char ch = (char)bits;
		pm_value v = pm_str_n(&ch, 1);
		v.type = PM_BYTES;
		return v;
	}
	bool is_unsigned = code == 'B' || code == 'H' || code == 'I' ||
			   code == 'L' || code == 'Q';
	if (is_unsigned && bits > (uint64_t)INT64_MAX) {
		char digits[24];
		snprintf(digits, sizeof digits, "%llu", (unsigned long long)bits);
		return pm_str(digits);
	}
	return pm_int((int64_t)bits);
}

/* ---- Value and Array --------------------------------------------------- */

static int array_create(pm_shared *s, const char *name, pm_shared_kind kind,
			char code, size_t size, bool lock, o_array **out,
			char *err, size_t errlen)
{
	size_t el = pm_shared_code_size(code);
	if (!el)
		return pm_err(err, errlen,
			      "bad type code '%c' (one of b B h H i I l L q Q f d c)",
			      code ? code : '?');
	if (size > PM_SHARED_ARRAY_MAX)
		return pm_err(err, errlen, "array too long: %zu (at most %u)",
			      size, PM_SHARED_ARRAY_MAX);
	size_t bytes = sizeof(o_array) + el * (size ? size : 1);
	o_array *a = reserve(s, name, bytes, err, errlen);
	if (!a)
		return -1;
	memset(a, 0, bytes);
	hdr_init(&a->lock.h, PM_SK_RLOCK);
	mutex_init(&a->lock.m, true);
	a->has_lock = lock;
	a->code = code;
	a->elsize = (uint32_t)el;
	a->len = size;
	hdr_init(&a->h, kind);
	*out = a;
	return 0;
}

int pm_shared_value_new(pm_shared *s, const char *name, char code,
			const pm_value *init, bool lock, char *err,
			size_t errlen)
{
	if (init && pm_shared_check_value(code, init, err, errlen) < 0)
		return -1;
	o_array *a;
	if (array_create(s, name, PM_SK_VALUE, code, 1, lock, &a, err,
			 errlen) < 0)
		return -1;
	if (init)
		elem_store(code, a->data, init);
	publish(s, name, a, sizeof(o_array) + a->elsize, PM_SK_VALUE);
	return 0;
}

int pm_shared_array_new(pm_shared *s, const char *name, char code,
			size_t size, const pm_value *init, bool lock,
			char *err, size_t errlen)
{
	if (!pm_shared_code_size(code))
		return pm_err(err, errlen,
			      "bad type code '%c' (one of b B h H i I l L q Q f d c)",
			      code ? code : '?');
	if (init) {
		if (code == 'c' &&
		    (init->type == PM_STR || init->type == PM_BYTES)) {
			size = init->u.s.len;
		} else if (init->type == PM_LIST) {
			size = init->u.list.len;
			for (size_t i = 0; i < size; i++) {
				const pm_value *it = &init->u.list.items[i];
				if (it->type == PM_LIST)
					return pm_err(err, errlen,
						      "an array is one-dimensional: item %zu is a list (TypeError: an integer is required)",
						      i);
				char why[256];
				if (pm_shared_check_value(code, it, why,
							  sizeof why) < 0)
					return pm_err(err, errlen, "item %zu: %s",
						      i, why);
			}
		} else {
			return pm_err(err, errlen,
				      "an array needs a size or a list of items, got %s",
				      pm_type_name(init->type));
		}
	}
	if (size == 0)
		return pm_err(err, errlen, "an array needs at least one item");
	o_array *a;
	if (array_create(s, name, PM_SK_ARRAY, code, size, lock, &a, err,
			 errlen) < 0)
		return -1;
	for (size_t i = 0; init && i < size; i++) {
		if (init->type == PM_LIST) {
			elem_store(code, a->data + i * a->elsize,
				   &init->u.list.items[i]);
		} else {
			pm_value ch = pm_int((unsigned char)init->u.s.ptr[i]);
			elem_store(code, a->data + i, &ch);
		}
	}
	publish(s, name, a, sizeof(o_array) + a->elsize * size, PM_SK_ARRAY);
	return 0;
}

static size_t api_len(const void *obj)
{
	if (mgr_refuse(obj))
		return 0;
	o_array *a = as_array(obj);
	return a ? (size_t)a->len : 0;
}

static char api_code(const void *obj)
{
	if (mgr_refuse(obj))
		return 0;
	o_array *a = as_array(obj);
	return a ? a->code : 0;
}

static dl g_forever = { DL_FOREVER, { 0, 0 } };

static void array_lock(o_array *a)
{
	if (a->has_lock)
		lock_acquire(&a->lock.m, &g_forever);
}

static void array_unlock(o_array *a)
{
	if (a->has_lock)
		lock_release(&a->lock.m);
}

static int api_value_get(void *obj, size_t i, pm_value *out)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	o_array *a = as_array(obj);
	if (!a || !out)
		return PM_SHM_TYPE;
	if (i >= a->len)
		return PM_SHM_RANGE;
	array_lock(a);
	*out = elem_load(a->code, a->data + i * a->elsize);
	array_unlock(a);
	return PM_SHM_OK;
}

static int api_value_set(void *obj, size_t i, const pm_value *v)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	o_array *a = as_array(obj);
	char why[8];
	if (!a || !v || !pm_value_check(v, NULL, 0))
		return PM_SHM_TYPE;
	if (i >= a->len)
		return PM_SHM_RANGE;
	if (pm_shared_check_value(a->code, v, why, sizeof why) < 0)
		return v->type == PM_INT || v->type == PM_FLOAT ? PM_SHM_RANGE
								: PM_SHM_TYPE;
	array_lock(a);
	elem_store(a->code, a->data + i * a->elsize, v);
	array_unlock(a);
	return PM_SHM_OK;
}

static int api_value_add(void *obj, size_t i, const pm_value *delta,
			 pm_value *out)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	o_array *a = as_array(obj);
	if (!a || !delta || a->code == 'c')
		return PM_SHM_TYPE;
	if (i >= a->len)
		return PM_SHM_RANGE;
	bool fl = code_is_float(a->code);
	if (delta->type != PM_INT && !(fl && delta->type == PM_FLOAT))
		return PM_SHM_TYPE;
	unsigned char *p = a->data + i * a->elsize;
	array_lock(a);
	if (fl) {
		pm_value cur = elem_load(a->code, p);
		double d = delta->type == PM_FLOAT ? delta->u.f
						   : (double)delta->u.i;
		pm_value nv = pm_float(cur.u.f + d);
		elem_store(a->code, p, &nv);
	} else {
		elem_store_bits(a->code, p,
				elem_bits(a->code, p) + (uint64_t)delta->u.i);
	}
	if (out)
		*out = elem_load(a->code, p);
	array_unlock(a);
	return PM_SHM_OK;
}

static void *api_get_lock(void *obj)
{
	if (mgr_refuse(obj))
		return NULL;
	o_array *a = as_array(obj);
	return a && a->has_lock ? &a->lock : NULL;
}

static void *api_raw(void *obj)
{
	if (mgr_refuse(obj))
		return NULL;
	o_array *a = as_array(obj);
	return a ? a->data : NULL;
}

int pm_shared_values(void *obj, pm_value *out)
{
	o_array *a = as_array(obj);
	*out = pm_none();
	if (!a || mgr_refuse(obj))
		return -1;
	/* A snapshot without the lock: the UI must never wait on a task. */
	if (a->h.kind == PM_SK_VALUE) {
		*out = elem_load(a->code, a->data);
		return 0;
	}
	pm_value *items = xcalloc(a->len, sizeof *items);
	for (size_t i = 0; i < a->len; i++)
		items[i] = elem_load(a->code, a->data + i * a->elsize);
	*out = pm_list_take(items, a->len);
	return 0;
}

/* ---- Lock, RLock, Semaphore, Event, Condition, Barrier ------------------ */

int pm_shared_lock_new(pm_shared *s, const char *name, bool recursive,
		       char *err, size_t errlen)
{
	o_lock *l = reserve(s, name, sizeof *l, err, errlen);
	if (!l)
		return -1;
	memset(l, 0, sizeof *l);
	mutex_init(&l->m, recursive);
	pm_shared_kind k = recursive ? PM_SK_RLOCK : PM_SK_LOCK;
	hdr_init(&l->h, k);
	publish(s, name, l, sizeof *l, k);
	return 0;
}

int pm_shared_semaphore_new(pm_shared *s, const char *name, int64_t value,
			    bool bounded, char *err, size_t errlen)
{
	if (value < 0 || value > INT32_MAX)
		return pm_err(err, errlen,
			      "a semaphore's value must be 0..%d, got %lld",
			      INT32_MAX, (long long)value);
	o_sem *sem = reserve(s, name, sizeof *sem, err, errlen);
	if (!sem)
		return -1;
	memset(sem, 0, sizeof *sem);
	mon_init(&sem->mon);
	sem->value = value;
	sem->max = bounded ? value : 0;
	pm_shared_kind k = bounded ? PM_SK_BOUNDED_SEMAPHORE : PM_SK_SEMAPHORE;
	hdr_init(&sem->h, k);
	publish(s, name, sem, sizeof *sem, k);
	return 0;
}

int pm_shared_event_new(pm_shared *s, const char *name, char *err,
			size_t errlen)
{
	o_event *ev = reserve(s, name, sizeof *ev, err, errlen);
	if (!ev)
		return -1;
	memset(ev, 0, sizeof *ev);
	mon_init(&ev->mon);
	hdr_init(&ev->h, PM_SK_EVENT);
	publish(s, name, ev, sizeof *ev, PM_SK_EVENT);
	return 0;
}

int pm_shared_condition_new(pm_shared *s, const char *name, char *err,
			    size_t errlen)
{
	o_cond *c = reserve(s, name, sizeof *c, err, errlen);
	if (!c)
		return -1;
	memset(c, 0, sizeof *c);
	hdr_init(&c->lock.h, PM_SK_RLOCK);
	mutex_init(&c->lock.m, true);
	hdr_init(&c->h, PM_SK_CONDITION);
	publish(s, name, c, sizeof *c, PM_SK_CONDITION);
	return 0;
}

int pm_shared_barrier_new(pm_shared *s, const char *name, unsigned parties,
			  char *err, size_t errlen)
{
	if (parties < 1 || parties > 1u << 20)
		return pm_err(err, errlen,
			      "a barrier needs 1..%u parties, got %u", 1u << 20,
			      parties);
	o_barrier *b = reserve(s, name, sizeof *b, err, errlen);
	if (!b)
		return -1;
	memset(b, 0, sizeof *b);
	mon_init(&b->mon);
	b->parties = parties;
	hdr_init(&b->h, PM_SK_BARRIER);
	publish(s, name, b, sizeof *b, PM_SK_BARRIER);
	return 0;
}

static int sem_acquire(o_sem *sem, const dl *d)
{
	if (!mon_enter(&sem->mon, d))
		return PM_SHM_TIMEOUT;
	int rc = PM_SHM_OK;
	while (sem->value == 0)
		if (mon_wait(&sem->mon, d) == PM_SHM_TIMEOUT) {
			rc = PM_SHM_TIMEOUT;
			break;
		}
	if (rc == PM_SHM_OK)
		__atomic_store_n(&sem->value, sem->value - 1, __ATOMIC_RELAXED);
	mon_leave(&sem->mon);
	return rc;
}

static int sem_release(o_sem *sem)
{
	mon_enter(&sem->mon, &g_forever);
	int rc = PM_SHM_OK;
	if (sem->max && sem->value >= sem->max) {
		rc = PM_SHM_TOO_MANY;
	} else {
		__atomic_store_n(&sem->value, sem->value + 1, __ATOMIC_RELAXED);
		mon_notify(&sem->mon);
	}
	mon_leave(&sem->mon);
	return rc;
}

static int api_acquire(void *obj, double timeout)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	dl d = dl_make(timeout);
	switch (pm_shared_kind_of(obj)) {
	case PM_SK_LOCK:
	case PM_SK_RLOCK:
		return lock_acquire(&((o_lock *)obj)->m, &d);
	case PM_SK_CONDITION:
		return lock_acquire(&((o_cond *)obj)->lock.m, &d);
	case PM_SK_SEMAPHORE:
	case PM_SK_BOUNDED_SEMAPHORE:
		return sem_acquire(obj, &d);
	default:
		return PM_SHM_TYPE;
	}
}

static int api_release(void *obj)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	switch (pm_shared_kind_of(obj)) {
	case PM_SK_LOCK:
	case PM_SK_RLOCK:
		return lock_release(&((o_lock *)obj)->m);
	case PM_SK_CONDITION:
		return lock_release(&((o_cond *)obj)->lock.m);
	case PM_SK_SEMAPHORE:
	case PM_SK_BOUNDED_SEMAPHORE:
		return sem_release(obj);
	default:
		return PM_SHM_TYPE;
	}
}

static int event_wait(o_event *ev, const dl *d)
{
	if (__atomic_load_n(&ev->flag, __ATOMIC_ACQUIRE))
		return PM_SHM_OK;
	if (!mon_enter(&ev->mon, d))
		return PM_SHM_TIMEOUT;
	int rc = PM_SHM_OK;
	while (!ev->flag)
		if (mon_wait(&ev->mon, d) == PM_SHM_TIMEOUT) {
			rc = PM_SHM_TIMEOUT;
			break;
		}
	mon_leave(&ev->mon);
	return rc;
}

static int cond_wait(o_cond *c, const dl *d)
{
	shm_mutex *m = &c->lock.m;
	if (!held_by_me(m))
		return PM_SHM_NOT_HELD;
	uint32_t depth = m->depth;
	uint32_t seq = atomic_load(&c->seq);
	m->depth = 0;
	mutex_unlock(m);
	int rc = PM_SHM_OK;
	while (atomic_load(&c->seq) == seq) {
		if (dl_passed(d)) {
			rc = PM_SHM_TIMEOUT;
			break;
		}
		sleep_on(&c->seq, &c->sleepers, seq, d);
	}
	mutex_lock(m, &g_forever);
	m->depth = depth;
	return rc;
}

static int barrier_wait(o_barrier *b, const dl *d)
{
	dl forever = g_forever;
	mon_enter(&b->mon, &forever);
	if (b->broken) {
		mon_leave(&b->mon);
		return PM_SHM_BROKEN;
	}
	uint32_t gen = b->gen;
	int rc = PM_SHM_OK;
	if (++b->count == b->parties) {
		b->count = 0;
		b->gen++;
		mon_notify(&b->mon);
	} else {
		while (b->gen == gen && !b->broken) {
			if (mon_wait(&b->mon, d) == PM_SHM_TIMEOUT) {
				/* As Python: the barrier is broken for all. */
				b->broken = 1;
				b->count--;
				mon_notify(&b->mon);
				rc = PM_SHM_TIMEOUT;
				break;
			}
		}
		if (rc == PM_SHM_OK && b->gen == gen)
			rc = PM_SHM_BROKEN;
	}
	mon_leave(&b->mon);
	return rc;
}

static int api_wait(void *obj, double timeout)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	dl d = dl_make(timeout);
	switch (pm_shared_kind_of(obj)) {
	case PM_SK_EVENT:
		return event_wait(obj, &d);
	case PM_SK_CONDITION:
		return cond_wait(obj, &d);
	case PM_SK_BARRIER:
		return barrier_wait(obj, &d);
	default:
		return PM_SHM_TYPE;
	}
}

static int api_notify(void *obj, int n)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	if (pm_shared_kind_of(obj) != PM_SK_CONDITION)
		return PM_SHM_TYPE;
	o_cond *c = obj;
	if (!held_by_me(&c->lock.m))
		return PM_SHM_NOT_HELD;
	atomic_fetch_add(&c->seq, 1);
	if (atomic_load(&c->sleepers))
		pm_futex(&c->seq, FUTEX_WAKE, n < 0 ? INT32_MAX : (uint32_t)n,
			 NULL);
	return PM_SHM_OK;
}

static int event_change(void *obj, uint32_t flag)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	if (pm_shared_kind_of(obj) != PM_SK_EVENT)
		return PM_SHM_TYPE;
	o_event *ev = obj;
	mon_enter(&ev->mon, &g_forever);
	__atomic_store_n(&ev->flag, flag, __ATOMIC_RELEASE);
	if (flag)
		mon_notify(&ev->mon);
	mon_leave(&ev->mon);
	return PM_SHM_OK;
}

static int api_event_set(void *obj)
{
	return event_change(obj, 1);
}

static int api_event_clear(void *obj)
{
	return event_change(obj, 0);
}

static int api_event_is_set(const void *obj)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return -bad;
	if (pm_shared_kind_of(obj) != PM_SK_EVENT)
		return -PM_SHM_TYPE;
	return __atomic_load_n(&((const o_event *)obj)->flag,
			       __ATOMIC_ACQUIRE) != 0;
}

/* ---- queues ------------------------------------------------------------ */

static void queue_init(o_queue *q, pm_shared_kind kind, size_t maxsize,
		       size_t bytes)
{
	memset(q, 0, sizeof *q);
	mutex_init(&q->plock, false);
	mutex_init(&q->clock, false);
	q->maxsize = maxsize;
	q->cap = bytes;
	hdr_init(&q->h, kind);
}

int pm_shared_queue_new(pm_shared *s, const char *name, pm_shared_kind kind,
			size_t maxsize, size_t bytes, char *err,
			size_t errlen)
{
	if (kind != PM_SK_QUEUE && kind != PM_SK_JOINABLE_QUEUE &&
	    kind != PM_SK_SIMPLE_QUEUE)
		return pm_err(err, errlen, "not a kind of queue");
	if (maxsize > (1u << 24))
		return pm_err(err, errlen, "maxsize too large: %zu (at most %u)",
			      maxsize, 1u << 24);
	if (!bytes)
		bytes = PM_SHARED_QUEUE_BYTES;
	if (bytes < 64 || bytes > PM_SHARED_ARENA / 2)
		return pm_err(err, errlen, "bad queue buffer size %zu", bytes);
	o_queue *q = reserve(s, name, sizeof *q + bytes, err, errlen);
	if (!q)
		return -1;
	queue_init(q, kind, kind == PM_SK_SIMPLE_QUEUE ? 0 : maxsize, bytes);
	publish(s, name, q, sizeof *q + bytes, kind);
	return 0;
}

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

/* Bytes in use between them: the offsets alone cannot tell full from
 * empty, the counts can (a record is at least 5 bytes). */
static inline uint64_t w_used(const o_queue *q, uint64_t cw, uint64_t pw)
{
	if (w_items(pw) == w_items(cw))
		return 0;
	uint64_t p = w_off(pw), c = w_off(cw);
	return p > c ? p - c : p + q->cap - c;
}

static bool q_has_room(const o_queue *q, uint64_t cw, uint64_t pw,
		       size_t need)
{
	if (q->maxsize && w_count(cw, pw) >= q->maxsize)
		return false;
	return q->cap - w_used(q, cw, pw) >= need;
}

static uint64_t ring_put(o_queue *q, uint64_t off, const void *src, size_t n)
{
	size_t first = n < q->cap - off ? n : (size_t)(q->cap - off);
	memcpy(q->buf + off, src, first);
	memcpy(q->buf, (const char *)src + first, n - first);
	off += n;
	return off >= q->cap ? off - q->cap : off;
}

static uint64_t ring_get(o_queue *q, uint64_t off, void *dst, size_t n)
{
	size_t first = n < q->cap - off ? n : (size_t)(q->cap - off);
	memcpy(dst, q->buf + off, first);
	memcpy((char *)dst + first, q->buf, n - first);
	off += n;
	return off >= q->cap ? off - q->cap : off;
}

/* A side's lock.  Nobody blocks while holding one (waiting happens outside),
 * so even a put/get that must not wait may wait for one, a little (at most
 * 20 ms, for a holder that lost its CPU): nowait must not say Empty or Full
 * just because another process is in the middle of a get or put. */
static bool side_lock(shm_mutex *m, const dl *d)
{
	int rc = pthread_mutex_trylock(&m->mu);
	if (rc == EBUSY) {
		dl nowait_cap;
		if (d->mode == DL_NOWAIT) {
			nowait_cap = dl_make(0.02);
			d = &nowait_cap;
		}
		if (may_spin())
			for (int i = 0; i < LOCK_SPIN && rc == EBUSY; i++) {
				cpu_relax();
				rc = pthread_mutex_trylock(&m->mu);
			}
		if (rc == EBUSY) {
			atomic_fetch_add(&m->waiters, 1);
			rc = d->mode == DL_FOREVER
				     ? pthread_mutex_lock(&m->mu)
				     : pthread_mutex_clocklock(&m->mu,
							       CLOCK_MONOTONIC,
							       &d->at);
			atomic_fetch_sub(&m->waiters, 1);
		}
	}
	if (rc == EOWNERDEAD) {
		/* Killed inside put/get: its word was not published, so
		 * the queue is as it was before that call. */
		pthread_mutex_consistent(&m->mu);
		atomic_store(&m->dead_pid, atomic_load(&m->holder));
		atomic_fetch_add(&m->deaths, 1);
		rc = 0;
	}
	if (rc)
		return false;
	atomic_store_explicit(&m->holder, (int32_t)my_pid(),
			      memory_order_relaxed);
	return true;
}

static void side_unlock(shm_mutex *m)
{
	atomic_store_explicit(&m->holder, 0, memory_order_relaxed);
	pthread_mutex_unlock(&m->mu);
}

/* -- wait lines -- */

static uint32_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000u +
			  (uint64_t)ts.tv_nsec / 1000000u);
}

static int qw_register(q_wait *w)
{
	int32_t me = (int32_t)my_pid();
	uint32_t now = now_ms();
	for (int i = 0; i < QW_PIDS; i++) {
		int32_t zero = 0;
		if (atomic_load_explicit(&w->pid[i], memory_order_relaxed))
			continue;
		/* The time first: a waker never sees this pid with a
		 * stale time (a loser of the race below only makes the
		 * winner's time a little newer). */
		atomic_store(&w->since[i], now);
		if (atomic_compare_exchange_strong(&w->pid[i], &zero, me))
			return i;
	}
	return -1;
}

static void qw_unregister(q_wait *w, int slot)
{
	int32_t me = (int32_t)my_pid();
	if (slot >= 0) /* unless a waker dropped it meanwhile */
		atomic_compare_exchange_strong(&w->pid[slot], &me, 0);
}

static unsigned qw_sleepers(q_wait *w)
{
	unsigned n = 0;
	for (int i = 0; i < QW_PIDS; i++)
		n += atomic_load_explicit(&w->pid[i], memory_order_relaxed) != 0;
	return n;
}

/* After a change a sleeper of w may be waiting for (the change itself is
 * stored before): wakes them, if any. */
static void qw_wake(q_wait *w)
{
	/* Pairs with the fence in q_wait_for: either the sleeper sees the
	 * change, or we see it armed. */
	atomic_thread_fence(memory_order_seq_cst);
	if (!atomic_load_explicit(&w->armed, memory_order_relaxed) ||
	    !atomic_exchange(&w->armed, 0))
		return;
	atomic_fetch_add(&w->word, 1);
	if (pm_futex(&w->word, FUTEX_WAKE, INT32_MAX, NULL) > 0)
		return;
	/* Nobody woke: a sleeper between registering and sleeping, or one
	 * killed while asleep.  Forget the dead (gone, or a zombie or a
	 * reused pid that has not renewed its registration for long). */
	uint32_t now = now_ms();
	for (int i = 0; i < QW_PIDS; i++) {
		int32_t pid = atomic_load(&w->pid[i]);
		if (!pid)
			continue;
		bool stale = now - atomic_load(&w->since[i]) > QW_STALE_MS &&
			     now - atomic_load(&w->since[i]) < (1u << 31);
		if (stale || (kill(pid, 0) < 0 && errno == ESRCH))
			atomic_compare_exchange_strong(&w->pid[i], &pid, 0);
	}
}

enum { QW_ITEM, QW_ROOM, QW_JOIN };

/* Is what a waiter waits for there (or the queue closed)? */
static bool q_ready(o_queue *q, int what, size_t need)
{
	switch (what) {
	case QW_ITEM:
		return w_items(atomic_load(&q->cw)) !=
			       w_items(atomic_load(&q->pw)) ||
		       atomic_load(&q->closed);
	case QW_ROOM: {
		uint64_t cw = atomic_load(&q->cw);
		return q_has_room(q, cw, atomic_load(&q->pw), need) ||
		       atomic_load(&q->closed);
	}
	default:
		return w_items(atomic_load(&q->pw)) == atomic_load(&q->done);
	}
}

/* Waits until q_ready or the deadline: spins a little, then sleeps in
 * slices.  false once the deadline has passed. */
static bool q_wait_for(o_queue *q, q_wait *w, int what, size_t need,
		       const dl *d)
{
	for (;;) {
		if (q_ready(q, what, need))
			return true;
		if (dl_passed(d))
			return false;
		uint32_t seq = atomic_load(&w->word);
		if (may_spin())
			for (int i = 0; i < SPIN; i++) {
				if (q_ready(q, what, need))
					return true;
				cpu_relax();
			}
		struct timespec rel = { 0, SLICE_NS };
		if (d->mode == DL_UNTIL) {
			long long left = dl_left(d);
			if (left <= 0)
				return q_ready(q, what, need);
			if (left < SLICE_NS)
				rel.tv_nsec = (long)left;
		}
		int slot = qw_register(w);
		atomic_store(&w->armed, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (!q_ready(q, what, need))
			pm_futex(&w->word, FUTEX_WAIT, seq, &rel);
		qw_unregister(w, slot);
	}
}

/* Writes v's record ([u32 n][encoded]) at off; returns the offset after. */
static uint64_t record_put(o_queue *q, uint64_t off, const pm_value *v,
			   uint32_t n)
{
	if (off + sizeof n + n <= q->cap) { /* contiguous: encode in place */
		memcpy(q->buf + off, &n, sizeof n);
		pm_value_encode(v, q->buf + off + sizeof n, n);
		off += sizeof n + n;
		return off == q->cap ? 0 : off;
	}
	unsigned char small[SMALL_ITEM];
	unsigned char *p = n <= sizeof small ? small : xmalloc(n);
	pm_value_encode(v, p, n);
	off = ring_put(q, off, &n, sizeof n);
	off = ring_put(q, off, p, n);
	if (p != small)
		free(p);
	return off;
}

static int put_value(o_queue *q, const pm_value *v, const dl *d)
{
	if (!pm_value_check(v, NULL, 0)) /* a plugin's: never encoded */
		return PM_SHM_TYPE;
	size_t n = pm_value_encoded_size(v);
	if (n > UINT32_MAX - sizeof(uint32_t) || sizeof(uint32_t) + n > q->cap)
		return PM_SHM_TOO_BIG;
	size_t need = sizeof(uint32_t) + n;
	for (;;) {
		if (atomic_load_explicit(&q->closed, memory_order_relaxed))
			return PM_SHM_CLOSED;
		if (!side_lock(&q->plock, d))
			return PM_SHM_FULL;
		/* Checked under plock: close takes it too, so no put
		 * lands after close() returned. */
		if (atomic_load_explicit(&q->closed, memory_order_relaxed)) {
			side_unlock(&q->plock);
			return PM_SHM_CLOSED;
		}
		uint64_t pw = atomic_load_explicit(&q->pw,
						   memory_order_relaxed);
		/* Offsets anyone could have written over: never write
		 * outside the buffer for them. */
		if (w_off(pw) >= q->cap || w_off(q->p_cw) >= q->cap) {
			side_unlock(&q->plock);
			return PM_SHM_CORRUPT;
		}
		if (!q_has_room(q, q->p_cw, pw, need)) {
			q->p_cw = atomic_load_explicit(&q->cw,
						       memory_order_acquire);
			if (w_off(q->p_cw) >= q->cap) {
				side_unlock(&q->plock);
				return PM_SHM_CORRUPT;
			}
			if (!q_has_room(q, q->p_cw, pw, need)) {
				side_unlock(&q->plock);
				if (!q_wait_for(q, &q->putters, QW_ROOM, need,
						d))
					return PM_SHM_FULL;
				continue;
			}
		}
		uint64_t off = record_put(q, w_off(pw), v, (uint32_t)n);
		/* The record and its count, published at once. */
		atomic_store_explicit(&q->pw, w_make(w_items(pw) + 1, off),
				      memory_order_release);
		side_unlock(&q->plock);
		qw_wake(&q->getters);
		return PM_SHM_OK;
	}
}

/* Reads the record at off into *out; returns the offset after it, and
 * whether it decoded in *ok. */
static uint64_t record_get(o_queue *q, uint64_t off, pm_value *out, bool *ok)
{
	uint32_t n;
	off = ring_get(q, off, &n, sizeof n);
	if (off + n <= q->cap) { /* contiguous: decode in place */
		*ok = pm_value_decode(q->buf + off, n, out) != 0;
		off += n;
		return off == q->cap ? 0 : off;
	}
	unsigned char small[SMALL_ITEM];
	unsigned char *p = n <= sizeof small ? small : xmalloc(n);
	off = ring_get(q, off, p, n);
	*ok = pm_value_decode(p, n, out) != 0;
	if (p != small)
		free(p);
	return off;
}

static int get_value(o_queue *q, pm_value *out, const dl *d)
{
	for (;;) {
		if (!side_lock(&q->clock, d))
			return PM_SHM_EMPTY;
		uint64_t cw = atomic_load_explicit(&q->cw,
						   memory_order_relaxed);
		if (w_items(q->c_pw) == w_items(cw)) {
			q->c_pw = atomic_load_explicit(&q->pw,
						       memory_order_acquire);
			if (w_items(q->c_pw) == w_items(cw)) {
				side_unlock(&q->clock);
				/* Closed and drained: CLOSED (the last put
				 * happened before close set the flag). */
				if (atomic_load(&q->closed) &&
				    w_items(atomic_load(&q->pw)) ==
					    w_items(cw))
					return PM_SHM_CLOSED;
				if (!q_wait_for(q, &q->getters, QW_ITEM, 0, d))
					return PM_SHM_EMPTY;
				continue;
			}
		}
		/* The record must lie in what was published: its offset and
		 * length are in memory anyone could have written over. */
		uint32_t n = 0;
		uint64_t used = w_used(q, cw, q->c_pw);
		if (w_off(cw) < q->cap && w_off(q->c_pw) < q->cap)
			ring_get(q, w_off(cw), &n, sizeof n);
		if (!n || used < sizeof n || n > used - sizeof n) {
			side_unlock(&q->clock);
			*out = pm_none();
			return PM_SHM_CORRUPT;
		}
		bool ok;
		uint64_t off = record_get(q, w_off(cw), out, &ok);
		atomic_store_explicit(&q->cw, w_make(w_items(cw) + 1, off),
				      memory_order_release);
		side_unlock(&q->clock);
		qw_wake(&q->putters);
		if (!ok) {
			pm_value_free(out);
			*out = pm_none();
			return PM_SHM_TYPE;
		}
		return PM_SHM_OK;
	}
}

static int api_queue_put(void *obj, const pm_value *item, double timeout)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	o_queue *q = as_queue(obj);
	if (!q || !item)
		return PM_SHM_TYPE;
	dl d = dl_make(timeout);
	return put_value(q, item, &d);
}

static int api_queue_get(void *obj, pm_value *out, double timeout)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	o_queue *q = as_queue(obj);
	if (!q || !out)
		return PM_SHM_TYPE;
	dl d = dl_make(timeout);
	return get_value(q, out, &d);
}

static size_t queue_count(const o_queue *q)
{
	/* cw first: the pw read after it is at least as new. */
	uint64_t cw = atomic_load(&q->cw);
	return w_count(cw, atomic_load(&q->pw));
}

static size_t api_qsize(const void *obj)
{
	if (mgr_refuse(obj))
		return 0;
	o_queue *q = as_queue(obj);
	return q ? queue_count(q) : 0;
}

static int api_queue_empty(const void *obj)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return -bad;
	o_queue *q = as_queue(obj);
	return q ? queue_count(q) == 0 : -PM_SHM_TYPE;
}

static int api_queue_full(const void *obj)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return -bad;
	o_queue *q = as_queue(obj);
	if (!q)
		return -PM_SHM_TYPE;
	return q->maxsize && queue_count(q) >= q->maxsize;
}

static int api_queue_close(void *obj)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	o_queue *q = as_queue(obj);
	if (!q)
		return PM_SHM_TYPE;
	side_lock(&q->plock, &g_forever);
	atomic_store(&q->closed, 1);
	side_unlock(&q->plock);
	qw_wake(&q->getters);
	qw_wake(&q->putters);
	return PM_SHM_OK;
}

/* Puts not yet task_done(): every put counts (as in Python, where only
 * JoinableQueue shows it). */
static uint32_t queue_unfinished(const o_queue *q)
{
	uint32_t done = atomic_load(&q->done);
	return w_items(atomic_load(&q->pw)) - done;
}

static int api_task_done(void *obj)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	if (pm_shared_kind_of(obj) != PM_SK_JOINABLE_QUEUE)
		return PM_SHM_TYPE;
	o_queue *q = obj;
	uint32_t done = atomic_load(&q->done);
	do {
		if (w_items(atomic_load(&q->pw)) == done)
			return PM_SHM_TOO_MANY;
	} while (!atomic_compare_exchange_weak(&q->done, &done, done + 1));
	if (w_items(atomic_load(&q->pw)) == done + 1)
		qw_wake(&q->joiners);
	return PM_SHM_OK;
}

static int api_join(void *obj, double timeout)
{
	int bad = mgr_refuse(obj);
	if (bad)
		return bad;
	if (pm_shared_kind_of(obj) != PM_SK_JOINABLE_QUEUE)
		return PM_SHM_TYPE;
	o_queue *q = obj;
	dl d = dl_make(timeout);
	return q_wait_for(q, &q->joiners, QW_JOIN, 0, &d) ? PM_SHM_OK
							   : PM_SHM_TIMEOUT;
}

/* ---- Pipe -------------------------------------------------------------- */

int pm_shared_pipe_new(pm_shared *s, const char *name, bool duplex,
		       char *err, size_t errlen)
{
	size_t total = pipe_head_size() + 2 * pipe_channel_size();
	o_pipe *p = reserve(s, name, total, err, errlen);
	if (!p)
		return -1;
	memset(p, 0, sizeof *p);
	p->duplex = duplex;
	for (int i = 0; i < 2; i++) {
		p->ch_rel[i] = pipe_channel_rel(i);
		queue_init(pipe_channel(p, i), PM_SK_CHANNEL, 0,
			   PM_SHARED_PIPE_BYTES);
		o_conn *c = &p->ends[i];
		hdr_init(&c->h, PM_SK_CONNECTION);
		c->end = (uint32_t)i;
		c->pipe_rel = pipe_end_rel((uint32_t)i);
	}
	hdr_init(&p->h, PM_SK_PIPE);
	publish(s, name, p, total, PM_SK_PIPE);
	return 0;
}

static void *api_pipe_end(void *pipe, int end)
{
	if (mgr_refuse(pipe))
		return NULL;
	if (pm_shared_kind_of(pipe) != PM_SK_PIPE || end < 0 || end > 1)
		return NULL;
	return &((o_pipe *)pipe)->ends[end];
}

/* The channel a connection reads (recv) or writes (send); NULL if this
 * end may not. */
static o_queue *conn_channel(void *conn, bool sending)
{
	if (pm_shared_kind_of(conn) != PM_SK_CONNECTION)
		return NULL;
	o_conn *c = conn;
	o_pipe *p = conn_pipe(c);
	if (!p || (!p->duplex && (int)c->end != (sending ? 1 : 0)))
		return NULL;
	return pipe_channel(p, sending ? 1 - (int)c->end : (int)c->end);
}

static int api_send(void *conn, const pm_value *v)
{
	int bad = mgr_refuse(conn);
	if (bad)
		return bad;
	o_queue *q = conn_channel(conn, true);
	if (!q || !v)
		return PM_SHM_TYPE;
	return put_value(q, v, &g_forever);
}

static int api_recv(void *conn, pm_value *out, double timeout)
{
	int bad = mgr_refuse(conn);
	if (bad)
		return bad;
	o_queue *q = conn_channel(conn, false);
	if (!q || !out)
		return PM_SHM_TYPE;
	dl d = dl_make(timeout);
	int rc = get_value(q, out, &d);
	return rc == PM_SHM_EMPTY ? PM_SHM_TIMEOUT : rc;
}

static int api_poll(void *conn, double timeout)
{
	int bad = mgr_refuse(conn);
	if (bad)
		return bad;
	o_queue *q = conn_channel(conn, false);
	if (!q)
		return PM_SHM_TYPE;
	if (queue_count(q))
		return PM_SHM_OK;
	dl d = dl_make(timeout);
	return q_wait_for(q, &q->getters, QW_ITEM, 0, &d) ? PM_SHM_OK
							   : PM_SHM_TIMEOUT;
}

/* ---- the manager's checks ----------------------------------------------
 * Any task can write over the arena.  Before the manager reads an object
 * beyond what its own record says, it compares what never changes (headers,
 * type codes, lengths, capacities, a pipe's layout) with the record and
 * bounds what does (queue offsets); an object that fails is marked
 * corrupted, reported once and refused from then on.  Workers do not make
 * these checks (a task that corrupts an object hurts the tasks that use
 * it, not poolmon), only the cheap bounds on queue offsets and pipe
 * layout every process makes. */

static void rec_snapshot(obj_rec *r, const void *obj)
{
	switch (r->kind) {
	case PM_SK_VALUE:
	case PM_SK_ARRAY: {
		const o_array *a = obj;
		r->code = a->code;
		r->elsize = a->elsize;
		r->has_lock = a->has_lock;
		r->len = a->len;
		break;
	}
	case PM_SK_QUEUE:
	case PM_SK_JOINABLE_QUEUE:
	case PM_SK_SIMPLE_QUEUE: {
		const o_queue *q = obj;
		r->cap = q->cap;
		r->maxsize = q->maxsize;
		break;
	}
	case PM_SK_SEMAPHORE:
	case PM_SK_BOUNDED_SEMAPHORE:
		r->max = ((const o_sem *)obj)->max;
		break;
	case PM_SK_BARRIER:
		r->parties = ((const o_barrier *)obj)->parties;
		break;
	case PM_SK_PIPE:
		r->duplex = ((const o_pipe *)obj)->duplex;
		break;
	default:
		break;
	}
}

static bool __attribute__((format(printf, 2, 3)))
problem(char *why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof ((obj_rec *)0)->why, fmt, ap);
	va_end(ap);
	return false;
}

static bool hdr_ok(const obj_hdr *h, pm_shared_kind kind, const char *what,
		   char *why)
{
	if (h->magic == OBJ_MAGIC && h->kind == (uint32_t)kind)
		return true;
	return problem(why, "%s header overwritten (magic 0x%08x, kind %u)",
		       what, h->magic, h->kind);
}

static bool mutex_ok(const shm_mutex *m, bool recursive, const char *what,
		     char *why)
{
	if (m->recursive == (uint32_t)recursive)
		return true;
	return problem(why, "%s overwritten (recursive flag %u)", what,
		       m->recursive);
}

static bool queue_ok(const o_queue *q, pm_shared_kind kind, uint64_t cap,
		     uint64_t maxsize, const char *what, char *why)
{
	if (!hdr_ok(&q->h, kind, what, why))
		return false;
	if (q->cap != cap || q->maxsize != maxsize)
		return problem(why, "%s size overwritten (buffer %llu, maxsize %llu; created %llu, %llu)",
			       what, (unsigned long long)q->cap,
			       (unsigned long long)q->maxsize,
			       (unsigned long long)cap,
			       (unsigned long long)maxsize);
	uint64_t pw = atomic_load(&q->pw), cw = atomic_load(&q->cw);
	if (w_off(pw) >= cap || w_off(cw) >= cap)
		return problem(why, "%s offsets overwritten (put at %u, get at %u in %llu bytes)",
			       what, w_off(pw), w_off(cw),
			       (unsigned long long)cap);
	uint32_t closed = atomic_load(&q->closed);
	if (closed > 1)
		return problem(why, "%s closed flag overwritten (%u)", what,
			       closed);
	return true;
}

static bool array_ok(const obj_rec *r, const o_array *a, char *why)
{
	if (!hdr_ok(&a->h, r->kind, r->kind == PM_SK_VALUE ? "value" : "array",
		    why))
		return false;
	if (a->code != r->code || a->elsize != r->elsize || a->len != r->len ||
	    a->has_lock != r->has_lock)
		return problem(why, "type overwritten (code 0x%02x, %u-byte items, length %llu, lock %u; created '%c', %u, %llu, %u)",
			       (unsigned char)a->code, a->elsize,
			       (unsigned long long)a->len, a->has_lock,
			       r->code, r->elsize, (unsigned long long)r->len,
			       r->has_lock);
	return hdr_ok(&a->lock.h, PM_SK_RLOCK, "lock", why) &&
	       mutex_ok(&a->lock.m, true, "lock", why);
}

static bool pipe_ok(const o_pipe *p, const obj_rec *r, char *why)
{
	if (!hdr_ok(&p->h, PM_SK_PIPE, "pipe", why))
		return false;
	if (p->duplex != r->duplex)
		return problem(why, "duplex flag overwritten (%u)", p->duplex);
	for (int i = 0; i < 2; i++) {
		const o_conn *c = &p->ends[i];
		char what[16];
		snprintf(what, sizeof what, "end %d", i);
		if (!hdr_ok(&c->h, PM_SK_CONNECTION, what, why))
			return false;
		if (c->end != (uint32_t)i || !conn_pipe(c))
			return problem(why, "%s overwritten (end %u, pipe at %lld)",
				       what, c->end, (long long)c->pipe_rel);
		if (p->ch_rel[i] != pipe_channel_rel(i))
			return problem(why, "channel %d offset overwritten (%lld)",
				       i, (long long)p->ch_rel[i]);
		snprintf(what, sizeof what, "channel %d", i);
		if (!queue_ok(pipe_channel((o_pipe *)p, i), PM_SK_CHANNEL,
			      PM_SHARED_PIPE_BYTES, 0, what, why))
			return false;
	}
	return true;
}

/* true if r's object passes; else why says what failed. */
static bool rec_ok(const pm_shared *s, const obj_rec *r, char *why)
{
	const void *obj = (const char *)s->a + r->off;
	const char *kname = pm_shared_kind_name(r->kind);
	switch (r->kind) {
	case PM_SK_VALUE:
	case PM_SK_ARRAY:
		return array_ok(r, obj, why);
	case PM_SK_QUEUE:
	case PM_SK_JOINABLE_QUEUE:
	case PM_SK_SIMPLE_QUEUE:
		return queue_ok(obj, r->kind, r->cap, r->maxsize, kname, why);
	case PM_SK_LOCK:
	case PM_SK_RLOCK:
		return hdr_ok(obj, r->kind, kname, why) &&
		       mutex_ok(&((const o_lock *)obj)->m,
				r->kind == PM_SK_RLOCK, kname, why);
	case PM_SK_SEMAPHORE:
	case PM_SK_BOUNDED_SEMAPHORE: {
		const o_sem *sem = obj;
		if (!hdr_ok(obj, r->kind, kname, why))
			return false;
		if (sem->max != r->max)
			return problem(why, "bound overwritten (%lld, created %lld)",
				       (long long)sem->max, (long long)r->max);
		return true;
	}
	case PM_SK_EVENT:
		return hdr_ok(obj, r->kind, kname, why);
	case PM_SK_CONDITION: {
		const o_cond *c = obj;
		return hdr_ok(obj, r->kind, kname, why) &&
		       hdr_ok(&c->lock.h, PM_SK_RLOCK, "lock", why) &&
		       mutex_ok(&c->lock.m, true, "lock", why);
	}
	case PM_SK_BARRIER: {
		const o_barrier *b = obj;
		if (!hdr_ok(obj, r->kind, kname, why))
			return false;
		uint32_t count = __atomic_load_n(&b->count, __ATOMIC_RELAXED);
		if (b->parties != r->parties || count > r->parties)
			return problem(why, "parties overwritten (%u waiting of %u; created %u)",
				       count, b->parties, r->parties);
		return true;
	}
	case PM_SK_PIPE:
		return pipe_ok(obj, r, why);
	default:
		return problem(why, "unknown kind %u", (unsigned)r->kind);
	}
}

/* Checks r's object (once corrupted, always); reports the first failure. */
static bool rec_check(pm_shared *s, obj_rec *r)
{
	if (r->corrupt)
		return false;
	if (rec_ok(s, r, r->why))
		return true;
	r->corrupt = true;
	if (s->report)
		s->report(s->report_ud, r->name, pm_shared_kind_name(r->kind),
			  r->why);
	return false;
}

static pm_shared_kind rec_handle_kind(const pm_shared *s, const obj_rec *r,
				      const void *obj)
{
	const char *base = (const char *)s->a + r->off;
	const char *p = obj;
	if (p == base)
		return r->kind;
	if (((r->kind == PM_SK_VALUE || r->kind == PM_SK_ARRAY) &&
	     p == base + offsetof(o_array, lock)) ||
	    (r->kind == PM_SK_CONDITION && p == base + offsetof(o_cond, lock)))
		return PM_SK_RLOCK;
	if (r->kind == PM_SK_PIPE &&
	    (p == base + offsetof(o_pipe, ends) ||
	     p == base + offsetof(o_pipe, ends) + sizeof(o_conn)))
		return PM_SK_CONNECTION;
	return 0;
}

/* In the manager: 0 if the handle may be used, else the code to refuse
 * it with (PM_SHM_TYPE: not a handle at all). */
static int mgr_refuse(const void *obj)
{
	if (!in_manager(g_mgr))
		return 0;
	obj_rec *r = rec_of(g_mgr, obj);
	if (!r || !rec_handle_kind(g_mgr, r, obj))
		return PM_SHM_TYPE;
	return rec_check(g_mgr, r) ? 0 : PM_SHM_CORRUPT;
}

bool pm_shared_corrupt(const pm_shared *s, size_t i, const char **why)
{
	if (!s || i >= s->n)
		return false;
	pm_shared *m = (pm_shared *)s; /* a check may mark it */
	obj_rec *r = &m->rec[i];
	if (rec_check(m, r))
		return false;
	if (why)
		*why = r->why;
	return true;
}

/* ---- the table --------------------------------------------------------- */

static const struct pm_shared_api g_api = {
	.size = sizeof(struct pm_shared_api),
	.strerror = api_strerror,
	.kind = api_kind,
	.len = api_len,
	.code = api_code,
	.value_get = api_value_get,
	.value_set = api_value_set,
	.value_add = api_value_add,
	.get_lock = api_get_lock,
	.raw = api_raw,
	.acquire = api_acquire,
	.release = api_release,
	.wait = api_wait,
	.notify = api_notify,
	.event_set = api_event_set,
	.event_clear = api_event_clear,
	.event_is_set = api_event_is_set,
	.queue_put = api_queue_put,
	.queue_get = api_queue_get,
	.qsize = api_qsize,
	.queue_empty = api_queue_empty,
	.queue_full = api_queue_full,
	.queue_close = api_queue_close,
	.task_done = api_task_done,
	.join = api_join,
	.pipe_end = api_pipe_end,
	.send = api_send,
	.recv = api_recv,
	.poll = api_poll,
};

const struct pm_shared_api *pm_shared_api(void)
{
	return &g_api;
}

/* ---- looking ----------------------------------------------------------- */

size_t pm_shared_count(const pm_shared *s)
{
	return s ? s->n : 0;
}

void *pm_shared_at(const pm_shared *s, size_t i)
{
	if (i >= pm_shared_count(s))
		return NULL;
	return (char *)s->a + s->rec[i].off;
}

static void mutex_info(shm_mutex *m, pm_shared_info *out)
{
	out->holder_pid = atomic_load(&m->holder);
	out->locked = out->holder_pid != 0;
	out->dead_pid = atomic_load(&m->dead_pid);
	out->owner_died = atomic_load(&m->deaths) != 0;
	out->waiters = atomic_load(&m->waiters);
}

static void lock_text(pm_shared_info *out)
{
	int n = out->locked ? snprintf(out->text, sizeof out->text,
				       "held by pid %d", (int)out->holder_pid)
			    : snprintf(out->text, sizeof out->text, "free");
	if (out->waiters && n > 0 && (size_t)n < sizeof out->text)
		n += snprintf(out->text + n, sizeof out->text - (size_t)n,
			      ", %u waiting", out->waiters);
	if (out->owner_died && n > 0 && (size_t)n < sizeof out->text)
		snprintf(out->text + n, sizeof out->text - (size_t)n,
			 " (owner died: pid %d)", (int)out->dead_pid);
}

static void queue_info(o_queue *q, pm_shared_info *out)
{
	out->qsize = queue_count(q);
	out->maxsize = (size_t)q->maxsize;
	out->unfinished = queue_unfinished(q);
	out->closed = atomic_load(&q->closed) != 0;
	out->waiters += qw_sleepers(&q->getters) + qw_sleepers(&q->putters) +
			qw_sleepers(&q->joiners);
}

bool pm_shared_get_info(const pm_shared *s, size_t i, pm_shared_info *out)
{
	void *obj = pm_shared_at(s, i);
	if (!obj)
		return false;
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", s->rec[i].name);
	out->kind = s->rec[i].kind;
	out->kind_name = pm_shared_kind_name(out->kind);
	const char *why;
	if (pm_shared_corrupt(s, i, &why)) {
		/* Nothing more is read from it: what the record says. */
		const obj_rec *r = &s->rec[i];
		out->corrupt = true;
		out->code = r->code;
		out->len = (size_t)r->len;
		out->has_lock = r->has_lock != 0;
		out->maxsize = (size_t)(r->maxsize ? r->maxsize : (uint64_t)r->max);
		out->parties = r->parties;
		snprintf(out->text, sizeof out->text, "corrupted: %s", why);
		return true;
	}
	pm_buf b = { 0 };
	switch (out->kind) {
	case PM_SK_VALUE:
	case PM_SK_ARRAY: {
		o_array *a = obj;
		out->code = a->code;
		out->len = (size_t)a->len;
		out->has_lock = a->has_lock;
		if (a->has_lock)
			mutex_info(&a->lock.m, out);
		/* Only the elements the one-line text can hold: 64 items
		 * format to more than sizeof text, so the cut below is the
		 * same, and a million-element array costs the TUI's frame
		 * (and status) nothing. */
		enum { INFO_ITEMS = 64 };
		pm_value v;
		if (a->h.kind == PM_SK_ARRAY && a->len > INFO_ITEMS) {
			pm_value *items = xcalloc(INFO_ITEMS, sizeof *items);
			for (size_t k = 0; k < INFO_ITEMS; k++)
				items[k] = elem_load(a->code,
						     a->data + k * a->elsize);
			v = pm_list_take(items, INFO_ITEMS);
		} else {
			pm_shared_values(obj, &v);
		}
		pm_value_format(&b, &v);
		pm_value_free(&v);
		_Static_assert(INFO_ITEMS * 3 > sizeof out->text,
			       "INFO_ITEMS items overflow the text");
		break;
	}
	case PM_SK_QUEUE:
	case PM_SK_JOINABLE_QUEUE:
	case PM_SK_SIMPLE_QUEUE:
		queue_info(obj, out);
		if (out->maxsize)
			pm_buf_printf(&b, "%zu/%zu items", out->qsize,
				      out->maxsize);
		else
			pm_buf_printf(&b, "%zu items", out->qsize);
		if (out->kind == PM_SK_JOINABLE_QUEUE)
			pm_buf_printf(&b, ", %zu unfinished", out->unfinished);
		if (out->closed)
			pm_buf_puts(&b, ", closed");
		break;
	case PM_SK_LOCK:
	case PM_SK_RLOCK:
		mutex_info(&((o_lock *)obj)->m, out);
		break;
	case PM_SK_CONDITION: {
		o_cond *c = obj;
		mutex_info(&c->lock.m, out);
		out->waiters += atomic_load(&c->sleepers);
		break;
	}
	case PM_SK_SEMAPHORE:
	case PM_SK_BOUNDED_SEMAPHORE: {
		o_sem *sem = obj;
		out->count = __atomic_load_n(&sem->value, __ATOMIC_RELAXED);
		out->maxsize = (size_t)sem->max;
		out->waiters = atomic_load(&sem->mon.sleepers);
		pm_buf_printf(&b, "value %lld", (long long)out->count);
		if (sem->max)
			pm_buf_printf(&b, "/%lld", (long long)sem->max);
		if (out->waiters)
			pm_buf_printf(&b, ", %u waiting", out->waiters);
		break;
	}
	case PM_SK_EVENT: {
		o_event *ev = obj;
		out->is_set = __atomic_load_n(&ev->flag, __ATOMIC_RELAXED) != 0;
		out->waiters = atomic_load(&ev->mon.sleepers);
		pm_buf_puts(&b, out->is_set ? "set" : "clear");
		if (out->waiters)
			pm_buf_printf(&b, ", %u waiting", out->waiters);
		break;
	}
	case PM_SK_BARRIER: {
		o_barrier *br = obj;
		out->parties = br->parties;
		out->count = __atomic_load_n(&br->count, __ATOMIC_RELAXED);
		out->broken = __atomic_load_n(&br->broken, __ATOMIC_RELAXED) != 0;
		out->waiters = (unsigned)out->count;
		pm_buf_printf(&b, "%lld/%u waiting%s", (long long)out->count,
			      out->parties, out->broken ? ", broken" : "");
		break;
	}
	case PM_SK_PIPE: {
		o_pipe *p = obj;
		pm_shared_info a = { 0 }, c = { 0 };
		queue_info(pipe_channel(p, 0), &a);
		queue_info(pipe_channel(p, 1), &c);
		out->qsize = a.qsize + c.qsize;
		out->waiters = a.waiters + c.waiters;
		pm_buf_printf(&b, "%s, %zu for end 0, %zu for end 1",
			      p->duplex ? "duplex" : "one-way", a.qsize,
			      c.qsize);
		break;
	}
	default:
		break;
	}
	if (out->kind == PM_SK_LOCK || out->kind == PM_SK_RLOCK ||
	    out->kind == PM_SK_CONDITION) {
		lock_text(out);
	} else if (b.s) {
		if (b.len >= sizeof out->text) {
			/* Cut at a character boundary, mark the cut. */
			size_t cut = sizeof out->text - 5;
			while (cut && ((unsigned char)b.s[cut] & 0xc0) == 0x80)
				cut--;
			memcpy(out->text, b.s, cut);
			strcpy(out->text + cut, "…");
		} else {
			memcpy(out->text, b.s, b.len + 1);
		}
	}
	pm_buf_free(&b);
	return true;
}
