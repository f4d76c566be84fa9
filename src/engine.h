/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pool engine: forked workers, a task queue, results and events.
 * No curses here; front ends talk to the engine through this header only. */
#ifndef POOLMON_ENGINE_H
#define POOLMON_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "poolmon/plugin.h"
#include "ids.h"
#include "loop.h"

typedef struct pm_engine pm_engine;

typedef enum pm_task_state {
	PM_TASK_QUEUED,
	PM_TASK_RUNNING,
	PM_TASK_PAUSED,
	PM_TASK_DONE,
	PM_TASK_FAILED,
	PM_TASK_CRASHED,
	PM_TASK_TIMEOUT,
	PM_TASK_TERMINATED,
	PM_TASK_CANCELLED,
} pm_task_state;

typedef enum pm_worker_state {
	PM_WORKER_STARTING,
	PM_WORKER_IDLE,
	PM_WORKER_BUSY,
	PM_WORKER_PAUSED,
	PM_WORKER_DEAD,
} pm_worker_state;

typedef enum pm_pool_state {
	PM_POOL_RUNNING,
	PM_POOL_PAUSED, /* dispatcher stopped */
	PM_POOL_CLOSED,
	PM_POOL_TERMINATED,
} pm_pool_state;

typedef enum pm_event_kind {
	PM_EV_TASK,   /* a task changed state */
	PM_EV_WORKER, /* a worker started / exited / paused / resumed */
	PM_EV_LOG,    /* a task logged a line */
	PM_EV_PLUGIN, /* a plugin was loaded */
	PM_EV_PROCESS, /* a standalone process started / exited / paused… */
	PM_EV_DEADLOCK, /* processes wait for each other's locks: cycle */
} pm_event_kind;

/* One member of a deadlock: id waits for lock, which held_by holds (the
 * next member; the last one's is the first). */
typedef struct pm_deadlock_link {
	const char *id;      /* "w2", "p1" */
	const char *lock;    /* the shared object's name */
	const char *held_by; /* "p2" */
	double waited;       /* seconds id has waited for it */
} pm_deadlock_link;

typedef struct pm_event {
	pm_event_kind kind;
	uint64_t id;          /* task id (t<id>) or worker id (w<id>) */
	int state;            /* pm_task_state, or for workers the word below */
	const char *what;     /* worker: "started" "exited" "paused" "resumed" */
	const char *task;     /* task name "demo.square"; process: its name */
	uint64_t worker;      /* worker id running the task, 0 if none */
	pid_t pid;            /* worker pid, 0 if none */
	const pm_value *result; /* PM_TASK_DONE */
	const char *error;    /* PM_TASK_FAILED: message; log: the line */
	int signo;            /* PM_TASK_CRASHED, or the worker's death signal */
	int exit_status;      /* worker exited normally: its status */
	bool in_process;      /* worker is a standalone process (p-id) */
	double time;          /* when it happened (pm_now's clock) */
	const pm_deadlock_link *cycle; /* PM_EV_DEADLOCK: its members */
	size_t ncycle;
	/* PM_EV_TASK to a listener that asked for ranges: the event is of
	 * the map items id..last, which changed to state together (same
	 * worker, no result: results are read with pm_engine_map_results).
	 * 0: of id alone. */
	uint64_t last;
} pm_event;

typedef void (*pm_event_fn)(void *ud, const pm_event *ev);

typedef struct pm_engine_config {
	int workers;            /* <= 0: one per CPU */
	int maxtasks;           /* recycle a worker after this many, 0 = never */
	const char *plugin_dir; /* --plugin-dir, may be NULL */
	/* Single submits of a task whose mean run time so far is below this
	 * (seconds) are sent to a worker in batches; 0: the default, 500 us.
	 * Others go one at a time, in submission order. */
	double batch_below;
	/* Ended tasks kept for result/show: older ones are evicted (their
	 * counts stay).  0: the default, 100000; < 0: keep all. */
	long keep_tasks;
} pm_engine_config;

