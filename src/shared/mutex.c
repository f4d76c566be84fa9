/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The waiting every shared object is built on: deadlines, spinning, futex
 * sleeps in slices, the cached pid and id tag, robust process-shared
 * mutexes (Lock and RLock are these, with their holder's tag and who waits
 * for them) and monitors (a mutex plus a futex word, for
 * Semaphore, Event and Barrier).  Why robust, and why in slices: see
 * internal.h. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "ring.h"

/* ---- time -------------------------------------------------------------- */

const dl shm_forever = { DL_FOREVER, { 0, 0 } };

dl shm_dl_until(double timeout)
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

long long shm_dl_left(const dl *d)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(d->at.tv_sec - now.tv_sec) * 1000000000LL +
	       (d->at.tv_nsec - now.tv_nsec);
}

bool shm_dl_passed(const dl *d)
{
	return d->mode == DL_NOWAIT ||
	       (d->mode == DL_UNTIL && shm_dl_left(d) <= 0);
}

bool shm_dl_slice(const dl *d, struct timespec *rel)
{
	*rel = (struct timespec){ 0, SLICE_NS };
	if (d->mode != DL_UNTIL)
		return true;
	long long left = shm_dl_left(d);
	if (left <= 0)
		return false;
	if (left < SLICE_NS)
		rel->tv_nsec = (long)left;
	return true;
}

/* ---- spinning and sleeping --------------------------------------------- */

static bool g_spin_checked, g_spin;

bool shm_may_spin(void)
{
	if (!g_spin_checked) {
		g_spin = sysconf(_SC_NPROCESSORS_ONLN) > 1;
		g_spin_checked = true;
	}
	return g_spin;
}

void shm_sleep_on(_Atomic uint32_t *word, _Atomic uint32_t *sleepers,
		  uint32_t seq, const dl *d)
{
	if (shm_may_spin())
		for (int i = 0; i < SPIN; i++) {
			if (atomic_load_explicit(word, memory_order_acquire) !=
			    seq)
				return;
			shm_cpu_relax();
		}
	struct timespec rel;
	if (!shm_dl_slice(d, &rel))
		return;
	atomic_fetch_add(sleepers, 1);
	pm_futex(word, FUTEX_WAIT, seq, &rel);
	atomic_fetch_sub(sleepers, 1);
}

/* ---- the pid ----------------------------------------------------------- */

pid_t shm_pid;
uint32_t shm_tag;

static void forget_pid(void)
{
	shm_pid = 0;
	shm_tag = 0;
}

void pm_shared_set_self(char kind, uint64_t n)
{
	shm_tag = (kind == 'w' || kind == 'p') && n && n <= 0xffffff
			  ? (uint32_t)(unsigned char)kind << 24 | (uint32_t)n
			  : 0;
}

void shm_tag_name(uint32_t tag, pid_t pid, char *buf, size_t len)
{
	char k = (char)(tag >> 24);
	uint32_t n = tag & 0xffffff;
	if (tag == TAG_MANAGER)
		snprintf(buf, len, "poolmon");
	else if ((k == 'w' || k == 'p') && n)
		snprintf(buf, len, "%c%u", k, n);
	else if (pid > 0)
		snprintf(buf, len, "pid %d", (int)pid);
	else
		snprintf(buf, len, "?");
}

void shm_pid_atfork(void)
{
	static bool atfork_done;
	if (!atfork_done) {
		pthread_atfork(NULL, NULL, forget_pid);
		atfork_done = true;
	}
}

/* ---- robust mutexes ---------------------------------------------------- */

void shm_mutex_init(shm_mutex *m, bool recursive)
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

static int mutex_spin(shm_mutex *m)
{
	int rc = EBUSY;
	if (shm_may_spin())
		for (int i = 0; i < LOCK_SPIN && rc == EBUSY; i++) {
			shm_cpu_relax();
			rc = pthread_mutex_trylock(&m->mu);
		}
	return rc;
}

static int mutex_block(shm_mutex *m, const dl *d)
{
	atomic_fetch_add(&m->waiters, 1);
	int rc = d->mode == DL_FOREVER
			 ? pthread_mutex_lock(&m->mu)
			 : pthread_mutex_clocklock(&m->mu, CLOCK_MONOTONIC, &d->at);
	atomic_fetch_sub(&m->waiters, 1);
	return rc;
}

int shm_mutex_wait(shm_mutex *m, const dl *d)
{
	int rc = mutex_spin(m);
	return rc == EBUSY ? mutex_block(m, d) : rc;
}

void shm_mutex_recover(shm_mutex *m)
{
	pthread_mutex_consistent(&m->mu);
	atomic_store(&m->dead_pid, atomic_load(&m->holder));
	atomic_fetch_add(&m->deaths, 1);
}

