/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workers.c — the workers table: pool workers, then standalone processes;
 * columns dropped from the right by priority when the terminal is narrow. */
#include <stdio.h>
#include <string.h>

#include "screen.h"
#include "tables.h"
#include "text.h"
#include "util.h"

enum wcol { WC_ID, WC_PID, WC_STATE, WC_S, WC_TASK, WC_ELAPSED, WC_CPU,
	    WC_RSS, WC_THR, WC_CHLD, WC_CSW, WC_DONE, WC_RESTARTS, WC_COUNT };
static const struct {
	const char *title;
	int width;
	bool right;
	int drop; /* 0 = never; higher goes first */
} wcols[WC_COUNT] = {
	[WC_ID] = { "ID", 4, false, 0 },
	[WC_PID] = { "PID", 7, true, 0 },
	[WC_STATE] = { "STATE", 8, false, 0 },
	[WC_S] = { "S", 1, false, 0 },
	[WC_TASK] = { "TASK", 0, false, 0 },
	[WC_ELAPSED] = { "ELAPSED", 8, true, 4 },
	[WC_CPU] = { "CPU%", 6, true, 1 },
	[WC_RSS] = { "RSS", 7, true, 2 },
	[WC_THR] = { "THR", 4, true, 6 },
	[WC_CHLD] = { "CHLD", 4, true, 8 }, /* what its task forked */
	[WC_CSW] = { "CTXSW", 8, true, 7 },
	[WC_DONE] = { "DONE", 6, true, 3 },
	[WC_RESTARTS] = { "RESTARTS", 8, true, 5 },
};

/* A column's width: the ID column widens to its longest id (ids are never
 * cut: "w1000" cut to "w100" would name another worker). */
static int wcol_width(int i, int id_w)
{
	return i == WC_ID && id_w > wcols[i].width ? id_w : wcols[i].width;
}

/* Decides which columns fit; returns the TASK column's width. */
static int worker_columns(int w, int id_w, bool shown[WC_COUNT])
{
	for (int i = 0; i < WC_COUNT; i++)
		shown[i] = true;
	for (int drop = 8; drop >= 0; drop--) {
		int used = 0, ncols = 0;
		for (int i = 0; i < WC_COUNT; i++)
			if (shown[i] && i != WC_TASK) {
				used += wcol_width(i, id_w);
				ncols++;
			}
		int task_w = w - used - ncols;
		if (task_w >= 14 || drop == 0)
			return task_w < 4 ? 4 : task_w;
		for (int i = 0; i < WC_COUNT; i++)
			if (wcols[i].drop == drop)
				shown[i] = false;
	}
	return 4;
}

/* Keeps the selection in the table and on screen. */
void workers_place(tui *t, int y, int rows)
{
	size_t n = t->model.nrows;
	const ui_row *mr = t->model.rows;
	/* Not moved since the last frame, but a sort or filter moved its
	 * row: the selection goes with the row. */
	if (t->sel_worker == t->sel_worker_at &&
	    t->sel_worker_id[0] &&
	    (t->sel_worker >= n ||
	     strcmp(mr[t->sel_worker].id, t->sel_worker_id)))
		for (size_t i = 0; i < n; i++)
			if (!strcmp(mr[i].id, t->sel_worker_id))
				t->sel_worker = i;
	if (t->sel_worker >= n)
		t->sel_worker = n ? n - 1 : 0;
	t->sel_worker_at = t->sel_worker;
	snprintf(t->sel_worker_id, sizeof t->sel_worker_id, "%s",
		 n ? mr[t->sel_worker].id : "");
	int body = rows - 1;
	t->workers_y = y + 1;
	t->workers_rows = body;
	if ((int)t->sel_worker < t->workers_first)
		t->workers_first = (int)t->sel_worker;
	if ((int)t->sel_worker >= t->workers_first + body)
		t->workers_first = (int)t->sel_worker - body + 1;
	if (t->workers_first < 0 || (size_t)t->workers_first >= n)
		t->workers_first = 0;
}

