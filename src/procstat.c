/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-process and system figures from procps-ng's libproc2.
 *
 * One pids_info lives as long as the pm_procstat, and procps_pids_select
 * reads just the pids asked for.  CPU% comes from tick deltas we keep
 * ourselves (PIDS_TICS_ALL against the previous sample of the same pid):
 * libproc2's PIDS_TICS_ALL_DELTA only remembers the pids of the previous
 * select call, and a select takes at most 255 pids, so with a larger pool
 * the chunks would wipe each other's history.  Context switches are not an
 * item in libproc2 4.0, so they come from /proc/PID/status.  RSS is
 * PIDS_VM_RSS (status: VmRSS, kB, the same figure as PIDS_MEM_RES): a
 * select reads status anyway, while PIDS_MEM_RES would add a read of
 * statm per pid. */
#define _GNU_SOURCE
#include "procstat.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libproc2/meminfo.h>
#include <libproc2/misc.h>
#include <libproc2/pids.h>
#include <libproc2/stat.h>

#include "util.h"

/* PIDS_VAL changed arity in procps-ng 4.0.5; this is ours. */
#define PS_VAL(stack, rel, type) ((stack)->head[(rel)].result.type)

/* The items and an enum of their indexes, kept in step. */
static enum pids_item ps_items[] = {
	PIDS_ID_PID, PIDS_STATE, PIDS_TICS_ALL, PIDS_VM_RSS, PIDS_NLWP,
};
enum ps_rel { REL_PID, REL_STATE, REL_TICS, REL_RES, REL_NLWP };

#define SELECT_MAX 255 /* libproc2's limit per procps_pids_select */

typedef struct prev_tics {
	pid_t pid;
	unsigned long long tics;
} prev_tics;

