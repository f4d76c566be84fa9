// SPDX-License-Identifier: GPL-3.0-or-later
/* timeline.h — the timeline view (timeline.c): placing and drawing it, the
 * keys that zoom, scroll and select a span, and the `view` command's
 * switch. */
#ifndef POOLMON_UI_TIMELINE_H
#define POOLMON_UI_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "screen.h"

/* Which rows are on screen (t->workers_first, workers_rows, workers_y). */
void timeline_place(tui *t, int y, int rows);
void timeline_draw(tui *t, int y, int rows, int w);
/* The spans the model must take for the frame: ended since then. */
double timeline_since(const tui *t);

/* Keys (key_action): +1 zooms in, -1 out; -1 scrolls back in time, +1
 * forward; -1 selects the row's span before the selected one, +1 the one
 * after. */
unsigned timeline_zoom(tui *t, int dir);
unsigned timeline_scroll(tui *t, int dir);
unsigned timeline_step(tui *t, int dir);
/* The row selection moved: no span is selected. */
void timeline_row_moved(tui *t);
/* The selected span's task, else the selected row. */
bool timeline_selection(const tui *t, char *kind, uint64_t *num);

/* The `view` command's hook: "main" or "timeline". */
void timeline_set_view(void *ud, const char *name);

#endif
