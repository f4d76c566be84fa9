/* SPDX-License-Identifier: GPL-3.0-or-later */
/* overlays.c — windows over the panels: the help (the key table's notes
 * and the command table's usage), the details of the selected row, and
 * the [y/N] questions; and the keys while one is open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "keys.h"
#include "log.h"
#include "screen.h"
#include "text.h"
#include "util.h"

void overlay_open(tui *t, overlay_kind o)
{
	t->overlay = o;
	t->overlay_scroll = 0;
	t->dirty = true;
}

/* ---- help -------------------------------------------------------------------- */

static void add_line(char ***v, size_t *n, char *line)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = line;
}

/* Lines of the help overlay (malloc'd). */
static char **help_lines(size_t *n)
{
	char **v = NULL;
	*n = 0;
	keys_help(&v, n);
	add_line(&v, n, xstrdup(""));
	add_line(&v, n, xstrdup("Commands (also: help CMD)"));
	for (size_t i = 0; i < pm_cli_command_count(); i++) {
		const char *u = pm_cli_command_usage(i);
		const char *hlp = pm_cli_command_help(i);
		int uw = text_width(u ? u : "");
		add_line(&v, n,
			 xasprintf("  %s%*s  %s", u ? u : pm_cli_command_name(i),
				   uw < 36 ? 36 - uw : 0, "", hlp ? hlp : ""));
	}
	return v;
}

static void draw_lines_box(tui *t, const char *title, char **lines, size_t n)
{
	int h = LINES - 4, w = COLS - 4;
	int y0 = 1, x0 = 2;
	if (t->compact) { /* the compact view: all above the command line */
		h = LINES - 2;
		w = COLS;
		y0 = x0 = 0;
	}
	if (h < 4 || w < 20)
		return;
	text_box(y0, x0, h, w, title);
	int body = h - 2;
	if (t->overlay_scroll > (int)n - body)
		t->overlay_scroll = (int)n - body;
	if (t->overlay_scroll < 0)
		t->overlay_scroll = 0;
	for (int r = 0; r < body; r++) {
		size_t i = (size_t)t->overlay_scroll + (size_t)r;
		if (i >= n)
			break;
		bool heading = lines[i][0] && lines[i][0] != ' ';
		if (heading)
			attron(A_BOLD);
		text_put(y0 + 1 + r, x0 + 2, lines[i], w - 4);
		if (heading)
			attroff(A_BOLD);
	}
	if ((size_t)t->overlay_scroll + (size_t)body < n)
		mvaddstr(y0 + h - 1, x0 + w - 14, " more: Down ");
}

/* ---- details ----------------------------------------------------------------- */

#define ADDF(...) add_line(&v, n, xasprintf(__VA_ARGS__))

static void sample_lines(char ***vp, size_t *n, const pm_proc_sample *s)
{
	char **v = *vp;
	char rss[16];
	fmt_kb(rss, sizeof rss, s->rss_kb);
	ADDF("cpu      %.1f%%   rss %s   threads %d   context switches %lu",
	     s->cpu_pct, rss, s->threads, s->ctxsw);
	*vp = v;
}

static void worker_lines(char ***vp, size_t *n, const ui_detail *d)
{
	char **v = *vp;
	const pm_worker_info *wi = &d->worker;
	const pm_proc_sample *s = d->sampled ? &d->sample : NULL;
	char id[PM_ID_MAX];
	ADDF("worker   %s", pm_id_format(id, PM_ID_WORKER, wi->id));
	ADDF("pid      %d", (int)wi->pid);
	ADDF("state    %s (kernel %c)", pm_worker_state_name(wi->state),
	     s ? s->state : '-');
	if (s)
		sample_lines(&v, n, s);
	ADDF("done     %llu tasks, %u restarts of this slot",
	     (unsigned long long)wi->done, wi->restarts);
	if (wi->task)
		ADDF("%s", "");
	*vp = v;
}

