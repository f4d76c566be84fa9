/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bundled demo plugin: small tasks for demos and tests, including the
 * seeds' job(n). */
#define _GNU_SOURCE
#include <poolmon/plugin.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int square(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	int64_t v;
	if (__builtin_mul_overflow(a[0].u.i, a[0].u.i, &v))
		return ctx->fail(ctx, "integer overflow: %lld squared",
				 (long long)a[0].u.i);
	*r = pm_int(v);
	return 0;
}

static int cube(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	int64_t v;
	if (__builtin_mul_overflow(a[0].u.i, a[0].u.i, &v) ||
	    __builtin_mul_overflow(v, a[0].u.i, &v))
		return ctx->fail(ctx, "integer overflow: %lld cubed",
				 (long long)a[0].u.i);
	*r = pm_int(v);
	return 0;
}

static int add(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	int64_t v;
	if (__builtin_add_overflow(a[0].u.i, a[1].u.i, &v))
		return ctx->fail(ctx, "integer overflow");
	*r = pm_int(v);
	return 0;
}

/* The seeds' CPU-bound job: sum of i + i² + i³ for i < n.  Exact: an int
 * while it fits in 64 bits, else its decimal digits as a string (Python's
 * int has no limit). */
static int job(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	int64_t limit = a[0].u.i;
	if (limit < 0)
		return ctx->fail(ctx, "n must be >= 0, got %lld",
				 (long long)limit);
	if (limit > 100000000)
		return ctx->fail(ctx, "n too large (at most 100000000)");
	unsigned __int128 res = 0;
	for (int64_t i = 0; i < limit; i++) {
		unsigned __int128 x = (unsigned __int128)i;
		res += x + x * x + x * x * x;
	}
	if (res <= (unsigned __int128)INT64_MAX) {
		*r = pm_int((int64_t)res);
		return 0;
	}
	char digits[48];
	int pos = (int)sizeof digits - 1;
	digits[pos] = '\0';
	while (res) {
		digits[--pos] = (char)('0' + (int)(res % 10));
		res /= 10;
	}
	*r = pm_str(digits + pos);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0)
		;
}

static int sleep_task(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	int64_t ms = a[0].u.i;
	if (ms < 0)
		return ctx->fail(ctx, "ms must be >= 0, got %lld",
				 (long long)ms);
	/* Sleep in slices so that a cancelled task stops early. */
	for (int64_t left = ms; left > 0; left -= 50) {
		if (ctx->cancelled(ctx))
			return ctx->fail(ctx, "cancelled");
		sleep_ms(left < 50 ? (long)left : 50);
	}
	*r = pm_int(ms);
	return 0;
}

static int echo(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)ctx;
	if (n == 1) {
		/* Copy through the header's helpers: results must be ours. */
		if (a[0].type == PM_STR || a[0].type == PM_BIGINT) {
			*r = pm_str(a[0].u.s.ptr);
			r->type = a[0].type;
			return 0;
		}
		if (a[0].type == PM_INT || a[0].type == PM_FLOAT ||
		    a[0].type == PM_NONE) {
			*r = a[0];
			return 0;
		}
	}
	pm_value *items = calloc(n ? n : 1, sizeof *items);
	if (!items)
		return ctx->fail(ctx, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (a[i].type == PM_STR || a[i].type == PM_BIGINT) {
			items[i] = pm_str(a[i].u.s.ptr);
			items[i].type = a[i].type;
		} else if (a[i].type == PM_LIST || a[i].type == PM_BYTES)
			items[i] = pm_str("<nested>");
		else
			items[i] = a[i];
	}
	r->type = PM_LIST;
	r->u.list.items = items;
	r->u.list.len = n;
	return 0;
}

static int fail(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	(void)r;
	return ctx->fail(ctx, "%s", a[0].u.s.ptr);
}

/* A real fault, not a sanitizer report: the sanitizer build must see the
 * same SIGSEGV as a normal one. */
