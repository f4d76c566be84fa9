/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bundled "shared" plugin: the seeds' shared-state examples as tasks.
 * Objects are created with poolmon's commands (value, queue, lock, pipe…)
 * and named by the tasks' string arguments:
 *
 *   value i i 0; submit incr i 100000 1        # the race demo, with a lock
 *   queue q; spawn producer q A 5; spawn consumer q; join; put q None
 *   value v i 0; lock l; spawn job v 1 l; spawn job v 3 l   # seed 7-lock
 *   lock A; lock B; spawn lock_pair A B 300; spawn lock_pair B A 300
 *                                  # a deadlock: poolmon reports it
 */
#define _GNU_SOURCE
#include <poolmon/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POLL_S 0.2 /* blocking calls wake this often to see cancel */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* The object a task names, of one of the kinds (comma list), or NULL
 * after ctx->fail(). */
static void *need(pm_ctx *ctx, const char *name, const char *kinds)
{
	if (!PM_CTX_HAS_SHM(ctx)) {
		ctx->fail(ctx, "this poolmon has no shared objects (ABI < 1.1)");
		return NULL;
	}
	void *obj = ctx->shared(ctx, name);
	if (!obj) {
		ctx->fail(ctx, "no shared object '%s' (create it first, e.g. `%s %s …`)",
			  name, strchr(kinds, ',') ? "queue" : kinds, name);
		return NULL;
	}
	const char *k = ctx->shm->kind(obj);
	size_t kl = strlen(k);
	for (const char *p = kinds; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == kl && !strncmp(p, k, kl))
			return obj;
		p += len + (comma ? 1 : 0);
	}
	ctx->fail(ctx, "'%s' is a %s, not a %s", name, k, kinds);
	return NULL;
}

#define QUEUES "queue,joinable_queue,simple_queue"

static int shm_fail(pm_ctx *ctx, const char *what, const char *name, int rc)
{
	return ctx->fail(ctx, "%s %s: %s", what, name, ctx->shm->strerror(rc));
}

/* Blocks on a queue, waking to notice terminate. */
static int get_item(pm_ctx *ctx, void *q, const char *name, pm_value *out)
{
	for (;;) {
		int rc = ctx->shm->queue_get(q, out, POLL_S);
		if (rc == PM_SHM_OK)
			return 0;
		if (rc != PM_SHM_EMPTY)
			return shm_fail(ctx, "get", name, rc);
		if (ctx->cancelled(ctx))
			return ctx->fail(ctx, "cancelled");
	}
}

/* incr(name, times, locked): add 1 to a shared value `times` times.  With
 * locked=1 each add is one step under the value's lock (`with
 * v.get_lock(): v.value += 1`); with 0 it is `v.value += 1`: a read and a
 * write, and updates from other workers in between are lost. */
static int incr(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	const char *name = a[0].u.s.ptr;
	int64_t times = a[1].u.i;
	if (times < 0 || times > 1000000000)
		return ctx->fail(ctx, "times must be 0..1000000000");
	void *v = need(ctx, name, "value,array");
	if (!v)
		return -1;
	pm_value one = pm_int(1), cur = pm_none();
	for (int64_t i = 0; i < times; i++) {
		int rc;
		if (a[2].u.i) {
			rc = ctx->shm->value_add(v, 0, &one, &cur);
		} else {
			rc = ctx->shm->value_get(v, 0, &cur);
			if (rc == PM_SHM_OK) {
				cur.u.i++;
				rc = ctx->shm->value_set(v, 0, &cur);
			}
		}
		if (rc != PM_SHM_OK)
			return shm_fail(ctx, "add to", name, rc);
	}
	*r = pm_int(times);
	return 0;
}

/* The seed's job(v, num, l): under the lock, ten times: sleep 0.1 s, add
 * num, print the value.  lock "" (or "none"): without a lock. */