static void process_lines(char ***vp, size_t *n, const ui_detail *d)
{
	char **v = *vp;
	const pm_process_info *pi = &d->process;
	const pm_proc_sample *s = d->sampled ? &d->sample : NULL;
	char id[PM_ID_MAX];
	ADDF("process  %s \"%s\"%s", pm_id_format(id, PM_ID_PROCESS, pi->id),
	     d->pname ? d->pname : "", pi->daemon ? " (daemon)" : "");
	if (pi->alive) {
		ADDF("pid      %d", (int)pi->pid);
		ADDF("state    %s (kernel %c)", pi->paused ? "paused" : "running",
		     s ? s->state : '-');
	} else {
		ADDF("state    exited, exitcode %d", pi->exitcode);
	}
	if (s && pi->alive)
		sample_lines(&v, n, s);
	if (pi->task)
		ADDF("%s", "");
	*vp = v;
}

/* The task's own lines still in the log ring ("t5 boom: ..." as the
 * interpreter names a task's log lines by its function): what it printed,
 * a Python task's traceback. */
static void task_log_lines(char ***vp, size_t *n, const ui_task *ti)
{
	char **v = *vp;
	const char *call = ti->call ? ti->call : "";
	size_t fn_end = strcspn(call, "(");
	size_t fn_start = fn_end;
	while (fn_start > 0 && call[fn_start - 1] != '.')
		fn_start--;
	char *prefix = xasprintf("t%llu %.*s: ", (unsigned long long)ti->info.id,
				 (int)(fn_end - fn_start), call + fn_start);
	size_t plen = strlen(prefix), shown = 0;
	for (size_t i = 0; i < log_count(); i++) {
		const log_line *l = log_get(i);
		if (l->command || l->kind != PM_LINE_EVENT ||
		    strncmp(l->text, prefix, plen))
			continue;
		if (!shown++)
			ADDF("log      its lines in the log pane, oldest first:");
		ADDF("  %s", l->text + plen);
	}
	free(prefix);
	*vp = v;
}

static void task_lines(char ***vp, size_t *n, const ui_task *ti)
{
	char **v = *vp;
	char id[PM_ID_MAX];
	ADDF("task     %s", pm_id_format(id, PM_ID_TASK, ti->info.id));
	ADDF("call     %s", ti->call);
	ADDF("state    %s", pm_task_state_name(ti->info.state));
	if (ti->info.worker)
		ADDF("%s %s (pid %d)", ti->info.in_process ? "process " : "worker  ",
		     pm_id_format(id, ti->info.in_process ? PM_ID_PROCESS
						     : PM_ID_WORKER,
				  ti->info.worker),
		     (int)ti->info.pid);
	char el[32] = "-";
	if (!(pm_task_state_final(ti->info.state) && ti->info.elapsed <= 0))
		fmt_elapsed(el, sizeof el, ti->info.elapsed);
	ADDF("time     %s   progress %.0f%%", el, ti->info.progress * 100.0);
	if (ti->result)
		ADDF("result   %s", ti->result);
	if (ti->error)
		ADDF("error    %s", ti->error);
	if (ti->info.signo)
		ADDF("signal   %s", pm_signal_name(ti->info.signo));
	task_log_lines(&v, n, ti);
	*vp = v;
}

static char **details_lines(const tui *t, size_t *n)
{
	const ui_detail *d = &t->model.detail;
	char **v = NULL;
	*n = 0;
	char id[PM_ID_MAX];
	pm_id_format(id, d->kind, d->num);
	if (d->kind != PM_ID_TASK && !d->found) {
		ADDF("%s is gone", id);
		return v;
	}
	if (d->kind == PM_ID_WORKER)
		worker_lines(&v, n, d);
	else if (d->kind == PM_ID_PROCESS)
		process_lines(&v, n, d);
	if (d->has_task)
		task_lines(&v, n, &d->task);
	else if (d->kind == PM_ID_TASK)
		ADDF("%s is unknown", id);
	return v;
}

