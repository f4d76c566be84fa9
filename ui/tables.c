/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tables.c — search, filter and sort in the workers and tasks tables, as
 * htop does them (see tables.h).  The model keeps each table's filter and
 * sort (ui_table_view) and calls tables_arrange_rows / tables_task_shown /
 * tables_arrange_tasks as it builds the rows; the commands `search`,
 * `filter`, `sort` and `suspend` arrive here from the interpreter's screen
 * hook; F3 / F4 type on a line at the bottom (each key updates the table
 * at once, as htop's incremental search and filter), F6 opens a sort-by
 * chooser.  Enter on the filter line and a choice in the chooser run the
 * command, echoed in the log like any key's command. */
#define _GNU_SOURCE
#include "tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "term.h"
#include "text.h"
#include "timeline.h"
#include "util.h"

/* ---- the columns ------------------------------------------------------------- */

typedef struct column {
	const char *name;
	bool desc; /* sorted high to low unless order=asc (htop's CPU%) */
	bool sampled; /* needs every row's libproc2 sample */
} column;

enum { WS_ID, WS_PID, WS_STATE, WS_TASK, WS_ELAPSED, WS_CPU, WS_RSS, WS_THR,
       WS_CTXSW, WS_DONE, WS_RESTARTS, WS_COUNT };
static const column wsort[WS_COUNT] = {
	[WS_ID] = { "id", false, false },
	[WS_PID] = { "pid", false, false },
	[WS_STATE] = { "state", false, false },
	[WS_TASK] = { "task", false, false },
	[WS_ELAPSED] = { "elapsed", true, false },
	[WS_CPU] = { "cpu", true, true },
	[WS_RSS] = { "rss", true, true },
	[WS_THR] = { "thr", true, true },
	[WS_CTXSW] = { "ctxsw", true, true },
	[WS_DONE] = { "done", true, false },
	[WS_RESTARTS] = { "restarts", true, false },
};

enum { TS_ID, TS_CALL, TS_STATE, TS_TIME, TS_RESULT, TS_COUNT };
static const column tsort[TS_COUNT] = {
	[TS_ID] = { "id", true, false },
	[TS_CALL] = { "call", false, false },
	[TS_STATE] = { "state", false, false },
	[TS_TIME] = { "time", true, false },
	[TS_RESULT] = { "result", false, false },
};

static const column *columns_of(panel p, int *n)
{
	*n = p == PANEL_TASKS ? TS_COUNT : WS_COUNT;
	return p == PANEL_TASKS ? tsort : wsort;
}

static ui_table_view *view_of(tui *t, panel p)
{
	return p == PANEL_TASKS ? &t->model.tview : &t->model.wview;
}

static const char *table_name(panel p)
{
	return p == PANEL_TASKS ? "tasks" : "workers";
}

/* ---- what a row says, for search and filter ------------------------------------- */

/* "w2 4711 busy t5 demo.square": its id, pid, state and task. */
static void row_text(const ui_row *r, const char *task, char *buf, size_t len)
{
	char tid[PM_ID_MAX] = "";
	if (r->task)
		pm_id_format(tid, PM_ID_TASK, r->task);
	snprintf(buf, len, "%s %d %s %s %s", r->id, (int)r->pid, r->state, tid,
		 task ? task : "");
}

static bool task_matches(const ui_task *t, const char *text)
{
	char id[PM_ID_MAX];
	pm_id_format(id, PM_ID_TASK, t->info.id);
	return strcasestr(id, text) || strcasestr(t->call, text) ||
	       strcasestr(pm_task_state_name(t->info.state), text) ||
	       strcasestr(t->outcome, text);
}

/* A worker row's text: its task's name asked of the engine, so that rows
 * off screen (no task view) match as the filter matches them. */
static bool worker_matches(const ui_source *s, const ui_row *r,
			   const char *text)
{
	const char *task = NULL;
	double elapsed;
	if (r->task && !model_task_brief(s, r->task, &task, &elapsed))
		task = NULL;
	char buf[256];
	row_text(r, task, buf, sizeof buf);
	return strcasestr(buf, text) != NULL;
}

/* ---- the model's side: filter and sort ------------------------------------------ */

typedef struct row_key {
	double num;
	const char *str;
	size_t at; /* the row's place in the table's own order */
} row_key;

static bool g_desc; /* qsort has no context argument */

/* A string that is a whole number ("16", "-2.5"): compared as one. */
static bool as_number(const char *s, double *v)
{
	char *end;
	*v = strtod(s, &end);
	return end != s && !*end;
}

static int cmp_key(const void *a, const void *b)
{
	const row_key *x = a, *y = b;
	int c = 0;
	double a_num, b_num;
	if (x->str && y->str && as_number(x->str, &a_num) &&
	    as_number(y->str, &b_num))
		c = a_num < b_num ? -1 : a_num > b_num;
	else if (x->str && y->str)
		c = strcmp(x->str, y->str);
	else if (x->num != y->num)
		c = x->num < y->num ? -1 : 1;
	if (g_desc)
		c = -c;
	if (c)
		return c;
	return x->at < y->at ? -1 : x->at > y->at; /* stable */
}

static double sample_figure(const ui_model *m, const ui_row *r, int col)
{
	const pm_proc_sample *s = model_sample_of(m, r->pid);
	if (!s) /* no figure: after every row that has one */
		return (m->wview.desc ? -1 : 1) * 1e300;
	switch (col) {
	case WS_CPU:
		return s->cpu_pct;
	case WS_RSS:
		return (double)s->rss_kb;
	case WS_THR:
		return s->threads;
	default:
		return (double)s->ctxsw;
	}
}

static void row_key_of(const ui_model *m, const ui_source *s,
		       const ui_row *r, int col, row_key *k)
{
	const char *name;
	double elapsed;
	switch (col) {
	case WS_ID:
		k->num = (r->kind == PM_ID_PROCESS ? 1e18 : 0) + (double)r->num;
		break;
	case WS_PID:
		k->num = r->pid;
		break;
	case WS_STATE:
		k->str = r->state;
		break;
	case WS_TASK:
		k->num = r->task ? (double)r->task : 1e300;
		break;
	case WS_ELAPSED:
		k->num = r->task && r->tone != TONE_DEAD &&
				 model_task_brief(s, r->task, &name, &elapsed)
			       ? elapsed
			       : -1;
		break;
	case WS_DONE:
		k->num = (double)r->done;
		break;
	case WS_RESTARTS:
		k->num = r->restarts;
		break;
	default:
		k->num = sample_figure(m, r, col);
		break;
	}
}

void tables_arrange_rows(ui_model *m, const ui_source *s)
{
	m->rows_hidden = 0;
	const char *f = m->wview.filter;
	if (f[0]) {
		size_t kept = 0;
		for (size_t i = 0; i < m->nrows; i++) {
			const ui_row *r = &m->rows[i];
			if (worker_matches(s, r, f))
				m->rows[kept++] = *r;
			else
				m->rows_hidden++;
		}
		m->nrows = kept;
	}
	int col = m->wview.sort;
	if (col < 0 || col >= WS_COUNT || m->nrows < 2)
		return;
	row_key *keys = xcalloc(m->nrows, sizeof *keys);
	for (size_t i = 0; i < m->nrows; i++) {
		keys[i].at = i;
		row_key_of(m, s, &m->rows[i], col, &keys[i]);
	}
	g_desc = m->wview.desc;
	qsort(keys, m->nrows, sizeof *keys, cmp_key);
	ui_row *sorted = xcalloc(m->nrows, sizeof *sorted);
	for (size_t i = 0; i < m->nrows; i++)
		sorted[i] = m->rows[keys[i].at];
	memcpy(m->rows, sorted, m->nrows * sizeof *sorted);
	free(sorted);
	free(keys);
}

bool tables_task_shown(const ui_model *m, const ui_task *t)
{
	return !m->tview.filter[0] || task_matches(t, m->tview.filter);
}

void tables_arrange_tasks(ui_model *m)
{
	int col = m->tview.sort;
	if (col < 0 || col >= TS_COUNT || m->ntasks < 2)
		return;
	row_key *keys = xcalloc(m->ntasks, sizeof *keys);
	for (size_t i = 0; i < m->ntasks; i++) {
		const ui_task *t = &m->tasks[i];
		row_key *k = &keys[i];
		k->at = i;
		switch (col) {
		case TS_ID:
			k->num = (double)t->info.id;
			break;
		case TS_CALL:
			k->str = t->call;
			break;
		case TS_STATE:
			k->str = pm_task_state_name(t->info.state);
			break;
		case TS_TIME:
			k->num = t->info.state == PM_TASK_QUEUED ? -1
								 : t->info.elapsed;
			break;
		default:
			k->str = t->outcome;
			break;
		}
	}
	g_desc = m->tview.desc;
	qsort(keys, m->ntasks, sizeof *keys, cmp_key);
	ui_task *sorted = xcalloc(m->ntasks, sizeof *sorted);
	for (size_t i = 0; i < m->ntasks; i++)
		sorted[i] = m->tasks[keys[i].at];
	memcpy(m->tasks, sorted, m->ntasks * sizeof *sorted);
	free(sorted);
	free(keys);
}

bool tables_sample_all(const tui *t)
{
	int s = t->model.wview.sort;
	return s >= 0 && s < WS_COUNT && wsort[s].sampled;
}

const char *tables_note(const tui *t, panel p, char *buf, size_t len)
{
	const ui_table_view *v = p == PANEL_TASKS ? &t->model.tview
						  : &t->model.wview;
	int n;
	const column *cols = columns_of(p, &n);
	size_t hidden = p == PANEL_TASKS ? t->model.tasks_hidden
					 : t->model.rows_hidden;
	buf[0] = '\0';
	size_t at = 0;
	if (v->filter[0])
		at += (size_t)snprintf(buf, len, " filter:%s (%zu hidden)",
				       v->filter, hidden);
	if (v->sort >= 0 && v->sort < n && at < len)
		snprintf(buf + at, len - at, " sort:%s %s", cols[v->sort].name,
			 v->desc ? "desc" : "asc");
	return buf;
}

/* ---- search ---------------------------------------------------------------------- */

static size_t table_len(const tui *t, panel p)
{
	return p == PANEL_TASKS ? t->model.ntasks : t->model.nrows;
}

static bool row_matches(const tui *t, panel p, size_t i, const char *text)
{
	if (p == PANEL_TASKS)
		return task_matches(&t->model.tasks[i], text);
	return worker_matches(&t->src, &t->model.rows[i], text);
}

static size_t *sel_of(tui *t, panel p)
{
	return p == PANEL_TASKS ? &t->sel_task : &t->sel_worker;
}

/* Moves the selection to the first row matching text from `from` on
 * (step +1 or -1, around the end); false if no row matches. */
static bool find_row(tui *t, panel p, const char *text, size_t from, int step)
{
	/* The rows as they are now: a filter or sort given just before
	 * (keys read in one go) has not been drawn yet. */
	model_scan(&t->model, &t->src);
	screen_draw(t);
	size_t n = table_len(t, p);
	if (!n)
		return false;
	from %= n;
	for (size_t k = 0; k < n; k++) {
		size_t i = step > 0 ? (from + k) % n : (from + n - k) % n;
		if (row_matches(t, p, i, text)) {
			*sel_of(t, p) = i;
			t->panel = p;
			return true;
		}
	}
	return false;
}

/* ---- the commands --------------------------------------------------------------- */

static bool join_words(const pm_screen_cmd *c, char *out, size_t outlen,
		       char *msg, size_t len)
{
	pm_buf b = { 0 };
	for (size_t i = 0; i < c->argc; i++) {
		if (i)
			pm_buf_puts(&b, " ");
		pm_buf_puts(&b, c->words[i]);
	}
	const char *s = b.s ? b.s : "";
	bool fits = strlen(s) < outlen;
	if (fits)
		snprintf(out, outlen, "%s", s);
	else
		snprintf(msg, len, "the text is longer than %zu bytes",
			 outlen - 1);
	pm_buf_free(&b);
	return fits;
}

static bool cmd_sort(tui *t, panel p, const pm_screen_cmd *c, char *msg,
		     size_t len)
{
	ui_table_view *v = view_of(t, p);
	int n;
	const column *cols = columns_of(p, &n);
	pm_buf names = { 0 };
	for (int i = 0; i < n; i++)
		pm_buf_printf(&names, "%s%s", i ? " " : "", cols[i].name);
	bool ok = true;
	if (!c->argc) {
		if (v->sort < 0)
			snprintf(msg, len, "%s: own order; columns: %s",
				 table_name(p), names.s);
		else
			snprintf(msg, len, "%s: by %s %s; columns: %s",
				 table_name(p), cols[v->sort].name,
				 v->desc ? "desc" : "asc", names.s);
	} else if (!strcasecmp(c->words[0], "none")) {
		v->sort = -1;
		v->desc = false;
	} else if (!strcasecmp(c->words[0], "invert")) {
		if (v->sort < 0) {
			snprintf(msg, len,
				 "the %s table is in its own order: nothing to invert",
				 table_name(p));
			ok = false;
		} else {
			v->desc = !v->desc;
		}
	} else {
		int col = -1;
		for (int i = 0; i < n; i++)
			if (!strcasecmp(c->words[0], cols[i].name))
				col = i;
		if (col < 0) {
			snprintf(msg, len,
				 "no column '%s' in the %s table (%s, none, invert)",
				 c->words[0], table_name(p), names.s);
			ok = false;
		} else {
			v->sort = col;
			v->desc = cols[col].desc;
		}
	}
	if (ok && c->order && v->sort >= 0)
		v->desc = !strcmp(c->order, "desc");
	pm_buf_free(&names);
	return ok;
}

bool tables_command(void *ud, const pm_screen_cmd *c, char *msg, size_t len)
{
	tui *t = ud;
	t->dirty = true;
	if (!strcmp(c->name, "view")) { /* checked by the command */
		timeline_set_view(t, c->words[0]);
		return true;
	}
	if (!strcmp(c->name, "suspend")) {
		if (!term_can_suspend()) {
			snprintf(msg, len,
				 "no job control here: nothing could resume poolmon (start it from an interactive shell)");
			return false;
		}
		t->suspend_pending = true;
		return true;
	}
	panel p = t->panel;
	if (c->table)
		p = !strcmp(c->table, "tasks") ? PANEL_TASKS : PANEL_WORKERS;
	else if (p == PANEL_LOG)
		p = PANEL_WORKERS;
	if (!strcmp(c->name, "sort"))
		return cmd_sort(t, p, c, msg, len);
	if (!strcmp(c->name, "filter")) {
		ui_table_view *v = view_of(t, p);
		char f[UI_FILTER_MAX];
		if (!join_words(c, f, sizeof f, msg, len))
			return false;
		memcpy(v->filter, f, sizeof f);
		*sel_of(t, p) = 0;
		return true;
	}
	/* search: the next match after the selection, as F3 */
	char s[UI_FILTER_MAX];
	if (!join_words(c, s, sizeof s, msg, len))
		return false;
	memcpy(t->search, s, sizeof s);
	if (!find_row(t, p, s, *sel_of(t, p) + 1, 1)) {
		snprintf(msg, len, "no row of the %s table contains '%s'",
			 table_name(p), s);
		return false;
	}
	return true;
}

/* ---- the line at the bottom and the chooser ------------------------------------ */

static bool on_table(const tui *t)
{
	return t->panel == PANEL_WORKERS ||
	       (t->panel == PANEL_TASKS && t->tasks_rows > 0);
}

unsigned tables_open(tui *t, int kind)
{
	if (t->prompt_kind == PROMPT_SEARCH && kind == PROMPT_SEARCH) {
		if (t->prompt_buf[0])
			t->prompt_failed = !find_row(
				t, t->prompt_panel, t->prompt_buf,
				*sel_of(t, t->prompt_panel) + 1, 1);
		return UI_REDRAW;
	}
	if (!t->prompt_kind && !on_table(t))
		return 0; /* the log is focused: nothing to search */
	panel p = t->prompt_kind ? t->prompt_panel : t->panel;
	t->prompt_kind = kind;
	t->prompt_panel = p;
	t->prompt_failed = false;
	if (kind == PROMPT_FILTER)
		memcpy(t->prompt_buf, view_of(t, p)->filter,
		       sizeof t->prompt_buf);
	else
		t->prompt_buf[0] = '\0';
	if (kind == PROMPT_SORT) {
		int s = view_of(t, p)->sort;
		t->sort_choice = s < 0 ? 0 : s;
	}
	return UI_REDRAW;
}

/* As the line is: the table follows each key. */
static void prompt_changed(tui *t)
{
	panel p = t->prompt_panel;
	if (t->prompt_kind == PROMPT_FILTER) {
		memcpy(view_of(t, p)->filter, t->prompt_buf,
		       sizeof t->prompt_buf);
		*sel_of(t, p) = 0;
	} else if (t->prompt_buf[0]) {
		/* htop: from the top, the first row that matches */
		t->prompt_failed = !find_row(t, p, t->prompt_buf, 0, 1);
		memcpy(t->search, t->prompt_buf, sizeof t->search);
	} else {
		t->prompt_failed = false;
	}
}

/* `filter "TEXT" table=T`: the text quoted for the command language. */
static unsigned run_filter(tui *t)
{
	pm_buf b = { 0 };
	pm_buf_puts(&b, "filter");
	if (t->prompt_buf[0]) {
		pm_buf_puts(&b, " \"");
		for (const char *q = t->prompt_buf; *q; q++) {
			if (*q == '"' || *q == '\\')
				pm_buf_add(&b, "\\", 1);
			pm_buf_add(&b, q, 1);
		}
		pm_buf_puts(&b, "\"");
	}
	pm_buf_printf(&b, " table=%s", table_name(t->prompt_panel));
	t->prompt_kind = PROMPT_NONE;
	unsigned r = keys_run_command(t, b.s);
	pm_buf_free(&b);
	return r;
}

static unsigned close_prompt(tui *t)
{
	t->prompt_kind = PROMPT_NONE;
	return UI_REDRAW;
}

static int sort_key(tui *t, int k)
{
	int n;
	const column *cols = columns_of(t->prompt_panel, &n);
	switch (k) {
	case KEY_UP:
	case 'k':
		if (t->sort_choice > 0)
			t->sort_choice--;
		return UI_REDRAW;
	case KEY_DOWN:
	case 'j':
		if (t->sort_choice < n - 1)
			t->sort_choice++;
		return UI_REDRAW;
	case KEY_HOME:
		t->sort_choice = 0;
		return UI_REDRAW;
	case KEY_END:
		t->sort_choice = n - 1;
		return UI_REDRAW;
	case '\r':
	case '\n':
	case KEY_ENTER: {
		const ui_table_view *v = view_of(t, t->prompt_panel);
		/* The column it is sorted by again: the other way round. */
		char *line = xasprintf(
			"sort %s table=%s",
			v->sort == t->sort_choice ? "invert"
						  : cols[t->sort_choice].name,
			table_name(t->prompt_panel));
		t->prompt_kind = PROMPT_NONE;
		unsigned r = keys_run_command(t, line);
		free(line);
		return (int)r;
	}
	case KEY_ESC:
	case 'q':
	case KEY_F(6):
	case KEY_CTRL('c'):
		return (int)close_prompt(t);
	case KEY_RESIZE:
	case KEY_MOUSE:
	case KEY_CTRL('z'):
	case KEY_CTRL('l'):
		return -1;
	}
	return 0;
}

int tables_key(tui *t, int k)
{
	if (!t->prompt_kind)
		return -1;
	if (t->prompt_kind == PROMPT_SORT)
		return sort_key(t, k);
	size_t len = strlen(t->prompt_buf);
	panel p = t->prompt_panel;
	switch (k) {
	case KEY_ESC:
	case KEY_CTRL('c'):
		if (t->prompt_kind == PROMPT_FILTER) {
			/* htop: Esc clears the filter */
			t->prompt_buf[0] = '\0';
			return (int)run_filter(t);
		}
		return (int)close_prompt(t);
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (t->prompt_kind == PROMPT_FILTER)
			return (int)run_filter(t);
		return (int)close_prompt(t);
	case KEY_BACKSPACE:
	case 127:
	case KEY_CTRL('h'):
		while (len > 0 &&
		       ((unsigned char)t->prompt_buf[--len] & 0xc0) == 0x80)
			;
		t->prompt_buf[len] = '\0';
		prompt_changed(t);
		return UI_REDRAW;
	case KEY_F(3):
		return (int)tables_open(t, PROMPT_SEARCH);
	case KEY_F(15): /* Shift-F3: the previous match */
		if (t->prompt_kind == PROMPT_SEARCH && t->prompt_buf[0]) {
			size_t n = table_len(t, p), sel = *sel_of(t, p);
			t->prompt_failed =
				!n || !find_row(t, p, t->prompt_buf,
						(sel + n - 1) % n, -1);
		}
		return UI_REDRAW;
	case KEY_F(4):
		return (int)tables_open(t, PROMPT_FILTER);
	case KEY_F(6):
		return (int)tables_open(t, PROMPT_SORT);
	case KEY_UP:
	case KEY_DOWN: {
		size_t *sel = sel_of(t, p), n = table_len(t, p);
		if (k == KEY_UP && *sel > 0)
			(*sel)--;
		else if (k == KEY_DOWN && *sel + 1 < n)
			(*sel)++;
		return UI_REDRAW;
	}
	case KEY_RESIZE:
	case KEY_MOUSE:
	case KEY_CTRL('z'): /* suspend, redraw: the key table's */
	case KEY_CTRL('l'):
		return -1;
	}
	if (k >= ' ' && k < 256 && k != 127 && len + 1 < sizeof t->prompt_buf) {
		t->prompt_buf[len] = (char)k;
		t->prompt_buf[len + 1] = '\0';
		prompt_changed(t);
		return UI_REDRAW;
	}
	return 0;
}

static void draw_chooser(tui *t)
{
	int n;
	const column *cols = columns_of(t->prompt_panel, &n);
	const ui_table_view *v = view_of(t, t->prompt_panel);
	int y0 = t->prompt_panel == PANEL_TASKS ? t->tasks_y : t->workers_y;
	int rows = LINES - 2 - y0; /* down to the command line */
	if (y0 < 1 || rows < 1)
		return;
	if (rows > n)
		rows = n;
	int first = t->sort_choice >= rows ? t->sort_choice - rows + 1 : 0;
	const int bw = 16;
	attron(attr_of(t, CP_TITLE, A_REVERSE));
	mvaddnstr(y0 - 1, 0, " Sort by        ", bw);
	attroff(attr_of(t, CP_TITLE, A_REVERSE));
	for (int r = 0; r < rows; r++) {
		int i = first + r;
		char line[32];
		snprintf(line, sizeof line, " %-9s %-4s ", cols[i].name,
			 v->sort == i ? (v->desc ? "desc" : "asc") : "");
		int a = i == t->sort_choice ? attr_of(t, CP_SELECT, A_REVERSE)
					    : 0;
		attron(a);
		mvaddnstr(y0 + r, 0, line, bw);
		attroff(a);
	}
}

void tables_draw_prompt(tui *t, int y, int w)
{
	if (t->prompt_kind == PROMPT_SORT) {
		draw_chooser(t);
		move(y, 0);
		clrtoeol();
		text_put(y, 0, "Sort by: Up/Down, Enter: sort (again: invert)  Esc: cancel", w);
		return;
	}
	const char *label = t->prompt_kind == PROMPT_SEARCH ? "Search: "
							    : "Filter: ";
	const char *hint = t->prompt_kind == PROMPT_SEARCH
				   ? "  F3:next S-F3:prev Enter/Esc:done"
				   : "  Enter:done Esc:clear";
	move(y, 0);
	clrtoeol();
	attron(A_BOLD);
	int x = text_put(y, 0, label, w);
	attroff(A_BOLD);
	int a = t->prompt_failed ? attr_of(t, CP_ERROR, A_BOLD) : 0;
	attron(a);
	x += text_put(y, x, t->prompt_buf, w - x);
	attroff(a);
	if (x < w)
		text_put(y, x, hint, w - x);
}

void tables_place_cursor(tui *t, int y)
{
	if (t->prompt_kind != PROMPT_SEARCH && t->prompt_kind != PROMPT_FILTER)
		return;
	if (t->overlay != OVERLAY_NONE || t->too_small)
		return;
	int x = text_width("Search: ") + text_width(t->prompt_buf);
	move(y, x < COLS ? x : COLS - 1);
	curs_set(1);
}