__attribute__((no_sanitize("address", "undefined"))) static int
crash(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)r;
	const char *how = n ? a[0].u.s.ptr : "segv";
	if (!strcmp(how, "segv")) {
		volatile int *p = NULL;
		*p = 1;
	} else if (!strcmp(how, "abort")) {
		abort();
	} else if (!strcmp(how, "exit")) {
		_exit(3);
	} else if (!strcmp(how, "fpe")) {
		raise(SIGFPE);
	}
	return ctx->fail(ctx, "crash: unknown way '%s' (segv, abort, exit, fpe)",
			 how);
}

static int hang(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)a;
	(void)n;
	(void)r;
	while (!ctx->cancelled(ctx))
		sleep_ms(50);
	return ctx->fail(ctx, "cancelled");
}

/* Burns CPU for ms milliseconds, reporting progress. */
static int spin(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	int64_t ms = a[0].u.i;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t loops = 0;
	for (;;) {
		for (volatile int k = 0; k < 100000; k++)
			;
		loops++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double el = (double)(now.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(now.tv_nsec - t0.tv_nsec) / 1e6;
		if (el >= (double)ms)
			break;
		ctx->progress(ctx, el / (double)ms);
		if (ctx->cancelled(ctx))
			return ctx->fail(ctx, "cancelled");
	}
	*r = pm_int((int64_t)loops);
	return 0;
}

/* Deterministic misbehaviour for soak tests: by a hash of seed, about 1% of
 * calls die by SIGSEGV, 0.5% abort, 0.5% exit(7), 0.5% fail; the rest
 * return seed. */
__attribute__((no_sanitize("address", "undefined"))) static int
chaos(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	uint64_t h = (uint64_t)a[0].u.i * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	switch (h % 1000) {
	case 0: case 1: case 2: case 3: case 4:
	case 5: case 6: case 7: case 8: case 9: {
		volatile int *p = NULL;
		*p = 1;
		break;
	}
	case 10: case 11: case 12: case 13: case 14:
		abort();
	case 15: case 16: case 17: case 18: case 19:
		_exit(7);
	case 20: case 21: case 22: case 23: case 24:
		return ctx->fail(ctx, "chaos says no to %lld",
				 (long long)a[0].u.i);
	default:
		break;
	}
	*r = pm_int(a[0].u.i);
	return 0;
}

/* ---- the seeds' Process examples ---------------------------------------- */

/* Appends a value as Python prints it inside a dict or list. */
static void py_repr(char *buf, size_t len, const pm_value *v)
{
	size_t used = strlen(buf);
	if (used >= len)
		return;
	char *p = buf + used;
	size_t room = len - used;
	switch (v->type) {
	case PM_INT:
		snprintf(p, room, "%lld", (long long)v->u.i);
		break;
	case PM_FLOAT:
		snprintf(p, room, "%g", v->u.f);
		break;
	case PM_STR:
		snprintf(p, room, "'%s'", v->u.s.ptr);
		break;
	case PM_BIGINT:
		snprintf(p, room, "%s", v->u.s.ptr);
		break;
	case PM_LIST:
		snprintf(p, room, "[");
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				strncat(buf, ", ", len - strlen(buf) - 1);
			py_repr(buf, len, &v->u.list.items[i]);
		}
		strncat(buf, "]", len - strlen(buf) - 1);
		break;
	case PM_BYTES:
		snprintf(p, room, "b'...'");
		break;
	default:
		snprintf(p, room, "None");
		break;
	}
}

/* The **kwargs list ([key, value] pairs) as Python prints a dict. */
static void kwargs_repr(char *buf, size_t len, const pm_value *kw)
{
	snprintf(buf, len, "{");
	for (size_t i = 0; i < kw->u.list.len; i++) {
		const pm_value *pair = kw->u.list.items[i].u.list.items;
		if (i)
			strncat(buf, ", ", len - strlen(buf) - 1);
		py_repr(buf, len, &pair[0]);
		strncat(buf, ": ", len - strlen(buf) - 1);
		py_repr(buf, len, &pair[1]);
	}
	strncat(buf, "}", len - strlen(buf) - 1);
}

