/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The manager-worker ring (src/ring.h): records reserved, committed, peeked,
 * popped and drained in order; record sizes from 0 to PM_REC_MAX; a full
 * ring refusing and taking again; wrap-around at the end of the buffer; the
 * wake-up flags; and one producer and one consumer in two processes. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "ring.h"

static int ring_setup(void **state)
{
	pm_ring *r = calloc(1, sizeof *r);
	assert_non_null(r);
	*state = r;
	return 0;
}

static int ring_teardown(void **state)
{
	free(*state);
	return 0;
}

/* A payload's byte k for record number i. */
static unsigned char pattern(uint32_t i, size_t k)
{
	return (unsigned char)(i * 31 + k * 7 + 1);
}

static void push(pm_ring *r, uint32_t type, size_t len)
{
	unsigned char *p = pm_ring_reserve(r, len);
	assert_non_null(p);
	for (size_t k = 0; k < len; k++)
		p[k] = pattern(type, k);
	pm_ring_commit_quiet(r, type, len);
}

/* Peeks the next record, checks it is record type of len bytes, pops it. */
static void expect(pm_ring *r, uint32_t type, size_t len)
{
	pm_rec_hdr h;
	const unsigned char *p = pm_ring_peek(r, &h);
	assert_non_null(p);
	assert_int_equal(h.type, type);
	assert_int_equal(h.len, len);
	for (size_t k = 0; k < len; k++)
		if (p[k] != pattern(type, k))
			fail_msg("record %u byte %zu: %u, not %u", type, k, p[k],
				 pattern(type, k));
	pm_ring_pop(r, &h);
}

static void test_ring_one_record(void **state)
{
	pm_ring *r = *state;
	pm_rec_hdr h;
	assert_true(pm_ring_empty(r));
	assert_null(pm_ring_peek(r, &h));
	push(r, 7, 5);
	assert_false(pm_ring_empty(r));
	/* Peeking does not take it. */
	assert_non_null(pm_ring_peek(r, &h));
	assert_non_null(pm_ring_peek(r, &h));
	expect(r, 7, 5);
	assert_true(pm_ring_empty(r));
	assert_null(pm_ring_peek(r, &h));
	/* Header and payload, rounded up to 8 bytes. */
	assert_int_equal(atomic_load(&r->head), 16);
	assert_int_equal(atomic_load(&r->tail), 16);
}

static void test_ring_order_and_sizes(void **state)
{
	pm_ring *r = *state;
	static const size_t lens[] = { 0, 1, 7, 8, 9, 63, 64, 65, 4096, 100000 };
	size_t n = sizeof lens / sizeof *lens;
	for (size_t i = 0; i < n; i++)
		push(r, (uint32_t)i + 1, lens[i]);
	for (size_t i = 0; i < n; i++)
		expect(r, (uint32_t)i + 1, lens[i]);
	assert_true(pm_ring_empty(r));
	assert_int_equal(pm_rec_space(0), 8);
	assert_int_equal(pm_rec_space(1), 16);
	assert_int_equal(pm_rec_space(8), 16);
	assert_int_equal(pm_rec_space(9), 24);
}

static void test_ring_largest_record(void **state)
{
	pm_ring *r = *state;
	/* Too large never fits, even in an empty ring. */
	assert_null(pm_ring_reserve(r, PM_REC_MAX + 1));
	push(r, 1, PM_REC_MAX);
	push(r, 2, PM_REC_MAX);
	/* Two of the largest fill the ring to the byte. */
	assert_int_equal(atomic_load(&r->head), PM_RING_BYTES);
	assert_null(pm_ring_reserve(r, 0));
	expect(r, 1, PM_REC_MAX);
	push(r, 3, PM_REC_MAX);
	expect(r, 2, PM_REC_MAX);
	expect(r, 3, PM_REC_MAX);
	assert_true(pm_ring_empty(r));
}

static void test_ring_full(void **state)
{
	pm_ring *r = *state;
	/* 56 bytes of payload take 64 bytes: the ring holds exactly this many. */
	size_t fits = PM_RING_BYTES / 64;
	for (size_t i = 0; i < fits; i++)
		push(r, (uint32_t)i, 56);
	assert_null(pm_ring_reserve(r, 56));
	assert_null(pm_ring_reserve(r, 0));
	/* Taking one makes room for one. */
	expect(r, 0, 56);
	push(r, (uint32_t)fits, 56);
	assert_null(pm_ring_reserve(r, 0));
	for (size_t i = 1; i <= fits; i++)
		expect(r, (uint32_t)i, 56);
	assert_true(pm_ring_empty(r));
}

