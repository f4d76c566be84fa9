/* SPDX-License-Identifier: GPL-3.0-or-later */
/* model.h — what the screen shows, sampled from the engine and libproc2
 * once per tick (htop's scan, then draw).  The panels and overlays draw
 * from it only; they never ask the engine.
 *
 * Three parts, each taken at most once per tick:
 *  - model_scan: counts, pool state, the workers table's rows (built here
 *    and nowhere else) and a signature of it all, to redraw on change;
 *  - model_sample: libproc2 figures of the rows on screen, every -d tenths;
 *  - model_view: what only the rows on screen need (their tasks, the tasks
 *    panel, the shared objects shown, the details overlay), right before a
 *    frame is drawn.
 * Strings in the model are its own copies: they stay valid while the
 * engine runs on. */
#ifndef POOLMON_UI_MODEL_H
#define POOLMON_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "engine.h"
#include "ids.h"
#include "procstat.h"
#include "shared.h"

#define TPUT_HIST 16
#define EXITED_PROCESSES_SHOWN 4
#define MAPS_SHOWN 2       /* progress lines of running maps */
#define MAPS_ENDED_KEPT 64 /* maps known ended, not counted again */

/* A running map's progress line (model_maps). */
typedef struct ui_map {
	pm_map_info info; /* info.task is NULL */
	char task[64];
	size_t ended;
	double rate; /* items ended per second since it was queued */
} ui_map;
#define UI_SPANS_MAX 16384 /* the timeline reads at most these */
#define UI_QUEUE_ITEMS 20   /* an open queue lists its first items */
#define QHIST 16            /* a queue's depth, last samples */

/* One task as the screen shows it: the engine's figures (its pointers
 * cleared) and the model's own text. */
typedef struct ui_task {
	pm_task_info info; /* task, args, result and error are NULL */
	char *name;    /* "demo.square" */
	char *call;    /* "demo.square(7)" */
	char *outcome; /* result, signal, error or progress ("" if none) */
	char *result;  /* NULL if none */
	char *error;   /* NULL if none */
} ui_task;

typedef enum row_tone { TONE_IDLE, TONE_BUSY, TONE_PAUSED, TONE_DEAD } row_tone;

/* A row of the workers table: a pool worker or a standalone process. */
typedef struct ui_row {
	char id[PM_ID_MAX]; /* "w3", "p2" */
	char kind;          /* PM_ID_WORKER or PM_ID_PROCESS */
	uint64_t num;
	pid_t pid;
	char state[24];
	uint64_t task;
	bool is_worker;
	uint64_t done;
	unsigned restarts;
	bool paused;
	row_tone tone;
	/* Rows on screen only (model_view). */
	bool has_task;
	ui_task current;
	bool sampled;
	pm_proc_sample sample;
} ui_row;

/* The target of the details overlay. */
typedef struct ui_detail {
	char kind; /* 0: none */
	uint64_t num;
	bool found;
	pm_worker_info worker;  /* kind 'w' */
	pm_process_info process; /* kind 'p' (its name is pname) */
	char *pname;
	bool sampled;
	pm_proc_sample sample;
	bool has_task;
	ui_task task;
} ui_detail;

/* How a table shows its rows (tables.c): only those containing filter
 * (any case), sorted by a column. */
#define UI_FILTER_MAX 128
typedef struct ui_table_view {
	char filter[UI_FILTER_MAX]; /* "": every row */
	int sort;                   /* a column of tables.c; -1: own order */
	bool desc;
} ui_table_view;

