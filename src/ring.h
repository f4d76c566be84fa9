/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A single-producer single-consumer ring of variable-length records in
 * shared memory, between the manager and one worker.  Pushing and popping
 * need no system call; a futex wake-up is only made when the other side
 * said it is sleeping. */
#ifndef POOLMON_RING_H
#define POOLMON_RING_H

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PM_RING_BYTES (1u << 20)
#define PM_REC_WRAP 0xffffu

typedef struct pm_rec_hdr {
	uint32_t len;  /* payload bytes */
	uint32_t type;
} pm_rec_hdr;

typedef struct pm_ring {
	_Atomic uint64_t head;          /* bytes produced */
	_Atomic uint32_t prod_seq;      /* bumped after each push (futex) */
	_Atomic uint32_t cons_waiting;  /* consumer sleeps on prod_seq */
	uint64_t tail_seen;             /* producer's last look at tail */
	char pad1[40];
	_Atomic uint64_t tail;          /* bytes consumed */
	_Atomic uint32_t cons_seq;      /* bumped after each pop (futex) */
	_Atomic uint32_t prod_waiting;  /* producer sleeps on cons_seq */
	char pad2[48];
	unsigned char data[PM_RING_BYTES];
} pm_ring;

static inline long pm_futex(_Atomic uint32_t *addr, int op, uint32_t val,
			    const struct timespec *ts)
{
	return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

static inline void pm_futex_wake(_Atomic uint32_t *addr)
{
	pm_futex(addr, FUTEX_WAKE, INT32_MAX, NULL);
}

static inline size_t pm_rec_space(size_t len)
{
	return (sizeof(pm_rec_hdr) + len + 7) & ~(size_t)7;
}

/* Largest payload that can ever fit. */
#define PM_REC_MAX (PM_RING_BYTES / 2 - sizeof(pm_rec_hdr))

/* Reserves room for a record of len bytes; returns where to write the
 * payload, or NULL if the ring is full now. Commit with pm_ring_commit. */
static inline unsigned char *pm_ring_reserve(pm_ring *r, size_t len)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t need = pm_rec_space(len);
	size_t off = (size_t)(head % PM_RING_BYTES);
	size_t to_end = PM_RING_BYTES - off;
	size_t wrap = need > to_end ? to_end : 0;
	if (len > PM_REC_MAX)
		return NULL;
	/* The consumer's tail is read only when the last look says the ring
	 * is full: its cache line then stays with the consumer. */
	if (head + wrap + need - r->tail_seen > PM_RING_BYTES) {
		r->tail_seen = atomic_load_explicit(&r->tail,
						    memory_order_acquire);
		if (head + wrap + need - r->tail_seen > PM_RING_BYTES)
			return NULL;
	}
	if (wrap) {
		/* Too little room before the end: mark the rest skipped. */
		if (to_end >= sizeof(pm_rec_hdr)) {
			pm_rec_hdr w = { 0, PM_REC_WRAP };
			memcpy(r->data + off, &w, sizeof w);
		}
		off = 0;
	}
	return r->data + off + sizeof(pm_rec_hdr);
}

/* Publishes the record reserved last without a wake-up or a barrier beyond
 * release: for a consumer that polls, or is woken some other way. */
static inline void pm_ring_commit_quiet(pm_ring *r, uint32_t type, size_t len)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t off = (size_t)(head % PM_RING_BYTES);
	size_t to_end = PM_RING_BYTES - off;
	size_t need = pm_rec_space(len);
	if (need > to_end) {
		head += to_end;
		off = 0;
	}
	pm_rec_hdr h = { (uint32_t)len, type };
	memcpy(r->data + off, &h, sizeof h);
	atomic_store_explicit(&r->head, head + need, memory_order_release);
}

/* Publishes the record reserved last; returns true if the consumer should
 * be woken (it said it sleeps). */
static inline bool pm_ring_commit(pm_ring *r, uint32_t type, size_t len)
{
	pm_ring_commit_quiet(r, type, len);
	atomic_fetch_add_explicit(&r->prod_seq, 1, memory_order_seq_cst);
	return atomic_exchange(&r->cons_waiting, 0) != 0;
}