static void test_ring_wrap_around(void **state)
{
	pm_ring *r = *state;
	/* 1000 bytes take 1008: 1040 of them leave 256 bytes before the end,
	 * too few for the next, which goes to the start behind a wrap mark. */
	size_t n = PM_RING_BYTES / 1008;
	assert_int_equal(PM_RING_BYTES - n * 1008, 256);
	for (size_t i = 0; i < n; i++) {
		push(r, (uint32_t)i, 1000);
		expect(r, (uint32_t)i, 1000);
	}
	push(r, 5000, 1000);
	push(r, 5001, 3);
	/* The skipped end counts as used until the consumer passes it. */
	assert_int_equal(atomic_load(&r->head) - atomic_load(&r->tail),
			 256 + 1008 + 16);
	expect(r, 5000, 1000);
	expect(r, 5001, 3);
	assert_true(pm_ring_empty(r));
	assert_int_equal(atomic_load(&r->tail) % PM_RING_BYTES, 1008 + 16);
}

static void test_ring_full_across_the_end(void **state)
{
	pm_ring *r = *state;
	/* Half a ring consumed, then filled again across the end: the room
	 * left is what the consumer has freed, less the skipped end. */
	size_t n = PM_RING_BYTES / 1008;
	for (size_t i = 0; i < n / 2; i++) {
		push(r, (uint32_t)i, 1000);
		expect(r, (uint32_t)i, 1000);
	}
	size_t pushed = 0;
	while (pm_ring_reserve(r, 1000)) {
		push(r, (uint32_t)(10000 + pushed), 1000);
		pushed++;
	}
	/* Everything but the 256 skipped bytes and less than a record. */
	assert_int_equal(pushed, (PM_RING_BYTES - 256) / 1008);
	for (size_t i = 0; i < pushed; i++)
		expect(r, (uint32_t)(10000 + i), 1000);
	assert_true(pm_ring_empty(r));
}

typedef struct seen {
	uint32_t types[64];
	uint32_t lens[64];
	size_t n;
	bool bytes_ok;
} seen;

static void note(void *ud, const pm_rec_hdr *h, const unsigned char *p)
{
	seen *s = ud;
	for (size_t k = 0; k < h->len; k++)
		if (p[k] != pattern(h->type, k))
			s->bytes_ok = false;
	s->types[s->n] = h->type;
	s->lens[s->n++] = h->len;
}

static void test_ring_drain(void **state)
{
	pm_ring *r = *state;
	seen s = { .bytes_ok = true };
	assert_int_equal(pm_ring_drain(r, note, &s), 0);
	assert_int_equal(s.n, 0);
	/* Across the end too. */
	size_t n = PM_RING_BYTES / 1008;
	for (size_t i = 0; i < n; i++) {
		push(r, (uint32_t)i, 1000);
		expect(r, (uint32_t)i, 1000);
	}
	push(r, 1, 1000);
	push(r, 2, 0);
	push(r, 3, 17);
	assert_int_equal(pm_ring_drain(r, note, &s), 3);
	assert_int_equal(s.n, 3);
	assert_true(s.bytes_ok);
	assert_int_equal(s.types[0], 1);
	assert_int_equal(s.lens[0], 1000);
	assert_int_equal(s.types[1], 2);
	assert_int_equal(s.lens[1], 0);
	assert_int_equal(s.types[2], 3);
	assert_int_equal(s.lens[2], 17);
	assert_true(pm_ring_empty(r));
	assert_int_equal(pm_ring_drain(r, note, &s), 0);
}

static void test_ring_wake_flags(void **state)
{
	pm_ring *r = *state;
	pm_rec_hdr h;
	/* A commit wakes the consumer only when it said it sleeps. */
	assert_non_null(pm_ring_reserve(r, 4));
	assert_false(pm_ring_commit(r, 1, 4));
	assert_int_equal(atomic_load(&r->prod_seq), 1);
	atomic_store(&r->cons_waiting, 1);
	assert_non_null(pm_ring_reserve(r, 4));
	assert_true(pm_ring_commit(r, 2, 4));
	assert_int_equal(atomic_load(&r->cons_waiting), 0);
	assert_int_equal(atomic_load(&r->prod_seq), 2);
	/* A quiet commit leaves the sequence alone. */
	assert_non_null(pm_ring_reserve(r, 4));
	pm_ring_commit_quiet(r, 3, 4);
	assert_int_equal(atomic_load(&r->prod_seq), 2);
	/* A pop wakes the producer only when it said it waits. */
	assert_non_null(pm_ring_peek(r, &h));
	assert_false(pm_ring_pop(r, &h));
	assert_int_equal(atomic_load(&r->cons_seq), 1);
	atomic_store(&r->prod_waiting, 1);
	assert_non_null(pm_ring_peek(r, &h));
	assert_true(pm_ring_pop(r, &h));
	assert_int_equal(atomic_load(&r->prod_waiting), 0);
	/* A drain clears a waiting producer's flag and moves its sequence. */
	atomic_store(&r->prod_waiting, 1);
	uint32_t seq = atomic_load(&r->cons_seq);
	seen s = { .bytes_ok = true };
	assert_int_equal(pm_ring_drain(r, note, &s), 1);
	assert_int_equal(atomic_load(&r->prod_waiting), 0);
	assert_int_equal(atomic_load(&r->cons_seq), seq + 1);
}

