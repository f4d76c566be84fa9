/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/engine.c — an engine's life: made (shared memory, the
 * eventfd, the loop's watches, one worker forked), plugins loaded (sent to
 * running workers), one poll (drain the rings, reap, deadlines, start,
 * let go, dispatch, evict, look for deadlocks) and the loop's hooks that run it; freed. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

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
	double d = eng_next_deadline(e);
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
	if (!eng_add_worker(e)) {
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

/* A pool worker or a process, killed and reaped first. */
static void free_worker(worker *w)
{
	eng_kill_and_reap(w);
	if (w->shm)
		munmap(w->shm, sizeof(shm_worker));
	free(w->name);
	free(w->sl);
	free(w);
}

void pm_engine_free(pm_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nworkers; i++)
		free_worker(e->workers[i]);
	free(e->workers);
	for (size_t i = 0; i < e->nprocs; i++)
		free_worker(e->procs[i]);
	free(e->procs);
	pm_values_free(e->init_args, e->init_nargs);
	free(e->init_error);
	free(e->found_name);
	eng_spans_free(e);
	for (size_t k = 0; k < e->nslabs; k++) {
		for (size_t j = 0; e->slabs[k] && j < TASK_SLAB; j++)
			eng_task_free(&e->slabs[k][j]);
		free(e->slabs[k]);
	}
	free(e->slabs);
	for (size_t k = 0; k < e->ngroups; k++)
		eng_group_free(e->groups[k]);
	free(e->groups);
	free(e->runs);
	free(e->view);
	free(e->q);
	for (size_t k = 0; k < e->nrun_mean; k++)
		free(e->run_mean[k]);
	free(e->run_mean);
	pm_loop_remove_fd(e->loop, e->efd);
	pm_loop_remove_hook(e->loop, e);
	close(e->efd);
	munmap(e->g, sizeof *e->g);
	eng_deadlocks_free(e);
	pm_shared_free(e->shared);
	pm_registry_free(&e->reg);
	free(e);
}

void pm_engine_set_listener(pm_engine *e, pm_event_fn fn, void *ud)
{
	e->listener = fn;
	e->ud = ud;
	e->listen_ranges = false;
}

void pm_engine_set_listener_ranges(pm_engine *e, bool ranges)
{
	e->listen_ranges = ranges;
}

void pm_engine_set_item_events(pm_engine *e, bool on)
{
	e->items_quiet = !on;
}

int pm_engine_load(pm_engine *e, const char *spec, char *err, size_t errlen)
{
	if (pm_registry_load(&e->reg, spec, err, errlen) < 0)
		return -1;
	const pm_plugin_entry *pe = &e->reg.entries[e->reg.n - 1];
	/* Running workers load the manager's open fd of what it vetted;
	 * those forked later have the plugin loaded already. */
	pm_plugin_ref ref = pm_registry_ref(&e->reg, e->reg.n - 1);
	/* Then its path, and for a NAME:ARG load a NUL and the ARG for their
	 * open: the plugin's reopen text if it gave one that fits. */
	const char *arg = pe->reopen && strlen(pe->reopen) < PM_REC_MAX / 2
				  ? pe->reopen
				  : pe->arg;
	size_t plen = strlen(pe->path);
	size_t alen = arg ? 1 + strlen(arg) : 0;
	unsigned char *msg = xmalloc(sizeof ref + plen + alen);
	memcpy(msg, &ref, sizeof ref);
	memcpy(msg + sizeof ref, pe->path, plen);
	if (arg) {
		msg[sizeof ref + plen] = '\0';
		memcpy(msg + sizeof ref + plen + 1, arg, alen - 1);
	}
	for (size_t i = 0; i < e->nworkers; i++)
		if (e->workers[i]->pid > 0)
			eng_send_down(e->workers[i], DOWN_LOAD, msg,
				      sizeof ref + plen + alen);
	free(msg);
	pm_event ev = { 0 };
	ev.kind = PM_EV_PLUGIN;
	ev.task = pe->plugin->name;
	ev.error = pe->path;
	emit(e, &ev);
	return 0;
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
		eng_drain_worker(e, e->workers[i]);
		eng_continue_if_moot(e, e->workers[i]);
	}
	for (size_t i = 0; i < e->nprocs; i++) {
		eng_drain_worker(e, e->procs[i]);
		eng_continue_if_moot(e, e->procs[i]);
	}
	if (e->sigchld) {
		e->sigchld = false;
		eng_reap(e);
	}
	eng_check_deadlines(e, e->now);
	eng_start_due_workers(e);
	eng_start_missing_workers(e);
	eng_send_exits(e);
	eng_dispatch(e);
	eng_evict_old(e);
	eng_check_deadlocks(e);
	e->in_poll = false;
}