/* person(name, age, **kwargs): "name,age,{kwargs}" at once. */
static int person(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)ctx;
	(void)n;
	char kw[512], text[768];
	kwargs_repr(kw, sizeof kw, &a[2]);
	snprintf(text, sizeof text, "%s,%lld,%s", a[0].u.s.ptr,
		 (long long)a[1].u.i, kw);
	*r = pm_str(text);
	return 0;
}

/* The seed's proc_1(name, age, **kwargs): ten rounds, 0.5 s apart, each
 * logging name, age, pid and the kwargs. */
static int proc_1(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	char kw[512];
	kwargs_repr(kw, sizeof kw, &a[2]);
	for (int i = 0; i < 10; i++) {
		if (ctx->cancelled(ctx))
			return ctx->fail(ctx, "cancelled");
		ctx->log(ctx, "running: %s,%lld,%d kwargs=%s", a[0].u.s.ptr,
			 (long long)a[1].u.i, (int)getpid(), kw);
		sleep_ms(500);
	}
	*r = pm_int(10);
	return 0;
}

/* A random number of milliseconds in [lo, hi], each process its own
 * sequence (seeded from its pid and the clock at its first use). */
static long random_ms(long lo, long hi)
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
	if (hi <= lo)
		return lo;
	return lo + (long)(erand48(xsubi) * (double)(hi - lo + 1)) % (hi - lo + 1);
}

/* Sleeps ms in slices of 50 ms; false if the task was cancelled. */
static int nap(pm_ctx *ctx, long ms)
{
	for (long left = ms; left > 0; left -= 50) {
		if (ctx->cancelled(ctx))
			return 0;
		sleep_ms(left < 50 ? left : 50);
	}
	return 1;
}

/* rsleep(min_ms, max_ms): sleep a random time in [min_ms, max_ms] (equal:
 * a fixed time); the milliseconds slept. */
static int rsleep(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	int64_t lo = a[0].u.i, hi = a[1].u.i;
	if (lo < 0 || hi < lo || hi > 3600000)
		return ctx->fail(ctx, "need 0 <= min_ms <= max_ms <= 3600000, got %lld %lld",
				 (long long)lo, (long long)hi);
	long ms = random_ms((long)lo, (long)hi);
	if (!nap(ctx, ms))
		return ctx->fail(ctx, "cancelled");
	*r = pm_int(ms);
	return 0;
}

/* say(text, ms): log "TEXT (pid N)", then sleep ms; the pid. */
static int say(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	if (a[1].u.i < 0 || a[1].u.i > 3600000)
		return ctx->fail(ctx, "ms must be 0..3600000, got %lld",
				 (long long)a[1].u.i);
	ctx->log(ctx, "%s (pid %d)", a[0].u.s.ptr, (int)getpid());
	if (!nap(ctx, (long)a[1].u.i))
		return ctx->fail(ctx, "cancelled");
	*r = pm_int((int64_t)getpid());
	return 0;
}

/* The seed's worker(proc_name, *args, **kwargs): logs its start with its
 * pid, the rest of the positional arguments as a tuple and the keyword
 * arguments as a dict, sleeps a random time up to max_ms (a keyword
 * argument; 2000 by default, as the seed's random()*2 s), logs its end.
 * "NAME done". */
static int worker(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	const pm_value *kw = &a[n - 1];
	size_t npos = n - 1;
	long max_ms = 2000;
	for (size_t i = 0; i < kw->u.list.len; i++) {
		const pm_value *pair = kw->u.list.items[i].u.list.items;
		if (pair[0].type == PM_STR && !strcmp(pair[0].u.s.ptr, "max_ms")) {
			if (pair[1].type != PM_INT || pair[1].u.i < 0 ||
			    pair[1].u.i > 3600000)
				return ctx->fail(ctx, "max_ms must be 0..3600000");
			max_ms = (long)pair[1].u.i;
		}
	}
	char name[256] = "", args[512] = "(", kws[512];
	if (a[0].type == PM_STR)
		snprintf(name, sizeof name, "%s", a[0].u.s.ptr);
	else
		py_repr(name, sizeof name, &a[0]);
	for (size_t i = 1; i < npos; i++) {
		if (i > 1)
			strncat(args, ", ", sizeof args - strlen(args) - 1);
		py_repr(args, sizeof args, &a[i]);
	}
	strncat(args, npos == 2 ? ",)" : ")", sizeof args - strlen(args) - 1);
	kwargs_repr(kws, sizeof kws, kw);
	ctx->log(ctx, "%s start, pid %d", name, (int)getpid());
	ctx->log(ctx, "args: %s", args);
	ctx->log(ctx, "kwargs: %s", kws);
	long ms = random_ms(0, max_ms);
	if (!nap(ctx, ms))
		return ctx->fail(ctx, "cancelled");
	ctx->log(ctx, "%s done after %ld ms", name, ms);
	char text[300];
	snprintf(text, sizeof text, "%s done", name);
	*r = pm_str(text);
	return 0;
}

