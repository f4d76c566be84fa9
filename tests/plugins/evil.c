/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The evil plugin (tests/evil.sh): tasks that do what buggy task code does
 * — write over shared objects and their own context, close every fd, leave
 * children behind, block every signal and spin, allocate until the kernel
 * says no, return values no plugin should.  poolmon must carry on: every
 * other task's result intact, every task in exactly one final state. */
#define _GNU_SOURCE
#include <poolmon/plugin.h>

#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Writes 0xff over the first 64 bytes of the shared object named (its
 * header and what follows; every object is larger). */
static int scribble(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	unsigned char *obj = ctx->shared(ctx, a[0].u.s.ptr);
	if (!obj)
		return ctx->fail(ctx, "no shared object '%s'", a[0].u.s.ptr);
	memset(obj, 0xff, 64);
	*r = pm_int(64);
	return 0;
}

/* Writes over its own context, then returns as if nothing happened. */
static int scribble_ctx(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)a;
	(void)n;
	memset(ctx, 0xa5, sizeof *ctx);
	*r = pm_int(1);
	return 0;
}

/* Closes every fd it has, then returns a result. */
static int close_fds(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)ctx;
	(void)a;
	(void)n;
	struct rlimit rl;
	int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536
			  ? (int)rl.rlim_cur
			  : 65536;
	for (int fd = 0; fd < max; fd++)
		close(fd);
	*r = pm_int(max);
	return 0;
}

/* Forks count children that linger (at most an hour: a test that dies
 * must not leave them for ever), each writing its pid to the file named,
 * and returns at once. */
static int fork_linger(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	FILE *f = fopen(a[1].u.s.ptr, "a");
	if (!f)
		return ctx->fail(ctx, "cannot open %s", a[1].u.s.ptr);
	for (int64_t i = 0; i < a[0].u.i; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			alarm(3600);
			for (;;)
				pause();
		}
		if (pid > 0)
			fprintf(f, "%d\n", (int)pid);
	}
	fclose(f);
	*r = pm_int(a[0].u.i);
	return 0;
}

/* Blocks every signal it can and spins, not looking at cancelled(). */
static int block_spin(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)ctx;
	(void)a;
	(void)n;
	(void)r;
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}

/* Maps memory 1 MiB at a time until the kernel refuses (under an address
 * space limit 256 MiB above what the worker has, so the machine is not
 * pushed), touches all of it, gives it back; the result is the MiB it got. */
static int hog(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)a;
	(void)n;
	long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f || fscanf(f, "%ld", &pages) != 1)
		return ctx->fail(ctx, "cannot read /proc/self/statm");
	fclose(f);
	struct rlimit old, lim;
	getrlimit(RLIMIT_AS, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) +
		       ((rlim_t)256 << 20);
	if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < lim.rlim_cur)
		lim.rlim_cur = old.rlim_cur;
	if (setrlimit(RLIMIT_AS, &lim) < 0)
		return ctx->fail(ctx, "cannot set RLIMIT_AS");
	enum { MIB = 1 << 20, MAXMAPS = 4096 };
	static void *maps[MAXMAPS];
	int64_t got = 0;
	while (got < MAXMAPS) {
		void *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		memset(p, 1, MIB);
		maps[got++] = p;
	}
	for (int64_t i = 0; i < got; i++)
		munmap(maps[i], MIB);
	setrlimit(RLIMIT_AS, &old);
	if (got == MAXMAPS)
		return ctx->fail(ctx, "never refused");
	*r = pm_int(got);
	return 0;
}

/* n lists, one in the other, around an int. */
static pm_value nest(int n)
{
	pm_value v = pm_int(1);
	for (int i = 0; i < n; i++) {
		pm_value *one = malloc(sizeof *one);
		if (!one)
			abort();
		one[0] = v;
		v.type = PM_LIST;
		v.u.list.items = one;
		v.u.list.len = 1;
	}
	return v;
}

/* A malformed result, by kind: 0 a str with a NULL pointer and length 3,
 * 1 a list of 1000 with NULL items, 2 a str of length 2^40, 3 an unknown
 * type code, 4 an int nested in 65 lists, 5 a failure that leaves a
 * malformed result behind. */
static int bad(pm_ctx *ctx, const pm_value *a, size_t n, pm_value *r)
{
	(void)n;
	pm_value v = pm_none();
	switch (a[0].u.i) {
	case 0:
		v.type = PM_STR;
		v.u.s.len = 3;
		break;
	case 1:
		v.type = PM_LIST;
		v.u.list.len = 1000;
		break;
	case 2:
		v = pm_str("abc");
		v.u.s.len = (size_t)1 << 40;
		break;
	case 3:
		v.type = (pm_type)42;
		break;
	case 4:
		v = nest(65);
		break;
	case 5:
		v.type = PM_LIST;
		v.u.list.len = 1000;
		*r = v;
		return ctx->fail(ctx, "failed, leaving a bad result");
	default:
		return ctx->fail(ctx, "no such kind");
	}
	*r = v;
	return 0;
}

static const struct pm_task_def tasks[] = {
	{ "scribble", "name:str", "int", "write over a shared object", scribble },
	{ "scribble_ctx", "", "int", "write over its own context", scribble_ctx },
	{ "close_fds", "", "int", "close every fd", close_fds },
	{ "fork_linger", "count:int, pidfile:str", "int",
	  "fork children that linger", fork_linger },
	{ "block_spin", "", "none", "block all signals and spin", block_spin },
	{ "hog", "", "int", "allocate until refused", hog },
	{ "bad", "kind:int", "any", "return a malformed value", bad },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "evil",
	.version = "0.1",
	.description = "tasks that misbehave in every way (tests/evil.sh)",
	.tasks = tasks,
};
