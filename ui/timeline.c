// SPDX-License-Identifier: GPL-3.0-or-later
/* timeline.c — the timeline view (`view timeline`): one row per worker and
 * process, a Gantt strip of the last seconds drawn from the engine's
 * recent spans (pm_engine_spans, taken into the model) and the task each
 * row runs now; zoom, scrolling back in time, a selected span.  Every
 * kind of span has its own character, so it reads without colours. */
#include "timeline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "util.h"

#define LABEL_W 6 /* the rows' ids: "w1024 " */
#define ACROSS_DEFAULT 10.0
#define BACK_MAX 86400.0 /* seconds: scrolled back at most a day */

/* Seconds across the strip, by zoom level. */
static const double zoom_levels[] = { 1, 2, 5, 10, 20, 30, 60, 120, 300,
				      600, 1800, 3600 };
#define NZOOM (sizeof zoom_levels / sizeof *zoom_levels)

/* What a cell of the strip shows (its character, and the colour pair and
 * the attribute without colours). */
typedef enum span_kind {
	SK_DONE,
	SK_RUNNING,
	SK_PAUSED,
	SK_FAILED,
	SK_CRASHED,
	SK_TIMEOUT,
	SK_TERMINATED,
	SK_COUNT
} span_kind;

static const struct {
	char fill, mark; /* mark: the span's last cell (0: fill) */
	enum color_pair cp;
	int mono;
	const char *legend;
} kinds[SK_COUNT] = {
	[SK_DONE] = { '=', 0, CP_GOOD, A_NORMAL, "= ran" },
	[SK_RUNNING] = { '=', '>', CP_BUSY, A_BOLD, "> running" },
	[SK_PAUSED] = { '~', 0, CP_PAUSED, A_DIM, "~ paused" },
	[SK_FAILED] = { '=', '!', CP_ERROR, A_NORMAL, "! failed" },
	[SK_CRASHED] = { '=', 'X', CP_ERROR, A_BOLD, "X crashed" },
	[SK_TIMEOUT] = { '=', 'T', CP_ERROR, A_BOLD, "T timeout" },
	[SK_TERMINATED] = { '=', 'K', CP_ERROR, A_BOLD, "K terminated" },
};

static span_kind kind_of(pm_task_state s, bool paused)
{
	if (paused)
		return SK_PAUSED;
	switch (s) {
	case PM_TASK_FAILED: return SK_FAILED;
	case PM_TASK_CRASHED: return SK_CRASHED;
	case PM_TASK_TIMEOUT: return SK_TIMEOUT;
	case PM_TASK_TERMINATED: return SK_TERMINATED;
	case PM_TASK_RUNNING: return SK_RUNNING;
	case PM_TASK_PAUSED: return SK_PAUSED;
	default: return SK_DONE;
	}
}

static double across(const tui *t)
{
	return t->tl_across > 0 ? t->tl_across : ACROSS_DEFAULT;
}

/* The strip's right edge (pm_now's clock). */
static double right_edge(const tui *t)
{
	return pm_now() - t->tl_back;
}

double timeline_since(const tui *t)
{
	/* All the engine keeps: Left steps back to spans off the strip. */
	double s = t->model.t0;
	return s > 0 ? s : 1e-9;
}

/* One span or running task of a row, as the selection sees it. */
typedef struct tl_span {
	uint64_t first, count;
	double started, ended; /* ended: now for a running task */
	span_kind kind;
} tl_span;

static bool row_is(const ui_row *r, const pm_span_info *s)
{
	return s->worker == r->num &&
	       s->in_process == (r->kind == PM_ID_PROCESS);
}

/* The row's spans and its running task, through fn; stops when it
 * returns false. */
