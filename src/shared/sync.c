/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition and Barrier:
 * their creation and their operations in the table (acquire, release,
 * wait, notify, set, clear, is_set).  Lock and RLock are robust mutexes
 * (a Condition holds an RLock, as in Python); the others are monitors
 * (mutex.c). */
#define _GNU_SOURCE
#include "internal.h"

#include <string.h>

#include "ring.h"
#include "util.h"

/* ---- creating ---------------------------------------------------------- */

int pm_shared_lock_new(pm_shared *s, const char *name, bool recursive,
		       char *err, size_t errlen)
{
	o_lock *l = shm_reserve(s, name, sizeof *l, sizeof *l, err, errlen);
	if (!l)
		return -1;
	shm_mutex_init(&l->m, recursive);
	return shm_publish(s, name, l, sizeof *l,
			   recursive ? PM_SK_RLOCK : PM_SK_LOCK);
}

int pm_shared_semaphore_new(pm_shared *s, const char *name, int64_t value,
			    bool bounded, char *err, size_t errlen)
{
	if (value < 0 || value > INT32_MAX)
		return pm_err(err, errlen,
			      "a semaphore's value must be 0..%d, got %lld",
			      INT32_MAX, (long long)value);
	o_sem *sem = shm_reserve(s, name, sizeof *sem, sizeof *sem, err,
				 errlen);
	if (!sem)
		return -1;
	shm_mon_init(&sem->mon);
	sem->value = value;
	sem->max = bounded ? value : 0;
	return shm_publish(s, name, sem, sizeof *sem,
			   bounded ? PM_SK_BOUNDED_SEMAPHORE : PM_SK_SEMAPHORE);
}

int pm_shared_event_new(pm_shared *s, const char *name, char *err,
			size_t errlen)
{
	o_event *ev = shm_reserve(s, name, sizeof *ev, sizeof *ev, err, errlen);
	if (!ev)
		return -1;
	shm_mon_init(&ev->mon);
	return shm_publish(s, name, ev, sizeof *ev, PM_SK_EVENT);
}

int pm_shared_condition_new(pm_shared *s, const char *name, char *err,
			    size_t errlen)
{
	o_cond *c = shm_reserve(s, name, sizeof *c, sizeof *c, err, errlen);
	if (!c)
		return -1;
	shm_hdr_init(&c->lock.h, PM_SK_RLOCK);
	shm_mutex_init(&c->lock.m, true);
	return shm_publish(s, name, c, sizeof *c, PM_SK_CONDITION);
}

int pm_shared_barrier_new(pm_shared *s, const char *name, unsigned parties,
			  char *err, size_t errlen)
{
	if (parties < 1 || parties > 1u << 20)
		return pm_err(err, errlen,
			      "a barrier needs 1..%u parties, got %u", 1u << 20,
			      parties);
	o_barrier *b = shm_reserve(s, name, sizeof *b, sizeof *b, err, errlen);
	if (!b)
		return -1;
	shm_mon_init(&b->mon);
	b->parties = parties;
	return shm_publish(s, name, b, sizeof *b, PM_SK_BARRIER);
}

/* ---- acquire and release ----------------------------------------------- */

static int sem_acquire(o_sem *sem, const dl *d)
{
	if (!shm_mon_enter(&sem->mon, d))
		return PM_SHM_TIMEOUT;
	int rc = PM_SHM_OK;
	while (sem->value == 0)
		if (shm_mon_wait(&sem->mon, d) == PM_SHM_TIMEOUT) {
			rc = PM_SHM_TIMEOUT;
			break;
		}
	if (rc == PM_SHM_OK)
		__atomic_store_n(&sem->value, sem->value - 1, __ATOMIC_RELAXED);
	shm_mon_leave(&sem->mon);
	return rc;
}

static int sem_release(o_sem *sem)
{
	shm_mon_enter(&sem->mon, &shm_forever);
	int rc = PM_SHM_OK;
	if (sem->max && sem->value >= sem->max) {
		rc = PM_SHM_TOO_MANY;
	} else {
		__atomic_store_n(&sem->value, sem->value + 1, __ATOMIC_RELAXED);
		shm_mon_notify(&sem->mon);
	}
	shm_mon_leave(&sem->mon);
	return rc;
}

/* The lock a Lock, an RLock or a Condition is acquired by; NULL for
 * other kinds. */
static o_lock *lock_of(void *obj, pm_shared_kind k)
{
	switch (k) {
	case PM_SK_LOCK:
	case PM_SK_RLOCK:
		return obj;
	case PM_SK_CONDITION:
		return &((o_cond *)obj)->lock;
	default:
		return NULL;
	}
}

static bool is_semaphore(pm_shared_kind k)
{
	return k == PM_SK_SEMAPHORE || k == PM_SK_BOUNDED_SEMAPHORE;
}

