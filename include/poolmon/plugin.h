/* SPDX-License-Identifier: GPL-3.0-or-later */
/* poolmon plugin ABI.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * `poolmon_plugin`, a const struct pm_plugin.  The loader rejects a plugin
 * whose ABI major differs from its own; new fields are only ever added at the
 * end of a struct, behind a minor-version check (the sudo plugin model).
 *
 * Build a plugin:  cc -shared -fPIC $(pkg-config --cflags poolmon-plugin) \
 *                     -o myplugin.so myplugin.c
 */
#ifndef POOLMON_PLUGIN_H
#define POOLMON_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define POOLMON_ABI_MAJOR 1
/* 1.1: pm_ctx.shm, shared objects; 1.2: PM_BOOL; 1.3: pm_plugin.open and
 * task_data (tasks made at load time from an argument), pm_ctx.task_name
 * and task_data; 1.4: PM_BIGINT.  Plugins built for an older minor load as
 * they are. */
#define POOLMON_ABI_MINOR 4
#define POOLMON_ABI_VERSION ((POOLMON_ABI_MAJOR << 16) | POOLMON_ABI_MINOR)
#define POOLMON_ABI_GET_MAJOR(v) ((uint32_t)(v) >> 16)
#define POOLMON_ABI_GET_MINOR(v) ((uint32_t)(v) & 0xffffu)
#define POOLMON_PLUGIN_SYMBOL "poolmon_plugin"

/* Typed values: the arguments and results of tasks. */
typedef enum pm_type {
	PM_NONE = 0,
	PM_INT,
	PM_FLOAT,
	PM_STR,
	PM_BYTES,
	PM_LIST,
	PM_BOOL, /* ABI 1.2: True or False, u.i is 1 or 0 */
	/* ABI 1.4: an integer beyond int64 (Python's 2**100): u.s holds its
	 * decimal digits like PM_STR, "-" then digits, no leading zero.  A
	 * value that fits in int64 is always PM_INT, never PM_BIGINT. */
	PM_BIGINT,
} pm_type;

typedef struct pm_value {
	pm_type type;
	union {
		int64_t i;
		double f;
		struct {
			char *ptr; /* PM_STR, PM_BIGINT: NUL-terminated;
				    * PM_BYTES: raw */
			size_t len;
		} s;
		struct {
			struct pm_value *items;
			size_t len;
		} list;
	} u;
} pm_value;

/* Results are owned by poolmon once returned: strings, bytes and list items
 * must come from malloc() (these helpers do that). */
static inline pm_value pm_none(void)
{
	pm_value v;
	memset(&v, 0, sizeof v);
	return v;
}

static inline pm_value pm_int(int64_t i)
{
	pm_value v = pm_none();
	v.type = PM_INT;
	v.u.i = i;
	return v;
}

static inline pm_value pm_float(double f)
{
	pm_value v = pm_none();
	v.type = PM_FLOAT;
	v.u.f = f;
	return v;
}

/* ABI 1.2: shown True / False (JSON true / false). */
static inline pm_value pm_bool(int b)
{
	pm_value v = pm_none();
	v.type = PM_BOOL;
	v.u.i = b != 0;
	return v;
}

/* Returns PM_NONE if allocation fails. */
static inline pm_value pm_str(const char *s)
{
	pm_value v = pm_none();
	size_t len = strlen(s);
	char *p = (char *)malloc(len + 1);
	if (!p)
		return v;
	memcpy(p, s, len + 1);
	v.type = PM_STR;
	v.u.s.ptr = p;
	v.u.s.len = len;
	return v;
}

/* ABI 1.4: an integer from its decimal digits ("-" allowed, no leading
 * zero, no sign "+"): PM_INT when it fits in int64, else PM_BIGINT.
 * Returns PM_NONE for anything else (bad digits, allocation failure). */
static inline pm_value pm_bigint(const char *digits)
{
	const char *d = digits[0] == '-' ? digits + 1 : digits;
	size_t nd = strlen(d);
	if (!nd || (d[0] == '0' && (nd > 1 || d != digits)) ||
	    strspn(d, "0123456789") != nd)
		return pm_none();
	/* int64 is 19 digits: compare with its bounds as text. */
	const char *lim = d == digits ? "9223372036854775807"
				      : "9223372036854775808";
	if (nd < 19 || (nd == 19 && strcmp(d, lim) <= 0)) {
		unsigned long long u = strtoull(d, NULL, 10);
		return pm_int(d == digits ? (int64_t)u
					  : (int64_t)(0 - u));
	}
	pm_value v = pm_str(digits);
	if (v.type == PM_STR)
		v.type = PM_BIGINT;
	return v;
}

