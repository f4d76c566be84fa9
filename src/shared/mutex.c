/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The waiting every shared object is built on: deadlines, spinning, futex
 * sleeps in slices, the cached pid, robust process-shared mutexes (Lock
 * and RLock are these) and monitors (a mutex plus a futex word, for
 * Semaphore, Event and Barrier).  Why robust, and why in slices: see
 * internal.h. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
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

static void forget_pid(void)
{
	shm_pid = 0;
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

int shm_mutex_wait(shm_mutex *m, const dl *d)
{
	int rc = EBUSY;
	if (shm_may_spin())
		for (int i = 0; i < LOCK_SPIN && rc == EBUSY; i++) {
			shm_cpu_relax();
			rc = pthread_mutex_trylock(&m->mu);
		}
	if (rc == EBUSY) {
		atomic_fetch_add(&m->waiters, 1);
		rc = d->mode == DL_FOREVER
			     ? pthread_mutex_lock(&m->mu)
			     : pthread_mutex_clocklock(&m->mu, CLOCK_MONOTONIC,
						       &d->at);
		atomic_fetch_sub(&m->waiters, 1);
	}
	return rc;
}

void shm_mutex_recover(shm_mutex *m)
{
	pthread_mutex_consistent(&m->mu);
	atomic_store(&m->dead_pid, atomic_load(&m->holder));
	atomic_fetch_add(&m->deaths, 1);
}

int shm_mutex_lock(shm_mutex *m, const dl *d)
{
	int rc = pthread_mutex_trylock(&m->mu);
	if (rc == EBUSY && d->mode != DL_NOWAIT)
		rc = shm_mutex_wait(m, d);
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
	atomic_store(&m->holder, (int32_t)shm_my_pid());
	return out;
}

void shm_mutex_unlock(shm_mutex *m)
{
	atomic_store(&m->holder, 0);
	pthread_mutex_unlock(&m->mu);
}

bool shm_held_by_me(shm_mutex *m)
{
	return atomic_load(&m->holder) == (int32_t)shm_my_pid();
}

int shm_lock_acquire(shm_mutex *m, const dl *d)
{
	if (m->recursive && shm_held_by_me(m)) {
		m->depth++;
		return PM_SHM_OK;
	}
	int rc = shm_mutex_lock(m, d);
	if (rc == PM_SHM_OK || rc == PM_SHM_OWNER_DIED)
		m->depth = 1;
	return rc;
}

int shm_lock_release(shm_mutex *m)
{
	if (!shm_held_by_me(m))
		return PM_SHM_NOT_HELD;
	if (m->recursive && m->depth > 1) {
		m->depth--;
		return PM_SHM_OK;
	}
	m->depth = 0;
	shm_mutex_unlock(m);
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