/* A process-global counter: every process has its own copy, so tasks in
 * different processes never see each other's increments. */
static int64_t counter_value;

static int counter(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)ctx;
	(void)a;
	(void)n;
	*r = pm_int(++counter_value);
	return 0;
}

/* The seed's global list nums = [11, 22]: appends the arguments in this
 * process and returns the list as this process sees it. */
static int64_t nums_items[64] = { 11, 22 };
static size_t nums_len = 2;

static int nums(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	if (nums_len + n > sizeof nums_items / sizeof nums_items[0])
		return ctx->fail(ctx, "nums is full");
	for (size_t i = 0; i < n; i++) {
		if (a[i].type != PM_INT)
			return ctx->fail(ctx, "nums takes integers");
		nums_items[nums_len++] = a[i].u.i;
	}
	pm_value *items = calloc(nums_len, sizeof *items);
	if (!items)
		return ctx->fail(ctx, "out of memory");
	for (size_t i = 0; i < nums_len; i++)
		items[i] = pm_int(nums_items[i]);
	r->type = PM_LIST;
	r->u.list.items = items;
	r->u.list.len = nums_len;
	return 0;
}

/* ---- the seeds' serial / threads / processes comparison -------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* job(n) as a 128-bit sum. */
static unsigned __int128 job_sum(int64_t limit)
{
	unsigned __int128 res = 0;
	for (int64_t i = 0; i < limit; i++) {
		unsigned __int128 x = (unsigned __int128)i;
		res += x + x * x + x * x * x;
	}
	return res;
}

/* job's result: an int while it fits, else its decimal digits. */
static pm_value job_value(unsigned __int128 res)
{
	if (res <= (unsigned __int128)INT64_MAX)
		return pm_int((int64_t)res);
	char digits[48];
	int pos = (int)sizeof digits - 1;
	digits[pos] = '\0';
	while (res) {
		digits[--pos] = (char)('0' + (int)(res % 10));
		res /= 10;
	}
	return pm_str(digits + pos);
}

static int check_job_n(pm_ctx *ctx, int64_t limit)
{
	if (limit < 0)
		return ctx->fail(ctx, "n must be >= 0, got %lld",
				 (long long)limit);
	if (limit > 100000000)
		return ctx->fail(ctx, "n too large (at most 100000000)");
	return 0;
}

/* job(n), logging its pid and its run time on the monotonic clock (which
 * all processes share, so overlaps show). */
static int job_timed(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	if (check_job_n(ctx, a[0].u.i) < 0)
		return -1;
	double t0 = now_s();
	unsigned __int128 res = job_sum(a[0].u.i);
	double t1 = now_s();
	ctx->log(ctx, "job(%lld) in pid %d: %.3f s (clock %.3f to %.3f)",
		 (long long)a[0].u.i, (int)getpid(), t1 - t0, t0, t1);
	*r = job_value(res);
	return 0;
}

typedef struct job_thread {
	pthread_t tid;
	int64_t n;
	unsigned __int128 res;
} job_thread;

static void *job_thread_main(void *arg)
{
	job_thread *t = arg;
	t->res = job_sum(t->n);
	return NULL;
}

/* The seeds' multithread(): job(n) in each of `threads` threads at once
 * (in C they really run in parallel: no GIL); their results, in order. */
