/* SPDX-License-Identifier: GPL-3.0-or-later */
/* keys.c — the key table (see keys.h) and what its keys do.  A key that
 * acts on the pool runs a command of the command language with the
 * selection filled in ("pause t5"), through the interpreter, like a typed
 * line; the other keys move about the screen. */
#include "keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "cli.h"
#include "rline.h"
#include "timeline.h"
#include "tables.h"
#include "util.h"

typedef enum key_where {
	ON_COMMAND = 1 << FOCUS_COMMAND,
	ON_SCREEN = 1 << FOCUS_SCREEN,
	ANYWHERE = ON_COMMAND | ON_SCREEN,
} key_where;

/* A binding that only holds while readline does not need the key. */
typedef enum key_guard { GUARD_NONE, GUARD_LONE_ESC, GUARD_EMPTY_LINE } key_guard;

typedef struct key_binding {
	int code; /* curses key code; 0 ends the list */
	key_where where;
	int arg; /* passed to the action, or added to the pool size */
	key_guard guard;
} key_binding;

typedef enum help_section {
	HELP_NONE,
	HELP_COMMAND,
	HELP_SCREEN,
	HELP_ANYWHERE,
} help_section;

typedef unsigned (*key_action)(tui *t, int arg);

/* The view a key works in (view main / view timeline). */
typedef enum key_view { IN_ANY_VIEW, IN_MAIN, IN_TIMELINE } key_view;

typedef struct pm_key {
	key_binding bind[8];
	struct {
		const char *key, *label;
	} bar[FOCUS_COUNT]; /* the key bar, by focus; NULL: not shown */
	help_section section;
	const char *keys; /* the help's key column */
	const char *help; /* the help's note; '\n' goes on to the next line */
	/* A command line: {sel} is the selected row's id, {workers} the
	 * pool's size plus the binding's arg. */
	const char *command;
	const char *command_if_paused; /* instead, for a paused selection */
	const char *ask;               /* asked first, [y/N] added */
	key_action action;             /* when there is no command */
	key_view in;
	bool attached; /* only on a screen attached to a served pool */
} pm_key;

static unsigned act_help(tui *t, int arg);
static unsigned act_focus(tui *t, int arg);
static unsigned act_move(tui *t, int arg);
static unsigned act_page(tui *t, int arg);
static unsigned act_panel(tui *t, int arg);
static unsigned act_details(tui *t, int arg);
static unsigned act_freeze(tui *t, int arg);
static unsigned act_quit(tui *t, int arg);
static unsigned act_interrupt(tui *t, int arg);
static unsigned act_repaint(tui *t, int arg);
static unsigned act_mouse(tui *t, int arg);
static unsigned act_none(tui *t, int arg);
static unsigned act_table_prompt(tui *t, int arg);

#define TOGGLE (-1) /* act_focus: the other part */
#define FAR 1000000 /* act_move: to the first or last row */

/* In key bar order: the bar shows, for the focus, the entries that have a
 * label for it. */