typedef struct pm_task_info {
	uint64_t id;
	const char *task; /* "demo.square" */
	pm_task_state state;
	const pm_value *args;
	size_t nargs;
	uint64_t worker; /* 0 if not running */
	bool in_process; /* worker is a standalone process (p-id) */
	pid_t pid;
	const pm_value *result; /* when done */
	const char *error;      /* when failed */
	int signo;              /* when crashed */
	double progress;        /* 0..1 */
	double elapsed;         /* seconds running so far, or run time */
	/* When it was queued, started and ended (pm_now's clock, as its
	 * worker read it; 0: not yet or not known).  A map item's start and
	 * end are its chunk's.  changed_at: its last change of state. */
	double queued_at, started_at, ended_at, changed_at;
} pm_task_info;

typedef struct pm_worker_info {
	uint64_t id;
	pid_t pid;
	pm_worker_state state;
	uint64_t task; /* current task id, 0 if none */
	/* What its shared page says it runs now (0: nothing): may be ahead
	 * of task, which is what the manager saw at its last look. */
	uint64_t task_now;
	uint64_t done; /* tasks completed by this worker */
	unsigned restarts; /* replacements of this slot */
} pm_worker_info;

typedef struct pm_counts {
	size_t queued, running, paused, done, failed, crashed, timeout,
		terminated, cancelled;
} pm_counts;

/* Creates the engine and starts its workers.  Registers its fds and SIGCHLD
 * with the loop.  On failure returns NULL and sets *err (malloc'd). */
pm_engine *pm_engine_new(pm_loop *loop, const pm_engine_config *cfg,
			 char **err);
/* Kills and reaps every worker, frees everything. */
void pm_engine_free(pm_engine *e);

void pm_engine_set_listener(pm_engine *e, pm_event_fn fn, void *ud);
/* Map items' events (on by default).  Off, the listener hears nothing of a
 * map item that is queued, starts or ends done: those change in bulk (a
 * chunk's worth at a time, with no event per item) and show in the counts,
 * pm_engine_task_info and pm_engine_map_ended; an item that ends otherwise
 * (cancelled, failed, crashed, timed out, terminated) is still heard, and
 * so is every task that is not a map's.  For a listener that prints only
 * what ended otherwise than done, as the screen's does. */
void pm_engine_set_item_events(pm_engine *e, bool on);
/* false (the default, and after each pm_engine_set_listener): one event
 * per task and change.  true: a run of a map's items that change state
 * together is one event (ev->last); items that differ still come one by
 * one.  Expanded, the two streams hold the same (id, state) changes. */
void pm_engine_set_listener_ranges(pm_engine *e, bool ranges);

/* Plugins: bare names are looked up in these dirs, in the order added. */
void pm_engine_add_plugin_dir(pm_engine *e, const char *dir);
/* Returns 0 or -1 with a message in err. */
int pm_engine_load(pm_engine *e, const char *path_or_name, char *err,
		   size_t errlen);
size_t pm_engine_plugin_count(const pm_engine *e);
const struct pm_plugin *pm_engine_plugin(const pm_engine *e, size_t i,
					 const char **path);
/* Resolve "square" or "demo.square"; NULL with a message if unknown or
 * ambiguous. */
const struct pm_task_def *pm_engine_find_task(const pm_engine *e,
					      const char *name,
					      const char **plugin, char *err,
					      size_t errlen);

/* Tasks.  args are copied.  Arguments are checked against the signature
 * before anything is queued. Returns 0 and sets *id, or -1 with err. */
typedef struct pm_submit_opts {
	double timeout; /* seconds, 0 = none */
} pm_submit_opts;
int pm_engine_submit(pm_engine *e, const char *task, const pm_value *args,
		     size_t nargs, const pm_submit_opts *opts, uint64_t *id,
		     char *err, size_t errlen);
/* One task per item of items (each item is the task's single argument, or a
 * list of arguments when the task takes several); chunksize 0 = automatic.
 * Ids are consecutive from *first. */
int pm_engine_map(pm_engine *e, const char *task, const pm_value *items,
		  size_t nitems, size_t chunksize, uint64_t *first,
		  char *err, size_t errlen);

/* The most items a map may have: each keeps a state, a result and its
 * chunk, 14 bytes an item, whatever its arguments. */
#define PM_MAP_MAX 100000000ULL
/* pm_engine_map of the integers lo, lo+1, …, lo+n-1, never built as
 * values when the task takes one int (or untyped) parameter: a range is
 * two numbers.  n at most PM_MAP_MAX. */
