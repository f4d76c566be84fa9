/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Queue, JoinableQueue and SimpleQueue, and Pipe (two one-way channels
 * that are queues without a limit): their creation, the two-lock ring and
 * its wait lines (see o_queue in internal.h), and their operations in the
 * table (put, get, qsize, empty, full, close, task_done, join; a pipe's
 * ends, send, recv, poll).  This is the hot path of bench/bench_queue.c:
 * a put or a get takes one uncontended lock and makes no system call. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"
#include "util.h"
#include "value.h"

#define SMALL_ITEM 256

/* ---- queues ------------------------------------------------------------ */

static void queue_init(o_queue *q, pm_shared_kind kind, size_t maxsize,
		       size_t bytes)
{
	memset(q, 0, sizeof *q);
	shm_mutex_init(&q->plock, false);
	shm_mutex_init(&q->clock, false);
	q->maxsize = maxsize;
	q->cap = bytes;
	shm_hdr_init(&q->h, kind);
}

int pm_shared_queue_new(pm_shared *s, const char *name, pm_shared_kind kind,
			size_t maxsize, size_t bytes, char *err,
			size_t errlen)
{
	if (kind != PM_SK_QUEUE && kind != PM_SK_JOINABLE_QUEUE &&
	    kind != PM_SK_SIMPLE_QUEUE)
		return pm_err(err, errlen, "not a kind of queue");
	if (maxsize > (1u << 24))
		return pm_err(err, errlen, "maxsize too large: %zu (at most %u)",
			      maxsize, 1u << 24);
	if (!bytes)
		bytes = PM_SHARED_QUEUE_BYTES;
	if (bytes < 64 || bytes > PM_SHARED_ARENA / 2)
		return pm_err(err, errlen, "bad queue buffer size %zu", bytes);
	o_queue *q = shm_reserve(s, name, sizeof *q + bytes, 0, err, errlen);
	if (!q)
		return -1;
	queue_init(q, kind, kind == PM_SK_SIMPLE_QUEUE ? 0 : maxsize, bytes);
	return shm_publish(s, name, q, sizeof *q + bytes, kind);
}

/* Bytes in use between them: the offsets alone cannot tell full from
 * empty, the counts can (a record is at least 5 bytes). */
static inline uint64_t w_used(const o_queue *q, uint64_t cw, uint64_t pw)
{
	if (w_items(pw) == w_items(cw))
		return 0;
	uint64_t p = w_off(pw), c = w_off(cw);
	return p > c ? p - c : p + q->cap - c;
}

static bool q_has_room(const o_queue *q, uint64_t cw, uint64_t pw,
		       size_t need)
{
	if (q->maxsize && w_count(cw, pw) >= q->maxsize)
		return false;
	return q->cap - w_used(q, cw, pw) >= need;
}

static uint64_t ring_put(o_queue *q, uint64_t off, const void *src, size_t n)
{
	size_t first = n < q->cap - off ? n : (size_t)(q->cap - off);
	memcpy(q->buf + off, src, first);
	memcpy(q->buf, (const char *)src + first, n - first);
	off += n;
	return off >= q->cap ? off - q->cap : off;
}

static uint64_t ring_get(o_queue *q, uint64_t off, void *dst, size_t n)
{
	size_t first = n < q->cap - off ? n : (size_t)(q->cap - off);
	memcpy(dst, q->buf + off, first);
	memcpy((char *)dst + first, q->buf, n - first);
	off += n;
	return off >= q->cap ? off - q->cap : off;
}

/* A side's lock.  Nobody blocks while holding one (waiting happens outside),
 * so even a put/get that must not wait may wait for one, a little (at most
 * 20 ms, for a holder that lost its CPU): nowait must not say Empty or Full
 * just because another process is in the middle of a get or put. */
static bool side_lock(shm_mutex *m, const dl *d)
{
	int rc = pthread_mutex_trylock(&m->mu);
	if (rc == EBUSY) {
		dl nowait_cap;
		if (d->mode == DL_NOWAIT) {
			nowait_cap = shm_dl_make(0.02);
			d = &nowait_cap;
		}
		rc = shm_mutex_wait(m, d);
	}
	if (rc == EOWNERDEAD) {
		/* Killed inside put/get: its word was not published, so
		 * the queue is as it was before that call. */
		shm_mutex_recover(m);
		rc = 0;
	}
	if (rc)
		return false;
	atomic_store_explicit(&m->holder, (int32_t)shm_my_pid(),
			      memory_order_relaxed);
	return true;
}

