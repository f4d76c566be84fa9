/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/process.c — the processes the engine forks: a pool worker
 * started (and started again), the pool brought up to its size, idle
 * workers let go (close, shrink, maxtasks), the pool's initializer, and
 * standalone processes (spawn), which reuse the worker machinery. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util.h"

int eng_start_worker(pm_engine *e, worker *w)
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
		pm_shared_set_self(w->is_process ? 'p' : 'w', w->id);
		pm_loop_child_reset(e->loop);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		eng_check_parent(e);
		/* A task's fault must kill its worker with the real signal,
		 * even where a sanitizer runtime installed handlers. */
		static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
					      SIGPIPE };
		for (size_t i = 0; i < sizeof faults / sizeof *faults; i++)
			signal(faults[i], SIG_DFL);
		eng_worker_main(e, w);
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
	w->corrupt = NULL;
	eng_emit_worker(e, w, "started", 0, 0);
	return 0;
}

worker *eng_add_worker(pm_engine *e)
{
	worker *w = xcalloc(1, sizeof *w);
	w->id = ++e->next_worker_id;
	if (eng_start_worker(e, w) < 0) {
		free(w);
		return NULL;
	}
	e->workers = xrealloc(e->workers,
			      (e->nworkers + 1) * sizeof *e->workers);
	e->workers[e->nworkers++] = w;
	return w;
}

void eng_remove_worker(pm_engine *e, worker *w)
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

bool eng_wants_workers(const pm_engine *e)
{
	if (e->state == PM_POOL_TERMINATED || e->init_broken)
		return false;
	if (e->state == PM_POOL_CLOSED)
		return e->counts.queued + e->counts.paused > 0;
	return true;
}

/* Workers whose restart was put off (their initializer failed) start
 * when their time comes. */
void eng_start_due_workers(pm_engine *e)
{
	for (size_t i = 0; i < e->nworkers; i++) {
		worker *w = e->workers[i];
		if (!w->restart_at || e->now < w->restart_at)
			continue;
		w->restart_at = 0;
		if (w->retiring || !eng_wants_workers(e) || eng_start_worker(e, w) < 0) {
			eng_remove_worker(e, w);
			i--;
		}
	}
}

/* Brings the pool up to its size (start-up, and after a failed fork). */
void eng_start_missing_workers(pm_engine *e)
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
	while (live < (size_t)e->target && eng_add_worker(e))
		live++;
}

/* Closed pools let idle workers go once nothing is left to do; shrinking
 * and recycling send their exits here too. */
void eng_send_exits(pm_engine *e)
{
	bool closing = e->state == PM_POOL_CLOSED && !eng_wants_workers(e);
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
			eng_send_down(w, DOWN_EXIT, "", 0);
			w->exit_sent = true;
		}
	}
}

/* A shared object found corrupted: every live worker or process whose
 * tasks looked it up may have written over it (the arena is writable by
 * all, so this is who could, not proof).  Workers among them are replaced
 * after their current task, as maxtasks does, so no task of theirs is
 * lost; their ids go to ids. */
size_t pm_engine_retire_writers(pm_engine *e, const char *name,
				char (*ids)[PM_ID_MAX], size_t max)
{
	int i;
	if (!pm_shared_find_entry(e->shared, name, &i) || i < 0 ||
	    i >= PM_SHARED_MAX)
		return 0;
	uint64_t bit = UINT64_C(1) << (i % 64);
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		worker **ws = pass ? e->procs : e->workers;
		size_t nw = pass ? e->nprocs : e->nworkers;
		for (size_t k = 0; k < nw; k++) {
			worker *w = ws[k];
			if (w->pid <= 0 || !w->shm ||
			    !(atomic_load_explicit(&w->shm->touched[i / 64],
						   memory_order_relaxed) & bit))
				continue;
			if (!pass && !w->retiring)
				w->recycling = true;
			if (n < max)
				worker_id_format(ids[n++], w);
		}
	}
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
	pm_value *copy = eng_args_checked(e, p, d, args, nargs, err, errlen);
	if (!copy)
		return -1;
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

int pm_engine_spawn(pm_engine *e, const char *name, const pm_value *args,
		    size_t nargs, const pm_spawn_opts *opts, uint64_t *proc_id,
		    uint64_t *task_id, char *err, size_t errlen)
{
	size_t p, d;
	if (pm_registry_find(&e->reg, name, &p, &d, err, errlen) < 0)
		return -1;
	pm_value *copy = eng_args_checked(e, p, d, args, nargs, err, errlen);
	if (!copy)
		return -1;
	worker *w = xcalloc(1, sizeof *w);
	w->is_process = true;
	w->id = e->nprocs + 1;
	w->daemon = opts && opts->daemon;
	w->name = opts && opts->name && *opts->name
			  ? xstrdup(opts->name)
			  : xasprintf("Process-%llu", (unsigned long long)w->id);
	task *t = eng_new_task(e, p, d, copy, nargs, false);
	t->in_process = true;
	t->chunksize = 1;
	emit_task(e, t);
	if (eng_start_worker(e, w) < 0) {
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
	eng_q_push_front(e, t->id);
	eng_dispatch_to(e, w);
	eng_send_down(w, DOWN_EXIT, "", 0);
	w->exit_sent = true;
	w->task_id = t->id;
	*proc_id = w->id;
	*task_id = t->id;
	return 0;
}