static int job_threads(pm_ctx *ctx, const pm_value *a, size_t n,
		       pm_value *r)
{
	(void)n;
	int64_t limit = a[0].u.i, nthreads = a[1].u.i;
	if (check_job_n(ctx, limit) < 0)
		return -1;
	if (nthreads < 1 || nthreads > 64)
		return ctx->fail(ctx, "threads must be 1..64, got %lld",
				 (long long)nthreads);
	job_thread th[64];
	double t0 = now_s();
	int64_t started = 0;
	for (; started < nthreads; started++) {
		th[started].n = limit;
		if (pthread_create(&th[started].tid, NULL, job_thread_main,
				   &th[started]) != 0)
			break;
	}
	for (int64_t i = 0; i < started; i++)
		pthread_join(th[i].tid, NULL);
	if (started < nthreads)
		return ctx->fail(ctx, "cannot start thread %lld",
				 (long long)started + 1);
	double t1 = now_s();
	ctx->log(ctx, "job(%lld) on %lld threads in pid %d: %.3f s",
		 (long long)limit, (long long)nthreads, (int)getpid(), t1 - t0);
	pm_value *items = calloc((size_t)nthreads, sizeof *items);
	if (!items)
		return ctx->fail(ctx, "out of memory");
	for (int64_t i = 0; i < nthreads; i++)
		items[i] = job_value(th[i].res);
	r->type = PM_LIST;
	r->u.list.items = items;
	r->u.list.len = (size_t)nthreads;
	return 0;
}

static const struct pm_task_def tasks[] = {
	{ "square", "n:int", "int", "n * n", square },
	{ "cube", "n:int", "int", "n * n * n", cube },
	{ "add", "a:int, b:int", "int", "a + b (for starmap-style map)", add },
	{ "job", "n:int", "int",
	  "the seeds' job: sum of i + i*i + i*i*i for i < n", job },
	{ "sleep", "ms:int", "int", "sleep ms milliseconds, return ms",
	  sleep_task },
	{ "echo", "*args", "any", "return the arguments", echo },
	{ "fail", "message:str", "none", "fail with this message", fail },
	{ "crash", "*how", "none",
	  "kill the worker: segv (default), abort, exit, fpe", crash },
	{ "hang", "", "none", "never return (for timeouts and terminate)",
	  hang },
	{ "spin", "ms:int", "int", "burn CPU for ms milliseconds, with progress",
	  spin },
	{ "person", "name:str, age:int, **kwargs", "str",
	  "name,age,{kwargs} (named and keyword arguments)", person },
	{ "proc_1", "name:str, age:int, **kwargs", "int",
	  "the seed's proc_1: log name, age, pid, kwargs 10 times, 0.5 s apart",
	  proc_1 },
	{ "rsleep", "min_ms:int, max_ms:int", "int",
	  "sleep a random time in [min_ms, max_ms] ms (equal: fixed); the ms slept",
	  rsleep },
	{ "say", "text:str, ms:int", "int",
	  "log 'TEXT (pid N)', then sleep ms; the pid", say },
	{ "worker", "name:any, *args, **kwargs", "str",
	  "the seed's worker(name, *args, **kwargs): log start+pid, args, kwargs; sleep random <= max_ms= (2000)",
	  worker },
	{ "counter", "", "int",
	  "add 1 to this process's global counter and return it", counter },
	{ "nums", "*items", "list",
	  "append to this process's global list [11, 22] and return it", nums },
	{ "job_timed", "n:int", "any",
	  "job(n), logging its pid and run time", job_timed },
	{ "job_threads", "n:int, threads:int", "list",
	  "job(n) in each of `threads` threads at once; their results",
	  job_threads },
	{ "chaos", "seed:int", "int",
	  "by a hash of seed: ~1% SIGSEGV, 0.5% abort, exit(7), fail; else seed",
	  chaos },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "demo",
	.version = "1.0",
	.description = "demo tasks: square, job, sleep, crash, …",
	.init = NULL,
	.fini = NULL,
	.tasks = tasks,
};