static const pm_key key_table[] = {
	{ .bind = { { KEY_F(1), ANYWHERE, 0, GUARD_NONE },
		    { '?', ON_SCREEN, 0, GUARD_NONE },
		    { '?', ON_COMMAND, 0, GUARD_EMPTY_LINE } },
	  .bar = { { "F1", "Help" }, { "F1", "Help" } },
	  .section = HELP_ANYWHERE, .keys = "F1, ?",
	  .help = "this help (? on the screen, or on an empty command line)",
	  .action = act_help },
	{ .bind = { { KEY_F(2), ANYWHERE, TOGGLE, GUARD_NONE },
		    { KEY_ESC, ON_COMMAND, FOCUS_SCREEN, GUARD_LONE_ESC } },
	  .bar = { [FOCUS_COMMAND] = { "F2", "Keys>screen" } },
	  .section = HELP_COMMAND, .keys = "Esc or F2",
	  .help = "give the keys to the screen (F2 always; in vi mode\n"
		  "Esc in command mode: Esc Esc; not mid-search or -sequence)",
	  .action = act_focus },
	{ .bind = { { KEY_ESC, ON_SCREEN, FOCUS_COMMAND, GUARD_NONE },
		    { ':', ON_SCREEN, FOCUS_COMMAND, GUARD_NONE },
		    { '/', ON_SCREEN, FOCUS_COMMAND, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "Esc", "Command" } },
	  .section = HELP_SCREEN, .keys = "Esc, : or /",
	  .help = "back to the command line (other text starts a command)",
	  .action = act_focus },
	/* htop's F3, F4 and F6 in the workers and tasks tables (tables.c):
	 * the line they open runs `search`, `filter` or `sort`. */
	{ .bind = { { KEY_F(3), ANYWHERE, PROMPT_SEARCH, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "F3", "Search" } },
	  .section = HELP_ANYWHERE, .keys = "F3",
	  .help = "search the table: type, F3 next, Shift-F3 previous,\n"
		  "Enter or Esc done (the command: search TEXT)",
	  .action = act_table_prompt },
	{ .bind = { { KEY_F(4), ANYWHERE, PROMPT_FILTER, GUARD_NONE },
		    { '\\', ON_SCREEN, PROMPT_FILTER, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "F4", "Filter" } },
	  .section = HELP_ANYWHERE, .keys = "F4 or \\",
	  .help = "show only the rows containing the text typed;\n"
		  "Enter keeps it, Esc clears it (filter TEXT)",
	  .action = act_table_prompt },
	{ .bind = { { KEY_F(6), ANYWHERE, PROMPT_SORT, GUARD_NONE },
		    { '<', ON_SCREEN, PROMPT_SORT, GUARD_NONE },
		    { '>', ON_SCREEN, PROMPT_SORT, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "F6", "SortBy" } },
	  .section = HELP_ANYWHERE, .keys = "F6, < or >",
	  .help = "choose the column the table is sorted by (sort COLUMN)",
	  .action = act_table_prompt },
	{ .bind = { { 'I', ON_SCREEN, 0, GUARD_NONE } },
	  .section = HELP_SCREEN, .keys = "I",
	  .help = "invert the sort order", .command = "sort invert" },
	{ .bind = { { KEY_UP, ON_SCREEN, -1, GUARD_NONE },
		    { 'k', ON_SCREEN, -1, GUARD_NONE },
		    { KEY_DOWN, ON_SCREEN, 1, GUARD_NONE },
		    { 'j', ON_SCREEN, 1, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "j/k", "Select" } },
	  .section = HELP_SCREEN, .keys = "Up/Down, j/k",
	  .help = "select a row", .action = act_move },
	{ .bind = { { '\t', ON_SCREEN, 1, GUARD_NONE },
		    { KEY_BTAB, ANYWHERE, -1, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "Tab", "Panel" } },
	  .section = HELP_SCREEN, .keys = "Tab / Shift-Tab",
	  .help = "next / previous panel (workers, tasks, shared, log)",
	  .action = act_panel },
	{ .bind = { { 'p', ON_SCREEN, 0, GUARD_NONE },
		    { KEY_F(5), ANYWHERE, 0, GUARD_NONE } },
	  .bar = { { "F5", "Pause" }, { "p", "Pause" } },
	  .section = HELP_SCREEN, .keys = "p or F5",
	  .help = "pause / resume the selected worker or task",
	  .command = "pause {sel}", .command_if_paused = "resume {sel}" },
	{ .bind = { { 's', ON_SCREEN, 0, GUARD_NONE } },
	  .section = HELP_SCREEN, .keys = "s",
	  .help = "step: send the next task (pause pool first)",
	  .command = "step 1" },
	{ .bind = { { 't', ON_SCREEN, 0, GUARD_NONE },
		    { KEY_F(9), ANYWHERE, 0, GUARD_NONE } },
	  .bar = { { "F9", "Term" }, { "t", "Term" } },
	  .section = HELP_SCREEN, .keys = "t or F9",
	  .help = "terminate the selected worker or task (asks)",
	  .command = "terminate {sel}", .ask = "Terminate {sel}?" },
	{ .bind = { { '\r', ON_SCREEN, 0, GUARD_NONE },
		    { '\n', ON_SCREEN, 0, GUARD_NONE },
		    { KEY_ENTER, ON_SCREEN, 0, GUARD_NONE },
		    { 'd', ON_SCREEN, 0, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "Enter", "Details" } },
	  .section = HELP_SCREEN, .keys = "Enter or d",
	  .help = "details of the selected row; on a queue of the\n"
		  "shared panel, its first items (Enter again hides them)",
	  .action = act_details },
	{ .bind = { { '+', ON_SCREEN, 1, GUARD_NONE },
		    { '-', ON_SCREEN, -1, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "+/-", "Workers" } },
	  .section = HELP_SCREEN, .keys = "+ / -",
	  .help = "grow / shrink the pool by one worker",
	  .command = "workers {workers}", .in = IN_MAIN },
	{ .bind = { { 'v', ON_SCREEN, 0, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "v", "Timeline" } },
	  .section = HELP_SCREEN, .keys = "v",
	  .help = "the timeline: what each worker ran, when",
	  .command = "view timeline", .in = IN_MAIN },
	{ .bind = { { 'v', ON_SCREEN, 0, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "v", "Panels" } },
	  .section = HELP_SCREEN, .keys = "v (timeline)",
	  .help = "back to the panels", .command = "view main",
	  .in = IN_TIMELINE },
	{ .bind = { { '+', ON_SCREEN, 1, GUARD_NONE },
		    { '=', ON_SCREEN, 1, GUARD_NONE },
		    { '-', ON_SCREEN, -1, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "+/-", "Zoom" } },
	  .section = HELP_SCREEN, .keys = "+ / - (timeline)",
	  .help = "zoom in / out: fewer / more seconds across",
	  .action = timeline_zoom, .in = IN_TIMELINE },
	{ .bind = { { '[', ON_SCREEN, -1, GUARD_NONE },
		    { ']', ON_SCREEN, 1, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "[/]", "Scroll" } },
	  .section = HELP_SCREEN, .keys = "[ / ] (timeline)",
	  .help = "back / forward in time by half the strip",
	  .action = timeline_scroll, .in = IN_TIMELINE },
	{ .bind = { { KEY_LEFT, ON_SCREEN, -1, GUARD_NONE },
		    { 'h', ON_SCREEN, -1, GUARD_NONE },
		    { KEY_RIGHT, ON_SCREEN, 1, GUARD_NONE },
		    { 'l', ON_SCREEN, 1, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "</>", "Span" } },
	  .section = HELP_SCREEN, .keys = "Left/Right, h/l",
	  .help = "(timeline) select the row's span before / after;\n"
		  "Enter shows its task",
	  .action = timeline_step, .in = IN_TIMELINE },
	{ .bind = { { 'Z', ON_SCREEN, 0, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "Z", "Freeze" } },
	  .section = HELP_SCREEN, .keys = "Z",
	  .help = "freeze / unfreeze the display", .action = act_freeze },
	{ .bind = { { 'q', ON_SCREEN, 0, GUARD_NONE },
		    { KEY_F(10), ANYWHERE, 0, GUARD_NONE } },
	  .bar = { { "F10", "Quit" }, { "q", "Quit" } },
	  .section = HELP_SCREEN, .keys = "q or F10",
	  .help = "quit (asks when tasks are still alive; attached:\n"
		  "stop the pool, or only detach)",
	  .action = act_quit },
	{ .bind = { { 'D', ON_SCREEN, 0, GUARD_NONE } },
	  .bar = { [FOCUS_SCREEN] = { "D", "Detach" } },
	  .section = HELP_SCREEN, .keys = "D",
	  .help = "attached (poolmon attach NAME): detach, the pool runs on",
	  .command = "detach", .attached = true },
	{ .section = HELP_COMMAND, .keys = "typing, Enter",
	  .help = "edit and run a command (readline: emacs or vi keys,\n"
		  "searches, macros; ~/.inputrc or $INPUTRC)" },
	{ .bar = { [FOCUS_COMMAND] = { "Tab", "Complete" } },
	  .section = HELP_COMMAND, .keys = "Tab",
	  .help = "complete commands, tasks, ids, file names" },
	{ .bar = { [FOCUS_COMMAND] = { "Up", "History" } },
	  .section = HELP_COMMAND, .keys = "Up / Down",
	  .help = "history (saved in $XDG_STATE_HOME/poolmon)" },
	{ .bind = { { KEY_PPAGE, ANYWHERE, -1, GUARD_NONE },
		    { KEY_NPAGE, ANYWHERE, 1, GUARD_NONE } },
	  .bar = { [FOCUS_COMMAND] = { "PgUp/Dn", "Select" } },
	  .section = HELP_ANYWHERE, .keys = "PgUp / PgDn",
	  .help = "move the selection in the current panel by a page",
	  .action = act_page },
	{ .bind = { { KEY_CTRL('c'), ANYWHERE, 0, GUARD_NONE } },
	  .bar = { [FOCUS_COMMAND] = { "^C", "Stop wait" } },
	  .section = HELP_ANYWHERE, .keys = "Ctrl-C",
	  .help = "stop a waiting join/apply/result/sleep; else clear the line",
	  .action = act_interrupt },
	{ .bind = { { KEY_HOME, ON_SCREEN, -FAR, GUARD_NONE },
		    { 'g', ON_SCREEN, -FAR, GUARD_NONE },
		    { KEY_END, ON_SCREEN, FAR, GUARD_NONE },
		    { 'G', ON_SCREEN, FAR, GUARD_NONE } },
	  .section = HELP_SCREEN, .keys = "Home/End, g/G",
	  .help = "the first / last row", .action = act_move },
	{ .bind = { { KEY_MOUSE, ANYWHERE, 0, GUARD_NONE } },
	  .section = HELP_SCREEN, .keys = "mouse click, wheel",
	  .help = "select a row; the wheel moves the selection",
	  .action = act_mouse },
	{ .bind = { { KEY_CTRL('z'), ANYWHERE, 0, GUARD_NONE } },
	  .section = HELP_ANYWHERE, .keys = "Ctrl-Z",
	  .help = "suspend poolmon (fg resumes); the workers go on",
	  .command = "suspend" },
	{ .bind = { { KEY_CTRL('l'), ANYWHERE, 0, GUARD_NONE } },
	  .section = HELP_ANYWHERE, .keys = "Ctrl-L",
	  .help = "redraw the whole terminal", .action = act_repaint },
	/* SIGWINCH does the work of a resize. */
	{ .bind = { { KEY_RESIZE, ANYWHERE, 0, GUARD_NONE } },
	  .action = act_none },
	{ .section = HELP_ANYWHERE, .keys = "Esc",
	  .help = "closes this window (Up/Down, PgUp/PgDn scroll it)" },
};