static void side_unlock(shm_mutex *m)
{
	atomic_store_explicit(&m->holder, 0, memory_order_relaxed);
	pthread_mutex_unlock(&m->mu);
}

/* -- wait lines -- */

static uint32_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000u +
			  (uint64_t)ts.tv_nsec / 1000000u);
}

static int qw_register(q_wait *w)
{
	int32_t me = (int32_t)shm_my_pid();
	uint32_t now = now_ms();
	for (int i = 0; i < QW_PIDS; i++) {
		int32_t zero = 0;
		if (atomic_load_explicit(&w->pid[i], memory_order_relaxed))
			continue;
		/* The time first: a waker never sees this pid with a
		 * stale time (a loser of the race below only makes the
		 * winner's time a little newer). */
		atomic_store(&w->since[i], now);
		if (atomic_compare_exchange_strong(&w->pid[i], &zero, me))
			return i;
	}
	return -1;
}

static void qw_unregister(q_wait *w, int slot)
{
	int32_t me = (int32_t)shm_my_pid();
	if (slot >= 0) /* unless a waker dropped it meanwhile */
		atomic_compare_exchange_strong(&w->pid[slot], &me, 0);
}

static unsigned qw_sleepers(const q_wait *w)
{
	unsigned n = 0;
	for (int i = 0; i < QW_PIDS; i++)
		n += atomic_load_explicit(&w->pid[i], memory_order_relaxed) != 0;
	return n;
}

/* After a change a sleeper of w may be waiting for (the change itself is
 * stored before): wakes them, if any. */
static void qw_wake(q_wait *w)
{
	/* Pairs with the fence in q_wait_for: either the sleeper sees the
	 * change, or we see it armed. */
	atomic_thread_fence(memory_order_seq_cst);
	if (!atomic_load_explicit(&w->armed, memory_order_relaxed) ||
	    !atomic_exchange(&w->armed, 0))
		return;
	atomic_fetch_add(&w->word, 1);
	if (pm_futex(&w->word, FUTEX_WAKE, INT32_MAX, NULL) > 0)
		return;
	/* Nobody woke: a sleeper between registering and sleeping, or one
	 * killed while asleep.  Forget the dead (gone, or a zombie or a
	 * reused pid that has not renewed its registration for long). */
	uint32_t now = now_ms();
	for (int i = 0; i < QW_PIDS; i++) {
		int32_t pid = atomic_load(&w->pid[i]);
		if (!pid)
			continue;
		bool stale = now - atomic_load(&w->since[i]) > QW_STALE_MS &&
			     now - atomic_load(&w->since[i]) < (1u << 31);
		if (stale || (kill(pid, 0) < 0 && errno == ESRCH))
			atomic_compare_exchange_strong(&w->pid[i], &pid, 0);
	}
}

enum { QW_ITEM, QW_ROOM, QW_JOIN };

/* Is what a waiter waits for there (or the queue closed)? */
static bool q_ready(o_queue *q, int what, size_t need)
{
	switch (what) {
	case QW_ITEM:
		return w_items(atomic_load(&q->cw)) !=
			       w_items(atomic_load(&q->pw)) ||
		       atomic_load(&q->closed);
	case QW_ROOM: {
		uint64_t cw = atomic_load(&q->cw);
		return q_has_room(q, cw, atomic_load(&q->pw), need) ||
		       atomic_load(&q->closed);
	}
	default:
		return w_items(atomic_load(&q->pw)) == atomic_load(&q->done);
	}
}

/* Waits until q_ready or the deadline: spins a little, then sleeps in
 * slices.  false once the deadline has passed. */
