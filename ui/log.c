/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log.c — the log ring (log.h) and the log pane that shows it, newest
 * last, long lines wrapped. */
#define _GNU_SOURCE
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen.h"
#include "text.h"
#include "util.h"

static log_line g_log[LOG_MAX];
static size_t g_log_start, g_log_len;

void log_add(pm_line_kind kind, bool command, const char *text)
{
	size_t slot;
	if (g_log_len == LOG_MAX) {
		slot = g_log_start;
		free(g_log[slot].text);
		g_log_start = (g_log_start + 1) % LOG_MAX;
	} else {
		slot = (g_log_start + g_log_len++) % LOG_MAX;
	}
	g_log[slot] = (log_line){ kind, command, xstrdup(text) };
}

size_t log_count(void)
{
	return g_log_len;
}

const log_line *log_get(size_t i)
{
	return &g_log[(g_log_start + i) % LOG_MAX];
}

/* Draws one line from the bottom up, wrapped at w columns; returns the
 * new bottom. */
static int draw_line(tui *t, const log_line *l, int y, int bottom, int w)
{
	const char *mark = l->command		   ? ""
			   : l->kind == PM_LINE_ERROR ? "! "
						      : "  ";
	char *text = xasprintf("%s%s", mark, l->text);
	int attr = 0;
	if (l->kind == PM_LINE_ERROR)
		attr = attr_of(t, CP_ERROR, A_BOLD) | A_BOLD;
	else if (l->command)
		attr = attr_of(t, CP_DIM, A_BOLD);
	size_t n;
	wchar_t *wide = text_widen(text, strlen(text), &n);
	/* Split into rows of at most w columns. */
	size_t starts[256];
	int nrows = 0;
	size_t at = 0;
	while (at < n && nrows < 256) {
		starts[nrows++] = at;
		int cols = 0;
		while (at < n && cols + text_wc_width(wide[at]) <= w)
			cols += text_wc_width(wide[at++]);
		if (cols == 0)
			at++;
	}
	if (!nrows)
		starts[nrows++] = 0;
	attron(attr);
	for (int r = nrows - 1; r >= 0 && bottom > y; r--) {
		size_t s0 = starts[r];
		size_t s1 = r + 1 < nrows ? starts[r + 1] : n;
		bottom--;
		text_put_wide(bottom, 0, wide + s0, s1 - s0, w);
	}
	attroff(attr);
	free(wide);
	free(text);
	return bottom;
}

void log_draw(tui *t, int y, int rows, int w)
{
	t->log_rows = rows;
	if (rows <= 0)
		return;
	if (t->log_scroll > (int)g_log_len - 1)
		t->log_scroll = g_log_len ? (int)g_log_len - 1 : 0;
	if (t->log_scroll < 0)
		t->log_scroll = 0;
	/* Fill from the bottom, newest last. */
	int bottom = y + rows; /* one past the last row */
	size_t end = g_log_len - (size_t)t->log_scroll;
	for (size_t k = end; k-- > 0 && bottom > y;)
		bottom = draw_line(t, log_get(k), y, bottom, w);
	if (t->log_scroll > 0) {
		char more[48];
		snprintf(more, sizeof more, " +%d newer ", t->log_scroll);
		attron(A_REVERSE);
		mvaddstr(y + rows - 1, w - (int)strlen(more), more);
		attroff(A_REVERSE);
	}
}