static void each_span(const tui *t, const ui_row *r,
		      bool (*fn)(void *ud, const tl_span *s), void *ud)
{
	const ui_model *m = &t->model;
	for (size_t i = 0; i < m->nspans; i++) {
		const pm_span_info *s = &m->spans[i];
		if (!row_is(r, s))
			continue;
		tl_span ts = { s->first, s->count, s->started, s->ended,
			       kind_of(s->state, s->paused) };
		if (!fn(ud, &ts))
			return;
	}
	if (!r->has_task)
		return;
	const pm_task_info *ti = &r->current.info;
	if (ti->state != PM_TASK_RUNNING && ti->state != PM_TASK_PAUSED)
		return;
	double now = pm_now();
	double started = ti->started_at > 0 ? ti->started_at : now;
	tl_span run = { ti->id, 1, started, now, SK_RUNNING };
	if (!fn(ud, &run))
		return;
	if (ti->state == PM_TASK_PAUSED && ti->changed_at > 0) {
		tl_span p = { ti->id, 1, ti->changed_at, now, SK_PAUSED };
		fn(ud, &p);
	}
}

/* ---- placing and drawing ----------------------------------------------------- */

void timeline_place(tui *t, int y, int rows)
{
	/* A title, the time axis, the rows, the legend. */
	int body = rows - 3;
	if (body < 1)
		body = 1;
	size_t n = t->model.nrows;
	if (t->sel_worker >= n)
		t->sel_worker = n ? n - 1 : 0;
	t->workers_y = y + 2;
	t->workers_rows = body;
	if ((int)t->sel_worker < t->workers_first)
		t->workers_first = (int)t->sel_worker;
	if ((int)t->sel_worker >= t->workers_first + body)
		t->workers_first = (int)t->sel_worker - body + 1;
	if (t->workers_first < 0 || (size_t)t->workers_first >= n)
		t->workers_first = 0;
}

static void fmt_secs(char *buf, size_t len, double s)
{
	if (s >= 60 && fmod(s, 60) == 0)
		snprintf(buf, len, "%.0fm", s / 60);
	else if (s >= 1 || s == 0)
		snprintf(buf, len, "%.4gs", s);
	else
		snprintf(buf, len, "%.0fms", s * 1000);
}

static void draw_title(tui *t, int y, int w)
{
	char a[16], b[16], line[160];
	fmt_secs(a, sizeof a, across(t));
	if (t->tl_back > 0) {
		fmt_secs(b, sizeof b, t->tl_back);
		snprintf(line, sizeof line,
			 " TIMELINE  %s across, %s back  (+/- zoom, [/] scroll, ] to now, Left/Right span)",
			 a, b);
	} else {
		snprintf(line, sizeof line,
			 " TIMELINE  %s across, live  (+/- zoom, [/] scroll, Left/Right span)",
			 a);
	}
	attron(attr_of(t, CP_TITLE, A_REVERSE));
	mvhline(y, 0, ' ', w);
	text_put(y, 0, line, w);
	attroff(attr_of(t, CP_TITLE, A_REVERSE));
}

/* "|-10s    -5s     now|": the left edge, the middle and the right. */
static void draw_axis(tui *t, int y, int cols)
{
	char l[24], mid[24], r[24], s[16];
	fmt_secs(s, sizeof s, across(t) + t->tl_back);
	snprintf(l, sizeof l, "|-%s", s);
	fmt_secs(s, sizeof s, across(t) / 2 + t->tl_back);
	snprintf(mid, sizeof mid, "-%s", s);
	if (t->tl_back > 0) {
		fmt_secs(s, sizeof s, t->tl_back);
		snprintf(r, sizeof r, "-%s|", s);
	} else {
		snprintf(r, sizeof r, "now|");
	}
	attron(attr_of(t, CP_DIM, A_DIM));
	move(y, 0);
	clrtoeol();
	int x0 = LABEL_W;
	mvaddnstr(y, x0, l, cols);
	int ml = (int)strlen(mid);
	if (cols > (int)strlen(l) + ml + (int)strlen(r) + 2)
		mvaddstr(y, x0 + cols / 2 - ml / 2, mid);
	int rl = (int)strlen(r);
	if (cols > rl + (int)strlen(l))
		mvaddstr(y, x0 + cols - rl, r);
	attroff(attr_of(t, CP_DIM, A_DIM));
}