#define NKEYS (sizeof key_table / sizeof *key_table)

/* ---- the selection ------------------------------------------------------------ */

/* The selected row's id: a task in the tasks panel, else the workers
 * table's row. */
static bool selection(const tui *t, char *kind, uint64_t *num)
{
	const ui_model *m = &t->model;
	if (t->view == VIEW_TIMELINE)
		return timeline_selection(t, kind, num);
	/* Only the row highlighted in the focused panel: none in the log,
	 * none in an empty tasks panel. */
	if (t->panel == PANEL_LOG || t->panel == PANEL_SHARED)
		return false;
	if (t->panel == PANEL_TASKS) {
		if (t->sel_task >= m->ntasks)
			return false;
		*kind = PM_ID_TASK;
		*num = m->tasks[t->sel_task].info.id;
		return true;
	}
	if (t->sel_worker < m->nrows) {
		*kind = m->rows[t->sel_worker].kind;
		*num = m->rows[t->sel_worker].num;
		return true;
	}
	return false;
}

/* Asked as the key is pressed, not from the last frame: two presses in
 * one frame pause, then resume. */
static bool selection_paused(const tui *t, char kind, uint64_t num)
{
	return model_paused_now(&t->src, kind, num);
}

/* The template with {sel} and {workers} filled in (malloc'd). */
static char *fill(const char *tmpl, const char *sel, int workers)
{
	pm_buf b = { 0 };
	for (const char *p = tmpl; *p;) {
		if (!strncmp(p, "{sel}", 5)) {
			pm_buf_puts(&b, sel);
			p += 5;
		} else if (!strncmp(p, "{workers}", 9)) {
			pm_buf_printf(&b, "%d", workers);
			p += 9;
		} else {
			pm_buf_add(&b, p++, 1);
		}
	}
	return pm_buf_take(&b);
}

