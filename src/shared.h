/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared objects: Value, Array, Queue, JoinableQueue, SimpleQueue, Pipe,
 * Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier —
 * Python multiprocessing's, in one MAP_SHARED|MAP_ANONYMOUS arena mapped by
 * the manager before it forks anything, so every worker and standalone
 * process sees objects created later at the same address.  Nothing lives in
 * /dev/shm: the memory goes away with the last process.
 *
 * The manager creates objects (commands); anyone looks them up by name and
 * operates on them through pm_shared_api() (the table tasks get as
 * ctx->shm, see poolmon/plugin.h).  No curses here. */
#ifndef POOLMON_SHARED_H
#define POOLMON_SHARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "poolmon/plugin.h"

#define PM_SHARED_ARENA (64u << 20)   /* reserved, touched lazily */
#define PM_SHARED_MAX 256             /* objects */
#define PM_SHARED_NAME_MAX 48         /* including the NUL */
#define PM_SHARED_QUEUE_BYTES (1u << 20) /* a queue's item buffer */
#define PM_SHARED_PIPE_BYTES (256u << 10) /* each direction of a pipe */
#define PM_SHARED_ARRAY_MAX (1u << 24)   /* elements */

typedef struct pm_shared pm_shared;

typedef enum pm_shared_kind {
	PM_SK_VALUE = 1,
	PM_SK_ARRAY,
	PM_SK_QUEUE,
	PM_SK_JOINABLE_QUEUE,
	PM_SK_SIMPLE_QUEUE,
	PM_SK_LOCK,
	PM_SK_RLOCK,
	PM_SK_SEMAPHORE,
	PM_SK_BOUNDED_SEMAPHORE,
	PM_SK_EVENT,
	PM_SK_CONDITION,
	PM_SK_BARRIER,
	PM_SK_PIPE,
	PM_SK_CONNECTION, /* a pipe's end: not in the table */
	PM_SK_CHANNEL,    /* a pipe's direction: not in the table */
} pm_shared_kind;

/* Maps the arena.  NULL with a message on failure. */
pm_shared *pm_shared_new(char *err, size_t errlen);
void pm_shared_free(pm_shared *s);

/* The operations (also what tasks get as ctx->shm). */
const struct pm_shared_api *pm_shared_api(void);

/* An object's handle by name, NULL if none. */
void *pm_shared_find(const pm_shared *s, const char *name);
/* The same, and in *entry its arena entry (0..PM_SHARED_MAX-1, -1 if
 * none): a number an object keeps for its life, never another's after
 * it is deleted (who looked an object up, for a corrupted one). */
void *pm_shared_find_entry(const pm_shared *s, const char *name, int *entry);
const char *pm_shared_kind_name(pm_shared_kind k);
/* PM_SK_*, or 0 for a bad handle. */
pm_shared_kind pm_shared_kind_of(const void *obj);

/* ---- creating (manager only); each returns 0, or -1 with a message and
 * nothing created ----------------------------------------------------- */

/* A valid type code ("bBhHiIlLqQfdc")?  Its C size, 0 if not. */
size_t pm_shared_code_size(char code);
/* Valid object name: [A-Za-z_][A-Za-z0-9_]*, shorter than the max. */
bool pm_shared_name_ok(const char *name);

/* init NULL: zero.  lock false: a RawValue. */
int pm_shared_value_new(pm_shared *s, const char *name, char code,
			const pm_value *init, bool lock, char *err,
			size_t errlen);
/* init: a PM_LIST of scalars (a nested list is the seed's 2-D error), or
 * for 'c' a PM_STR/PM_BYTES; NULL: size zeros. */
int pm_shared_array_new(pm_shared *s, const char *name, char code,
			size_t size, const pm_value *init, bool lock,
			char *err, size_t errlen);
/* kind: PM_SK_QUEUE, PM_SK_JOINABLE_QUEUE or PM_SK_SIMPLE_QUEUE; maxsize
 * 0: no limit but the buffer (bytes; 0: PM_SHARED_QUEUE_BYTES). */
int pm_shared_queue_new(pm_shared *s, const char *name, pm_shared_kind kind,
			size_t maxsize, size_t bytes, char *err,
			size_t errlen);
int pm_shared_lock_new(pm_shared *s, const char *name, bool recursive,
		       char *err, size_t errlen);
int pm_shared_semaphore_new(pm_shared *s, const char *name, int64_t value,
			    bool bounded, char *err, size_t errlen);
int pm_shared_event_new(pm_shared *s, const char *name, char *err,
			size_t errlen);
int pm_shared_condition_new(pm_shared *s, const char *name, char *err,
			    size_t errlen);
int pm_shared_barrier_new(pm_shared *s, const char *name, unsigned parties,
			  char *err, size_t errlen);
int pm_shared_pipe_new(pm_shared *s, const char *name, bool duplex,
		       char *err, size_t errlen);

