/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shared_panel.c — the shared-objects panel: values, arrays, queue depths
 * (with a sparkline of the last samples), semaphores, events, and who
 * holds each lock (or died holding it), who waits for it and how long, by
 * id; a deadlock's locks marked.  It can be focused (Tab), scrolled, and a
 * queue opened (Enter) to list its first items. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "screen.h"
#include "text.h"
#include "util.h"
#include "value.h"

static bool kind_is_queue(pm_shared_kind k)
{
	return k == PM_SK_QUEUE || k == PM_SK_JOINABLE_QUEUE ||
	       k == PM_SK_SIMPLE_QUEUE;
}

/* The object lines the body holds: fewer when a queue's items are open. */
static int object_lines(const tui *t, int rows)
{
	int body = rows - 1;
	if (t->shared_open)
		body -= SHARED_OPEN_LINES;
	return body < 1 ? 1 : body;
}

void shared_place(tui *t, int rows)
{
	size_t n = t->model.nshared;
	if (t->sel_shared >= n)
		t->sel_shared = n ? n - 1 : 0;
	if (t->shared_open > n)
		t->shared_open = 0;
	int lines = object_lines(t, rows);
	if ((int)t->sel_shared < t->shared_first)
		t->shared_first = (int)t->sel_shared;
	if ((int)t->sel_shared >= t->shared_first + lines)
		t->shared_first = (int)t->sel_shared - lines + 1;
	/* An open queue stays on screen with its items. */
	if (t->shared_open && (int)t->shared_open - 1 < t->shared_first)
		t->shared_first = (int)t->shared_open - 1;
	if (t->shared_first < 0 || (size_t)t->shared_first >= n)
		t->shared_first = 0;
}

unsigned shared_toggle(tui *t)
{
	const ui_model *m = &t->model;
	size_t i = t->sel_shared;
	if (t->shared_open == i + 1) {
		t->shared_open = 0;
		return UI_REDRAW;
	}
	if (i < m->shared_first || i - m->shared_first >= m->nshared_shown ||
	    !kind_is_queue(m->shared[i - m->shared_first].kind))
		return 0;
	t->shared_open = i + 1;
	return UI_REDRAW;
}

/* The last QHIST depths of object i, as bars scaled to their peak. */
static void sparkline(const tui *t, pm_buf *b, size_t i)
{
	static const char *const bars_utf8[] = { "▁", "▂", "▃", "▄",
						 "▅", "▆", "▇", "█" };
	static const char bars_ascii[] = "_.-:=+*#";
	const ui_model *m = &t->model;
	if (i >= m->nqhist)
		return;
	size_t peak = 0;
	for (int k = 0; k < QHIST; k++)
		if (m->qhist[i][k] > peak)
			peak = m->qhist[i][k];
	for (int k = 0; k < QHIST; k++) {
		int level = peak ? (int)lround((double)m->qhist[i][k] /
					       (double)peak * 7.0)
				 : 0;
		if (t->utf8)
			pm_buf_puts(b, bars_utf8[level]);
		else
			pm_buf_add(b, &bars_ascii[level], 1);
	}
}

static bool kind_is_lock(pm_shared_kind k)
{
	return k == PM_SK_LOCK || k == PM_SK_RLOCK || k == PM_SK_CONDITION;
}

/* "value i", "array d[20]", "queue". */
static void kind_text(char *buf, size_t len, const pm_shared_info *in)
{
	if (in->kind == PM_SK_VALUE)
		snprintf(buf, len, "value %c", in->code);
	else if (in->kind == PM_SK_ARRAY)
		snprintf(buf, len, "array %c[%zu]", in->code, in->len);
	else
		snprintf(buf, len, "%s", in->kind_name ? in->kind_name : "?");
}

/* The LOCK column: a deadlock the manager found, or whether a holder ever
 * died holding the lock (first, so that a narrow column keeps it), then
 * who holds it, by id; "no lock" for a value or array made with lock=0,
 * "" for objects without a lock. */
static void lock_text(char *buf, size_t len, const pm_shared_info *in)
{
	buf[0] = '\0';
	bool array = in->kind == PM_SK_VALUE || in->kind == PM_SK_ARRAY;
	if (!kind_is_lock(in->kind) && !(array && in->has_lock)) {
		if (array)
			snprintf(buf, len, "no lock");
		return;
	}
	char holder[48] = "free";
	if (in->locked)
		snprintf(holder, sizeof holder, "held by %s%s", in->holder_id,
			 in->holder_dead ? " (dead)" : "");
	snprintf(buf, len, "%s%s",
		 in->deadlock	  ? "DEADLOCK; "
		 : in->owner_died ? "owner died; "
				  : "",
		 holder);
}

/* The VALUE column: values (arrays cut by the column), queue depth, a
 * semaphore's count, an event's flag; for locks the dead holder and who
 * waits, how long (longest first). */