unsigned keys_run_command(tui *t, const char *line)
{
	ui_echo_command(t, line);
	if (t->attach)
		ui_attach_line(t, line);
	else
		pm_cli_run_now(t->cli, line);
	return UI_REDRAW;
}

static unsigned run_key_command(tui *t, const pm_key *key,
				const key_binding *b)
{
	char kind = 0, sel[PM_ID_MAX] = "";
	uint64_t num = 0;
	const char *tmpl = key->command;
	if (strstr(tmpl, "{sel}")) {
		if (!selection(t, &kind, &num))
			return key->ask ? UI_REDRAW : 0;
		pm_id_format(sel, kind, num);
		if (key->command_if_paused && selection_paused(t, kind, num))
			tmpl = key->command_if_paused;
	}
	int workers = model_target_workers_now(&t->src) + b->arg;
	if (strstr(tmpl, "{workers}") && workers < 1)
		return 0;
	char *line = fill(tmpl, sel, workers);
	if (!key->ask) {
		unsigned r = keys_run_command(t, line);
		free(line);
		return r;
	}
	char *q = fill(key->ask, sel, workers);
	free(t->confirm_line);
	free(t->confirm_question);
	t->confirm_line = line;
	t->confirm_question = xasprintf("%s [y/N]", q);
	free(q);
	overlay_open(t, OVERLAY_CONFIRM_COMMAND);
	return UI_REDRAW;
}