typedef struct ui_model {
	/* model_scan */
	pm_counts counts;
	pm_pool_state pool;
	size_t nworkers;
	uint64_t last_task;
	size_t nshared;
	bool cli_busy;
	size_t processes_alive; /* not daemons */
	ui_row *rows;
	size_t nrows, rows_cap;
	uint64_t signature;
	bool idle;              /* no task queued, running or paused */
	int target_workers;     /* the pool size asked for */
	double t0;              /* when the engine was made */
	ui_table_view wview, tview; /* the workers table's, the tasks' */
	size_t rows_hidden, tasks_hidden; /* by the filters */

	/* model_sample */
	pm_procstat *ps;
	pm_proc_sample *samples;
	size_t nsamples;
	double sys_cpu;
	unsigned long mem_used_kb, mem_total_kb;
	double tput[TPUT_HIST]; /* tasks finished per second, newest last */
	size_t finished_prev;
	double tput_time;

	/* model_maps */
	ui_map maps[MAPS_SHOWN]; /* newest first */
	size_t nmaps;
	uint64_t maps_ended[MAPS_ENDED_KEPT]; /* first ids, a ring */
	size_t maps_ended_at;

	/* model_view */
	ui_task *tasks; /* the tasks panel's list, newest first */
	size_t ntasks;
	pm_shared_info *shared; /* nshared_shown objects from shared_first */
	size_t nshared_shown, shared_first;
	/* The open queue's first items, how many it holds, and whether
	 * gets kept it moving while it was read (busy: none read). */
	char *qitems[UI_QUEUE_ITEMS]; /* each item as show prints it */
	size_t nqitems, qtotal;
	bool qbusy;
	/* Each object's queue depth, sampled twice a second, newest last
	 * (0 for other kinds). */
	size_t (*qhist)[QHIST];
	size_t nqhist;
	double qhist_next;
	ui_detail detail;
	pm_span_info *spans; /* the timeline's: ended since spans_since */
	size_t nspans;
} ui_model;

/* What model_view takes: the workers rows on screen, how many tasks and
 * shared objects the panels can show, the details overlay's target. */
typedef struct ui_view_want {
	size_t rows_first, rows_count;
	size_t tasks;
	size_t shared, shared_first;
	size_t shared_open; /* the queue to list: index + 1, 0: none */
	char detail_kind; /* 0: no details overlay */
	uint64_t detail_num;
	double spans_since; /* 0: the timeline is not shown */
} ui_view_want;

/* What the model is filled from (source.c): the local engine, or a
 * snapshot of one (snapshot.c: a served pool's, decoded from JSON). */
typedef struct ui_snap ui_snap;
typedef struct ui_snap_taker ui_snap_taker;
typedef struct ui_source {
	pm_engine *e; /* local: the engine and its interpreter */
	pm_cli *cli;
	ui_snap *snap; /* not NULL: the model comes from this snapshot */
	/* $POOLMON_SNAPSHOT_LOOPBACK=1: snap is taken from e at each scan,
	 * through JSON (model -> JSON -> model), to test the snapshot. */
	ui_snap_taker *loopback;
} ui_source;

void model_init(ui_model *m);
void model_free(ui_model *m);
void model_scan(ui_model *m, ui_source *s);
/* libproc2 figures of rows first..first+count-1 (all rows if count is 0). */
void model_sample(ui_model *m, const ui_source *s, size_t first,
		  size_t count);
void model_view(ui_model *m, const ui_source *s, const ui_view_want *want);
/* The running maps, newest first (at most MAPS_SHOWN), before a frame:
 * counting a map's ended items reads a byte per item, so maps seen ended
 * are remembered and not counted again. */
void model_maps(ui_model *m, const ui_source *s);
/* Asked as a key is pressed, not from the last frame (two presses in one
 * frame pause, then resume; grow by two): whether the worker, process or
 * task is paused, and the pool size asked for. */
bool model_paused_now(const ui_source *s, char kind, uint64_t num);
int model_target_workers_now(const ui_source *s);
/* Tasks queued, running or paused, or processes (not daemons) alive. */
bool model_alive_now(const ui_source *s);
/* The name of the task id ("demo.square"), its run time so far, its
 * state: false if the source knows no such task. */
bool model_task_brief(const ui_source *s, uint64_t id, const char **name,
		      double *elapsed);

size_t model_finished(const pm_counts *c);
void ui_task_clear(ui_task *t);

/* tables.c, for the model: the workers rows filtered and sorted (after
 * model_scan built them), whether a task of the tasks panel passes the
 * filter, and the panel's list sorted. */
void tables_arrange_rows(ui_model *m, const ui_source *s);
bool tables_task_shown(const ui_model *m, const ui_task *t);
void tables_arrange_tasks(ui_model *m);
/* The sample of pid, or NULL (model.c). */
const pm_proc_sample *model_sample_of(const ui_model *m, pid_t pid);

#endif