static int job(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *v = need(ctx, a[0].u.s.ptr, "value");
	if (!v)
		return -1;
	const char *lname = a[2].u.s.ptr;
	void *l = NULL;
	if (*lname && strcmp(lname, "none")) {
		l = need(ctx, lname, "lock,rlock");
		if (!l)
			return -1;
		int rc = ctx->shm->acquire(l, PM_SHM_FOREVER);
		if (rc == PM_SHM_OWNER_DIED)
			ctx->log(ctx, "%s: its previous holder died holding it", lname);
		else if (rc != PM_SHM_OK)
			return shm_fail(ctx, "acquire", lname, rc);
	}
	pm_value num = a[1], cur = pm_none();
	for (int i = 0; i < 10; i++) {
		sleep_ms(100);
		/* v.value += num: read, then write. */
		ctx->shm->value_get(v, 0, &cur);
		if (cur.type == PM_INT)
			cur.u.i += num.u.i;
		ctx->shm->value_set(v, 0, &cur);
		ctx->log(ctx, "%lld", (long long)cur.u.i);
	}
	if (l)
		ctx->shm->release(l);
	*r = cur;
	return 0;
}

/* producer(queue, name, count): puts "name:1" … "name:count". */
static int producer(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *q = need(ctx, a[0].u.s.ptr, QUEUES);
	if (!q)
		return -1;
	int64_t count = a[2].u.i;
	if (count < 0 || count > 100000000)
		return ctx->fail(ctx, "count must be 0..100000000");
	for (int64_t i = 1; i <= count; i++) {
		char item[256];
		snprintf(item, sizeof item, "%s:%lld", a[1].u.s.ptr,
			 (long long)i);
		pm_value v = pm_str(item);
		int rc;
		while ((rc = ctx->shm->queue_put(q, &v, POLL_S)) == PM_SHM_FULL)
			if (ctx->cancelled(ctx))
				break;
		free(v.u.s.ptr);
		if (rc != PM_SHM_OK)
			return shm_fail(ctx, "put to", a[0].u.s.ptr, rc);
	}
	*r = pm_int(count);
	return 0;
}

/* consumer(queue): gets until the None sentinel, puts it back for the
 * other consumers (the seed's way to stop them all), returns what it got
 * in order. */
static int consumer(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	const char *name = a[0].u.s.ptr;
	void *q = need(ctx, name, QUEUES);
	if (!q)
		return -1;
	pm_value *items = NULL;
	size_t len = 0;
	for (;;) {
		pm_value v;
		if (get_item(ctx, q, name, &v) < 0)
			break;
		if (v.type == PM_NONE) {
			ctx->shm->queue_put(q, &v, PM_SHM_FOREVER);
			r->type = PM_LIST;
			r->u.list.items = items;
			r->u.list.len = len;
			return 0;
		}
		pm_value *grown = realloc(items, (len + 1) * sizeof *items);
		if (!grown)
			return ctx->fail(ctx, "out of memory");
		items = grown;
		items[len++] = v;
	}
	for (size_t i = 0; i < len; i++)
		if (items[i].type == PM_STR || items[i].type == PM_BYTES ||
		    items[i].type == PM_BIGINT)
			free(items[i].u.s.ptr);
	free(items);
	return -1;
}

/* joinable_consumer(queue, ms): forever: get, work ms, task_done — the
 * seed's daemon consumer (spawn daemon=1); `join` on the queue's producer
 * and watch `unfinished` reach 0. */
static int joinable_consumer(pm_ctx *ctx, const pm_value *a, size_t n,
			     pm_value *r)
{
	(void)n;
	(void)r;
	const char *name = a[0].u.s.ptr;
	void *q = need(ctx, name, "joinable_queue");
	if (!q)
		return -1;
	for (;;) {
		pm_value v;
		if (get_item(ctx, q, name, &v) < 0)
			return -1;
		if (v.type == PM_STR)
			ctx->log(ctx, "consumed %s", v.u.s.ptr);
		if (v.type == PM_STR || v.type == PM_BYTES ||
		    v.type == PM_BIGINT)
			free(v.u.s.ptr);
		if (a[1].u.i > 0)
			sleep_ms((long)a[1].u.i);
		int rc = ctx->shm->task_done(q);
		if (rc != PM_SHM_OK)
			return shm_fail(ctx, "task_done on", name, rc);
	}
}

/* join_queue(queue, timeout): JoinableQueue.join(). */
static int join_queue(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *q = need(ctx, a[0].u.s.ptr, "joinable_queue");
	if (!q)
		return -1;
	int rc = ctx->shm->join(q, a[1].u.f > 0 ? a[1].u.f : PM_SHM_FOREVER);
	if (rc != PM_SHM_OK)
		return shm_fail(ctx, "join", a[0].u.s.ptr, rc);
	*r = pm_none();
	return 0;
}

