/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Looking at the objects (status, show, the TUI's shared-objects panel):
 * the count, the i-th handle, and one object's figures and one-line text
 * in a pm_shared_info (a lock's holder, its waiters and how long each has
 * waited, by poolmon id); the engine's deadlock mark.  Read without taking
 * any lock: the manager must never wait on a task. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "value.h"

size_t pm_shared_count(const pm_shared *s)
{
	return s ? s->n : 0;
}

void *pm_shared_at(const pm_shared *s, size_t i)
{
	if (i >= pm_shared_count(s))
		return NULL;
	return (char *)s->a + s->rec[i].off;
}

static bool pid_gone(pid_t p)
{
	return kill(p, 0) < 0 && errno == ESRCH;
}

static double seconds_since(uint64_t since)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return since && since < now ? (double)(now - since) / 1e9 : 0.0;
}

static int longest_first(const void *a, const void *b)
{
	double x = ((const pm_shared_waiter *)a)->waited;
	double y = ((const pm_shared_waiter *)b)->waited;
	return (x < y) - (x > y);
}

/* Who holds l and who waits for it.  Anything read here may have been
 * written by a task: pids are checked with kill(0), tags are formatted
 * only if they name an id, a slot that changed while read is skipped. */
static void mutex_info(o_lock *l, pm_shared_info *out)
{
	shm_mutex *m = &l->m;
	out->holder_pid = atomic_load(&m->holder);
	out->locked = out->holder_pid != 0;
	if (out->locked) {
		shm_tag_name(atomic_load(&l->holder_tag), out->holder_pid,
			     out->holder_id, sizeof out->holder_id);
		out->holder_dead = out->holder_pid > 0 && pid_gone(out->holder_pid);
	}
	out->dead_pid = atomic_load(&m->dead_pid);
	out->owner_died = atomic_load(&m->deaths) != 0;
	if (out->owner_died)
		shm_tag_name(atomic_load(&l->dead_tag), out->dead_pid,
			     out->dead_id, sizeof out->dead_id);
	out->nwaiting = 0;
	for (int i = 0; i < LOCK_WAITERS && out->nwaiting < PM_SHARED_WAITERS;
	     i++) {
		lock_waiter *w = &l->w[i];
		pid_t p = atomic_load(&w->pid);
		uint32_t tag = atomic_load(&w->tag);
		uint64_t since = atomic_load(&w->since);
		if (p <= 0 || atomic_load(&w->pid) != p || pid_gone(p))
			continue;
		pm_shared_waiter *o = &out->waiting[out->nwaiting++];
		o->pid = p;
		shm_tag_name(tag, p, o->id, sizeof o->id);
		o->waited = seconds_since(since);
	}
	qsort(out->waiting, out->nwaiting, sizeof *out->waiting, longest_first);
	/* The count of those blocked in the kernel stays up for a waiter
	 * killed -9: trust the slots unless they are all taken. */
	uint32_t blocked = atomic_load(&m->waiters);
	out->waiters = out->nwaiting < LOCK_WAITERS || blocked < out->nwaiting
			       ? out->nwaiting
			       : blocked;
}

static void lock_text(pm_shared_info *out)
{
	pm_buf b = { 0 };
	if (!out->locked)
		pm_buf_puts(&b, "free");
	else if (out->holder_dead)
		pm_buf_printf(&b, "held by %s, which died holding it",
			      out->holder_id);
	else
		pm_buf_printf(&b, "held by %s", out->holder_id);
	if (out->nwaiting) {
		pm_buf_puts(&b, "; waiting:");
		for (unsigned i = 0; i < out->nwaiting; i++)
			pm_buf_printf(&b, "%s %s %.1fs", i ? "," : "",
				      out->waiting[i].id,
				      out->waiting[i].waited);
	}
	/* Beyond the slots, or a Condition's waiters for a notify. */
	if (out->waiters > out->nwaiting)
		pm_buf_printf(&b, out->nwaiting ? ", %u more" : ", %u waiting",
			      out->waiters - out->nwaiting);
	if (out->owner_died)
		pm_buf_printf(&b, " (owner died: %s)", out->dead_id);
	if (out->deadlock)
		pm_buf_puts(&b, " DEADLOCK");
	snprintf(out->text, sizeof out->text, "%s", b.s);
	pm_buf_free(&b);
}

