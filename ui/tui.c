/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tui.c — the screen's loop glue: pm_tui_run, the stdin handler that hands
 * keys to the key table, and the tick that scans the model, samples and
 * draws.
 *
 * One event loop (the caller's pm_loop): stdin, signals through signalfd
 * (term.c) and one hook that samples the workers every -d tenths and
 * redraws when something changed.  Each tick scans the engine once into
 * the model (model.c); a frame draws from the model only (layout.c).
 *
 * Focus: the command line has it by default, so commands can be typed at
 * once.  Esc (or F2) hands the keys to the screen: arrows/j/k select, Tab
 * moves between panels, p/t/Enter act on the selected row, q quits; `:`,
 * `/` or Esc give the keys back to the command line.  The keys are in one
 * table (keys.c); a key that acts on the pool runs a command. */
#define _GNU_SOURCE
#include "tui.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "keys.h"
#include "log.h"
#include "rline.h"
#include "screen.h"
#include "source.h"
#include "tables.h"
#include "term.h"
#include "timeline.h"
#include "util.h"

#define FRAME_MIN 0.05 /* seconds between redraws caused by events */
#define LIST_HEAD 10   /* items shown at each end of a long list */
#define TIMELINE_FRAME 0.25 /* the timeline moves on: a frame this often */

tui *g_tui;

void ui_echo_command(tui *t, const char *line)
{
	char *echo = xasprintf("%s%s", PROMPT, line);
	log_add(PM_LINE_INFO, true, echo);
	free(echo);
	t->log_scroll = 0;
}

unsigned ui_request_quit(tui *t, bool ask)
{
	if (t->attach) { /* stop the pool, or leave it running? */
		t->overlay = OVERLAY_ATTACH_QUIT;
		return UI_REDRAW;
	}
	if (ask && model_alive_now(&t->src)) {
		t->overlay = OVERLAY_CONFIRM_QUIT;
		return UI_REDRAW;
	}
	return UI_QUIT;
}

static void react(tui *t, unsigned flags)
{
	if (flags & UI_REDRAW)
		t->dirty = true;
	if (flags & UI_QUIT)
		t->quit = true;
}

static void on_stdin(void *ud, int fd, short revents)
{
	tui *t = ud;
	(void)fd;
	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		/* The terminal went away. */
		t->quit = true;
		return;
	}
	t->nkeys = t->key_at = 0;
	int k;
	while (t->nkeys < KEYQ_MAX && (k = getch()) != ERR)
		t->keys[t->nkeys++] = k;
	while (t->key_at < t->nkeys && !t->quit) {
		k = t->keys[t->key_at++];
		/* An Esc with nothing after it, or before a key curses
		 * decoded (F1, an arrow: Esc pressed just before it), is the
		 * Esc key; followed by bytes it is a Meta prefix for
		 * readline. */
		bool lone = k == KEY_ESC && (t->key_at == t->nkeys ||
					     t->keys[t->key_at] > 0xff);
		react(t, keys_dispatch(t, k, lone));
	}
	t->nkeys = t->key_at = 0;
}

/* ---- the tick ------------------------------------------------------------------ */

static int tick_timeout(void *ud)
{
	tui *t = ud;
	if (t->quit || t->resize_pending || t->suspend_pending ||
	    t->cont_pending)
		return 0;
	double now = pm_now();
	double next = t->frozen ? now + 3600 : t->next_sample;
	if (t->view == VIEW_TIMELINE && !t->frozen &&
	    t->last_draw + TIMELINE_FRAME < next)
		next = t->last_draw + TIMELINE_FRAME;
	if (t->dirty) {
		double frame = t->last_draw + FRAME_MIN;
		if (frame < next)
			next = frame;
	}
	double ms = (next - now) * 1000.0;
	return ms <= 0 ? 0 : (int)ceil(ms);
}

static void sample(tui *t)
{
	/* All rows (count 0) when the table is sorted by a sampled figure. */
	model_sample(&t->model, &t->src, (size_t)t->workers_first,
		     t->workers_rows > 0 && !tables_sample_all(t)
			     ? (size_t)t->workers_rows
			     : 0);
}

/* The engine is scanned at most once a tick: to see whether the screen
 * changed, to sample, or for the frame about to be drawn. */