/* writer(queue, *items): the seed's write(): puts each item. */
static int writer(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	void *q = need(ctx, a[0].u.s.ptr, QUEUES);
	if (!q)
		return -1;
	for (size_t i = 1; i < n; i++) {
		int rc = ctx->shm->queue_put(q, &a[i], PM_SHM_FOREVER);
		if (rc != PM_SHM_OK)
			return shm_fail(ctx, "put to", a[0].u.s.ptr, rc);
		ctx->log(ctx, "put item %zu", i);
	}
	*r = pm_int((int64_t)(n - 1));
	return 0;
}

/* A random number of milliseconds in [0, max], each process its own
 * sequence (seeded from its pid and the clock at its first use). */
static long random_ms(long max)
{
	static int seeded;
	static unsigned short xsubi[3];
	if (!seeded) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		xsubi[0] = (unsigned short)getpid();
		xsubi[1] = (unsigned short)ts.tv_nsec;
		xsubi[2] = (unsigned short)(ts.tv_nsec >> 16);
		seeded = 1;
	}
	return max > 0 ? (long)(erand48(xsubi) * (double)(max + 1)) % (max + 1)
		       : 0;
}

static void log_item(pm_ctx *ctx, const char *what, const pm_value *v)
{
	if (v->type == PM_STR || v->type == PM_BIGINT)
		ctx->log(ctx, "%s %s (pid %d)", what, v->u.s.ptr, (int)getpid());
	else if (v->type == PM_INT)
		ctx->log(ctx, "%s %lld (pid %d)", what, (long long)v->u.i,
			 (int)getpid());
	else
		ctx->log(ctx, "%s an item (pid %d)", what, (int)getpid());
}

/* qwriter(queue, max_ms, *items): the seed's random-sleep write(): puts
 * each item, logging it with its pid, then sleeps a random 0..max_ms. */
static int qwriter(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	void *q = need(ctx, a[0].u.s.ptr, QUEUES);
	if (!q)
		return -1;
	if (a[1].u.i < 0 || a[1].u.i > 3600000)
		return ctx->fail(ctx, "max_ms must be 0..3600000");
	for (size_t i = 2; i < n; i++) {
		int rc = ctx->shm->queue_put(q, &a[i], PM_SHM_FOREVER);
		if (rc != PM_SHM_OK)
			return shm_fail(ctx, "put to", a[0].u.s.ptr, rc);
		log_item(ctx, "put", &a[i]);
		sleep_ms(random_ms((long)a[1].u.i));
	}
	*r = pm_int((int64_t)(n - 2));
	return 0;
}

/* qreader(queue, max_ms): the seed's random-sleep read(): gets until None,
 * logging each item with its pid and sleeping a random 0..max_ms after
 * it; how many it got. */
static int qreader(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	const char *name = a[0].u.s.ptr;
	void *q = need(ctx, name, QUEUES);
	if (!q)
		return -1;
	if (a[1].u.i < 0 || a[1].u.i > 3600000)
		return ctx->fail(ctx, "max_ms must be 0..3600000");
	int64_t got = 0;
	for (;;) {
		pm_value v;
		if (get_item(ctx, q, name, &v) < 0)
			return -1;
		if (v.type == PM_NONE)
			break;
		log_item(ctx, "got", &v);
		if (v.type == PM_STR || v.type == PM_BYTES ||
		    v.type == PM_BIGINT)
			free(v.u.s.ptr);
		got++;
		sleep_ms(random_ms((long)a[1].u.i));
	}
	*r = pm_int(got);
	return 0;
}

/* ping(pipe, end, rounds): sends 0, expects 1 back, sends 2 … then None.
 * pong(pipe, end): sends back every number plus one until None. */
static int ping(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *p = need(ctx, a[0].u.s.ptr, "pipe");
	if (!p)
		return -1;
	void *c = ctx->shm->pipe_end(p, (int)a[1].u.i);
	if (!c)
		return ctx->fail(ctx, "end must be 0 or 1");
	pm_value v = pm_int(0);
	for (int64_t i = 0; i < a[2].u.i; i++) {
		int rc = ctx->shm->send(c, &v);
		if (rc == PM_SHM_OK)
			while ((rc = ctx->shm->recv(c, &v, POLL_S)) ==
				       PM_SHM_TIMEOUT &&
			       !ctx->cancelled(ctx))
				;
		if (rc != PM_SHM_OK)
			return shm_fail(ctx, "ping over", a[0].u.s.ptr, rc);
		if (v.type != PM_INT || v.u.i != 2 * i + 1)
			return ctx->fail(ctx, "pong answered out of turn");
		v.u.i++;
	}
	pm_value none = pm_none();
	ctx->shm->send(c, &none);
	*r = pm_int(a[2].u.i);
	return 0;
}