/* ---- the screen's own actions --------------------------------------------------- */

static unsigned act_help(tui *t, int arg)
{
	(void)arg;
	overlay_open(t, OVERLAY_HELP);
	return UI_REDRAW;
}

static unsigned act_focus(tui *t, int arg)
{
	if (arg == TOGGLE)
		t->focus = t->focus == FOCUS_COMMAND ? FOCUS_SCREEN
						     : FOCUS_COMMAND;
	else
		t->focus = (focus)arg;
	return UI_REDRAW;
}

/* index + delta, kept within 0..n-1 (0 when there is nothing). */
static size_t clamp_add(size_t index, int delta, size_t n)
{
	long s = (long)index + delta;
	if (s >= (long)n)
		s = (long)n - 1;
	return s < 0 ? 0 : (size_t)s;
}

static unsigned act_move(tui *t, int delta)
{
	if (t->view == VIEW_TIMELINE) {
		t->sel_worker = clamp_add(t->sel_worker, delta, t->model.nrows);
		timeline_row_moved(t);
		return UI_REDRAW;
	}
	switch (t->panel) {
	case PANEL_WORKERS:
		t->sel_worker = clamp_add(t->sel_worker, delta, t->model.nrows);
		break;
	case PANEL_TASKS:
		t->sel_task = clamp_add(t->sel_task, delta, t->model.ntasks);
		break;
	case PANEL_SHARED:
		t->sel_shared = clamp_add(t->sel_shared, delta,
					  t->model.nshared);
		break;
	case PANEL_LOG:
		t->log_scroll -= delta;
		break;
	case PANEL_COUNT:
		break;
	}
	return UI_REDRAW;
}