#define CROSS_N 20000u

/* The length of record i in the two-process test: 0 to 2999 bytes. */
static size_t cross_len(uint32_t i)
{
	return (size_t)(i * 37u % 3000u);
}

static __attribute__((noreturn)) void producer(pm_ring *r)
{
	double end = pm_now() + 20.0;
	for (uint32_t i = 0; i < CROSS_N; i++) {
		size_t len = cross_len(i);
		unsigned char *p;
		while (!(p = pm_ring_reserve(r, len))) {
			if (pm_now() > end)
				_exit(2);
			sched_yield(); /* full: the consumer is behind */
		}
		for (size_t k = 0; k < len; k++)
			p[k] = pattern(i, k);
		pm_ring_commit_quiet(r, i, len);
	}
	_exit(0);
}

typedef struct cross {
	uint32_t next;
	bool ok;
} cross;

static void cross_one(void *ud, const pm_rec_hdr *h, const unsigned char *p)
{
	cross *c = ud;
	bool ok = h->type == c->next && h->len == cross_len(c->next);
	for (size_t k = 0; ok && k < h->len; k++)
		ok = p[k] == pattern(h->type, k);
	if (!ok)
		c->ok = false;
	c->next++;
}

/* One producer, one consumer, in two processes: about 30 MB through a
 * ring of 1 MB, so it wraps and fills many times; the first half is read
 * record by record, the rest in drains. */
static void test_ring_two_processes(void **state)
{
	(void)state;
	pm_ring *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(r != MAP_FAILED);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		producer(r);
	cross c = { 0, true };
	double end = pm_now() + 20.0;
	while (c.next < CROSS_N / 2 && c.ok && pm_now() < end) {
		pm_rec_hdr h;
		const unsigned char *p = pm_ring_peek(r, &h);
		if (!p) {
			sched_yield();
			continue;
		}
		cross_one(&c, &h, p);
		pm_ring_pop(r, &h);
	}
	while (c.next < CROSS_N && c.ok && pm_now() < end)
		if (!pm_ring_drain(r, cross_one, &c))
			sched_yield();
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(c.ok);
	assert_int_equal(c.next, CROSS_N);
	assert_true(pm_ring_empty(r));
	munmap(r, sizeof *r);
}

/* What the other side wrote over the ring is not trusted: a record whose
 * length runs past the data or past what was published, and indices out
 * of range, stop the drain with a reason; the records before are read,
 * nothing beyond the ring is (ASan would say). */
static void test_ring_drain_checked(void **state)
{
	pm_ring *r = *state;
	seen s = { .bytes_ok = true };
	const char *bad = "";
	push(r, 1, 10);
	push(r, 2, 20);
	/* The second record's header says it is 2^31 bytes long. */
	size_t off = (size_t)(pm_rec_space(10));
	pm_rec_hdr h = { 1u << 31, 2 };
	memcpy(r->data + off, &h, sizeof h);
	assert_int_equal(pm_ring_drain_checked(r, note, &s, &bad), 1);
	assert_string_equal(bad, "a record's length runs past its ring");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.types[0], 1);
	/* Longer than what was published, though inside the data. */
	h.len = 4096;
	memcpy(r->data + off, &h, sizeof h);
	assert_int_equal(pm_ring_drain_checked(r, note, &s, &bad), 0);
	assert_non_null(bad);
	/* A head behind the tail, and one more than a ring ahead of it. */
	uint64_t tail = atomic_load(&r->tail);
	atomic_store(&r->head, tail - 8);
	assert_int_equal(pm_ring_drain_checked(r, note, &s, &bad), 0);
	assert_string_equal(bad, "its ring's indices are out of range");
	atomic_store(&r->head, tail + PM_RING_BYTES + 8);
	assert_int_equal(pm_ring_drain_checked(r, note, &s, &bad), 0);
	assert_string_equal(bad, "its ring's indices are out of range");
	/* All well: no reason. */
	atomic_store(&r->head, tail);
	assert_int_equal(pm_ring_drain_checked(r, note, &s, &bad), 0);
	assert_null(bad);
	assert_int_equal(s.n, 1);
}

/* A test with a fresh ring of its own. */
#define RING_TEST(fn) cmocka_unit_test_setup_teardown(fn, ring_setup, ring_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		RING_TEST(test_ring_one_record),
		RING_TEST(test_ring_order_and_sizes),
		RING_TEST(test_ring_largest_record),
		RING_TEST(test_ring_full),
		RING_TEST(test_ring_wrap_around),
		RING_TEST(test_ring_full_across_the_end),
		RING_TEST(test_ring_drain),
		RING_TEST(test_ring_drain_checked),
		RING_TEST(test_ring_wake_flags),
		cmocka_unit_test(test_ring_two_processes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