static int pong(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *p = need(ctx, a[0].u.s.ptr, "pipe");
	if (!p)
		return -1;
	void *c = ctx->shm->pipe_end(p, (int)a[1].u.i);
	if (!c)
		return ctx->fail(ctx, "end must be 0 or 1");
	int64_t rounds = 0;
	for (;;) {
		pm_value v;
		int rc = ctx->shm->recv(c, &v, POLL_S);
		if (rc == PM_SHM_TIMEOUT) {
			if (ctx->cancelled(ctx))
				return ctx->fail(ctx, "cancelled");
			continue;
		}
		if (rc != PM_SHM_OK)
			return shm_fail(ctx, "pong over", a[0].u.s.ptr, rc);
		if (v.type == PM_NONE)
			break;
		v.u.i++;
		ctx->shm->send(c, &v);
		rounds++;
	}
	*r = pm_int(rounds);
	return 0;
}

/* fill(array, part, parts): arr[i] = i * i for every i with
 * i % parts == part — run parts of these in parallel. */
static int fill(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *arr = need(ctx, a[0].u.s.ptr, "array");
	if (!arr)
		return -1;
	int64_t part = a[1].u.i, parts = a[2].u.i;
	if (parts < 1 || part < 0 || part >= parts)
		return ctx->fail(ctx, "need 0 <= part < parts");
	size_t len = ctx->shm->len(arr);
	int64_t done = 0;
	for (size_t i = (size_t)part; i < len; i += (size_t)parts) {
		pm_value v = pm_int((int64_t)(i * i));
		int rc = ctx->shm->value_set(arr, i, &v);
		if (rc != PM_SHM_OK)
			return shm_fail(ctx, "set", a[0].u.s.ptr, rc);
		done++;
	}
	*r = pm_int(done);
	return 0;
}

/* hold(lock, ms): acquire, keep it ms, release — kill its worker meanwhile
 * to see the lock recovered ("owner died") instead of a deadlock. */
static int hold(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *obj = need(ctx, a[0].u.s.ptr,
			 "lock,rlock,semaphore,bounded_semaphore,value,array");
	if (!obj)
		return -1;
	const char *k = ctx->shm->kind(obj);
	void *l = !strcmp(k, "value") || !strcmp(k, "array")
			  ? ctx->shm->get_lock(obj)
			  : obj;
	if (!l)
		return ctx->fail(ctx, "'%s' has no lock", a[0].u.s.ptr);
	int rc = ctx->shm->acquire(l, PM_SHM_FOREVER);
	if (rc != PM_SHM_OK && rc != PM_SHM_OWNER_DIED)
		return shm_fail(ctx, "acquire", a[0].u.s.ptr, rc);
	*r = pm_str(rc == PM_SHM_OWNER_DIED ? "acquired (owner died)"
					    : "acquired");
	sleep_ms((long)a[1].u.i);
	ctx->shm->release(l);
	return 0;
}

/* lock_pair(first, second, ms): take first, keep it ms, then take second
 * too, release both.  Two of them with the locks the other way round
 * (lock_pair A B 300; lock_pair B A 300) deadlock: poolmon reports it, and
 * terminating one lets the other finish ("owner died" on its second). */
static int lock_pair(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *l1 = need(ctx, a[0].u.s.ptr, "lock,rlock,condition");
	void *l2 = l1 ? need(ctx, a[1].u.s.ptr, "lock,rlock,condition") : NULL;
	if (!l2)
		return -1;
	int rc = ctx->shm->acquire(l1, PM_SHM_FOREVER);
	if (rc != PM_SHM_OK && rc != PM_SHM_OWNER_DIED)
		return shm_fail(ctx, "acquire", a[0].u.s.ptr, rc);
	sleep_ms((long)a[2].u.i);
	int rc2 = ctx->shm->acquire(l2, PM_SHM_FOREVER);
	if (rc2 != PM_SHM_OK && rc2 != PM_SHM_OWNER_DIED) {
		ctx->shm->release(l1);
		return shm_fail(ctx, "acquire", a[1].u.s.ptr, rc2);
	}
	ctx->shm->release(l2);
	ctx->shm->release(l1);
	*r = pm_str(rc2 == PM_SHM_OWNER_DIED ? "both (owner died)" : "both");
	return 0;
}

