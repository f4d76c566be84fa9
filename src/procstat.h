/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-process figures from procps-ng's libproc2, for our own pids only. */
#ifndef POOLMON_PROCSTAT_H
#define POOLMON_PROCSTAT_H

#include <stddef.h>
#include <sys/types.h>

typedef struct pm_procstat pm_procstat;

typedef struct pm_proc_sample {
	pid_t pid;
	char state;          /* kernel state R S D T Z …, '?' if gone */
	double cpu_pct;      /* since the previous sample, 100 = one core */
	unsigned long rss_kb;
	int threads;
	unsigned long ctxsw; /* voluntary + involuntary context switches */
	int children;        /* its children (what its task forked) */
} pm_proc_sample;

pm_procstat *pm_procstat_new(void);
void pm_procstat_free(pm_procstat *p);
/* Fills out[i] for pids[i]; a pid that is gone gets state '?'. Returns 0 or
 * -1 if libproc2 failed. */
int pm_procstat_sample(pm_procstat *p, const pid_t *pids, size_t n,
		       pm_proc_sample *out);
/* The children of pid (of each of its threads, from
 * /proc/PID/task/TID/children), at most max of them in out; how many there
 * are (0 if pid is gone). */
size_t pm_procstat_children(pid_t pid, pid_t *out, size_t max);
/* System-wide: CPU busy % since the last call, memory used and total. */
int pm_procstat_system(pm_procstat *p, double *cpu_pct,
		       unsigned long *mem_used_kb, unsigned long *mem_total_kb);

#endif