/* The lock inside the object of record r, NULL if none (what the
 * manager's own record says). */
static o_lock *lock_in(void *obj, const obj_rec *r)
{
	switch (r->kind) {
	case PM_SK_VALUE:
	case PM_SK_ARRAY:
		return r->has_lock ? &((o_array *)obj)->lock : NULL;
	case PM_SK_LOCK:
	case PM_SK_RLOCK:
		return obj;
	case PM_SK_CONDITION:
		return &((o_cond *)obj)->lock;
	default:
		return NULL;
	}
}

bool pm_shared_lock_info(const pm_shared *s, size_t i, pm_shared_info *out)
{
	void *obj = pm_shared_at(s, i);
	if (!obj || pm_shared_corrupt(s, i, NULL))
		return false;
	o_lock *l = lock_in(obj, &s->rec[i]);
	if (!l)
		return false;
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", s->rec[i].name);
	out->kind = s->rec[i].kind;
	out->kind_name = pm_shared_kind_name(out->kind);
	out->has_lock = true;
	mutex_info(l, out);
	out->deadlock = s->rec[i].deadlock;
	return true;
}

void pm_shared_mark_deadlock(pm_shared *s, size_t i, bool on)
{
	if (i < pm_shared_count(s))
		s->rec[i].deadlock = on;
}

static void queue_info(o_queue *q, pm_shared_info *out)
{
	out->qsize = shm_queue_count(q);
	out->maxsize = (size_t)q->maxsize;
	out->unfinished = shm_queue_unfinished(q);
	out->closed = atomic_load(&q->closed) != 0;
	out->waiters += shm_queue_sleepers(q);
}