/* wait(name, timeout): Event.wait / Barrier.wait; true or false. */
static int wait_task(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *obj = need(ctx, a[0].u.s.ptr, "event,barrier");
	if (!obj)
		return -1;
	int rc = ctx->shm->wait(obj, a[1].u.f > 0 ? a[1].u.f : PM_SHM_FOREVER);
	if (rc != PM_SHM_OK && rc != PM_SHM_TIMEOUT)
		return shm_fail(ctx, "wait on", a[0].u.s.ptr, rc);
	*r = pm_int(rc == PM_SHM_OK);
	return 0;
}

/* consume(queue, ms): the seed's consumer() as printed: get until None
 * (put back for the other consumers), log each item, then work ms on it
 * (the seed's time.sleep(2)); the items in order. */
static int consume(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	const char *name = a[0].u.s.ptr;
	void *q = need(ctx, name, QUEUES);
	if (!q)
		return -1;
	if (a[1].u.i < 0 || a[1].u.i > 3600000)
		return ctx->fail(ctx, "ms must be 0..3600000");
	pm_value *items = NULL;
	size_t len = 0;
	for (;;) {
		pm_value v;
		if (get_item(ctx, q, name, &v) < 0)
			break;
		if (v.type == PM_NONE) {
			ctx->shm->queue_put(q, &v, PM_SHM_FOREVER);
			r->type = PM_LIST;
			r->u.list.items = items;
			r->u.list.len = len;
			return 0;
		}
		pm_value *grown = realloc(items, (len + 1) * sizeof *items);
		if (!grown) {
			if (v.type == PM_STR || v.type == PM_BYTES ||
			    v.type == PM_BIGINT)
				free(v.u.s.ptr);
			ctx->fail(ctx, "out of memory");
			break;
		}
		items = grown;
		items[len++] = v;
		if (v.type == PM_STR)
			ctx->log(ctx, "consumed %s", v.u.s.ptr);
		else
			ctx->log(ctx, "consumed an item");
		if (a[1].u.i > 0)
			sleep_ms((long)a[1].u.i);
	}
	for (size_t i = 0; i < len; i++)
		if (items[i].type == PM_STR || items[i].type == PM_BYTES ||
		    items[i].type == PM_BIGINT)
			free(items[i].u.s.ptr);
	free(items);
	return -1;
}

/* full(queue) / empty(queue): Queue.full() and Queue.empty(), asked from a
 * worker: True or False. */
static int q_ask(pm_ctx *ctx, const char *name, int (*ask)(const void *),
		 const char *what, pm_value *r)
{
	void *q = need(ctx, name, QUEUES);
	if (!q)
		return -1;
	int rc = ask(q);
	if (rc < 0)
		return shm_fail(ctx, what, name, -rc);
	*r = pm_bool(rc != 0);
	return 0;
}

static int q_full(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	return q_ask(ctx, a[0].u.s.ptr, ctx->shm->queue_full, "full() of", r);
}

static int q_empty(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	return q_ask(ctx, a[0].u.s.ptr, ctx->shm->queue_empty, "empty() of", r);
}

/* job_q(queue, n): seed 001 part 3's job(q): res = sum of i + i² + i³ for
 * i < n, q.put(res).  An int while it fits, else its decimal digits. */
static int job_q(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *q = need(ctx, a[0].u.s.ptr, QUEUES);
	if (!q)
		return -1;
	int64_t limit = a[1].u.i;
	if (limit < 0 || limit > 100000000)
		return ctx->fail(ctx, "n must be 0..100000000");
	unsigned __int128 res = 0;
	for (int64_t i = 0; i < limit; i++) {
		unsigned __int128 x = (unsigned __int128)i;
		res += x + x * x + x * x * x;
	}
	pm_value v;
	if (res <= (unsigned __int128)INT64_MAX) {
		v = pm_int((int64_t)res);
	} else {
		char digits[48];
		int pos = (int)sizeof digits - 1;
		digits[pos] = '\0';
		while (res) {
			digits[--pos] = (char)('0' + (int)(res % 10));
			res /= 10;
		}
		v = pm_str(digits + pos);
	}
	int rc = ctx->shm->queue_put(q, &v, PM_SHM_FOREVER);
	if (rc != PM_SHM_OK) {
		if (v.type == PM_STR)
			free(v.u.s.ptr);
		return shm_fail(ctx, "put to", a[0].u.s.ptr, rc);
	}
	*r = v;
	return 0;
}