typedef struct pm_ctx pm_ctx;

/* What a task sees of poolmon while it runs.  Use the accessor functions;
 * `size` lets a plugin check whether a later field exists. */
struct pm_ctx {
	uint32_t size;
	const char *task_id;   /* "t3" */
	const char *worker_id; /* "w2", or "p1" for a standalone process */
	/* Non-zero once the task should stop early (terminate, timeout). */
	int (*cancelled)(pm_ctx *ctx);
	/* Progress 0..1, shown in the TUI. */
	void (*progress)(pm_ctx *ctx, double fraction);
	/* One line for the log pane / JSON `log` event. */
	void (*log)(pm_ctx *ctx, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/* Set the error message of a failing task; return the task's -1. */
	int (*fail)(pm_ctx *ctx, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/* A shared object (value, array, queue, lock…) by name, or NULL. */
	void *(*shared)(pm_ctx *ctx, const char *name);
	void *host; /* poolmon's, do not touch */
	/* ABI 1.1: operations on the handles ctx->shared() returns.  Present
	 * when PM_CTX_HAS_SHM(ctx). */
	const struct pm_shared_api *shm;
	/* ABI 1.3: the running task's full name ("demo.square") and its
	 * pm_plugin.task_data entry (NULL if none).  Present when
	 * PM_CTX_HAS_TASK(ctx). */
	const char *task_name;
	void *task_data;
};

#define PM_CTX_HAS_SHM(ctx)                                   \
	((ctx)->size >= offsetof(struct pm_ctx, shm) +        \
				sizeof(const struct pm_shared_api *) && \
	 (ctx)->shm != NULL)

#define PM_CTX_HAS_TASK(ctx)                                  \
	((ctx)->size >= offsetof(struct pm_ctx, task_data) + sizeof(void *))

/* ---- Shared objects (ABI 1.1) ---------------------------------------------
 * Objects are created by poolmon's commands (`value`, `array`, `queue`,
 * `lock`, `semaphore`, `event`, `condition`, `barrier`, `pipe`) in memory that
 * every worker and standalone process shares; a task finds one by name with
 * ctx->shared(ctx, "counter") and operates on the handle with ctx->shm.
 * Handles stay valid for the life of poolmon.
 *
 * Every operation returns a pm_shm_rc; ctx->shm->strerror(rc) is its text.
 * Timeouts are seconds: PM_SHM_FOREVER (< 0) blocks, 0 never blocks. */
typedef enum pm_shm_rc {
	PM_SHM_OK = 0,
	PM_SHM_OWNER_DIED, /* acquired; the previous holder died holding it */
	PM_SHM_TIMEOUT,    /* not acquired / not signalled within the timeout */
	PM_SHM_EMPTY,      /* get: nothing to get (queue.Empty) */
	PM_SHM_FULL,       /* put: no room (queue.Full) */
	PM_SHM_CLOSED,     /* put on a closed queue */
	PM_SHM_BROKEN,     /* barrier broken: a waiter timed out */
	PM_SHM_NOT_HELD,   /* release/wait/notify without holding the lock */
	PM_SHM_TOO_MANY,   /* bounded semaphore or task_done() called too often */
	PM_SHM_DEADLOCK,   /* acquiring a Lock this process already holds */
	PM_SHM_RANGE,      /* value out of range for the type code; bad index */
	PM_SHM_TYPE,       /* wrong kind of object, wrong type of value, or
			    * a value that fails poolmon's checks */
	PM_SHM_TOO_BIG,    /* item larger than the queue's buffer */
	PM_SHM_CORRUPT,    /* its shared memory was overwritten: refused */
} pm_shm_rc;

#define PM_SHM_FOREVER (-1.0)

struct pm_shared_api {
	uint32_t size; /* sizeof(struct pm_shared_api): later fields appended */
	/* Text for a return code. */
	const char *(*strerror)(int rc);
	/* "value" "array" "queue" "joinable_queue" "simple_queue" "lock"
	 * "rlock" "semaphore" "bounded_semaphore" "event" "condition"
	 * "barrier" "pipe" "connection"; NULL for a bad handle. */
	const char *(*kind)(const void *obj);

	/* Value and Array (a Value is an Array of one: index 0).  Integer
	 * codes give PM_INT, 'f' 'd' PM_FLOAT, 'c' PM_BYTES of one byte; a
	 * 'Q' or 'L' above INT64_MAX comes back as PM_BIGINT (before ABI 1.4:
	 * as its decimal PM_STR), and set takes one up to 2**64-1.
	 * get/set take the object's lock if it has one; out-of-range values
	 * are PM_SHM_RANGE and change nothing. */
	size_t (*len)(const void *obj);
	char (*code)(const void *obj);
	int (*value_get)(void *obj, size_t i, pm_value *out);
	int (*value_set)(void *obj, size_t i, const pm_value *v);
	/* obj[i] += delta as one step under the object's lock (wraps like C
	 * for integer codes); without a lock (lock=0) a plain, racy
	 * read-modify-write.  *out (may be NULL) gets the new value. */
	int (*value_add)(void *obj, size_t i, const pm_value *delta,
			 pm_value *out);
	/* The object's RLock (use with acquire/release), NULL if lock=0. */
	void *(*get_lock)(void *obj);
	/* The elements themselves (the C type of the code), no locking:
	 * RawValue / RawArray / get_obj(). */
	void *(*raw)(void *obj);

	/* Lock, RLock, Semaphore, BoundedSemaphore, Condition (its RLock)
	 * and a Value's lock.  Locks are robust: if a holder dies the next
	 * acquire returns PM_SHM_OWNER_DIED and holds the lock. */
	int (*acquire)(void *obj, double timeout);
	int (*release)(void *obj);

	/* Event.wait / Condition.wait (holding its lock) / Barrier.wait. */
	int (*wait)(void *obj, double timeout);
	/* Condition.notify(n) while holding its lock; n < 0: notify_all. */
	int (*notify)(void *obj, int n);
	int (*event_set)(void *obj);
	int (*event_clear)(void *obj);
	int (*event_is_set)(const void *obj); /* 1, 0, or -PM_SHM_TYPE */

	/* Queue, JoinableQueue, SimpleQueue: items are typed values (the
	 * item is copied; *out is the caller's to pm_value free). */
	int (*queue_put)(void *q, const pm_value *item, double timeout);
	int (*queue_get)(void *q, pm_value *out, double timeout);
	size_t (*qsize)(const void *q);
	int (*queue_empty)(const void *q);
	int (*queue_full)(const void *q);
	/* No more puts (they return PM_SHM_CLOSED); gets drain the rest. */
	int (*queue_close)(void *q);
	int (*task_done)(void *q);            /* JoinableQueue */
	int (*join)(void *q, double timeout); /* JoinableQueue */

	/* Pipe(duplex): end 0 and end 1 (of Pipe(duplex=0), end 0 only
	 * receives, end 1 only sends, like Python's r, w = Pipe(False)). */
	void *(*pipe_end)(void *pipe, int end);
	int (*send)(void *conn, const pm_value *v);
	int (*recv)(void *conn, pm_value *out, double timeout);
	/* PM_SHM_OK when recv would not block, else PM_SHM_TIMEOUT. */
	int (*poll)(void *conn, double timeout);
	/* Barrier.wait is `wait`; Semaphore.acquire/release are above. */
};

/* A task: returns 0 and sets *result, or returns -1 after ctx->fail(). */
typedef int (*pm_task_fn)(pm_ctx *ctx, const pm_value *args, size_t nargs,
			  pm_value *result);

struct pm_task_def {
	const char *name;      /* "square" */
	const char *signature; /* "n:int" or "a:int, b:float, s:str"; "" for none */
	const char *result;    /* "int", "float", "str", "bytes", "list", "none" */
	const char *help;      /* one line */
	pm_task_fn fn;
};

struct pm_plugin {
	uint32_t abi_version; /* POOLMON_ABI_VERSION */
	const char *name;     /* "demo": tasks are "demo.square" */
	const char *version;
	const char *description;
	/* Optional: 0 on success, else fill errbuf and return -1. */
	int (*init)(char *errbuf, size_t errlen);
	void (*fini)(void);
	const struct pm_task_def *tasks; /* ends with a {NULL} entry */
	/* ABI 1.3, optional: `load NAME:ARG` calls open(ARG) and registers
	 * the plugin it returns (its own name, tasks and task_data; its open,
	 * init and fini are not used) instead of this one; a plugin with an
	 * open may have an empty task table.  Returns NULL after filling
	 * errbuf to refuse.  The returned struct and what it points to stay
	 * valid for the life of the process.  open runs in poolmon, and again
	 * in each worker already running then (with the same ARG: the
	 * tasks must come out the same, else that worker refuses them). */
	const struct pm_plugin *(*open)(const char *arg, char *errbuf,
					size_t errlen);
	/* ABI 1.3, optional: NULL, or one pointer per task, handed to the
	 * task as ctx->task_data. */
	void *const *task_data;
	/* ABI 1.3, optional, in a struct open returned: the ARG that workers
	 * running at the load pass to their open instead of the user's (say,
	 * the table itself, sparing them the work of making it again); NULL:
	 * the user's ARG. */
	const char *reopen;
};

#ifdef __cplusplus
}
#endif
#endif
