/* SPDX-License-Identifier: GPL-3.0-or-later */
/* header.c — the two header lines: pool state and counts, CPU and memory,
 * throughput with a sparkline, and whether a command waits. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "screen.h"
#include "text.h"
#include "util.h"

static void draw_counts(tui *t, int w)
{
	const ui_model *m = &t->model;
	const pm_counts *c = &m->counts;
	char mu[16], mt[16];
	fmt_kb(mu, sizeof mu, m->mem_used_kb);
	fmt_kb(mt, sizeof mt, m->mem_total_kb);
	const char *pool = pm_pool_state_name(m->pool);
	size_t failed = c->failed + c->crashed + c->timeout;
	char line[512];
	snprintf(line, sizeof line,
		 "poolmon  pool:%s  workers:%zu  queued:%zu running:%zu done:%zu failed:%zu  cpu:%.0f%% mem:%s/%s",
		 pool, m->nworkers, c->queued, c->running, c->done, failed,
		 m->sys_cpu, mu, mt);
	if (text_width(line) > w) /* narrow: the same figures, shorter */
		snprintf(line, sizeof line,
			 "poolmon %s w:%zu q:%zu r:%zu d:%zu f:%zu cpu:%.0f%% mem:%s/%s",
			 pool, m->nworkers, c->queued, c->running, c->done,
			 failed, m->sys_cpu, mu, mt);
	attron(attr_of(t, CP_HEADER, A_BOLD));
	mvhline(0, 0, ' ', w);
	text_put(0, 0, line, w);
	attroff(attr_of(t, CP_HEADER, A_BOLD));
}

/* Second line: throughput with a sparkline, other counts, waits. */
static void draw_throughput(tui *t, int w)
{
	static const char *const bars_utf8[] = { "▁", "▂", "▃", "▄",
						 "▅", "▆", "▇", "█" };
	static const char bars_ascii[] = "_.-:=+*#";
	const ui_model *m = &t->model;
	const pm_counts *c = &m->counts;
	double peak = 0;
	for (size_t i = 0; i < TPUT_HIST; i++)
		if (m->tput[i] > peak)
			peak = m->tput[i];
	pm_buf b = { 0 };
	pm_buf_printf(&b, "tasks/s:%-7.1f ", m->tput[TPUT_HIST - 1]);
	for (size_t i = 0; i < TPUT_HIST; i++) {
		int level = peak > 0 ? (int)lround(m->tput[i] / peak * 7.0) : 0;
		if (level < 0)
			level = 0;
		if (level > 7)
			level = 7;
		if (t->utf8)
			pm_buf_puts(&b, bars_utf8[level]);
		else
			pm_buf_add(&b, &bars_ascii[level], 1);
	}
	pm_buf_printf(&b,
		      "  paused:%zu crashed:%zu timeout:%zu terminated:%zu cancelled:%zu",
		      c->paused, c->crashed, c->timeout, c->terminated,
		      c->cancelled);
	text_put(1, 0, b.s, w);
	pm_buf_free(&b);
	const char *flag = NULL;
	if (m->cli_busy)
		flag = " waiting - Ctrl-C stops ";
	else if (t->frozen)
		flag = " FROZEN (Z) ";
	if (flag && w > 60) {
		int fw = (int)strlen(flag);
		attron(attr_of(t, CP_BUSY, A_REVERSE) | A_BOLD);
		mvaddstr(1, w - fw, flag);
		attroff(attr_of(t, CP_BUSY, A_REVERSE) | A_BOLD);
	}
}

void header_draw(tui *t, int w)
{
	draw_counts(t, w);
	if (!t->compact) /* the compact view: the first line only */
		draw_throughput(t, w);
}
