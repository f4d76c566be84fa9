/* SPDX-License-Identifier: GPL-3.0-or-later */
/* progress.c — the progress lines of running maps, drawn from the model
 * (model_maps) above the command line: the map's ids and task, ended of
 * all with the percentage, the rate since it was queued and the time
 * left at that rate; the part done is shown in reverse. */
#include <stdio.h>
#include <string.h>

#include "screen.h"
#include "text.h"
#include "util.h"

/* One map's line into buf. */
static void progress_text(const ui_map *u, char *buf, size_t len)
{
	char ended[PM_COUNT_MAX], total[PM_COUNT_MAX], rate[PM_COUNT_MAX];
	char eta[24];
	pm_fmt_count(ended, sizeof ended, u->ended);
	pm_fmt_count(total, sizeof total, u->info.n);
	pm_fmt_count(rate, sizeof rate, (uint64_t)(u->rate + 0.5));
	if (u->rate > 0)
		fmt_elapsed(eta, sizeof eta,
			    (double)(u->info.n - u->ended) / u->rate);
	else
		snprintf(eta, sizeof eta, "?");
	snprintf(buf, len,
		 "map t%llu..t%llu %s: %s/%s (%.0f%%)  %s/s  ETA %s",
		 (unsigned long long)u->info.first,
		 (unsigned long long)(u->info.first + u->info.n - 1), u->task,
		 ended, total,
		 u->info.n ? 100.0 * (double)u->ended / (double)u->info.n : 0.0,
		 rate, eta);
}

void progress_draw(tui *t, int y, int rows, int w)
{
	const ui_model *m = &t->model;
	for (size_t i = 0; i < m->nmaps && (int)i < rows; i++) {
		const ui_map *u = &m->maps[i];
		char line[256];
		progress_text(u, line, sizeof line);
		int row = y + (int)i;
		mvhline(row, 0, ' ', w);
		text_put(row, 0, line, w);
		int filled = u->info.n ? (int)((double)w * (double)u->ended /
					       (double)u->info.n)
				       : 0;
		mvchgat(row, 0, filled, A_REVERSE,
			t->colors ? CP_GOOD : 0, NULL);
	}
}