int shm_api_acquire(void *obj, double timeout)
{
	int bad = shm_refuse(obj);
	if (bad)
		return bad;
	dl d = shm_dl_make(timeout);
	pm_shared_kind k = pm_shared_kind_of(obj);
	o_lock *l = lock_of(obj, k);
	if (l)
		return shm_lock_acquire(l, &d);
	return is_semaphore(k) ? sem_acquire(obj, &d) : PM_SHM_TYPE;
}

int shm_api_release(void *obj)
{
	int bad = shm_refuse(obj);
	if (bad)
		return bad;
	pm_shared_kind k = pm_shared_kind_of(obj);
	o_lock *l = lock_of(obj, k);
	if (l)
		return shm_lock_release(l);
	return is_semaphore(k) ? sem_release(obj) : PM_SHM_TYPE;
}

/* ---- waiting ----------------------------------------------------------- */

static int event_wait(o_event *ev, const dl *d)
{
	if (__atomic_load_n(&ev->flag, __ATOMIC_ACQUIRE))
		return PM_SHM_OK;
	if (!shm_mon_enter(&ev->mon, d))
		return PM_SHM_TIMEOUT;
	int rc = PM_SHM_OK;
	while (!ev->flag)
		if (shm_mon_wait(&ev->mon, d) == PM_SHM_TIMEOUT) {
			rc = PM_SHM_TIMEOUT;
			break;
		}
	shm_mon_leave(&ev->mon);
	return rc;
}

static int cond_wait(o_cond *c, const dl *d)
{
	shm_mutex *m = &c->lock.m;
	if (!shm_held_by_me(m))
		return PM_SHM_NOT_HELD;
	uint32_t depth = m->depth;
	uint32_t seq = atomic_load(&c->seq);
	m->depth = 0;
	shm_lock_give(&c->lock);
	int rc = PM_SHM_OK;
	while (atomic_load(&c->seq) == seq) {
		if (shm_dl_passed(d)) {
			rc = PM_SHM_TIMEOUT;
			break;
		}
		shm_sleep_on(&c->seq, &c->sleepers, seq, d);
	}
	shm_lock_take(&c->lock, &shm_forever);
	m->depth = depth;
	return rc;
}

static int barrier_wait(o_barrier *b, const dl *d)
{
	shm_mon_enter(&b->mon, &shm_forever);
	if (b->broken) {
		shm_mon_leave(&b->mon);
		return PM_SHM_BROKEN;
	}
	uint32_t gen = b->gen;
	int rc = PM_SHM_OK;
	if (++b->count == b->parties) {
		b->count = 0;
		b->gen++;
		shm_mon_notify(&b->mon);
	} else {
		while (b->gen == gen && !b->broken) {
			if (shm_mon_wait(&b->mon, d) == PM_SHM_TIMEOUT) {
				/* As Python: the barrier is broken for all. */
				b->broken = 1;
				b->count--;
				shm_mon_notify(&b->mon);
				rc = PM_SHM_TIMEOUT;
				break;
			}
		}
		if (rc == PM_SHM_OK && b->gen == gen)
			rc = PM_SHM_BROKEN;
	}
	shm_mon_leave(&b->mon);
	return rc;
}

int shm_api_wait(void *obj, double timeout)
{
	int bad = shm_refuse(obj);
	if (bad)
		return bad;
	dl d = shm_dl_make(timeout);
	switch (pm_shared_kind_of(obj)) {
	case PM_SK_EVENT:
		return event_wait(obj, &d);
	case PM_SK_CONDITION:
		return cond_wait(obj, &d);
	case PM_SK_BARRIER:
		return barrier_wait(obj, &d);
	default:
		return PM_SHM_TYPE;
	}
}

int shm_api_notify(void *obj, int n)
{
	int bad = shm_check(obj, KIND(PM_SK_CONDITION));
	if (bad)
		return bad;
	o_cond *c = obj;
	if (!shm_held_by_me(&c->lock.m))
		return PM_SHM_NOT_HELD;
	atomic_fetch_add(&c->seq, 1);
	if (atomic_load(&c->sleepers))
		pm_futex(&c->seq, FUTEX_WAKE, n < 0 ? INT32_MAX : (uint32_t)n,
			 NULL);
	return PM_SHM_OK;
}

/* ---- Event's flag ------------------------------------------------------ */

static int event_change(void *obj, uint32_t flag)
{
	int bad = shm_check(obj, KIND(PM_SK_EVENT));
	if (bad)
		return bad;
	o_event *ev = obj;
	shm_mon_enter(&ev->mon, &shm_forever);
	__atomic_store_n(&ev->flag, flag, __ATOMIC_RELEASE);
	if (flag)
		shm_mon_notify(&ev->mon);
	shm_mon_leave(&ev->mon);
	return PM_SHM_OK;
}

int shm_api_event_set(void *obj)
{
	return event_change(obj, 1);
}

int shm_api_event_clear(void *obj)
{
	return event_change(obj, 0);
}

int shm_api_event_is_set(const void *obj)
{
	int bad = shm_check(obj, KIND(PM_SK_EVENT));
	if (bad)
		return -bad;
	return __atomic_load_n(&((const o_event *)obj)->flag,
			       __ATOMIC_ACQUIRE) != 0;
}
