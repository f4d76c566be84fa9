// SPDX-License-Identifier: GPL-3.0-or-later
/* src/shared/peek.c — a queue's items as they stand, front first, read by
 * the manager without taking a lock (it must never wait on a task): the
 * records between the consumers' and the producers' words are copied,
 * then the consumers' word is read again; if a get moved it meanwhile
 * (the bytes may have been reused), the copy is thrown away and made
 * again.  Producers only ever write outside those records. */
#define _GNU_SOURCE
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "value.h"

#define PEEK_TRIES 8

static uint64_t peek_bytes(const o_queue *q, uint64_t off, void *dst,
			   size_t n)
{
	size_t first = n < q->cap - off ? n : (size_t)(q->cap - off);
	memcpy(dst, q->buf + off, first);
	memcpy((char *)dst + first, q->buf, n - first);
	off += n;
	return off >= q->cap ? off - q->cap : off;
}

/* One try: true if no get moved the consumers' word while it read. */
static bool peek_once(const o_queue *q, size_t max, pm_value *out, size_t *n,
		      size_t *total)
{
	uint64_t cw = atomic_load_explicit(&q->cw, memory_order_acquire);
	uint64_t pw = atomic_load_explicit(&q->pw, memory_order_acquire);
	uint32_t count = w_count(cw, pw);
	uint64_t off = w_off(cw);
	size_t got = 0;
	bool ok = off < q->cap;
	unsigned char *buf = NULL;
	size_t bufcap = 0;
	while (ok && got < count && got < max) {
		uint32_t len;
		off = peek_bytes(q, off, &len, sizeof len);
		if (len > q->cap - sizeof len) {
			ok = false;
			break;
		}
		if (len > bufcap) {
			bufcap = len;
			buf = xrealloc(buf, bufcap ? bufcap : 1);
		}
		off = peek_bytes(q, off, buf, len);
		if (!pm_value_decode(buf, len, &out[got])) {
			ok = false;
			break;
		}
		got++;
	}
	free(buf);
	/* The copy's reads before the second look (a seqlock's fence). */
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&q->cw, memory_order_relaxed) != cw)
		ok = false;
	if (!ok) {
		for (size_t i = 0; i < got; i++)
			pm_value_free(&out[i]);
		return false;
	}
	*n = got;
	*total = count;
	return true;
}

int pm_shared_queue_items(const void *obj, size_t max, pm_value *out,
			  size_t *n, size_t *total)
{
	*n = *total = 0;
	unsigned kinds = KIND(PM_SK_QUEUE) | KIND(PM_SK_JOINABLE_QUEUE) |
			 KIND(PM_SK_SIMPLE_QUEUE);
	if (shm_check(obj, kinds))
		return PM_SHM_TYPE;
	for (int k = 0; k < PEEK_TRIES; k++)
		if (peek_once(obj, max, out, n, total))
			return PM_SHM_OK;
	return PM_SHM_TIMEOUT; /* gets kept coming: try later */
}