static unsigned act_page(tui *t, int dir)
{
	int rows = t->panel == PANEL_WORKERS || t->view == VIEW_TIMELINE
			   ? t->workers_rows
		   : t->panel == PANEL_TASKS ? t->tasks_rows
		   : t->panel == PANEL_SHARED ? t->shared_rows - 1
					     : t->log_rows;
	return act_move(t, dir * (rows > 1 ? rows - 1 : 1));
}

static unsigned act_panel(tui *t, int dir)
{
	for (int i = 0; i < PANEL_COUNT; i++) {
		t->panel = (panel)(((int)t->panel + dir + PANEL_COUNT) %
				   PANEL_COUNT);
		if ((t->panel != PANEL_TASKS || t->tasks_rows > 0 ||
		     t->compact) &&
		    (t->panel != PANEL_SHARED || t->shared_rows > 0))
			break;
	}
	return UI_REDRAW;
}

static unsigned act_details(tui *t, int arg)
{
	(void)arg;
	if (t->panel == PANEL_LOG && t->view == VIEW_MAIN)
		return 0;
	if (t->panel == PANEL_SHARED && t->view == VIEW_MAIN)
		return shared_toggle(t);
	if (selection(t, &t->detail_kind, &t->detail_num))
		overlay_open(t, OVERLAY_DETAILS);
	return UI_REDRAW;
}

static unsigned act_freeze(tui *t, int arg)
{
	(void)arg;
	t->frozen = !t->frozen;
	return UI_REDRAW;
}

static unsigned act_quit(tui *t, int arg)
{
	(void)arg;
	return ui_request_quit(t, true);
}

static unsigned act_interrupt(tui *t, int arg)
{
	(void)arg;
	if (t->attach && ui_attach_busy(t))
		ui_attach_interrupt(t);
	else if (!t->attach && pm_cli_busy(t->cli))
		pm_cli_interrupt(t->cli);
	else if (t->focus == FOCUS_COMMAND)
		rline_clear_line();
	return UI_REDRAW;
}

static unsigned act_repaint(tui *t, int arg)
{
	(void)t;
	(void)arg;
	clearok(curscr, TRUE);
	return UI_REDRAW;
}

static unsigned act_mouse(tui *t, int arg)
{
	(void)arg;
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return 0;
	if (ev.bstate & BUTTON4_PRESSED) /* wheel up */
		return act_move(t, -1);
	if (ev.bstate & BUTTON5_PRESSED) /* wheel down */
		return act_move(t, 1);
	if (ev.y >= t->workers_y && ev.y < t->workers_y + t->workers_rows) {
		t->panel = PANEL_WORKERS;
		t->sel_worker = (size_t)(t->workers_first + ev.y - t->workers_y);
		return act_move(t, 0);
	}
	if (t->tasks_rows && ev.y >= t->tasks_y &&
	    ev.y < t->tasks_y + t->tasks_rows - 1) {
		t->panel = PANEL_TASKS;
		t->sel_task = (size_t)(t->tasks_first + ev.y - t->tasks_y);
		return act_move(t, 0);
	}
	return 0;
}

static unsigned act_table_prompt(tui *t, int kind)
{
	return tables_open(t, kind);
}

static unsigned act_none(tui *t, int arg)
{
	(void)t;
	(void)arg;
	return 0;
}

/* ---- dispatch ------------------------------------------------------------------ */

static bool guard_holds(key_guard g, bool lone_esc)
{
	switch (g) {
	case GUARD_NONE:
		return true;
	case GUARD_LONE_ESC:
		return lone_esc && rline_esc_is_free();
	case GUARD_EMPTY_LINE:
		return rline_help_key_is_free();
	}
	return false;
}

static bool in_view(const tui *t, const pm_key *key)
{
	if (key->attached && !t->attach)
		return false;
	return key->in == IN_ANY_VIEW ||
	       (key->in == IN_TIMELINE) == (t->view == VIEW_TIMELINE);
}

