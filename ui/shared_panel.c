/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shared_panel.c — the shared-objects panel: values, arrays, queue depths,
 * semaphores, events, and who holds each lock (or died holding it), who
 * waits for it and how long, by id; a deadlock's locks marked. */
#include <stdio.h>
#include <string.h>

#include "screen.h"
#include "text.h"

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

static void draw_title(tui *t, int y, int w, const shared_cols *cw, int body)
{
	const ui_model *m = &t->model;
	attron(attr_of(t, CP_TITLE, A_REVERSE));
	mvhline(y, 0, ' ', w);
	int x = 0;
	text_put_cell(y, &x, cw->name, false, "NAME");
	text_put_cell(y, &x, cw->kind, false, "KIND");
	text_put_cell(y, &x, cw->value, false, "VALUE / DEPTH");
	text_put_cell(y, &x, cw->lock, false, "LOCK");
	if ((size_t)body < m->nshared) { /* not all fit: say how many are shown */
		char more[48];
		snprintf(more, sizeof more, " %d of %zu ", body, m->nshared);
		int mw = (int)strlen(more);
		if (mw < w)
			mvaddstr(y, w - mw, more);
	}
	attroff(attr_of(t, CP_TITLE, A_REVERSE));
}

void shared_draw(tui *t, int y, int rows, int w)
{
	const ui_model *m = &t->model;
	int body = rows - 1;
	shared_cols cw = { .name = 4 };
	for (size_t i = 0; i < m->nshared_shown; i++)
		if (text_width(m->shared[i].name) > cw.name)
			cw.name = text_width(m->shared[i].name);
	if (cw.name > 16)
		cw.name = 16;
	cw.kind = w >= 80 ? 14 : 11;
	cw.lock = w >= 80 ? 27 : 16;
	cw.value = w - cw.name - cw.kind - cw.lock - 3;
	draw_title(t, y, w, &cw, body);

	for (size_t r = 0; r < m->nshared_shown; r++) {
		const pm_shared_info *in = &m->shared[r];
		if (!in->name[0])
			continue;
		char kind[48], value[sizeof in->text + 32], lock[96];
		kind_text(kind, sizeof kind, in);
		value_text(value, sizeof value, in);
		lock_text(lock, sizeof lock, in);
		int row = y + 1 + (int)r;
		int attr = 0;
		if (in->deadlock || in->owner_died || in->broken)
			attr = attr_of(t, CP_ERROR, A_BOLD);
		else if (in->locked)
			attr = attr_of(t, CP_BUSY, A_BOLD);
		attron(attr);
		int x = 0;
		text_put_clipped(row, x, cw.name, in->name, t->utf8);
		x += cw.name + 1;
		text_put_clipped(row, x, cw.kind, kind, t->utf8);
		x += cw.kind + 1;
		text_put_clipped(row, x, cw.value, value, t->utf8);
		x += cw.value + 1;
		text_put_clipped(row, x, cw.lock, lock, t->utf8);
		attroff(attr);
	}
}