/* Removes an object: its name is free again, and workers find it no
 * more; its memory is not reused.  The caller makes sure no task uses it.
 * 0, or -1 with a message. */
int pm_shared_delete(pm_shared *s, const char *name, char *err,
		     size_t errlen);

/* Parses a value for a type code the way `value`/`set` take it: ints for
 * integer codes (in range), ints or floats for 'f' 'd', a one-character
 * string for 'c'.  Returns 0, or -1 with a message. */
int pm_shared_check_value(char code, const pm_value *v, char *err,
			  size_t errlen);

/* ---- looking (status, show, the TUI's shared-objects panel) ----------- */

/* In a child the engine forks: this process is worker 'w' n or process
 * 'p' n, so that locks say who holds them and who waits ("w2", "p1"; the
 * process that mapped the arena is "poolmon", any other "pid N"). */
void pm_shared_set_self(char kind, uint64_t n);

#define PM_SHARED_ID_MAX 16 /* "w16777215", "poolmon", "pid 4194304" */
#define PM_SHARED_WAITERS 8 /* waiters shown per lock */

/* A process blocked in a lock's acquire. */
typedef struct pm_shared_waiter {
	pid_t pid;
	char id[PM_SHARED_ID_MAX];
	double waited; /* seconds so far */
} pm_shared_waiter;

typedef struct pm_shared_info {
	char name[PM_SHARED_NAME_MAX];
	pm_shared_kind kind;
	const char *kind_name; /* "value", "queue", "rlock", … */
	char code;             /* value/array type code, else 0 */
	size_t len;            /* array length (value: 1) */
	bool has_lock;         /* value/array created with lock=1 */
	size_t qsize, maxsize; /* queues, pipes (both directions); 0 = none */
	size_t unfinished;     /* JoinableQueue: puts not yet task_done() */
	bool closed;
	bool locked;           /* a lock (or a value's lock) is held */
	pid_t holder_pid;      /* 0 if none */
	bool owner_died;       /* a holder died holding it (recovered) */
	pid_t dead_pid;        /* that holder */
	int64_t count;         /* semaphore value; barrier: parties waiting */
	unsigned parties;      /* barrier */
	bool is_set;           /* event */
	bool broken;           /* barrier */
	unsigned waiters;      /* processes blocked on it now */
	/* Locks (and a value's lock): who holds it, who died holding it
	 * ("" if none), who waits for it, longest first. */
	char holder_id[PM_SHARED_ID_MAX];
	bool holder_dead;      /* the holder exited without releasing it */
	char dead_id[PM_SHARED_ID_MAX];
	unsigned nwaiting;
	pm_shared_waiter waiting[PM_SHARED_WAITERS];
	bool deadlock;         /* the manager found it in a wait-for cycle */
	char text[160];        /* one line: "400000", "[1, 2, 3, …]", "3/10" */
	bool corrupt;          /* refused; text says why, other fields 0 */
} pm_shared_info;

/* Called once for each object the manager finds corrupted (a task wrote
 * over it): its name, kind and what failed.  The object is refused from
 * then on (operations return PM_SHM_CORRUPT, get_info says so). */
typedef void (*pm_shared_report_fn)(void *ud, const char *name,
				    const char *kind, const char *why);
void pm_shared_set_reporter(pm_shared *s, pm_shared_report_fn fn, void *ud);
/* Whether the i-th object is corrupted (checking it now); *why what
 * failed. */
bool pm_shared_corrupt(const pm_shared *s, size_t i, const char **why);


size_t pm_shared_count(const pm_shared *s);
/* The i-th object in creation order; false if out of range. */
bool pm_shared_get_info(const pm_shared *s, size_t i, pm_shared_info *out);
/* The i-th object's handle. */
void *pm_shared_at(const pm_shared *s, size_t i);
/* The first max items of a queue (a handle from pm_shared_at), in order,
 * not taken: items[0..*n-1] are the caller's to pm_value_free; *total is
 * how many it holds.  A pm_shm_rc: PM_SHM_OK, PM_SHM_TIMEOUT (a get held
 * its lock too long), PM_SHM_CORRUPT… */
int pm_shared_queue_peek(void *obj, size_t max, pm_value *items, size_t *n,
			 size_t *total);
/* Only the lock fields of the i-th object (holder, waiters, owner died,
 * deadlock), cheaply; false if it has no lock or is corrupted. */
bool pm_shared_lock_info(const pm_shared *s, size_t i, pm_shared_info *out);
/* The engine's deadlock check marks the locks of a cycle it found (on)
 * and unmarks them once it is broken; get_info reports the mark. */
void pm_shared_mark_deadlock(pm_shared *s, size_t i, bool on);
/* The values of a value/array (PM_LIST for an array), for show/status. */
int pm_shared_values(void *obj, pm_value *out);

#endif