static const pm_key *find(const tui *t, int k, focus f, bool lone_esc,
			  const key_binding **bound)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (!in_view(t, &key_table[i]))
			continue;
		for (const key_binding *b = key_table[i].bind; b->code; b++)
			if (b->code == k && (b->where & (1 << f)) &&
			    guard_holds(b->guard, lone_esc)) {
				*bound = b;
				return &key_table[i];
			}
	}
	return NULL;
}

unsigned keys_dispatch(tui *t, int k, bool lone_esc)
{
	int r = overlay_key(t, k);
	if (r >= 0)
		return (unsigned)r;
	r = tables_key(t, k);
	if (r >= 0)
		return (unsigned)r;
	const key_binding *b;
	const pm_key *key = find(t, k, t->focus, lone_esc, &b);
	if (key)
		return key->command ? run_key_command(t, key, b)
				    : key->action(t, b->arg);
	if (t->focus == FOCUS_COMMAND) {
		rline_feed_key(t, k);
		return 0;
	}
	/* Any other text on the screen starts a command. */
	if (k >= ' ' && k < 256 && k != 127) {
		t->focus = FOCUS_COMMAND;
		rline_feed_byte(t, k);
		return UI_REDRAW;
	}
	return 0;
}

/* ---- the key bar and the help ------------------------------------------------ */

void keys_draw_bar(tui *t, int y, int w)
{
	move(y, 0);
	clrtoeol();
	int x = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		const char *key = key_table[i].bar[t->focus].key;
		const char *label = key_table[i].bar[t->focus].label;
		if (!key || !in_view(t, &key_table[i]))
			continue;
		int need = (int)(strlen(key) + strlen(label)) + 1;
		if (x + need > w)
			break;
		attron(attr_of(t, CP_KEY, A_BOLD));
		mvaddstr(y, x, key);
		attroff(attr_of(t, CP_KEY, A_BOLD));
		x += (int)strlen(key);
		attron(attr_of(t, CP_KEYLABEL, A_REVERSE));
		mvaddstr(y, x, label);
		attroff(attr_of(t, CP_KEYLABEL, A_REVERSE));
		x += (int)strlen(label);
		if (x < w)
			mvaddch(y, x++, ' ');
	}
	attron(attr_of(t, CP_KEYLABEL, A_REVERSE));
	if (x < w)
		mvhline(y, x, ' ', w - x);
	attroff(attr_of(t, CP_KEYLABEL, A_REVERSE));
}

static void add(char ***v, size_t *n, char *line)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = line;
}

/* What a key runs, as the help shows it: "pause ID". */
static char *command_shown(const pm_key *key)
{
	if (strstr(key->command, "{workers}"))
		return xstrdup("workers N (the new size)");
	char *c = fill(key->command, "ID", 0);
	if (!key->command_if_paused)
		return c;
	char *cp = fill(key->command_if_paused, "ID", 0);
	char *both = xasprintf("%s, or %s if it is paused", c, cp);
	free(c);
	free(cp);
	return both;
}

static void help_entry(char ***v, size_t *n, const pm_key *key)
{
	const char *col = key->keys;
	for (const char *p = key->help; p;) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		add(v, n, xasprintf("  %-18s %.*s", col, len, p));
		col = "";
		p = nl ? nl + 1 : NULL;
	}
	if (key->command) {
		char *c = command_shown(key);
		add(v, n, xasprintf("  %-18s runs: %s", "", c));
		free(c);
	}
}

void keys_help(char ***lines, size_t *n)
{
	static const char *const titles[] = {
		[HELP_COMMAND] = "Keys - command line (the default focus)",
		[HELP_SCREEN] = "Keys - screen",
		[HELP_ANYWHERE] = "Anywhere",
	};
	for (int s = HELP_COMMAND; s <= HELP_ANYWHERE; s++) {
		add(lines, n, xstrdup(titles[s]));
		for (size_t i = 0; i < NKEYS; i++)
			if (key_table[i].section == (help_section)s &&
			    key_table[i].help)
				help_entry(lines, n, &key_table[i]);
	}
}