typedef struct row_draw {
	tui *t;
	int y, x0, cols;
	double left, dt;
	bool sel_row;
	int pass; /* spans, then paused times, then ends marked X T K ! */
} row_draw;

static int pass_of(span_kind k)
{
	return k == SK_PAUSED ? 1 : kinds[k].mark && k != SK_RUNNING ? 2 : 0;
}

/* The label of a span: "t5", or "t5..t9" for a chunk, if it fits. */
static void span_label(char *buf, size_t len, const tl_span *s, int width)
{
	char a[PM_ID_MAX], b[PM_ID_MAX];
	pm_id_format(a, PM_ID_TASK, s->first);
	buf[0] = '\0';
	if (s->count > 1) {
		pm_id_format(b, PM_ID_TASK, s->first + s->count - 1);
		snprintf(buf, len, "%s..%s", a, b);
		if ((int)strlen(buf) <= width)
			return;
	}
	snprintf(buf, len, "%s", a);
	if ((int)strlen(buf) > width)
		buf[0] = '\0';
}

static bool draw_one(void *ud, const tl_span *s)
{
	row_draw *d = ud;
	tui *t = d->t;
	if (pass_of(s->kind) != d->pass)
		return true;
	/* Rounded, so that spans one after the other do not overlap. */
	long c0 = lround((s->started - d->left) / d->dt);
	long c1 = lround((s->ended - d->left) / d->dt);
	if (c1 <= c0)
		c1 = c0 + 1;
	if (c1 <= 0 || c0 >= d->cols)
		return true;
	bool cut_right = c1 > d->cols;
	if (c0 < 0)
		c0 = 0;
	if (c1 > d->cols)
		c1 = d->cols;
	int width = (int)(c1 - c0);
	int attr = attr_of(t, kinds[s->kind].cp, kinds[s->kind].mono);
	bool selected = d->sel_row && t->tl_sel == s->first &&
			s->kind != SK_PAUSED;
	if (selected)
		attr |= A_REVERSE | A_BOLD;
	char label[2 * PM_ID_MAX + 4] = "";
	if (s->kind != SK_PAUSED)
		span_label(label, sizeof label, s,
			   kinds[s->kind].mark ? width - 1 : width);
	int ll = (int)strlen(label);
	attron(attr);
	for (int k = 0; k < width; k++) {
		char ch = k < ll ? label[k] : kinds[s->kind].fill;
		if (k == width - 1 && kinds[s->kind].mark && !cut_right)
			ch = kinds[s->kind].mark;
		mvaddch(d->y, d->x0 + (int)c0 + k, (chtype)(unsigned char)ch);
	}
	attroff(attr);
	return true;
}

static void draw_legend(tui *t, int y, int w)
{
	move(y, 0);
	clrtoeol();
	int x = 1;
	for (int k = 0; k < SK_COUNT; k++) {
		const char *lg = kinds[k].legend;
		int need = (int)strlen(lg) + 2;
		if (x + need > w)
			break;
		attron(attr_of(t, kinds[k].cp, kinds[k].mono));
		mvaddch(y, x, (chtype)(unsigned char)lg[0]);
		attroff(attr_of(t, kinds[k].cp, kinds[k].mono));
		mvaddstr(y, x + 1, lg + 1);
		x += need;
	}
}