int pm_engine_map_range(pm_engine *e, const char *task, int64_t lo,
			uint64_t n, size_t chunksize, uint64_t *first,
			char *err, size_t errlen);

/* Pool.starmap: every item is the list of one call's arguments. */
int pm_engine_starmap(pm_engine *e, const char *task, const pm_value *items,
		      size_t nitems, size_t chunksize, uint64_t *first,
		      char *err, size_t errlen);

/* A map's items are kept in bulk: for those, args and result may point
 * into memory that the next call of this function reuses. */
bool pm_engine_task_info(const pm_engine *e, uint64_t id, pm_task_info *out);
/* A task's started/ended times will not change any more: it has ended,
 * and if it is a map's item, so has the chunk it ran in (whose times an
 * item's are). */
bool pm_engine_task_times_final(const pm_engine *e, uint64_t id);
bool pm_task_state_final(pm_task_state s);
/* Results of a map's items in bulk: up to n items from first, in one
 * map, done, in a row.  *types[k] is the pm_type of item first+k's result
 * when it is a number or None (its bits in *bits[k]), or PM_BULK_VALUE
 * (read it with pm_engine_task_info).  Returns how many (0: first is no
 * done bulk item). The arrays are valid until the engine next polls. */
#define PM_BULK_VALUE 0xff
size_t pm_engine_map_results(const pm_engine *e, uint64_t first, size_t n,
			     const uint8_t **types, const uint64_t **bits);
const char *pm_task_state_name(pm_task_state s);
const char *pm_worker_state_name(pm_worker_state s);
const char *pm_pool_state_name(pm_pool_state s);
/* The maps (map, imap, starmap) still kept, in id order: a map's ids, its
 * task's name and when it was queued.  pm_engine_map_ended counts its items
 * that ended (any final state) by reading one state byte per item: for a
 * progress line drawn now and then, not for every event. */
typedef struct pm_map_info {
	uint64_t first;
	size_t n;
	const char *task;
	double queued_at; /* pm_now's clock */
} pm_map_info;
size_t pm_engine_map_count(const pm_engine *e);
bool pm_engine_map_at(const pm_engine *e, size_t i, pm_map_info *out);
size_t pm_engine_map_ended(const pm_engine *e, size_t i);
/* Of the tasks first..first+count-1, how many in a row from first have
 * ended (an id that names no task, never made or evicted, counts as
 * ended), and in *not_done the first of those that did not end done or
 * names no task (0 if none).  A map's items are read from their state
 * bytes, not as a task info each: for waiting on a map of millions. */
size_t pm_engine_ended_run(const pm_engine *e, uint64_t first, size_t count,
			   uint64_t *not_done);
/* Iterate tasks known to the engine, in id order: ids from 1 to last. */
uint64_t pm_engine_last_task_id(const pm_engine *e);
/* An id of a task that ended and was evicted (only the last keep ended
 * tasks are kept); how many were, and that figure. */
bool pm_engine_task_evicted(const pm_engine *e, uint64_t id);
uint64_t pm_engine_evicted(const pm_engine *e);
size_t pm_engine_keep(const pm_engine *e);
/* When the engine was made (pm_now's clock): times are shown from it. */
double pm_engine_t0(const pm_engine *e);

size_t pm_engine_worker_count(const pm_engine *e);
/* The pool size asked for (workers N), which live workers converge to. */
int pm_engine_target_workers(const pm_engine *e);
bool pm_engine_worker_info(const pm_engine *e, size_t i, pm_worker_info *out);
bool pm_engine_worker_by_id(const pm_engine *e, uint64_t id,
			    pm_worker_info *out);
pm_pool_state pm_engine_pool_state(const pm_engine *e);
pm_counts pm_engine_counts(const pm_engine *e);
/* True when no task is queued, running or paused. */
bool pm_engine_idle(const pm_engine *e);
/* True once the pool is closed/terminated and every worker has exited. */
bool pm_engine_workers_gone(const pm_engine *e);

/* Control.  Each returns 0 or -1 with a message. */
int pm_engine_pause(pm_engine *e, const char *target, char *err, size_t errlen);
int pm_engine_resume(pm_engine *e, const char *target, char *err,
		     size_t errlen);
int pm_engine_terminate(pm_engine *e, const char *target, char *err,
			size_t errlen);
