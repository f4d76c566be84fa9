/* SPDX-License-Identifier: GPL-3.0-or-later */
/* layout.c — one frame: how many rows each panel gets, which rows of the
 * model are on screen, then the panels, the key bar, an overlay and the
 * command line drawn from the model. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "rline.h"
#include "screen.h"
#include "timeline.h"
#include "tables.h"
#include "util.h"

#define MIN_W 60 /* below this or MIN_H: the compact view */
#define MIN_H 15
#define COMPACT_MIN_W 40 /* below this or COMPACT_MIN_H: too small */
#define COMPACT_MIN_H 6

typedef struct layout {
	int workers, tasks, shared, log; /* rows, titles included */
} layout;

/* Rows between the two header lines and the command line + key bar. */
static layout plan(const tui *t, int avail)
{
	const ui_model *m = &t->model;
	layout l = { 0 };
	int log_min = 4;
	l.workers = 1 + (int)(m->nrows ? m->nrows : 1);
	int cap = avail * 2 / 5;
	if (cap < 3)
		cap = 3;
	if (l.workers > cap)
		l.workers = cap;
	int rest = avail - l.workers;
	/* Shared objects come before the tasks panel when rows are short:
	 * the tasks are also in the log, the objects nowhere else. */
	if (m->nshared && rest >= 2 + log_min) {
		int shared_cap = avail / 4 < 3 ? 3 : avail / 4;
		l.shared = 1 + (int)m->nshared;
		if (t->shared_open) { /* a queue's items: room for them */
			l.shared += SHARED_OPEN_LINES;
			shared_cap = rest - log_min;
		}
		if (l.shared > shared_cap)
			l.shared = shared_cap;
		if (l.shared > rest - log_min)
			l.shared = rest - log_min;
		rest -= l.shared;
	}
	if (rest >= 1 + 2 + log_min) {
		l.tasks = rest - log_min;
		if (l.tasks > 1 + 6)
			l.tasks = 1 + 6;
		int half = rest / 2;
		if (l.tasks > half && half >= 3)
			l.tasks = half;
	}
	l.log = rest - l.tasks;
	return l;
}

static void draw_too_small(int w, int h)
{
	char msg[80];
	snprintf(msg, sizeof msg, "terminal too small (%dx%d, need %dx%d)", w,
		 h, COMPACT_MIN_W, COMPACT_MIN_H);
	int len = (int)strlen(msg);
	attron(A_BOLD);
	mvaddnstr(h / 2, len < w ? (w - len) / 2 : 0, msg, w);
	attroff(A_BOLD);
	curs_set(0);
}

/* What the model must add for this frame. */
static void take_view(tui *t, const layout *l)
{
	ui_view_want want = {
		.rows_first = (size_t)t->workers_first,
		.rows_count = (size_t)(t->workers_rows > 0 ? t->workers_rows : 0),
		.tasks = l->tasks ? (size_t)(l->tasks - 1) * 4 : 0,
		.shared = l->shared ? (size_t)(l->shared - 1) : 0,
		.shared_first = (size_t)t->shared_first,
		.shared_open = t->shared_open,
	};
	if (t->view == VIEW_TIMELINE)
		want.spans_since = timeline_since(t);
	if (t->overlay == OVERLAY_DETAILS) {
		want.detail_kind = t->detail_kind;
		want.detail_num = t->detail_num;
	}
	model_view(&t->model, &t->src, &want);
}

/* $POOLMON_FRAME_LOG: "SECONDS BUSY MAPS" per frame, when it was on the
 * terminal (CLOCK_REALTIME, to compare with other clocks), whether a
 * command waited and how many maps' progress lines it showed. */
static void frame_logged(const tui *t)
{
	if (!t->frame_log)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(t->frame_log, "%lld.%06ld %d %zu\n", (long long)ts.tv_sec,
		ts.tv_nsec / 1000, t->model.cli_busy ? 1 : 0, t->model.nmaps);
}

/* Below MIN_W x MIN_H: the first header line, the focused panel alone,
 * the command line and the key bar (htop in a small split). */
static layout plan_compact(const tui *t, int avail)
{
	layout l = { 0 };
	if (t->panel == PANEL_WORKERS)
		l.workers = avail;
	else if (t->panel == PANEL_TASKS)
		l.tasks = avail;
	else
		l.log = avail;
	return l;
}

void screen_draw(tui *t)
{
	t->last_draw = pm_now();
	t->dirty = false;
	t->drawn_signature = t->model.signature;
	int h = LINES, w = COLS;
	erase();
	t->too_small = w < COMPACT_MIN_W || h < COMPACT_MIN_H;
	if (t->too_small) {
		draw_too_small(w, h);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	t->compact = w < MIN_W || h < MIN_H;
	int top = t->compact ? 1 : 2;
	model_maps(&t->model, &t->src);
	int progress = (int)t->model.nmaps;
	if (t->view == VIEW_TIMELINE && !t->compact) {
		/* The timeline instead of the panels; the log stays. */
		int avail = h - 4, lg = avail / 4 < 4 ? 4 : avail / 4;
		t->tasks_rows = 0; /* no tasks panel for the mouse */
		timeline_place(t, top, avail - lg);
		layout tl = { .log = lg };
		take_view(t, &tl);
		header_draw(t, w);
		timeline_draw(t, top, avail - lg, w);
		log_draw(t, top + avail - lg, lg, w);
		keys_draw_bar(t, h - 1, w);
		overlay_draw(t);
		rline_draw(t);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	layout l = t->compact ? plan_compact(t, h - 3) : plan(t, h - 4);
	if (l.log - progress < 2)
		progress = l.log > 2 ? l.log - 2 : 0;
	l.log -= progress;
	if (l.workers) {
		workers_place(t, top, l.workers);
	} else {
		t->workers_rows = 0;
		t->workers_y = -1;
	}
	if (l.tasks) {
		tasks_place(t, top + l.workers, l.tasks);
	} else {
		t->tasks_rows = 0;
		if (t->panel == PANEL_TASKS && !t->compact)
			t->panel = PANEL_WORKERS;
	}
	t->shared_rows = l.shared;
	if (l.shared)
		shared_place(t, l.shared);
	else if (t->panel == PANEL_SHARED)
		t->panel = PANEL_WORKERS;
	take_view(t, &l);

	header_draw(t, w);
	if (l.workers)
		workers_draw(t, top, w);
	if (l.tasks)
		tasks_draw(t, top + l.workers, w);
	if (l.shared)
		shared_draw(t, top + l.workers + l.tasks, l.shared, w);
	log_draw(t, top + l.workers + l.tasks + l.shared, l.log, w);
	if (progress)
		progress_draw(t, h - 2 - progress, progress, w);
	if (t->prompt_kind)
		tables_draw_prompt(t, h - 1, w);
	else
		keys_draw_bar(t, h - 1, w);
	overlay_draw(t);
	rline_draw(t);
	tables_place_cursor(t, h - 1);
	wnoutrefresh(stdscr);
	doupdate();
	frame_logged(t);
}