void timeline_draw(tui *t, int y, int rows, int w)
{
	const ui_model *m = &t->model;
	int cols = w - LABEL_W;
	if (cols < 1)
		cols = 1;
	draw_title(t, y, w);
	draw_axis(t, y + 1, cols);
	double right = right_edge(t);
	row_draw d = { .t = t, .x0 = LABEL_W, .cols = cols,
		       .left = right - across(t), .dt = across(t) / cols };
	for (int r = 0; r < t->workers_rows; r++) {
		size_t i = (size_t)t->workers_first + (size_t)r;
		if (i >= m->nrows)
			break;
		const ui_row *row = &m->rows[i];
		d.y = t->workers_y + r;
		d.sel_row = i == t->sel_worker;
		int la = d.sel_row ? attr_of(t, CP_SELECT, A_REVERSE) : 0;
		if (row->tone == TONE_DEAD && !d.sel_row)
			la = attr_of(t, CP_ERROR, A_DIM);
		attron(la);
		mvhline(d.y, 0, ' ', LABEL_W - 1);
		text_put(d.y, 0, row->id, LABEL_W - 1);
		attroff(la);
		/* A paused time over its task, a crash over what followed. */
		for (d.pass = 0; d.pass < 3; d.pass++)
			each_span(t, row, draw_one, &d);
	}
	if (rows >= 4)
		draw_legend(t, y + rows - 1, w);
}

/* ---- the keys ---------------------------------------------------------------- */

unsigned timeline_zoom(tui *t, int dir)
{
	size_t k = 0;
	while (k < NZOOM - 1 && zoom_levels[k] < across(t))
		k++;
	if (dir > 0 && k > 0)
		k--;
	else if (dir < 0 && k < NZOOM - 1)
		k++;
	t->tl_across = zoom_levels[k];
	return UI_REDRAW;
}

unsigned timeline_scroll(tui *t, int dir)
{
	double step = across(t) / 2;
	t->tl_back += dir < 0 ? step : -step;
	if (t->tl_back < 0)
		t->tl_back = 0;
	if (t->tl_back > BACK_MAX)
		t->tl_back = BACK_MAX;
	return UI_REDRAW;
}

typedef struct step_find {
	int dir;
	double from; /* the selected span's start, or the edge */
	bool found;
	tl_span best;
} step_find;

static bool find_step(void *ud, const tl_span *s)
{
	step_find *f = ud;
	if (s->kind == SK_PAUSED)
		return true;
	bool ok = f->dir < 0 ? s->started < f->from : s->started > f->from;
	bool better = !f->found || (f->dir < 0 ? s->started > f->best.started
					       : s->started < f->best.started);
	if (ok && better) {
		f->best = *s;
		f->found = true;
	}
	return true;
}

unsigned timeline_step(tui *t, int dir)
{
	const ui_model *m = &t->model;
	if (t->sel_worker >= m->nrows)
		return 0;
	double right = right_edge(t), left = right - across(t);
	step_find f = { .dir = dir };
	if (t->tl_sel)
		f.from = t->tl_sel_start;
	else
		f.from = dir < 0 ? right + 1 : left - 1e-9;
	each_span(t, &m->rows[t->sel_worker], find_step, &f);
	if (!f.found)
		return 0;
	t->tl_sel = f.best.first;
	t->tl_sel_start = f.best.started;
	/* Keep it in the strip: scroll to it. */
	if (f.best.ended < left + across(t) * 0.05)
		t->tl_back = pm_now() - f.best.ended - across(t) * 0.1;
	else if (f.best.started > right)
		t->tl_back = pm_now() - f.best.started - across(t) * 0.5;
	if (t->tl_back < 0)
		t->tl_back = 0;
	return UI_REDRAW;
}

void timeline_row_moved(tui *t)
{
	t->tl_sel = 0;
}

bool timeline_selection(const tui *t, char *kind, uint64_t *num)
{
	const ui_model *m = &t->model;
	if (t->tl_sel) {
		*kind = PM_ID_TASK;
		*num = t->tl_sel;
		return true;
	}
	if (t->sel_worker < m->nrows) {
		*kind = m->rows[t->sel_worker].kind;
		*num = m->rows[t->sel_worker].num;
		return true;
	}
	return false;
}

void timeline_set_view(void *ud, const char *name)
{
	tui *t = ud;
	t->view = !strcmp(name, "timeline") ? VIEW_TIMELINE : VIEW_MAIN;
	t->tl_sel = 0;
	t->dirty = true;
}