static bool q_wait_for(o_queue *q, q_wait *w, int what, size_t need,
		       const dl *d)
{
	for (;;) {
		if (q_ready(q, what, need))
			return true;
		if (shm_dl_passed(d))
			return false;
		uint32_t seq = atomic_load(&w->word);
		if (shm_may_spin())
			for (int i = 0; i < SPIN; i++) {
				if (q_ready(q, what, need))
					return true;
				shm_cpu_relax();
			}
		struct timespec rel;
		if (!shm_dl_slice(d, &rel))
			return q_ready(q, what, need);
		int slot = qw_register(w);
		atomic_store(&w->armed, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (!q_ready(q, what, need))
			pm_futex(&w->word, FUTEX_WAIT, seq, &rel);
		qw_unregister(w, slot);
	}
}

/* Writes v's record ([u32 n][encoded]) at off; returns the offset after. */
static uint64_t record_put(o_queue *q, uint64_t off, const pm_value *v,
			   uint32_t n)
{
	if (off + sizeof n + n <= q->cap) { /* contiguous: encode in place */
		memcpy(q->buf + off, &n, sizeof n);
		pm_value_encode(v, q->buf + off + sizeof n, n);
		off += sizeof n + n;
		return off == q->cap ? 0 : off;
	}
	unsigned char small[SMALL_ITEM];
	unsigned char *p = n <= sizeof small ? small : xmalloc(n);
	pm_value_encode(v, p, n);
	off = ring_put(q, off, &n, sizeof n);
	off = ring_put(q, off, p, n);
	if (p != small)
		free(p);
	return off;
}

static int put_value(o_queue *q, const pm_value *v, const dl *d)
{
	if (!pm_value_check(v, NULL, 0)) /* a plugin's: never encoded */
		return PM_SHM_TYPE;
	size_t n = pm_value_encoded_size(v);
	if (n > UINT32_MAX - sizeof(uint32_t) || sizeof(uint32_t) + n > q->cap)
		return PM_SHM_TOO_BIG;
	size_t need = sizeof(uint32_t) + n;
	for (;;) {
		if (atomic_load_explicit(&q->closed, memory_order_relaxed))
			return PM_SHM_CLOSED;
		if (!side_lock(&q->plock, d))
			return PM_SHM_FULL;
		/* Checked under plock: close takes it too, so no put
		 * lands after close() returned. */
		if (atomic_load_explicit(&q->closed, memory_order_relaxed)) {
			side_unlock(&q->plock);
			return PM_SHM_CLOSED;
		}
		uint64_t pw = atomic_load_explicit(&q->pw,
						   memory_order_relaxed);
		/* Offsets anyone could have written over: never write
		 * outside the buffer for them. */
		if (w_off(pw) >= q->cap || w_off(q->p_cw) >= q->cap) {
			side_unlock(&q->plock);
			return PM_SHM_CORRUPT;
		}
		if (!q_has_room(q, q->p_cw, pw, need)) {
			q->p_cw = atomic_load_explicit(&q->cw,
						       memory_order_acquire);
			if (w_off(q->p_cw) >= q->cap) {
				side_unlock(&q->plock);
				return PM_SHM_CORRUPT;
			}
			if (!q_has_room(q, q->p_cw, pw, need)) {
				side_unlock(&q->plock);
				if (!q_wait_for(q, &q->putters, QW_ROOM, need,
						d))
					return PM_SHM_FULL;
				continue;
			}
		}
		uint64_t off = record_put(q, w_off(pw), v, (uint32_t)n);
		/* The record and its count, published at once. */
		atomic_store_explicit(&q->pw, w_make(w_items(pw) + 1, off),
				      memory_order_release);
		side_unlock(&q->plock);
		qw_wake(&q->getters);
		return PM_SHM_OK;
	}
}

/* Reads the record at off into *out; returns the offset after it, and
 * whether it decoded in *ok. */
static uint64_t record_get(o_queue *q, uint64_t off, pm_value *out, bool *ok)
{
	uint32_t n;
	off = ring_get(q, off, &n, sizeof n);
	if (off + n <= q->cap) { /* contiguous: decode in place */
		*ok = pm_value_decode(q->buf + off, n, out) != 0;
		off += n;
		return off == q->cap ? 0 : off;
	}
	unsigned char small[SMALL_ITEM];
	unsigned char *p = n <= sizeof small ? small : xmalloc(n);
	off = ring_get(q, off, p, n);
	*ok = pm_value_decode(p, n, out) != 0;
	if (p != small)
		free(p);
	return off;
}

static int get_value(o_queue *q, pm_value *out, const dl *d)
{
	for (;;) {
		if (!side_lock(&q->clock, d))
			return PM_SHM_EMPTY;
		uint64_t cw = atomic_load_explicit(&q->cw,
						   memory_order_relaxed);
		if (w_items(q->c_pw) == w_items(cw)) {
			q->c_pw = atomic_load_explicit(&q->pw,
						       memory_order_acquire);
			if (w_items(q->c_pw) == w_items(cw)) {
				side_unlock(&q->clock);
				/* Closed and drained: CLOSED (the last put
				 * happened before close set the flag). */
				if (atomic_load(&q->closed) &&
				    w_items(atomic_load(&q->pw)) ==
					    w_items(cw))
					return PM_SHM_CLOSED;
				if (!q_wait_for(q, &q->getters, QW_ITEM, 0, d))
					return PM_SHM_EMPTY;
				continue;
			}
		}
		/* The record must lie in what was published: its offset and
		 * length are in memory anyone could have written over. */
		uint32_t n = 0;
		uint64_t used = w_used(q, cw, q->c_pw);
		if (w_off(cw) < q->cap && w_off(q->c_pw) < q->cap)
			ring_get(q, w_off(cw), &n, sizeof n);
		if (!n || used < sizeof n || n > used - sizeof n) {
			side_unlock(&q->clock);
			*out = pm_none();
			return PM_SHM_CORRUPT;
		}
		bool ok;
		uint64_t off = record_get(q, w_off(cw), out, &ok);
		atomic_store_explicit(&q->cw, w_make(w_items(cw) + 1, off),
				      memory_order_release);
		side_unlock(&q->clock);
		qw_wake(&q->putters);
		if (!ok) {
			pm_value_free(out);
			*out = pm_none();
			return PM_SHM_TYPE;
		}
		return PM_SHM_OK;
	}
}

/* ---- the operations ---------------------------------------------------- */

/* A put's or a get's look at its handle and its item (or where the item
 * goes): 0, or the code to refuse it with. */
static int queue_and(const void *obj, const void *item)
{
	int bad = shm_check(obj, KINDS_QUEUE);
	return bad ? bad : item ? PM_SHM_OK : PM_SHM_TYPE;
}

int shm_api_queue_put(void *obj, const pm_value *item, double timeout)
{
	int bad = queue_and(obj, item);
	if (bad)
		return bad;
	dl d = shm_dl_make(timeout);
	return put_value(obj, item, &d);
}

int shm_api_queue_get(void *obj, pm_value *out, double timeout)
{
	int bad = queue_and(obj, out);
	if (bad)
		return bad;
	dl d = shm_dl_make(timeout);
	return get_value(obj, out, &d);
}

/* The first max items of a queue (or a pipe's channel), in order, left
 * where they are: under the consumers' lock, so no get moves them, and
 * only what was published.  *total: how many it holds. */
int pm_shared_queue_peek(void *obj, size_t max, pm_value *items, size_t *n,
			 size_t *total)
{
	*n = *total = 0;
	int bad = shm_check(obj, KINDS_QUEUE);
	if (bad)
		return bad;
	o_queue *q = obj;
	dl d = shm_dl_make(0.1); /* nobody holds it long: it never blocks */
	if (!side_lock(&q->clock, &d))
		return PM_SHM_TIMEOUT;
	uint64_t cw = atomic_load_explicit(&q->cw, memory_order_relaxed);
	uint64_t pw = atomic_load_explicit(&q->pw, memory_order_acquire);
	*total = w_count(cw, pw);
	uint64_t off = w_off(cw), left = w_used(q, cw, pw);
	int rc = PM_SHM_OK;
	if (off >= q->cap || w_off(pw) >= q->cap)
		rc = PM_SHM_CORRUPT;
	while (rc == PM_SHM_OK && *n < max && *n < *total) {
		uint32_t len = 0;
		ring_get(q, off, &len, sizeof len);
		if (!len || left < sizeof len || len > left - sizeof len) {
			rc = PM_SHM_CORRUPT;
			break;
		}
		bool ok;
		off = record_get(q, off, &items[*n], &ok);
		left -= sizeof len + len;
		if (!ok) {
			pm_value_free(&items[*n]);
			rc = PM_SHM_TYPE;
			break;
		}
		++*n;
	}
	side_unlock(&q->clock);
	return rc;
}

size_t shm_queue_count(const o_queue *q)
{
	/* cw first: the pw read after it is at least as new. */
	uint64_t cw = atomic_load(&q->cw);
	return w_count(cw, atomic_load(&q->pw));
}

size_t shm_api_qsize(const void *obj)
{
	if (shm_check(obj, KINDS_QUEUE))
		return 0;
	return shm_queue_count(obj);
}

int shm_api_queue_empty(const void *obj)
{
	int bad = shm_check(obj, KINDS_QUEUE);
	if (bad)
		return -bad;
	return shm_queue_count(obj) == 0;
}

int shm_api_queue_full(const void *obj)
{
	int bad = shm_check(obj, KINDS_QUEUE);
	if (bad)
		return -bad;
	const o_queue *q = obj;
	return q->maxsize && shm_queue_count(q) >= q->maxsize;
}

int shm_api_queue_close(void *obj)
{
	int bad = shm_check(obj, KINDS_QUEUE);
	if (bad)
		return bad;
	o_queue *q = obj;
	side_lock(&q->plock, &shm_forever);
	atomic_store(&q->closed, 1);
	side_unlock(&q->plock);
	qw_wake(&q->getters);
	qw_wake(&q->putters);
	return PM_SHM_OK;
}

/* Puts not yet task_done(): every put counts (as in Python, where only
 * JoinableQueue shows it). */
uint32_t shm_queue_unfinished(const o_queue *q)
{
	uint32_t done = atomic_load(&q->done);
	return w_items(atomic_load(&q->pw)) - done;
}

unsigned shm_queue_sleepers(const o_queue *q)
{
	return qw_sleepers(&q->getters) + qw_sleepers(&q->putters) +
	       qw_sleepers(&q->joiners);
}

int shm_api_task_done(void *obj)
{
	int bad = shm_check(obj, KIND(PM_SK_JOINABLE_QUEUE));
	if (bad)
		return bad;
	o_queue *q = obj;
	uint32_t done = atomic_load(&q->done);
	do {
		if (w_items(atomic_load(&q->pw)) == done)
			return PM_SHM_TOO_MANY;
	} while (!atomic_compare_exchange_weak(&q->done, &done, done + 1));
	if (w_items(atomic_load(&q->pw)) == done + 1)
		qw_wake(&q->joiners);
	return PM_SHM_OK;
}

int shm_api_join(void *obj, double timeout)
{
	int bad = shm_check(obj, KIND(PM_SK_JOINABLE_QUEUE));
	if (bad)
		return bad;
	o_queue *q = obj;
	dl d = shm_dl_make(timeout);
	return q_wait_for(q, &q->joiners, QW_JOIN, 0, &d) ? PM_SHM_OK
							   : PM_SHM_TIMEOUT;
}

/* ---- Pipe -------------------------------------------------------------- */

int pm_shared_pipe_new(pm_shared *s, const char *name, bool duplex,
		       char *err, size_t errlen)
{
	size_t total = pipe_head_size() + 2 * pipe_channel_size();
	o_pipe *p = shm_reserve(s, name, total, sizeof *p, err, errlen);
	if (!p)
		return -1;
	p->duplex = duplex;
	for (int i = 0; i < 2; i++) {
		p->ch_rel[i] = pipe_channel_rel(i);
		queue_init(pipe_channel(p, i), PM_SK_CHANNEL, 0,
			   PM_SHARED_PIPE_BYTES);
		o_conn *c = &p->ends[i];
		shm_hdr_init(&c->h, PM_SK_CONNECTION);
		c->end = (uint32_t)i;
		c->pipe_rel = pipe_end_rel((uint32_t)i);
	}
	return shm_publish(s, name, p, total, PM_SK_PIPE);
}

void *shm_api_pipe_end(void *pipe, int end)
{
	if (shm_check(pipe, KIND(PM_SK_PIPE)) || end < 0 || end > 1)
		return NULL;
	return &((o_pipe *)pipe)->ends[end];
}

/* The channel connection conn reads (recv) or writes (send): 0 and *q,
 * or the code to refuse it with (PM_SHM_TYPE also if this end may not). */
static int conn_channel(void *conn, bool sending, o_queue **q)
{
	int bad = shm_check(conn, KIND(PM_SK_CONNECTION));
	if (bad)
		return bad;
	o_conn *c = conn;
	o_pipe *p = conn_pipe(c);
	if (!p || (!p->duplex && (int)c->end != (sending ? 1 : 0)))
		return PM_SHM_TYPE;
	*q = pipe_channel(p, sending ? 1 - (int)c->end : (int)c->end);
	return *q ? PM_SHM_OK : PM_SHM_TYPE;
}

int shm_api_send(void *conn, const pm_value *v)
{
	o_queue *q;
	int bad = conn_channel(conn, true, &q);
	if (bad || !v)
		return bad ? bad : PM_SHM_TYPE;
	return put_value(q, v, &shm_forever);
}

int shm_api_recv(void *conn, pm_value *out, double timeout)
{
	o_queue *q;
	int bad = conn_channel(conn, false, &q);
	if (bad || !out)
		return bad ? bad : PM_SHM_TYPE;
	dl d = shm_dl_make(timeout);
	int rc = get_value(q, out, &d);
	return rc == PM_SHM_EMPTY ? PM_SHM_TIMEOUT : rc;
}

int shm_api_poll(void *conn, double timeout)
{
	o_queue *q;
	int bad = conn_channel(conn, false, &q);
	if (bad)
		return bad;
	if (shm_queue_count(q))
		return PM_SHM_OK;
	dl d = shm_dl_make(timeout);
	return q_wait_for(q, &q->getters, QW_ITEM, 0, &d) ? PM_SHM_OK
							   : PM_SHM_TIMEOUT;
}
