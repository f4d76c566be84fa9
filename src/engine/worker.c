/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/engine/worker.c — the worker process: it waits on its down ring,
 * runs the tasks and chunks of numbers it is sent, and sends their results
 * up its result ring (or leaves numbers in their slots); the ctx a task
 * sees (cancelled, progress, log, fail, shared).  Runs only in the child;
 * nothing here touches the manager's records. */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

typedef struct worker_ctx {
	pm_ctx ctx;
	pm_ctx fresh; /* ctx as made: each task gets it anew (a task may
		       * write over the one it was given) */
	pm_engine *e;
	worker *w;
	uint64_t task;
	char task_id[PM_ID_MAX], worker_id[PM_ID_MAX];
	size_t task_id_len; /* strlen(task_id), kept as ids count on */
	char error[1024];
	double last_progress;
	double last_notify; /* when we last woke the manager */
	unsigned since_notify;
	bool last_in_chunk; /* the item running is the chunk's last */
	int64_t started_ns; /* when the task running began (pm_now, ns) */
	bool coarse_clock;  /* items of a map: the tick clock */
	const char *cur_name; /* ctx.task_name and task_data of what runs */
	void *cur_data;
} worker_ctx;

static worker_ctx *g_wctx; /* the one running task in this worker */

/* What a task forks (fork(), Python's os.fork: glibc runs these hooks).
 * The child dies with the thread that forked it (PDEATHSIG: its
 * grandchildren too, each fork sets it again), and never runs this loop:
 * when the task function returns in it, task_returned ends it.  The
 * worker notes that it forked, and kills what is left when the task ends
 * (end_children). */