int shm_mutex_settle(shm_mutex *m, int rc, const dl *d)
{
	int out = PM_SHM_OK;
	switch (rc) {
	case 0:
		break;
	case EOWNERDEAD:
		/* The holder died: the state it guarded is ours to trust. */
		shm_mutex_recover(m);
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
	atomic_store(&m->thread, (uintptr_t)pthread_self());
	atomic_store(&m->holder, (int32_t)shm_my_pid());
	return out;
}

int shm_mutex_lock(shm_mutex *m, const dl *d)
{
	int rc = pthread_mutex_trylock(&m->mu);
	if (rc == EBUSY && d->mode != DL_NOWAIT)
		rc = shm_mutex_wait(m, d);
	return shm_mutex_settle(m, rc, d);
}

void shm_mutex_unlock(shm_mutex *m)
{
	atomic_store(&m->holder, 0);
	atomic_store(&m->thread, 0);
	pthread_mutex_unlock(&m->mu);
}

/* By this thread: another thread of the process waits for it (RLock) and
 * may not release it. */
bool shm_held_by_me(shm_mutex *m)
{
	return atomic_load(&m->holder) == (int32_t)shm_my_pid() &&
	       atomic_load(&m->thread) == (uintptr_t)pthread_self();
}

/* ---- locks: holders' tags and waiters ---------------------------------- */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool claim_slot(lock_waiter *w, int32_t expect, int32_t me)
{
	if (!atomic_compare_exchange_strong(&w->pid, &expect, me))
		return false;
	atomic_store(&w->tag, shm_tag);
	atomic_store(&w->since, mono_ns());
	return true;
}

/* A waiter slot for this process: a free one, else one of a process that
 * no longer exists; -1 if all are taken (the wait is then not shown). */
static int waiter_add(o_lock *l)
{
	int32_t me = (int32_t)shm_my_pid();
	for (int i = 0; i < LOCK_WAITERS; i++)
		if (claim_slot(&l->w[i], 0, me))
			return i;
	for (int i = 0; i < LOCK_WAITERS; i++) {
		int32_t p = atomic_load(&l->w[i].pid);
		if (p > 0 && kill(p, 0) < 0 && errno == ESRCH &&
		    claim_slot(&l->w[i], p, me))
			return i;
	}
	return -1;
}

static void waiter_drop(o_lock *l, int i)
{
	if (i >= 0)
		atomic_store(&l->w[i].pid, 0);
}

int shm_lock_take(o_lock *l, const dl *d)
{
	shm_mutex *m = &l->m;
	int rc = pthread_mutex_trylock(&m->mu);
	if (rc == EBUSY && d->mode != DL_NOWAIT)
		rc = mutex_spin(m);
	if (rc == EBUSY && d->mode != DL_NOWAIT) {
		/* Only a wait that sleeps is shown: a spin is over at once. */
		int slot = waiter_add(l);
		rc = mutex_block(m, d);
		waiter_drop(l, slot);
	}
	uint32_t prev = atomic_load(&l->holder_tag);
	rc = shm_mutex_settle(m, rc, d);
	if (rc == PM_SHM_OWNER_DIED)
		atomic_store(&l->dead_tag, prev);
	if (rc == PM_SHM_OK || rc == PM_SHM_OWNER_DIED)
		atomic_store(&l->holder_tag, shm_tag);
	return rc;
}

void shm_lock_give(o_lock *l)
{
	atomic_store(&l->holder_tag, 0);
	shm_mutex_unlock(&l->m);
}

int shm_lock_acquire(o_lock *l, const dl *d)
{
	shm_mutex *m = &l->m;
	if (m->recursive && shm_held_by_me(m)) {
		m->depth++;
		return PM_SHM_OK;
	}
	int rc = shm_lock_take(l, d);
	if (rc == PM_SHM_OK || rc == PM_SHM_OWNER_DIED)
		m->depth = 1;
	return rc;
}

int shm_lock_release(o_lock *l)
{
	shm_mutex *m = &l->m;
	if (!shm_held_by_me(m))
		return PM_SHM_NOT_HELD;
	if (m->recursive && m->depth > 1) {
		m->depth--;
		return PM_SHM_OK;
	}
	m->depth = 0;
	shm_lock_give(l);
	return PM_SHM_OK;
}

/* ---- monitors ---------------------------------------------------------- */

void shm_mon_init(shm_mon *mo)
{
	shm_mutex_init(&mo->m, false);
}

bool shm_mon_enter(shm_mon *mo, const dl *d)
{
	int rc = shm_mutex_lock(&mo->m, d);
	return rc == PM_SHM_OK || rc == PM_SHM_OWNER_DIED;
}

void shm_mon_leave(shm_mon *mo)
{
	shm_mutex_unlock(&mo->m);
}

void shm_mon_notify(shm_mon *mo)
{
	atomic_fetch_add(&mo->seq, 1);
	if (atomic_load(&mo->sleepers))
		pm_futex_wake(&mo->seq);
}

int shm_mon_wait(shm_mon *mo, const dl *d)
{
	if (shm_dl_passed(d))
		return PM_SHM_TIMEOUT;
	uint32_t seq = atomic_load(&mo->seq);
	shm_mon_leave(mo);
	shm_sleep_on(&mo->seq, &mo->sleepers, seq, d);
	shm_mon_enter(mo, &shm_forever);
	return PM_SHM_OK;
}