struct pm_procstat {
	struct pids_info *pids;
	struct stat_info *stat;
	struct meminfo_info *mem;
	long hertz;
	/* Previous per-pid sample, sorted by pid. */
	prev_tics *prev;
	size_t nprev;
	double prev_time;
	/* Previous system sample. */
	unsigned long long sys_busy, sys_total;
	bool have_sys;
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

pm_procstat *pm_procstat_new(void)
{
	pm_procstat *p = xcalloc(1, sizeof *p);
	if (procps_pids_new(&p->pids, ps_items,
			    (int)(sizeof ps_items / sizeof *ps_items)) < 0)
		p->pids = NULL;
	if (procps_stat_new(&p->stat) < 0)
		p->stat = NULL;
	if (procps_meminfo_new(&p->mem) < 0)
		p->mem = NULL;
	p->hertz = procps_hertz_get();
	if (p->hertz <= 0)
		p->hertz = sysconf(_SC_CLK_TCK);
	if (p->hertz <= 0)
		p->hertz = 100;
	return p;
}

void pm_procstat_free(pm_procstat *p)
{
	if (!p)
		return;
	if (p->pids)
		procps_pids_unref(&p->pids);
	if (p->stat)
		procps_stat_unref(&p->stat);
	if (p->mem)
		procps_meminfo_unref(&p->mem);
	free(p->prev);
	free(p);
}

static int cmp_prev(const void *a, const void *b)
{
	pid_t x = ((const prev_tics *)a)->pid, y = ((const prev_tics *)b)->pid;
	return (x > y) - (x < y);
}

static const prev_tics *find_prev(const pm_procstat *p, pid_t pid)
{
	prev_tics key = { pid, 0 };
	if (!p->nprev)
		return NULL;
	return bsearch(&key, p->prev, p->nprev, sizeof *p->prev, cmp_prev);
}

/* voluntary + nonvoluntary context switches, 0 if unreadable. */
static unsigned long read_ctxsw(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	unsigned long total = 0;
	static const char *const keys[] = { "\nvoluntary_ctxt_switches:",
					    "\nnonvoluntary_ctxt_switches:" };
	for (size_t i = 0; i < 2; i++) {
		const char *s = strstr(buf, keys[i]);
		if (s)
			total += strtoul(s + strlen(keys[i]), NULL, 10);
	}
	return total;
}

static pm_proc_sample *find_out(const pid_t *pids, size_t n,
				pm_proc_sample *out, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return &out[i];
	return NULL;
}

int pm_procstat_sample(pm_procstat *p, const pid_t *pids, size_t n,
		       pm_proc_sample *out)
{
	double now = mono_now();
	double elapsed = p->nprev ? now - p->prev_time : 0.0;
	for (size_t i = 0; i < n; i++)
		out[i] = (pm_proc_sample){ .pid = pids[i], .state = '?' };
	if (!p->pids)
		return -1;

	prev_tics *next = xcalloc(n ? n : 1, sizeof *next);
	size_t nnext = 0;
	unsigned these[SELECT_MAX];
	int rc = 0;
	for (size_t at = 0; at < n; at += SELECT_MAX) {
		size_t chunk = n - at < SELECT_MAX ? n - at : SELECT_MAX;
		int k = 0;
		for (size_t i = 0; i < chunk; i++)
			if (pids[at + i] > 0)
				these[k++] = (unsigned)pids[at + i];
		if (!k)
			continue;
		struct pids_fetch *f =
			procps_pids_select(p->pids, these, k, PIDS_SELECT_PID);
		if (!f) {
			rc = -1;
			continue;
		}
		for (int s = 0; s < f->counts->total; s++) {
			struct pids_stack *st = f->stacks[s];
			pid_t pid = PS_VAL(st, REL_PID, s_int);
			pm_proc_sample *o = find_out(pids + at, chunk,
						     out + at, pid);
			if (!o)
				continue;
			unsigned long long tics = PS_VAL(st, REL_TICS, ull_int);
			o->state = (char)PS_VAL(st, REL_STATE, s_ch);
			o->rss_kb = PS_VAL(st, REL_RES, ul_int);
			o->threads = PS_VAL(st, REL_NLWP, s_int);
			o->ctxsw = read_ctxsw(pid);
			o->children = (int)pm_procstat_children(pid, NULL, 0);
			const prev_tics *pt = find_prev(p, pid);
			if (pt && elapsed > 0 && tics >= pt->tics)
				o->cpu_pct = (double)(tics - pt->tics) * 100.0 /
					     (double)p->hertz / elapsed;
			next[nnext++] = (prev_tics){ pid, tics };
		}
	}
	qsort(next, nnext, sizeof *next, cmp_prev);
	free(p->prev);
	p->prev = next;
	p->nprev = nnext;
	p->prev_time = now;
	return rc;
}

size_t pm_procstat_children(pid_t pid, pid_t *out, size_t max)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	size_t n = 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		char cpath[96];
		snprintf(cpath, sizeof cpath, "/proc/%d/task/%.20s/children",
			 (int)pid, de->d_name);
		FILE *f = fopen(cpath, "r");
		if (!f)
			continue;
		for (int c; fscanf(f, "%d", &c) == 1; n++)
			if (n < max)
				out[n] = c;
		fclose(f);
	}
	closedir(d);
	return n;
}

int pm_procstat_system(pm_procstat *p, double *cpu_pct,
		       unsigned long *mem_used_kb, unsigned long *mem_total_kb)
{
	int rc = 0;
	*cpu_pct = 0;
	*mem_used_kb = *mem_total_kb = 0;
	if (p->stat) {
		/* procps_stat_select re-reads /proc/stat every call (the
		 * _get path caches for a second), so our deltas match our
		 * refresh period. */
		enum stat_item items[] = { STAT_TIC_SUM_BUSY,
					   STAT_TIC_SUM_TOTAL };
		struct stat_stack *st = procps_stat_select(p->stat, items, 2);
		if (st) {
			unsigned long long busy = st->head[0].result.ull_int;
			unsigned long long total = st->head[1].result.ull_int;
			if (p->have_sys && total > p->sys_total &&
			    busy >= p->sys_busy)
				*cpu_pct = (double)(busy - p->sys_busy) * 100.0 /
					   (double)(total - p->sys_total);
			p->sys_busy = busy;
			p->sys_total = total;
			p->have_sys = true;
		} else {
			rc = -1;
		}
	} else {
		rc = -1;
	}
	if (p->mem) {
		/* _get hands back one reused result: copy it out at once. */
		struct meminfo_result *r =
			procps_meminfo_get(p->mem, MEMINFO_MEM_USED);
		if (r)
			*mem_used_kb = r->result.ul_int;
		r = procps_meminfo_get(p->mem, MEMINFO_MEM_TOTAL);
		if (r)
			*mem_total_kb = r->result.ul_int;
		else
			rc = -1;
	} else {
		rc = -1;
	}
	return rc;
}