#undef ADDF

/* ---- questions ----------------------------------------------------------------- */

static void draw_confirm(const char *question)
{
	int w = text_width(question) + 6;
	if (w > COLS - 2)
		w = COLS - 2;
	int h = 5;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	text_box(y, x, h, w, "Confirm");
	text_put(y + 2, x + 3, question, w - 6);
}

void overlay_draw(tui *t)
{
	char **lines = NULL;
	size_t n = 0;
	const pm_counts *c = &t->model.counts;
	char q[160];
	switch (t->overlay) {
	case OVERLAY_NONE:
		return;
	case OVERLAY_HELP:
		lines = help_lines(&n);
		draw_lines_box(t, "poolmon help - Up/Down scroll, Esc closes",
			       lines, n);
		break;
	case OVERLAY_DETAILS:
		lines = details_lines(t, &n);
		draw_lines_box(t, "details - Esc closes", lines, n);
		break;
	case OVERLAY_CONFIRM_QUIT:
		snprintf(q, sizeof q,
			 "Quit? %zu queued and %zu running tasks, %zu processes end. [y/N]",
			 c->queued + c->paused, c->running,
			 t->model.processes_alive);
		draw_confirm(q);
		break;
	case OVERLAY_CONFIRM_COMMAND:
		draw_confirm(t->confirm_question ? t->confirm_question : "?");
		break;
	case OVERLAY_ATTACH_QUIT:
		draw_confirm("Attached: [s]top the pool / [d]etach / [c]ancel");
		break;
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* ---- keys while an overlay is open ------------------------------------------- */

/* Attached, quit asks: s stops the pool, d leaves it running, any other
 * key cancels. */
static int attach_quit_key(tui *t, int k)
{
	t->overlay = OVERLAY_NONE;
	if (k == 's' || k == 'S')
		ui_attach_stop_pool(t);
	else if (k == 'd' || k == 'D')
		ui_attach_detach(t);
	return UI_REDRAW;
}

static int confirm_key(tui *t, int k)
{
	overlay_kind o = t->overlay;
	t->overlay = OVERLAY_NONE;
	bool yes = k == 'y' || k == 'Y' ||
		   (o == OVERLAY_CONFIRM_QUIT && k == KEY_F(10));
	char *line = t->confirm_line;
	t->confirm_line = NULL;
	free(t->confirm_question);
	t->confirm_question = NULL;
	int r = UI_REDRAW;
	if (yes && o == OVERLAY_CONFIRM_QUIT)
		r |= UI_QUIT;
	else if (yes && line)
		r |= keys_run_command(t, line);
	free(line);
	return r;
}

static int scroll_key(tui *t, int k)
{
	switch (k) {
	case KEY_UP:
	case 'k':
		t->overlay_scroll--;
		break;
	case KEY_DOWN:
	case 'j':
		t->overlay_scroll++;
		break;
	case KEY_PPAGE:
		t->overlay_scroll -= LINES / 2;
		break;
	case KEY_NPAGE:
	case ' ':
		t->overlay_scroll += LINES / 2;
		break;
	case KEY_HOME:
		t->overlay_scroll = 0;
		break;
	case KEY_F(10):
		return -1; /* quits */
	default:
		t->overlay = OVERLAY_NONE;
		break;
	}
	return UI_REDRAW;
}

int overlay_key(tui *t, int k)
{
	switch (t->overlay) {
	case OVERLAY_NONE:
		return -1;
	case OVERLAY_CONFIRM_QUIT:
	case OVERLAY_CONFIRM_COMMAND:
		return confirm_key(t, k);
	case OVERLAY_ATTACH_QUIT:
		return attach_quit_key(t, k);
	case OVERLAY_HELP:
	case OVERLAY_DETAILS:
		t->dirty = true; /* as before: F10 redraws too */
		return scroll_key(t, k);
	}
	return -1;
}
