/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Looking at the objects (status, show, the TUI's shared-objects panel):
 * the count, the i-th handle, and one object's figures and one-line text
 * in a pm_shared_info.  Read without taking any lock: the manager must
 * never wait on a task. */
#define _GNU_SOURCE
#include "internal.h"

#include <stdio.h>
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

static void mutex_info(shm_mutex *m, pm_shared_info *out)
{
	out->holder_pid = atomic_load(&m->holder);
	out->locked = out->holder_pid != 0;
	out->dead_pid = atomic_load(&m->dead_pid);
	out->owner_died = atomic_load(&m->deaths) != 0;
	out->waiters = atomic_load(&m->waiters);
}

static void lock_text(pm_shared_info *out)
{
	int n = out->locked ? snprintf(out->text, sizeof out->text,
				       "held by pid %d", (int)out->holder_pid)
			    : snprintf(out->text, sizeof out->text, "free");
	if (out->waiters && n > 0 && (size_t)n < sizeof out->text)
		n += snprintf(out->text + n, sizeof out->text - (size_t)n,
			      ", %u waiting", out->waiters);
	if (out->owner_died && n > 0 && (size_t)n < sizeof out->text)
		snprintf(out->text + n, sizeof out->text - (size_t)n,
			 " (owner died: pid %d)", (int)out->dead_pid);
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
			mutex_info(&a->lock.m, out);
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
		mutex_info(&((o_lock *)obj)->m, out);
		break;
	case PM_SK_CONDITION: {
		o_cond *c = obj;
		mutex_info(&c->lock.m, out);
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
