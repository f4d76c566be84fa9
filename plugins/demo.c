/* The bundled demo plugin: small tasks for demos and tests, including the
 * seeds' job(n). */
#define _GNU_SOURCE
#include <poolmon/plugin.h>

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
		if (a[0].type == PM_STR) {
			*r = pm_str(a[0].u.s.ptr);
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
		if (a[i].type == PM_STR)
			items[i] = pm_str(a[i].u.s.ptr);
		else if (a[i].type == PM_LIST || a[i].type == PM_BYTES)
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
