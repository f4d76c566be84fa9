// SPDX-License-Identifier: GPL-3.0-or-later
/* source.h — where the model's figures come from (source.c): the local
 * engine (the one place ui/ reads it, with the shared objects and
 * libproc2), or a snapshot (ui_snap) of a pool, taken from an engine by
 * ui_snap_take and carried as JSON (snapshot.c).  model.c fills the
 * model through these functions only, whichever the source. */
#ifndef POOLMON_UI_SOURCE_H
#define POOLMON_UI_SOURCE_H

#include "model.h"

/* A snapshot holds what any screen of the pool may draw, whatever its
 * size: */
#define SNAP_TASKS 256     /* the tasks panel's first rows (its own order) */
#define SNAP_SPANS 4096    /* the timeline's newest spans… */
#define SNAP_SPAN_SECS 600 /* …that ended in the last this many seconds */

typedef struct ui_snap_queue {
	size_t n, total; /* items listed, items held */
	bool busy;       /* being taken from: none listed */
	char *items[UI_QUEUE_ITEMS];
} ui_snap_queue;

struct ui_snap {
	pm_counts counts;
	pm_pool_state pool;
	uint64_t last_task;
	bool cli_busy, idle;
	size_t processes_alive;
	int target_workers;
	double t0;
	pm_worker_info *workers; /* every worker */
	size_t nworkers;
	pm_process_info *procs; /* every process; names are the snapshot's */
	size_t nprocs;
	pm_proc_sample *samples; /* of every worker's and process's pid */
	size_t nsamples;
	double sys_cpu;
	unsigned long mem_used_kb, mem_total_kb;
	/* The tasks panel's first npanel rows in its own order (unfinished
	 * newest first, then ended newest first), then the tasks the rows
	 * run that are not among them. */
	ui_task *tasks;
	size_t ntasks, npanel;
	pm_shared_info *shared; /* every object; kind_name is NULL */
	ui_snap_queue *queues;  /* one per object (n 0 for other kinds) */
	size_t nshared;
	ui_map maps[MAPS_SHOWN];
	size_t nmaps;
	pm_span_info *spans; /* oldest first */
	size_t nspans;
};

void ui_snap_clear(ui_snap *s);

/* The source's figures, as model_scan takes them. */
void src_scan(const ui_source *s, ui_model *m);
bool src_worker_info(const ui_source *s, size_t i, pm_worker_info *out);
size_t src_process_count(const ui_source *s);
bool src_process_info(const ui_source *s, size_t i, pm_process_info *out);
bool src_worker_by_id(const ui_source *s, uint64_t id, pm_worker_info *out);
bool src_process_by_id(const ui_source *s, uint64_t id, pm_process_info *out);
/* Task id as the screen shows it, a copy the caller clears. */
bool src_task(const ui_source *s, uint64_t id, ui_task *out);
/* The tasks panel's candidates in its order, each handed to fn (a copy
 * fn keeps or clears) until fn returns false. */
void src_panel_tasks(const ui_source *s, bool (*fn)(void *ud, ui_task *t),
		     void *ud);
bool src_shared_info(const ui_source *s, size_t i, pm_shared_info *out);
/* Object i's first items as text (malloc'd into items), how many it holds,
 * whether it was being taken from. */
void src_queue_items(const ui_source *s, size_t i, char **items, size_t *n,
		     size_t *total, bool *busy);
size_t src_spans(const ui_source *s, double since, pm_span_info *out,
		 size_t max);
/* libproc2's figures of pids (ps: the model's reader). */
void src_sample(const ui_source *s, pm_procstat *ps, const pid_t *pids,
		size_t n, pm_proc_sample *out, double *sys_cpu,
		unsigned long *mem_used_kb, unsigned long *mem_total_kb);
void src_maps(const ui_source *s, ui_model *m);

/* A snapshot of the local source s: what ui_snap holds, from the engine
 * (m keeps the libproc2 reader and the maps seen ended between takes). */
void ui_snap_take(ui_snap *out, const ui_source *s, ui_model *m);

/* snapshot.c: a snapshot as one JSON object (malloc'd), and back: false
 * with a message in err if the text is not one. */
char *ui_snap_encode(const ui_snap *s);
bool ui_snap_decode(const char *json, ui_snap *out, char *err, size_t errlen);
struct json_t; /* jansson's: the same, of a JSON object already parsed */
bool ui_snap_from_json(struct json_t *o, ui_snap *out, char *err,
		       size_t errlen);
/* A taker of snapshots of a local engine, for the server's model hook:
 * ui_snapshot_json(taker) is pm_serve_set_snapshot's function. */
ui_snap_taker *ui_snap_taker_new(pm_engine *e, pm_cli *cli);
void ui_snap_taker_free(ui_snap_taker *k);
char *ui_snapshot_json(void *ud);

#endif
