/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tasks.c — the tasks panel: unfinished tasks, then recent ones, newest
 * first; the model collects them (model_view). */
#include <stdio.h>
#include <string.h>

#include "screen.h"
#include "tables.h"
#include "text.h"

void tasks_place(tui *t, int y, int rows)
{
	t->tasks_y = y + 1;
	t->tasks_rows = rows - 1;
}

/* "w2", "p1", or "" before it was sent. */
static const char *worker_of(const pm_task_info *ti, char id[PM_ID_MAX])
{
	if (!ti->worker)
		return "";
	return pm_id_format(id, ti->in_process ? PM_ID_PROCESS : PM_ID_WORKER,
			    ti->worker);
}

static int task_attr(const tui *t, const ui_task *ti, bool selected)
{
	if (selected)
		return attr_of(t, CP_SELECT, A_REVERSE);
	if (ti->info.state == PM_TASK_DONE)
		return attr_of(t, CP_GOOD, 0);
	if (ti->info.state == PM_TASK_RUNNING)
		return attr_of(t, CP_BUSY, A_BOLD);
	if (ti->info.state == PM_TASK_PAUSED)
		return attr_of(t, CP_PAUSED, A_UNDERLINE);
	if (pm_task_state_final(ti->info.state))
		return attr_of(t, CP_ERROR, A_BOLD);
	return 0;
}

void tasks_draw(tui *t, int y, int w)
{
	const ui_model *m = &t->model;
	int body = t->tasks_rows;
	/* The ID column widens to the longest id shown: ids are never cut
	 * ("t1000000" cut to "t100000" would name another task). */
	int id_w = 7;
	for (size_t i = 0; i < m->ntasks; i++) {
		char id[PM_ID_MAX];
		int len = (int)strlen(
			pm_id_format(id, PM_ID_TASK, m->tasks[i].info.id));
		if (len > id_w)
			id_w = len;
	}
	attron(attr_of(t, CP_TITLE, A_REVERSE));
	mvhline(y, 0, ' ', w);
	/* The worker that runs or ran it: as wide as its longest id. */
	int wk_w = 6;
	for (size_t i = 0; i < m->ntasks; i++) {
		char id[PM_ID_MAX];
		int len = (int)strlen(worker_of(&m->tasks[i].info, id));
		if (len > wk_w)
			wk_w = len;
	}
	int state_w = 10, el_w = 8;
	int call_w = (w - id_w - state_w - wk_w - el_w - 5) / 2;
	int out_w = w - id_w - state_w - wk_w - el_w - call_w - 5;
	int x = 0;
	text_put_cell(y, &x, id_w, false, "TASK");
	text_put_cell(y, &x, call_w, false, "CALL");
	text_put_cell(y, &x, state_w, false, "STATE");
	text_put_cell(y, &x, wk_w, false, "WORKER");
	text_put_cell(y, &x, el_w, true, "TIME");
	text_put_cell(y, &x, out_w, false, "RESULT / ERROR");
	char note[UI_FILTER_MAX + 64];
	tables_note(t, PANEL_TASKS, note, sizeof note);
	int nw = text_width(note);
	if (note[0] && nw < w)
		text_put(y, w - nw, note, nw);
	attroff(attr_of(t, CP_TITLE, A_REVERSE));

	if (t->sel_task >= m->ntasks)
		t->sel_task = m->ntasks ? m->ntasks - 1 : 0;
	if ((int)t->sel_task < t->tasks_first)
		t->tasks_first = (int)t->sel_task;
	if ((int)t->sel_task >= t->tasks_first + body)
		t->tasks_first = (int)t->sel_task - body + 1;
	if (t->tasks_first < 0 || (size_t)t->tasks_first >= m->ntasks)
		t->tasks_first = 0;
	for (int r = 0; r < body; r++) {
		size_t i = (size_t)t->tasks_first + (size_t)r;
		if (i >= m->ntasks)
			break;
		const ui_task *ti = &m->tasks[i];
		int row = y + 1 + r;
		bool selected = i == t->sel_task && t->panel == PANEL_TASKS;
		int attr = task_attr(t, ti, selected);
		attron(attr);
		if (selected)
			mvhline(row, 0, ' ', w);
		char cell[64];
		x = 0;
		text_put_cell(row, &x, id_w, false,
			      pm_id_format(cell, PM_ID_TASK, ti->info.id));
		text_put_cell(row, &x, call_w, false, ti->call);
		text_put_cell(row, &x, state_w, false,
			      pm_task_state_name(ti->info.state));
		text_put_cell(row, &x, wk_w, false,
			      worker_of(&ti->info, cell));
		cell[0] = '\0';
		/* A map's items that ended keep no run time: blank, not 0. */
		const pm_task_info *in = &ti->info;
		if (in->state != PM_TASK_QUEUED &&
		    !(pm_task_state_final(in->state) && in->elapsed <= 0))
			fmt_elapsed(cell, sizeof cell, in->elapsed);
		text_put_cell(row, &x, el_w, true, cell);
		text_put_cell(row, &x, out_w, false, ti->outcome);
		attroff(attr);
	}
}