/* One cell's text: into cell, or a string of the row's. */
static const char *cell_text(int c, const ui_row *r, char *cell, size_t len,
			     pm_buf *call)
{
	const pm_proc_sample *s = r->sampled ? &r->sample : NULL;
	cell[0] = '\0';
	switch (c) {
	case WC_ID:
		return r->id;
	case WC_PID:
		if (r->pid > 0)
			snprintf(cell, len, "%d", (int)r->pid);
		break;
	case WC_STATE:
		return r->state;
	case WC_S:
		snprintf(cell, len, "%c", s ? s->state : '-');
		break;
	case WC_TASK:
		if (r->has_task) {
			char id[PM_ID_MAX];
			pm_buf_printf(call, "%s %s",
				      pm_id_format(id, PM_ID_TASK,
						   r->current.info.id),
				      r->current.call);
			return call->s;
		}
		break;
	case WC_ELAPSED:
		if (r->has_task)
			fmt_elapsed(cell, len, r->current.info.elapsed);
		break;
	case WC_CPU:
		if (s)
			snprintf(cell, len, "%.1f", s->cpu_pct);
		break;
	case WC_RSS:
		if (s)
			fmt_kb(cell, len, s->rss_kb);
		break;
	case WC_THR:
		if (s)
			snprintf(cell, len, "%d", s->threads);
		break;
	case WC_CHLD:
		if (s)
			snprintf(cell, len, "%d", s->children);
		break;
	case WC_CSW:
		if (s)
			snprintf(cell, len, "%lu", s->ctxsw);
		break;
	case WC_DONE:
		if (r->is_worker)
			snprintf(cell, len, "%llu", (unsigned long long)r->done);
		break;
	case WC_RESTARTS:
		if (r->is_worker)
			snprintf(cell, len, "%u", r->restarts);
		break;
	}
	return cell;
}

static int row_attr(const tui *t, const ui_row *r, bool selected)
{
	if (selected)
		return attr_of(t, CP_SELECT, A_REVERSE);
	if (r->tone == TONE_BUSY)
		return attr_of(t, CP_BUSY, A_BOLD);
	if (r->tone == TONE_PAUSED)
		return attr_of(t, CP_PAUSED, A_UNDERLINE);
	if (r->tone == TONE_DEAD)
		return attr_of(t, CP_ERROR, A_DIM);
	return 0;
}

void workers_draw(tui *t, int y, int w)
{
	const ui_model *m = &t->model;
	int id_w = 0;
	for (size_t i = 0; i < m->nrows; i++)
		if ((int)strlen(m->rows[i].id) > id_w)
			id_w = (int)strlen(m->rows[i].id);
	bool shown[WC_COUNT];
	int task_w = worker_columns(w, id_w, shown);
	int x = 0;
	attron(attr_of(t, CP_TITLE, A_REVERSE));
	mvhline(y, 0, ' ', w);
	for (int i = 0; i < WC_COUNT; i++) {
		if (!shown[i])
			continue;
		int cw = i == WC_TASK ? task_w : wcol_width(i, id_w);
		text_put_cell(y, &x, cw, wcols[i].right, wcols[i].title);
	}
	char note[UI_FILTER_MAX + 64];
	tables_note(t, PANEL_WORKERS, note, sizeof note);
	int nw = text_width(note);
	if (note[0] && nw < w)
		text_put(y, w - nw, note, nw);
	attroff(attr_of(t, CP_TITLE, A_REVERSE));

	for (int r = 0; r < t->workers_rows; r++) {
		size_t i = (size_t)t->workers_first + (size_t)r;
		if (i >= m->nrows)
			break;
		const ui_row *tr = &m->rows[i];
		bool selected = i == t->sel_worker && t->panel == PANEL_WORKERS;
		int row = y + 1 + r;
		int attr = row_attr(t, tr, selected);
		attron(attr);
		if (selected)
			mvhline(row, 0, ' ', w);
		x = 0;
		for (int c = 0; c < WC_COUNT; c++) {
			if (!shown[c])
				continue;
			char cell[64];
			pm_buf call = { 0 };
			const char *txt = cell_text(c, tr, cell, sizeof cell,
						    &call);
			int cw = c == WC_TASK ? task_w : wcol_width(c, id_w);
			text_put_cell(row, &x, cw, wcols[c].right, txt);
			pm_buf_free(&call);
		}
		attroff(attr);
	}
}