/* send(pipe, end, *items): conn.send(item) for each item, then None (the
 * reader's cue that nothing more comes: conn.close()).
 * recv(pipe, end): conn.recv() until None; the items in order. */
static int send_task(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	void *p = need(ctx, a[0].u.s.ptr, "pipe");
	if (!p)
		return -1;
	void *c = ctx->shm->pipe_end(p, (int)a[1].u.i);
	if (!c)
		return ctx->fail(ctx, "end must be 0 or 1");
	pm_value none = pm_none();
	for (size_t i = 2; i <= n; i++) {
		int rc = ctx->shm->send(c, i < n ? &a[i] : &none);
		if (rc != PM_SHM_OK)
			return shm_fail(ctx, "send over", a[0].u.s.ptr, rc);
	}
	*r = pm_int((int64_t)(n - 2));
	return 0;
}

static int recv_task(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	void *p = need(ctx, a[0].u.s.ptr, "pipe");
	if (!p)
		return -1;
	void *c = ctx->shm->pipe_end(p, (int)a[1].u.i);
	if (!c)
		return ctx->fail(ctx, "end must be 0 or 1");
	pm_value *items = NULL;
	size_t len = 0;
	for (;;) {
		pm_value v;
		int rc = ctx->shm->recv(c, &v, POLL_S);
		if (rc == PM_SHM_TIMEOUT) {
			if (!ctx->cancelled(ctx))
				continue;
			rc = ctx->fail(ctx, "cancelled");
		} else if (rc != PM_SHM_OK) {
			rc = shm_fail(ctx, "recv over", a[0].u.s.ptr, rc);
		} else if (v.type == PM_NONE) {
			r->type = PM_LIST;
			r->u.list.items = items;
			r->u.list.len = len;
			return 0;
		} else {
			pm_value *grown = realloc(items, (len + 1) * sizeof *items);
			if (grown) {
				items = grown;
				items[len++] = v;
				continue;
			}
			rc = ctx->fail(ctx, "out of memory");
		}
		for (size_t i = 0; i < len; i++)
			if (items[i].type == PM_STR || items[i].type == PM_BYTES ||
			    items[i].type == PM_BIGINT)
				free(items[i].u.s.ptr);
		free(items);
		return -1;
	}
}

/* typecode(name): the seed's type-code table row for a Value or Array:
 * [code, C type, Python type, size in bytes, value (an Array: its
 * values)].  The size is that of the C type poolmon stores (this
 * machine's: 'l' is 8 bytes on 64-bit Linux; the seed gives minimums). */
static int typecode(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	static const struct {
		char code;
		const char *ctype, *pytype;
		size_t size;
	} codes[] = {
		{ 'b', "signed char", "int", sizeof(signed char) },
		{ 'B', "unsigned char", "int", sizeof(unsigned char) },
		{ 'h', "signed short", "int", sizeof(short) },
		{ 'H', "unsigned short", "int", sizeof(unsigned short) },
		{ 'i', "signed int", "int", sizeof(int) },
		{ 'I', "unsigned int", "int", sizeof(unsigned int) },
		{ 'l', "signed long", "int", sizeof(long) },
		{ 'L', "unsigned long", "int", sizeof(unsigned long) },
		{ 'q', "signed long long", "int", sizeof(long long) },
		{ 'Q', "unsigned long long", "int", sizeof(unsigned long long) },
		{ 'f', "float", "float", sizeof(float) },
		{ 'd', "double", "float", sizeof(double) },
		{ 'c', "char", "bytes", sizeof(char) },
	};
	void *obj = need(ctx, a[0].u.s.ptr, "value,array");
	if (!obj)
		return -1;
	char code = ctx->shm->code(obj);
	size_t k = 0, nc = sizeof codes / sizeof codes[0];
	while (k < nc && codes[k].code != code)
		k++;
	if (k == nc)
		return ctx->fail(ctx, "unknown type code '%c'", code);
	int is_array = !strcmp(ctx->shm->kind(obj), "array");
	size_t len = is_array ? ctx->shm->len(obj) : 1;
	pm_value *row = calloc(5, sizeof *row);
	pm_value *vals = is_array ? calloc(len, sizeof *vals) : NULL;
	if (!row || (is_array && !vals)) {
		free(row);
		free(vals);
		return ctx->fail(ctx, "out of memory");
	}
	for (size_t i = 0; i < len; i++) {
		int rc = ctx->shm->value_get(obj, i, is_array ? &vals[i] : &row[4]);
		if (rc != PM_SHM_OK) {
			for (size_t j = 0; j < i && is_array; j++)
				if (vals[j].type == PM_STR || vals[j].type == PM_BYTES ||
				    vals[j].type == PM_BIGINT)
					free(vals[j].u.s.ptr);
			free(vals);
			free(row);
			return shm_fail(ctx, "read", a[0].u.s.ptr, rc);
		}
	}
	char c[2] = { code, '\0' };
	row[0] = pm_str(c);
	row[1] = pm_str(codes[k].ctype);
	row[2] = pm_str(codes[k].pytype);
	row[3] = pm_int((int64_t)codes[k].size);
	if (is_array) {
		row[4].type = PM_LIST;
		row[4].u.list.items = vals;
		row[4].u.list.len = len;
	}
	r->type = PM_LIST;
	r->u.list.items = row;
	r->u.list.len = 5;
	return 0;
}