static void ctx_log(pm_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static bool g_in_child;	   /* this process is a child a task forked */
static bool g_forked;	   /* the worker forked since its task began */

static void at_fork_parent(void)
{
	g_forked = true;
}

static void at_fork_child(void)
{
	g_in_child = true;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* The task function returned in a child it forked: that child ends here
 * (0, or 1 if the task failed), as if it had called _exit; its results
 * and the worker's loop are the worker's alone. */
static void task_returned(int rc)
{
	if (__builtin_expect(g_in_child, 0))
		_exit(rc == 0 ? 0 : 1);
}

/* The live children of this process (of each of its threads), up to max;
 * how many there are. */
static size_t list_children(pid_t *out, size_t max)
{
	size_t n = 0;
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		char path[64];
		snprintf(path, sizeof path, "/proc/self/task/%.20s/children",
			 de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		for (int pid; fscanf(f, "%d", &pid) == 1;)
			if (n < max)
				out[n++] = pid;
		fclose(f);
	}
	closedir(d);
	return n;
}

static bool exited(pid_t pid)
{
	siginfo_t si;
	si.si_pid = 0;
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
		       0 &&
	       si.si_pid == pid;
}

/* The task forked and has ended: its children still running are killed
 * (as multiprocessing kills a process's daemonic children when it exits),
 * said in the task's log; the ones that ended are reaped. */
static void end_children(worker_ctx *wc)
{
	if (!g_forked)
		return;
	g_forked = false;
	unsigned killed = 0;
	for (int round = 0; round < 8; round++) {
		pid_t pids[256];
		size_t n = list_children(pids, 256);
		if (n > 256)
			n = 256;
		if (!n)
			break;
		for (size_t i = 0; i < n; i++) {
			if (!exited(pids[i]) && kill(pids[i], SIGKILL) == 0)
				killed++;
			while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	if (killed)
		ctx_log(&wc->ctx, "killed %u child process%s left running",
			killed, killed == 1 ? "" : "es");
}

/* The decimal id in s (after its one-letter prefix, n bytes in all),
 * plus one; returns its new length. */
static size_t id_increment(char *s, size_t n)
{
	size_t k = n;
	while (k > 1 && s[k - 1] == '9')
		s[--k] = '0';
	if (k > 1) {
		s[k - 1]++;
		return n;
	}
	memmove(s + 2, s + 1, n); /* 9..9 + 1: one digit more */
	s[1] = '1';
	return n + 1;
}

void eng_check_parent(pm_engine *e)
{
	if (getppid() != e->manager_pid)
		_exit(0);
}

static void up_send(worker_ctx *wc, uint32_t type, const void *head,
		    size_t hlen, const pm_value *v)
{
	shm_worker *s = wc->w->shm;
	size_t vlen = v ? pm_value_encoded_size(v) : 0;
	size_t len = hlen + vlen;
	unsigned char *p;
	while (!(p = pm_ring_reserve(&s->up, len))) {
		if (len > PM_REC_MAX)
			return; /* callers check sizes; never happens */
		uint32_t seq = atomic_load(&s->up.cons_seq);
		atomic_store(&s->up.prod_waiting, 1);
		if ((p = pm_ring_reserve(&s->up, len))) {
			atomic_store(&s->up.prod_waiting, 0);
			break;
		}
		/* Full: the manager must read it now, not at its next look. */
		if (atomic_exchange(&wc->e->g->mgr_sleeping, 0)) {
			uint64_t one = 1;
			ssize_t r = write(wc->e->efd, &one, sizeof one);
			(void)r;
		}
		struct timespec ts = { 1, 0 };
		pm_futex(&s->up.cons_seq, FUTEX_WAIT, seq, &ts);
		eng_check_parent(wc->e);
	}
	memcpy(p, head, hlen);
	if (v)
		pm_value_encode(v, p + hlen, vlen);
	/* The manager never sleeps on this ring: publishing is one store. */
	pm_ring_commit_quiet(&s->up, type, len);
	/* Wake a sleeping manager only when it has to act now: this worker
	 * is about to run out of work, or a millisecond passed since the last
	 * wake-up.  Busy workers thus cost no system call per task; the
	 * manager looks at the rings every few ms while anyone is busy. */
	bool ends_chunk = wc->last_in_chunk &&
			  (type == UP_DONE || type == UP_FAILED ||
			   type == UP_SKIPPED || type == UP_MAP_END);
	if (!ends_chunk && ++wc->since_notify % 32)
		return; /* read the clock once per 32 records */
	double now = pm_now();
	if (!ends_chunk && now - wc->last_notify < 0.001)
		return;
	atomic_thread_fence(memory_order_seq_cst); /* the record, then the flag */
	if (atomic_exchange(&wc->e->g->mgr_sleeping, 0)) {
		uint64_t one = 1;
		ssize_t r = write(wc->e->efd, &one, sizeof one);
		(void)r;
		wc->last_notify = now;
	}
}

/* When the task running ended, as its result is sent (the clock its
 * start was read with). */
static int64_t ended_ns(const worker_ctx *wc)
{
	if (!wc->started_ns)
		return 0;
	return (int64_t)((wc->coarse_clock ? pm_now_coarse() : pm_now()) * 1e9);
}

static void up_send_text(worker_ctx *wc, uint32_t type, uint64_t id,
			 const char *text)
{
	pm_value v = pm_none();
	size_t len = strlen(text);
	if (len > 4096)
		len = 4096;
	v.type = PM_STR;
	v.u.s.ptr = (char *)text;
	v.u.s.len = len;
	if (type == UP_FAILED) {
		int64_t head[3] = { (int64_t)id, wc->started_ns,
				    ended_ns(wc) };
		up_send(wc, type, head, sizeof head, &v);
	} else {
		up_send(wc, type, &id, sizeof id, &v);
	}
}

static int ctx_cancelled(pm_ctx *ctx)
{
	worker_ctx *wc = (worker_ctx *)ctx;
	return atomic_load(&wc->w->shm->cancel) != 0;
}

static void ctx_progress(pm_ctx *ctx, double f)
{
	worker_ctx *wc = (worker_ctx *)ctx;
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	if (f - wc->last_progress < 0.01 && f < 1)
		return;
	wc->last_progress = f;
	unsigned char head[16];
	memcpy(head, &wc->task, 8);
	memcpy(head + 8, &f, 8);
	up_send(wc, UP_PROGRESS, head, sizeof head, NULL);
}

static void ctx_log(pm_ctx *ctx, const char *fmt, ...)
{
	worker_ctx *wc = (worker_ctx *)ctx;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	if (fmt)
		vsnprintf(line, sizeof line, fmt, ap);
	else
		snprintf(line, sizeof line, "(log with a NULL format)");
	va_end(ap);
	up_send_text(wc, UP_LOG, wc->task, line);
}

static int ctx_fail(pm_ctx *ctx, const char *fmt, ...)
{
	worker_ctx *wc = (worker_ctx *)ctx;
	va_list ap;
	va_start(ap, fmt);
	if (fmt)
		vsnprintf(wc->error, sizeof wc->error, fmt, ap);
	else
		snprintf(wc->error, sizeof wc->error,
			 "(fail with a NULL format)");
	va_end(ap);
	return -1;
}

static void *ctx_shared(pm_ctx *ctx, const char *name)
{
	worker_ctx *wc = (worker_ctx *)ctx;
	int i;
	void *obj = pm_shared_find_entry(wc->e->shared, name, &i);
	if (i >= 0 && i < PM_SHARED_MAX)
		atomic_fetch_or_explicit(&wc->w->shm->touched[i / 64],
					 UINT64_C(1) << (i % 64),
					 memory_order_relaxed);
	return obj;
}

/* A task's end, told through the ring: its result, or why it failed.  A
 * result that fails pm_value_check fails the task; its pointers cannot be
 * trusted, so it is neither encoded nor freed (*result becomes None: a
 * leak, in a plugin that is broken anyway). */
static void send_result(worker_ctx *wc, uint64_t id, int rc,
			pm_value *result)
{
	char why[200];
	if (!pm_value_check(result, why, sizeof why)) {
		*result = pm_none();
		if (rc == 0) {
			rc = -1;
			snprintf(wc->error, sizeof wc->error,
				 "invalid result from plugin: %s", why);
		}
	}
	if (rc == 0 && pm_value_encoded_size(result) + RESULT_HEAD > PM_REC_MAX) {
		rc = -1;
		snprintf(wc->error, sizeof wc->error,
			 "result too large (%zu bytes, limit %zu)",
			 pm_value_encoded_size(result),
			 (size_t)PM_REC_MAX - RESULT_HEAD);
	}
	if (rc == 0)
		up_send(wc, UP_DONE,
			(int64_t[3]){ (int64_t)id, wc->started_ns,
				      ended_ns(wc) },
			RESULT_HEAD, result);
	else
		up_send_text(wc, UP_FAILED, id,
			     wc->error[0] ? wc->error : "task failed");
}

/* The task about to run, in the worker's context. */
static void name_task(worker_ctx *wc, uint64_t id)
{
	/* Items of a chunk come one after the other: a chunk's first id is
	 * written out, the rest counted on (no printf per task). */
	if (wc->task && id == wc->task + 1) {
		wc->task_id_len = id_increment(wc->task_id, wc->task_id_len);
	} else {
		pm_id_format(wc->task_id, PM_ID_TASK, id);
		wc->task_id_len = strlen(wc->task_id);
	}
	wc->task = id;
	wc->error[0] = '\0';
	wc->last_progress = 0;
	wc->ctx = wc->fresh;
	wc->ctx.task_name = wc->cur_name;
	wc->ctx.task_data = wc->cur_data;
}

/* The task def of plugin p, task d (NULL if not loaded here), noted for
 * the ctx of the items that follow. */
static const struct pm_task_def *task_def(worker_ctx *wc, uint32_t p,
					  uint32_t d)
{
	const pm_registry *reg = &wc->e->reg;
	if (p >= reg->n || d >= reg->entries[p].ntasks)
		return NULL;
	wc->cur_name = reg->entries[p].full_names[d];
	wc->cur_data = pm_registry_task_data(reg, p, d);
	return &reg->entries[p].plugin->tasks[d];
}

/* The task about to run, on the worker's page and in its context. */
static void begin_task(worker_ctx *wc, uint64_t id)
{
	name_task(wc, id);
	/* No message for the start: the manager reads cur_task (the hot
	 * path sends one record per task, its result). */
	/* A map's items are many and short: the tick clock will do. */
	wc->started_ns = (int64_t)((wc->coarse_clock ? pm_now_coarse()
						     : pm_now()) * 1e9);
	atomic_store_explicit(&wc->w->shm->cur_started_ns, wc->started_ns,
			      memory_order_relaxed);
	atomic_store_explicit(&wc->w->shm->cur_task, id, memory_order_release);
}

static void run_one(worker_ctx *wc, const struct pm_task_def *def,
		    uint64_t id, const unsigned char *enc, size_t enclen)
{
	wc->started_ns = 0;
	/* Few arguments (the common case) are decoded on the stack. */
	pm_value few[8];
	pm_value args = pm_none();
	size_t nargs = 0;
	pm_value *argv = few;
	if (!pm_value_decode_items(enc, enclen, few, 8, &nargs)) {
		if (!pm_value_decode(enc, enclen, &args) ||
		    args.type != PM_LIST) {
			up_send_text(wc, UP_FAILED, id,
				     "corrupt task arguments");
			pm_value_free(&args);
			return;
		}
		argv = args.u.list.items;
		nargs = args.u.list.len;
	}
	begin_task(wc, id);
	pm_value result = pm_none();
	int rc = def->fn(&wc->ctx, argv, nargs, &result);
	task_returned(rc);
	end_children(wc);
	send_result(wc, id, rc, &result);
	atomic_store_explicit(&wc->w->shm->cur_task, 0, memory_order_release);
	pm_value_free(&result);
	if (argv == few)
		for (size_t i = 0; i < nargs; i++)
			pm_value_free(&few[i]);
	else
		pm_value_free(&args);
}

/* The worker takes the item in slot before it starts it: CLAIM_TAKEN if
 * it may run it, else what the manager said first (skip, or taken back). */
static int claim_slot(shm_worker *s, size_t slot)
{
	uint8_t want = CLAIM_OPEN;
	if (atomic_compare_exchange_strong_explicit(
		    &s->claim[slot], &want, CLAIM_TAKEN, memory_order_acq_rel,
		    memory_order_acquire))
		return CLAIM_TAKEN;
	return want;
}

/* An item the manager took back: nothing to say about it, but the manager
 * should look soon, this worker may be out of work now. */
static void revoked_passed(worker_ctx *wc)
{
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_exchange(&wc->e->g->mgr_sleeping, 0)) {
		uint64_t one = 1;
		ssize_t r = write(wc->e->efd, &one, sizeof one);
		(void)r;
	}
}

static void run_chunk(worker_ctx *wc, const unsigned char *p, size_t len)
{
	uint32_t hdr[5]; /* plugin, task, items, first slot, map */
	if (len < sizeof hdr)
		return;
	memcpy(hdr, p, sizeof hdr);
	/* A map's items, or single submits sent several at once (short
	 * ones, see dispatch_to): the tick clock will do. */
	wc->coarse_clock = hdr[4] != 0 || hdr[2] > 1;
	size_t off = sizeof hdr;
	const struct pm_task_def *def = task_def(wc, hdr[0], hdr[1]);
	for (uint32_t i = 0; i < hdr[2] && off + 12 <= len; i++) {
		uint64_t id;
		uint32_t enclen;
		memcpy(&id, p + off, 8);
		memcpy(&enclen, p + off + 8, 4);
		off += 12;
		if (enclen > len - off)
			break;
		wc->last_in_chunk = i + 1 == hdr[2];
		wc->started_ns = 0;
		int claim = claim_slot(wc->w->shm, (hdr[3] + i) % CHUNK_SLOTS);
		if (claim == CLAIM_REVOKED)
			revoked_passed(wc);
		else if (claim == CLAIM_SKIP)
			up_send(wc, UP_SKIPPED, &id, sizeof id, NULL);
		else if (!def)
			up_send_text(wc, UP_FAILED, id,
				     "task not loaded in this worker");
		else
			run_one(wc, def, id, p + off, enclen);
		off += enclen;
	}
}

/* A number's result left in its slot for the manager to count (one plain
 * store publishes it); false if it is not a number: then it goes through
 * the ring. */
static bool result_in_slot(shm_worker *s, size_t slot, const pm_value *r)
{
	if (r->type != PM_INT && r->type != PM_FLOAT && r->type != PM_NONE)
		return false;
	uint64_t bits = 0;
	if (r->type != PM_NONE)
		memcpy(&bits, &r->u.i, 8);
	s->out[slot] = bits;
	s->out_type[slot] = (uint8_t)r->type;
	atomic_store_explicit(&s->out_st[slot], SLOT_DONE,
			      memory_order_release);
	return true;
}

/* A chunk of numbers: no record per item unless it fails or returns
 * something other than a number; one record at the end, which wakes the
 * manager. */
static void run_map_chunk(worker_ctx *wc, const unsigned char *p, size_t len)
{
	map_chunk mc;
	if (len < sizeof mc)
		return;
	memcpy(&mc, p, sizeof mc);
	const struct pm_task_def *def = task_def(wc, mc.plugin, mc.def);
	shm_worker *s = wc->w->shm;
	wc->coarse_clock = true;
	wc->last_in_chunk = false;
	atomic_store_explicit(&s->cur_started_ns, 0, memory_order_relaxed);
	/* The chunk's times: two clock reads for all its items. */
	int64_t times[3] = { (int64_t)mc.first_id, (int64_t)(pm_now() * 1e9),
			     0 };
	for (uint32_t k = 0; k < mc.n; k++) {
		uint64_t id = mc.first_id + k;
		size_t slot = (mc.slot + k) % CHUNK_SLOTS;
		wc->started_ns = 0;
		int claim = claim_slot(s, slot);
		if (claim == CLAIM_REVOKED) {
			revoked_passed(wc);
			continue;
		}
		if (claim == CLAIM_SKIP) {
			up_send(wc, UP_SKIPPED, &id, sizeof id, NULL);
			continue;
		}
		if (!def) {
			up_send_text(wc, UP_FAILED, id,
				     "task not loaded in this worker");
			continue;
		}
		/* As begin_task, without a clock: a chunk of numbers holds
		 * many short items, and the manager notes when it sees one
		 * running. */
		name_task(wc, id);
		atomic_store_explicit(&s->cur_task, id, memory_order_release);
		pm_value arg, result = pm_none();
		memset(&arg, 0, sizeof arg);
		arg.type = (pm_type)mc.itype;
		if (arg.type != PM_NONE)
			memcpy(&arg.u.i, &s->in[slot], 8);
		int rc = def->fn(&wc->ctx, &arg, 1, &result);
		task_returned(rc);
		end_children(wc);
		if (rc == 0 && result_in_slot(s, slot, &result))
			continue;
		send_result(wc, id, rc, &result);
		pm_value_free(&result);
	}
	atomic_store_explicit(&s->cur_task, 0, memory_order_release);
	wc->last_in_chunk = true;
	times[2] = (int64_t)(pm_now() * 1e9);
	up_send(wc, UP_MAP_END, times, sizeof times, NULL);
}

static void wait_for_work(pm_engine *e, shm_worker *s, bool spin)
{
	/* Work often follows work at once (apply in a loop, the next chunk):
	 * a short spin then saves two context switches.  A worker that has
	 * not worked yet sleeps at once, leaving the CPU to the others. */
	double until = pm_now() + (spin ? SPIN_SECONDS : 0);
	for (unsigned k = 1; spin && pm_ring_empty(&s->down); k++) {
		cpu_relax();
		if (k % 64 == 0 && pm_now() >= until)
			break;
	}
	if (!pm_ring_empty(&s->down))
		return;
	uint32_t seq = atomic_load(&s->down.prod_seq);
	atomic_store(&s->down.cons_waiting, 1);
	if (!pm_ring_empty(&s->down)) {
		atomic_store(&s->down.cons_waiting, 0);
		return;
	}
	/* Wake at least once a second to notice a dead manager even if
	 * PDEATHSIG was missed. */
	struct timespec ts = { 1, 0 };
	pm_futex(&s->down.prod_seq, FUTEX_WAIT, seq, &ts);
	eng_check_parent(e);
}

__attribute__((noreturn)) void eng_worker_main(pm_engine *e, worker *w)
{
	worker_ctx wc;
	memset(&wc, 0, sizeof wc);
	wc.ctx.size = sizeof wc.ctx;
	wc.ctx.task_id = wc.task_id;
	wc.ctx.worker_id = wc.worker_id;
	wc.ctx.cancelled = ctx_cancelled;
	wc.ctx.progress = ctx_progress;
	wc.ctx.log = ctx_log;
	wc.ctx.fail = ctx_fail;
	wc.ctx.shared = ctx_shared;
	wc.ctx.shm = pm_shared_api();
	wc.fresh = wc.ctx;
	wc.e = e;
	wc.w = w;
	worker_id_format(wc.worker_id, w);
	g_wctx = &wc;
	pthread_atfork(NULL, at_fork_parent, at_fork_child);
	shm_worker *s = w->shm;
	if (e->init_task) {
		/* Pool(initializer=…): once, before any task. */
		const struct pm_task_def *def = task_def(
			&wc, (uint32_t)e->init_plugin, (uint32_t)e->init_def);
		pm_value result = pm_none();
		wc.ctx.task_id = "init";
		wc.ctx.task_name = wc.cur_name;
		wc.ctx.task_data = wc.cur_data;
		/* A crash or exit in there is the initializer's failure too. */
		atomic_store(&s->in_init, 1);
		int rc = def->fn(&wc.ctx, e->init_args, e->init_nargs, &result);
		task_returned(rc);
		end_children(&wc);
		if (pm_value_check(&result, NULL, 0)) /* else: as send_result */
			pm_value_free(&result);
		wc.ctx.task_id = wc.task_id;
		if (rc != 0) {
			up_send_text(&wc, UP_INIT_FAILED, 0,
				     wc.error[0] ? wc.error : "initializer failed");
			_exit(INIT_FAILED_STATUS);
		}
		atomic_store(&s->in_init, 0);
	}
	bool worked = false; /* since the last sleep */
	for (;;) {
		pm_rec_hdr h;
		const unsigned char *p = pm_ring_peek(&s->down, &h);
		if (!p) {
			wait_for_work(e, s, worked);
			worked = false;
			continue;
		}
		switch (h.type) {
		case DOWN_TASKS:
			run_chunk(&wc, p, h.len);
			worked = true;
			break;
		case DOWN_MAP:
			run_map_chunk(&wc, p, h.len);
			worked = true;
			break;
		case DOWN_LOAD: {
			/* The manager's open fd of the file it vetted, then
			 * its path (for messages): never loaded by path. */
			pm_plugin_ref ref;
			char err[2048];
			if (h.len < sizeof ref)
				break;
			memcpy(&ref, p, sizeof ref);
			size_t n = h.len - sizeof ref;
			char *path = xmalloc(n + 1);
			memcpy(path, p + sizeof ref, n);
			path[n] = '\0';
			/* A NAME:ARG load: ARG after the path's NUL. */
			size_t plen = strlen(path);
			const char *arg = plen < n ? path + plen + 1 : NULL;
			int rc = pm_registry_load_ref(&e->reg, &ref, path, arg,
						      err, sizeof err);
			free(path);
			if (rc < 0) {
				/* Its plugins would no longer be numbered as
				 * the manager's: said, then replaced by a
				 * worker forked with the manager's. */
				up_send_text(&wc, UP_LOG, 0, err);
				pm_ring_pop(&s->down, &h);
				_exit(0);
			}
			break;
		}
		case DOWN_EXIT:
			_exit(0);
		}
		pm_ring_pop(&s->down, &h);
	}
}