static void value_text(char *buf, size_t len, const pm_shared_info *in)
{
	if (!kind_is_lock(in->kind)) {
		snprintf(buf, len, "%s", in->text);
		return;
	}
	int n = 0;
	buf[0] = '\0';
	if (in->owner_died)
		n = snprintf(buf, len, "%s died holding it", in->dead_id);
	for (unsigned i = 0; i < in->nwaiting && n >= 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s%s waits %.1fs",
			      n ? ", " : "", in->waiting[i].id,
			      in->waiting[i].waited);
	if (in->waiters > in->nwaiting && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%u waiting", n ? ", " : "",
			 in->waiters - in->nwaiting);
}

typedef struct shared_cols {
	int name, kind, value, lock;
} shared_cols;

static void draw_title(tui *t, int y, int w, const shared_cols *cw)
{
	const ui_model *m = &t->model;
	attron(attr_of(t, CP_TITLE, A_REVERSE));
	mvhline(y, 0, ' ', w);
	int x = 0;
	text_put_cell(y, &x, cw->name, false, "NAME");
	text_put_cell(y, &x, cw->kind, false, "KIND");
	text_put_cell(y, &x, cw->value, false, "VALUE / DEPTH");
	text_put_cell(y, &x, cw->lock, false, "LOCK");
	if (m->nshared_shown < m->nshared) { /* say which are shown */
		char more[64];
		snprintf(more, sizeof more, " %zu-%zu of %zu ",
			 m->shared_first + 1,
			 m->shared_first + m->nshared_shown, m->nshared);
		int mw = (int)strlen(more);
		if (mw < w)
			mvaddstr(y, w - mw, more);
	}
	attroff(attr_of(t, CP_TITLE, A_REVERSE));
}

/* The open queue's lines under its row, from line row on; returns the
 * next free line. */
static int draw_items(tui *t, int row, int end, int w)
{
	const ui_model *m = &t->model;
	int attr = attr_of(t, CP_DIM, A_DIM);
	attron(attr);
	for (size_t k = 0; k < m->nqitems && row < end; k++, row++) {
		pm_buf b = { 0 };
		pm_buf_printf(&b, "    [%zu] ", k);
		pm_buf_puts(&b, m->qitems[k]);
		text_put_clipped(row, 0, w, b.s, t->utf8);
		pm_buf_free(&b);
	}
	if (row < end) {
		char line[128];
		if (m->qbusy)
			snprintf(line, sizeof line,
				 "    (being taken from: listed at the next look)");
		else if (!m->qtotal)
			snprintf(line, sizeof line, "    empty");
		else if (m->qtotal > m->nqitems)
			snprintf(line, sizeof line,
				 "    %zu items, the first %zu shown", m->qtotal,
				 m->nqitems);
		else
			snprintf(line, sizeof line, "    %zu item%s", m->qtotal,
				 m->qtotal == 1 ? "" : "s");
		text_put_clipped(row++, 0, w, line, t->utf8);
	}
	attroff(attr);
	return row;
}

void shared_draw(tui *t, int y, int rows, int w)
{
	const ui_model *m = &t->model;
	shared_cols cw = { .name = 4 };
	for (size_t i = 0; i < m->nshared_shown; i++)
		if (text_width(m->shared[i].name) > cw.name)
			cw.name = text_width(m->shared[i].name);
	if (cw.name > 16)
		cw.name = 16;
	cw.kind = w >= 80 ? 14 : 11;
	cw.lock = w >= 80 ? 27 : 16;
	cw.value = w - cw.name - cw.kind - cw.lock - 3;
	draw_title(t, y, w, &cw);

	int row = y + 1, end = y + rows;
	for (size_t r = 0; r < m->nshared_shown && row < end; r++) {
		const pm_shared_info *in = &m->shared[r];
		size_t index = m->shared_first + r;
		if (!in->name[0])
			continue;
		char kind[48], value[sizeof in->text + 32], lock[96];
		kind_text(kind, sizeof kind, in);
		value_text(value, sizeof value, in);
		lock_text(lock, sizeof lock, in);
		pm_buf vb = { 0 };
		pm_buf_puts(&vb, value);
		if (kind_is_queue(in->kind)) { /* the depth, lately */
			pm_buf_puts(&vb, "  ");
			sparkline(t, &vb, index);
		}
		bool selected = t->panel == PANEL_SHARED &&
				index == t->sel_shared;
		int attr = 0;
		if (selected)
			attr = attr_of(t, CP_SELECT, A_REVERSE);
		else if (in->deadlock || in->owner_died || in->broken)
			attr = attr_of(t, CP_ERROR, A_BOLD);
		else if (in->locked)
			attr = attr_of(t, CP_BUSY, A_BOLD);
		attron(attr);
		if (selected)
			mvhline(row, 0, ' ', w);
		int x = 0;
		text_put_clipped(row, x, cw.name, in->name, t->utf8);
		x += cw.name + 1;
		text_put_clipped(row, x, cw.kind, kind, t->utf8);
		x += cw.kind + 1;
		text_put_clipped(row, x, cw.value, vb.s, t->utf8);
		x += cw.value + 1;
		text_put_clipped(row, x, cw.lock, lock, t->utf8);
		attroff(attr);
		pm_buf_free(&vb);
		row++;
		if (t->shared_open == index + 1)
			row = draw_items(t, row, end, w);
	}
}