static const struct pm_task_def tasks[] = {
	{ "incr", "name:str, times:int, locked:int", "int",
	  "add 1 to a shared value times times (locked=1: under its lock)",
	  incr },
	{ "job", "v:str, num:int, lock:str", "int",
	  "the seed's job(v, num, l): ten times add num to v, under lock (\"\": none)",
	  job },
	{ "producer", "queue:str, name:str, count:int", "int",
	  "put name:1 … name:count on the queue", producer },
	{ "consumer", "queue:str", "list",
	  "get until None (put back for the others); the items in order",
	  consumer },
	{ "joinable_consumer", "queue:str, ms:int", "none",
	  "forever: get, work ms, task_done (spawn daemon=1)",
	  joinable_consumer },
	{ "join_queue", "queue:str, timeout:float", "none",
	  "JoinableQueue.join() (timeout 0: none)", join_queue },
	{ "writer", "queue:str, *items", "int", "the seed's write(): put each item",
	  writer },
	{ "qwriter", "queue:str, max_ms:int, *items", "int",
	  "the seed's random-sleep write(): put each item (logged with the pid), sleep 0..max_ms",
	  qwriter },
	{ "qreader", "queue:str, max_ms:int", "int",
	  "the seed's random-sleep read(): get until None, log each with the pid, sleep 0..max_ms",
	  qreader },
	{ "ping", "pipe:str, end:int, rounds:int", "int",
	  "ping-pong over a pipe end: send n, expect n+1", ping },
	{ "pong", "pipe:str, end:int", "int",
	  "answer every number plus one until None", pong },
	{ "fill", "array:str, part:int, parts:int", "int",
	  "arr[i] = i*i for i % parts == part (fill in parallel)", fill },
	{ "hold", "lock:str, ms:int", "str",
	  "hold a lock (or a value's lock) for ms milliseconds", hold },
	{ "lock_pair", "first:str, second:str, ms:int", "str",
	  "take first, keep it ms, take second too (two the other way round deadlock)",
	  lock_pair },
	{ "wait", "name:str, timeout:float", "int",
	  "Event.wait / Barrier.wait; 1 if released, 0 on timeout", wait_task },
	{ "consume", "queue:str, ms:int", "list",
	  "the seed's consumer(): get until None (put back), log each, work ms",
	  consume },
	{ "full", "queue:str", "bool",
	  "Queue.full() from a worker: True or False", q_full },
	{ "empty", "queue:str", "bool",
	  "Queue.empty() from a worker: True or False", q_empty },
	{ "job_q", "queue:str, n:int", "any",
	  "seed 001's job(q): put sum of i + i*i + i*i*i for i < n on the queue",
	  job_q },
	{ "send", "pipe:str, end:int, *items", "int",
	  "conn.send() each item over a pipe end, then None (close)", send_task },
	{ "recv", "pipe:str, end:int", "list",
	  "conn.recv() over a pipe end until None; the items in order",
	  recv_task },
	{ "typecode", "name:str", "list",
	  "a Value/Array's type-code row: code, C type, Python type, bytes, value",
	  typecode },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "shared",
	.version = "1.0",
	.description = "the seeds' shared state: queues, pipes, values, locks",
	.init = NULL,
	.fini = NULL,
	.tasks = tasks,
};
