/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen.h — the screen's own state (focus, selection, overlays, where the
 * panels were drawn) shared by the rooms of ui/: the loop glue (tui.c),
 * the model (model.c), the panels, the overlays, the key table and the
 * readline glue.  Not for the engine: src/ never includes it. */
#ifndef POOLMON_UI_SCREEN_H
#define POOLMON_UI_SCREEN_H

#include <curses.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "engine.h"
#include "ids.h"
#include "loop.h"
#include "model.h"

#define PROMPT "poolmon> "
#define KEYQ_MAX 4096
#define KEY_CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27

typedef enum focus { FOCUS_COMMAND, FOCUS_SCREEN, FOCUS_COUNT } focus;
/* What fills the screen between the header and the log: the panels, or
 * the timeline (`view main`, `view timeline`). */
typedef enum view { VIEW_MAIN, VIEW_TIMELINE } view;
typedef enum panel {
	PANEL_WORKERS,
	PANEL_TASKS,
	PANEL_SHARED,
	PANEL_LOG,
	PANEL_COUNT
} panel;
typedef enum overlay_kind {
	OVERLAY_NONE,
	OVERLAY_HELP,
	OVERLAY_DETAILS,
	OVERLAY_CONFIRM_QUIT,
	OVERLAY_CONFIRM_COMMAND, /* a key's command that asks first */
	OVERLAY_ATTACH_QUIT,     /* attached: stop the pool, or detach? */
} overlay_kind;

enum color_pair {
	CP_HEADER = 1,
	CP_TITLE,
	CP_SELECT,
	CP_ERROR,
	CP_GOOD,
	CP_BUSY,
	CP_PAUSED,
	CP_KEY,
	CP_KEYLABEL,
	CP_DIM,
};

/* What a handler asks of the loop (htop's reactions): only the loop acts
 * on them. */
enum {
	UI_REDRAW = 1 << 0,
	UI_QUIT = 1 << 1,
};

typedef struct tui {
	pm_engine *e;
	pm_loop *loop;
	pm_cli *cli;
	SCREEN *scr;
	double delay; /* seconds between samples */

	bool quit;
	bool resize_pending;
	bool dirty;
	bool frozen;
	bool too_small;
	bool colors;
	bool utf8;
	double last_draw;
	double next_sample;
	uint64_t drawn_signature; /* of the model the screen shows */

	ui_model model;
	ui_source src; /* what the model is filled from */
	struct ui_attach *attach; /* attached to a served pool (attach.c) */

	/* Interaction. */
	focus focus;
	panel panel;
	overlay_kind overlay;
	int overlay_scroll;
	char *confirm_line;     /* OVERLAY_CONFIRM_COMMAND: the command */
	char *confirm_question; /* and what it asks */
	char detail_kind;       /* OVERLAY_DETAILS: its target's id */
	uint64_t detail_num;
	size_t sel_worker;
	size_t sel_task; /* index in the tasks panel's list */
	int log_scroll;  /* lines scrolled back from the end */
	size_t sel_shared;  /* index among the shared objects */
	size_t shared_open; /* the queue whose items are listed: index + 1 */

	/* The timeline (timeline.c): seconds across, seconds scrolled back
	 * from now (0: live), the selected span's first task id (0: none)
	 * and when it started, to find the next one. */
	view view;
	double tl_across, tl_back;
	uint64_t tl_sel;
	double tl_sel_start;

	/* Where panels were drawn (for the mouse, page sizes, and which
	 * rows the model details). */
	int workers_y, workers_rows, workers_first;
	int tasks_y, tasks_rows, tasks_first;
	int shared_rows, shared_first;
	int log_rows;

	/* Keys read from curses, waiting to be handled. */
	int keys[KEYQ_MAX];
	size_t nkeys, key_at;
	/* Bytes for readline: a key, or the escape sequence of an arrow
	 * or editing key, handed over one by one by rl_getc_function. */
	unsigned char rlq[32];
	size_t rlq_len, rlq_at;
	int exit_status; /* of pm_tui_run: 128 + the signal that ended it */

	char *history_path;
	/* $POOLMON_FRAME_LOG: a line per frame drawn (for bench/tui.sh). */
	FILE *frame_log;

	/* The compact view (below 60x15): the focused panel alone. */
	bool compact;
	/* F3 search, F4 filter, F6 sort (tables.c): the line or chooser at
	 * the bottom, and the table it works on. */
	int prompt_kind;
	panel prompt_panel;
	char prompt_buf[UI_FILTER_MAX];
	bool prompt_failed; /* the search found nothing */
	int sort_choice;    /* the chooser's highlighted column */
	char search[UI_FILTER_MAX]; /* the last search, for F3 again */
	/* The selected worker row as last drawn: a sorted table follows it
	 * when the rows move under it (htop follows the process). */
	char sel_worker_id[PM_ID_MAX];
	size_t sel_worker_at;
	bool suspend_pending; /* a SIGTSTP came: suspend at the next tick */
	bool cont_pending;    /* a SIGCONT came: a whole redraw */
} tui;

extern tui *g_tui; /* there is one TUI; signal and readline hooks find it */

static inline int attr_of(const tui *t, enum color_pair cp, int mono)
{
	return t->colors ? (int)COLOR_PAIR(cp) : mono;
}

/* The panels (header.c, workers.c, tasks.c, shared_panel.c, log.c): each
 * draws from the model only.  *_place runs before the model's view is
 * taken: it decides which rows are on screen. */
void header_draw(tui *t, int w);
void workers_place(tui *t, int y, int rows);
void workers_draw(tui *t, int y, int w);
void tasks_place(tui *t, int y, int rows);
void tasks_draw(tui *t, int y, int w);
void shared_place(tui *t, int rows);
void shared_draw(tui *t, int y, int rows, int w);
/* Enter on the shared panel: a queue's items listed, or no longer. */
unsigned shared_toggle(tui *t);
/* Lines under an open queue: its items (at most UI_QUEUE_ITEMS) and a
 * line of how many there are. */
#define SHARED_OPEN_LINES (UI_QUEUE_ITEMS + 1)
void log_draw(tui *t, int y, int rows, int w);
/* progress.c: a line per running map of the model (model_maps). */
void progress_draw(tui *t, int y, int rows, int w);

/* layout.c: one frame — place the panels, take the model's view, draw. */
void screen_draw(tui *t);

/* overlays.c: help, details and confirmations. */
void overlay_draw(tui *t);
/* Keys while an overlay is open: returns UI_* flags, or -1 if the key
 * is not the overlay's. */
int overlay_key(tui *t, int k);
void overlay_open(tui *t, overlay_kind o);

/* The command line's echo and the run of a line (typed or from a key),
 * both through the interpreter. */
void ui_echo_command(tui *t, const char *line);
/* Quits, or asks first when tasks or processes are alive. */
unsigned ui_request_quit(tui *t, bool ask);

#endif