/* SIGKILL now (Process.kill): a running task's worker, a worker, a
 * process. */
int pm_engine_kill(pm_engine *e, const char *target, char *err,
		   size_t errlen);
int pm_engine_close(pm_engine *e, char *err, size_t errlen);
/* While the dispatcher is paused (pause pool): send the next n queued
 * tasks, each alone to a worker as one is idle.  0, or -1 with a message
 * (not paused, nothing queued).  Steps beyond what is queued are
 * dropped; resume ends step mode. */
int pm_engine_step(pm_engine *e, size_t n, char *err, size_t errlen);
int pm_engine_resize(pm_engine *e, int workers, char *err, size_t errlen);
/* A fresh pool of n workers (0: the last size) once the closed or
 * terminated one's workers have all exited; no initializer.  0, or -1
 * with a message. */
int pm_engine_reopen(pm_engine *e, int n, char *err, size_t errlen);

/* Pool(initializer=TASK, initargs=ARGS): run in each worker as it starts;
 * live workers are replaced when idle.  Three failures in a row and the
 * pool stops starting workers: queued tasks fail, new submits are refused.
 * Returns 0 or -1 with a message. */
int pm_engine_set_initializer(pm_engine *e, const char *task,
			      const pm_value *args, size_t nargs, char *err,
			      size_t errlen);
const char *pm_engine_initializer(const pm_engine *e); /* NULL if none */

/* Standalone processes (Process.start): run one task outside the pool, in
 * a process of its own, then exit.  Ids p1, p2, … ; the task gets a t-id
 * too (its events, result and error). */
typedef struct pm_spawn_opts {
	const char *name; /* default "Process-N" */
	bool daemon;      /* ended when poolmon exits; others are waited for */
} pm_spawn_opts;
int pm_engine_spawn(pm_engine *e, const char *task, const pm_value *args,
		    size_t nargs, const pm_spawn_opts *opts, uint64_t *proc_id,
		    uint64_t *task_id, char *err, size_t errlen);

typedef struct pm_process_info {
	uint64_t id;
	const char *name;
	pid_t pid;     /* 0 once exited */
	bool alive;
	bool daemon;
	bool paused;
	int exitcode;  /* valid once !alive: 0 ok, 1 task failed, -N signal N */
	uint64_t task;
} pm_process_info;
size_t pm_engine_process_count(const pm_engine *e);
bool pm_engine_process_info(const pm_engine *e, size_t i,
			    pm_process_info *out);
bool pm_engine_process_by_id(const pm_engine *e, uint64_t id,
			     pm_process_info *out);
/* Live standalone processes that are (daemons) or are not daemons. */
size_t pm_engine_processes_alive(const pm_engine *e, bool daemons);

/* What the timeline draws: the time a worker or process spent on a task,
 * on a chunk of a map's items (ids first..first+count-1, one span), or
 * paused in a task (paused).  state: how the task ended (done for a
 * chunk).  A crash, timeout or terminate of a task that had not started
 * is a span of no length at its end. */
typedef struct pm_span_info {
	uint64_t first, count;
	uint64_t worker; /* w-id, or p-id when in_process */
	bool in_process;
	bool paused;
	pm_task_state state;
	double started, ended; /* pm_now's clock */
} pm_span_info;
/* The spans that ended at or after since, oldest first: the newest max of
 * them into out; returns how many it wrote.  The engine keeps the last
 * 16384.  A task running now is not a span yet: its worker's task_now and
 * pm_engine_task_info say since when. */
size_t pm_engine_spans(const pm_engine *e, double since, pm_span_info *out,
		       size_t max);

/* Process pending worker messages and children; called by the loop, and by
 * anyone who wants a fresh view without waiting. */
void pm_engine_poll(pm_engine *e);

/* The shared objects (values, queues, locks…; see shared.h), mapped before
 * the first worker forks. */
struct pm_shared *pm_engine_shared(const pm_engine *e);
/* After the shared object name was found corrupted: the live workers and
 * processes whose tasks looked it up (at most max ids, "w2", "p1"; the
 * count); the workers among them are replaced after their current task. */
size_t pm_engine_retire_writers(pm_engine *e, const char *name,
				char (*ids)[PM_ID_MAX], size_t max);

#endif