/* Calls fn for every record published now, in order, releasing each after
 * fn returns; one wake-up check at the end instead of one per record.
 * Returns the number of records. */
/* The ring is shared with a process that may write anything over it
 * (a buggy task): pm_ring_drain_checked trusts none of its indices and
 * lengths, and says why it stopped in *bad (NULL while all is well). */
static inline size_t pm_ring_drain_checked(
	pm_ring *r,
	void (*fn)(void *ud, const pm_rec_hdr *h, const unsigned char *p),
	void *ud, const char **bad)
{
	size_t n = 0;
	*bad = NULL;
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	/* What is there now, not what keeps coming: the caller has other
	 * work (the next chunk to send) and comes back soon. */
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (head < tail || head - tail > PM_RING_BYTES) {
		*bad = "its ring's indices are out of range";
		return 0;
	}
	while (tail != head) {
		size_t off = (size_t)(tail % PM_RING_BYTES);
		size_t to_end = PM_RING_BYTES - off;
		pm_rec_hdr h;
		if (to_end < sizeof h) {
			tail += to_end;
			continue;
		}
		memcpy(&h, r->data + off, sizeof h);
		if (h.type == PM_REC_WRAP) {
			tail += to_end;
			continue;
		}
		/* A record lies whole before the end of the data and of what
		 * was published. */
		if (h.len > to_end - sizeof h ||
		    pm_rec_space(h.len) > head - tail) {
			*bad = "a record's length runs past its ring";
			break;
		}
		fn(ud, &h, r->data + off + sizeof h);
		tail += pm_rec_space(h.len);
		n++;
		/* Room for a producer that waits, now and then. */
		if ((n & 255) == 0)
			atomic_store_explicit(&r->tail, tail,
					      memory_order_release);
	}
	atomic_store_explicit(&r->tail, tail, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load(&r->prod_waiting)) {
		atomic_store(&r->prod_waiting, 0);
		atomic_fetch_add(&r->cons_seq, 1);
		pm_futex_wake(&r->cons_seq);
	}
	return n;
}

static inline size_t pm_ring_drain(pm_ring *r,
				   void (*fn)(void *ud, const pm_rec_hdr *h,
					      const unsigned char *p),
				   void *ud)
{
	const char *bad;
	return pm_ring_drain_checked(r, fn, ud, &bad);
}

/* The next record, or NULL if empty.  Release it with pm_ring_pop. */
static inline const unsigned char *pm_ring_peek(pm_ring *r, pm_rec_hdr *h)
{
	for (;;) {
		uint64_t tail =
			atomic_load_explicit(&r->tail, memory_order_relaxed);
		uint64_t head =
			atomic_load_explicit(&r->head, memory_order_acquire);
		if (tail == head)
			return NULL;
		size_t off = (size_t)(tail % PM_RING_BYTES);
		size_t to_end = PM_RING_BYTES - off;
		if (to_end < sizeof(pm_rec_hdr)) {
			atomic_store_explicit(&r->tail, tail + to_end,
					      memory_order_release);
			continue;
		}
		memcpy(h, r->data + off, sizeof *h);
		if (h->type == PM_REC_WRAP) {
			atomic_store_explicit(&r->tail, tail + to_end,
					      memory_order_release);
			continue;
		}
		return r->data + off + sizeof(pm_rec_hdr);
	}
}

/* Returns true if the producer should be woken. */
static inline bool pm_ring_pop(pm_ring *r, const pm_rec_hdr *h)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	atomic_store_explicit(&r->tail, tail + pm_rec_space(h->len),
			      memory_order_seq_cst);
	atomic_fetch_add_explicit(&r->cons_seq, 1, memory_order_seq_cst);
	return atomic_exchange(&r->prod_waiting, 0) != 0;
}

static inline bool pm_ring_empty(pm_ring *r)
{
	return atomic_load(&r->head) == atomic_load(&r->tail);
}

#endif