static void tick(void *ud)
{
	tui *t = ud;
	if (t->quit)
		return;
	if (t->suspend_pending)
		term_suspend(t);
	if (t->cont_pending)
		term_continued(t);
	if (t->resize_pending)
		term_resize(t);
	double now = pm_now();
	bool sample_due = !t->frozen && now >= t->next_sample;
	bool frame_due = now - t->last_draw >= FRAME_MIN;
	bool scanned = false;
	if (sample_due || (!t->frozen && !t->dirty)) {
		model_scan(&t->model, &t->src);
		scanned = true;
	}
	if (sample_due) {
		sample(t);
		t->next_sample = now + t->delay;
		t->dirty = true;
	}
	if (scanned && !t->dirty && t->model.signature != t->drawn_signature)
		t->dirty = true;
	if (t->view == VIEW_TIMELINE && !t->frozen &&
	    now - t->last_draw >= TIMELINE_FRAME)
		t->dirty = true;
	if (t->dirty && frame_due) {
		if (!scanned)
			model_scan(&t->model, &t->src);
		screen_draw(t);
	}
}

/* ---- the line sink and the entry point --------------------------------------- */

void pm_tui_line(void *ud, pm_line_kind kind, const char *line)
{
	(void)ud;
	log_add(kind, false, line);
	if (g_tui) {
		g_tui->log_scroll = 0;
		g_tui->dirty = true;
	}
}

int pm_tui_run(pm_engine *e, pm_loop *loop, pm_cli *cli,
	       const pm_tui_opts *opts)
{
	int refused = term_check();
	if (refused)
		return refused;
	return ui_tui_run(loop, e, cli, NULL, NULL, opts, -1, NULL);
}

int ui_tui_run(pm_loop *loop, pm_engine *e, pm_cli *cli,
	       struct ui_attach *a, ui_snap *snap, const pm_tui_opts *opts,
	       int fd, pm_fd_fn fn)
{
	SCREEN *scr = term_open(loop);
	if (!scr)
		return 2;

	tui *t = xcalloc(1, sizeof *t);
	t->e = e;
	t->loop = loop;
	t->cli = cli;
	t->scr = scr;
	t->attach = a;
	t->src.e = e;
	t->src.cli = cli;
	t->src.snap = snap;
	const char *lb = getenv("POOLMON_SNAPSHOT_LOOPBACK");
	bool loopback = e && lb && !strcmp(lb, "1");
	if (loopback) { /* a test's: see tests/tui_snapshot.sh */
		t->src.snap = xcalloc(1, sizeof *t->src.snap);
		t->src.loopback = ui_snap_taker_new(e, cli);
	}
	if (cli) {
		/* A map of a million: its head and tail, not a million
		 * items. */
		pm_cli_set_list_head(cli, LIST_HEAD);
		/* The interpreter's text prints no map item that is
		 * queued, runs or ends done (map prints the list): those
		 * need no event each. */
		pm_engine_set_item_events(e, false);
	}
	int tenths = opts && opts->delay_tenths > 0 ? opts->delay_tenths : 10;
	t->delay = tenths / 10.0;
	model_init(&t->model);
	const char *frames = getenv("POOLMON_FRAME_LOG");
	if (frames && *frames) {
		t->frame_log = fopen(frames, "we");
		if (t->frame_log) {
			setvbuf(t->frame_log, NULL, _IOLBF, 0);
		} else {
			char *msg = xasprintf("POOLMON_FRAME_LOG: cannot write '%s': %s",
					      frames, strerror(errno));
			log_add(PM_LINE_ERROR, false, msg);
			free(msg);
		}
	}
	g_tui = t;
	if (cli)
		pm_cli_set_screen(cli, tables_command, t);
	term_start(t);
	rline_start(t);

	pm_loop_add_fd(loop, STDIN_FILENO, POLLIN, on_stdin, t);
	if (fn)
		pm_loop_add_fd(loop, fd, POLLIN, fn, t);
	pm_loop_add_hook(loop, tick_timeout, tick, t);

	model_scan(&t->model, &t->src);
	sample(t);
	t->next_sample = pm_now() + t->delay;
	screen_draw(t);

	while (!t->quit) {
		if (pm_loop_run_once(loop, -1) < 0)
			break;
		if (cli && pm_cli_quit_requested(cli))
			t->quit = true;
	}

	if (e)
		pm_engine_set_item_events(e, true);
	pm_loop_remove_hook(loop, t);
	pm_loop_remove_fd(loop, STDIN_FILENO);
	if (fn)
		pm_loop_remove_fd(loop, fd);
	if (cli)
		pm_cli_set_screen(cli, NULL, NULL);
	rline_stop(t);
	term_stop(scr);
	g_tui = NULL;
	model_free(&t->model);
	if (loopback) {
		ui_snap_clear(t->src.snap);
		free(t->src.snap);
	}
	ui_snap_taker_free(t->src.loopback);
	if (t->frame_log)
		fclose(t->frame_log);
	free(t->confirm_line);
	free(t->confirm_question);
	int status = t->exit_status;
	free(t);
	return status;
}