bool pm_shared_get_info(const pm_shared *s, size_t i, pm_shared_info *out)
{
	void *obj = pm_shared_at(s, i);
	if (!obj)
		return false;
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", s->rec[i].name);
	out->kind = s->rec[i].kind;
	out->kind_name = pm_shared_kind_name(out->kind);
	const char *why;
	if (pm_shared_corrupt(s, i, &why)) {
		/* Nothing more is read from it: what the record says. */
		const obj_rec *r = &s->rec[i];
		out->corrupt = true;
		out->code = r->code;
		out->len = (size_t)r->len;
		out->has_lock = r->has_lock != 0;
		out->maxsize = (size_t)(r->maxsize ? r->maxsize : (uint64_t)r->max);
		out->parties = r->parties;
		snprintf(out->text, sizeof out->text, "corrupted: %s", why);
		return true;
	}
	pm_buf b = { 0 };
	switch (out->kind) {
	case PM_SK_VALUE:
	case PM_SK_ARRAY: {
		o_array *a = obj;
		out->code = a->code;
		out->len = (size_t)a->len;
		out->has_lock = a->has_lock;
		if (a->has_lock)
			mutex_info(&a->lock, out);
		/* Only the elements the one-line text can hold: 64 items
		 * format to more than sizeof text, so the cut below is the
		 * same, and a million-element array costs the TUI's frame
		 * (and status) nothing. */
		enum { INFO_ITEMS = 64 };
		pm_value v;
		if (a->h.kind == PM_SK_ARRAY && a->len > INFO_ITEMS) {
			pm_value *items = xcalloc(INFO_ITEMS, sizeof *items);
			for (size_t k = 0; k < INFO_ITEMS; k++)
				items[k] = shm_elem_load(
					a->code, a->data + k * a->elsize);
			v = pm_list_take(items, INFO_ITEMS);
		} else {
			pm_shared_values(obj, &v);
		}
		pm_value_format(&b, &v);
		pm_value_free(&v);
		_Static_assert(INFO_ITEMS * 3 > sizeof out->text,
			       "INFO_ITEMS items overflow the text");
		break;
	}
	case PM_SK_QUEUE:
	case PM_SK_JOINABLE_QUEUE:
	case PM_SK_SIMPLE_QUEUE:
		queue_info(obj, out);
		if (out->maxsize)
			pm_buf_printf(&b, "%zu/%zu items", out->qsize,
				      out->maxsize);
		else
			pm_buf_printf(&b, "%zu items", out->qsize);
		if (out->kind == PM_SK_JOINABLE_QUEUE)
			pm_buf_printf(&b, ", %zu unfinished", out->unfinished);
		if (out->closed)
			pm_buf_puts(&b, ", closed");
		break;
	case PM_SK_LOCK:
	case PM_SK_RLOCK:
		mutex_info(obj, out);
		break;
	case PM_SK_CONDITION: {
		o_cond *c = obj;
		mutex_info(&c->lock, out);
		out->waiters += atomic_load(&c->sleepers);
		break;
	}
	case PM_SK_SEMAPHORE:
	case PM_SK_BOUNDED_SEMAPHORE: {
		o_sem *sem = obj;
		out->count = __atomic_load_n(&sem->value, __ATOMIC_RELAXED);
		out->maxsize = (size_t)sem->max;
		out->waiters = atomic_load(&sem->mon.sleepers);
		pm_buf_printf(&b, "value %lld", (long long)out->count);
		if (sem->max)
			pm_buf_printf(&b, "/%lld", (long long)sem->max);
		if (out->waiters)
			pm_buf_printf(&b, ", %u waiting", out->waiters);
		break;
	}
	case PM_SK_EVENT: {
		o_event *ev = obj;
		out->is_set = __atomic_load_n(&ev->flag, __ATOMIC_RELAXED) != 0;
		out->waiters = atomic_load(&ev->mon.sleepers);
		pm_buf_puts(&b, out->is_set ? "set" : "clear");
		if (out->waiters)
			pm_buf_printf(&b, ", %u waiting", out->waiters);
		break;
	}
	case PM_SK_BARRIER: {
		o_barrier *br = obj;
		out->parties = br->parties;
		out->count = __atomic_load_n(&br->count, __ATOMIC_RELAXED);
		out->broken = __atomic_load_n(&br->broken, __ATOMIC_RELAXED) != 0;
		out->waiters = (unsigned)out->count;
		pm_buf_printf(&b, "%lld/%u waiting%s", (long long)out->count,
			      out->parties, out->broken ? ", broken" : "");
		break;
	}
	case PM_SK_PIPE: {
		o_pipe *p = obj;
		pm_shared_info a = { 0 }, c = { 0 };
		queue_info(pipe_channel(p, 0), &a);
		queue_info(pipe_channel(p, 1), &c);
		out->qsize = a.qsize + c.qsize;
		out->waiters = a.waiters + c.waiters;
		pm_buf_printf(&b, "%s, %zu for end 0, %zu for end 1",
			      p->duplex ? "duplex" : "one-way", a.qsize,
			      c.qsize);
		break;
	}
	default:
		break;
	}
	out->deadlock = s->rec[i].deadlock;
	if (out->kind == PM_SK_LOCK || out->kind == PM_SK_RLOCK ||
	    out->kind == PM_SK_CONDITION) {
		lock_text(out);
	} else if (b.s) {
		if (b.len >= sizeof out->text) {
			/* Cut at a character boundary, mark the cut. */
			size_t cut = sizeof out->text - 5;
			while (cut && ((unsigned char)b.s[cut] & 0xc0) == 0x80)
				cut--;
			memcpy(out->text, b.s, cut);
			strcpy(out->text + cut, "…");
		} else {
			memcpy(out->text, b.s, b.len + 1);
		}
	}
	pm_buf_free(&b);
	return true;
}
