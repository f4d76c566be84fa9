/* The ncurses + readline front end.
 *
 * One event loop (the caller's pm_loop): stdin, signals through signalfd and
 * one hook that samples the workers every -d tenths and redraws when
 * something changed.  Readline runs through its callback interface only, as
 * in cgdb: curses reads the keys, the TUI keeps function keys and arrows,
 * plain bytes go to readline through rl_getc_function, and readline's
 * display goes through rl_redisplay_function into the command line row.
 *
 * Focus: the command line has it by default, so commands can be typed at
 * once.  Esc (or F2) hands the keys to the screen: arrows/j/k select, Tab
 * moves between panels, p/t/Enter act on the selected row, q quits; `:`,
 * `/` or Esc give the keys back to the command line. */
#define _GNU_SOURCE
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "procstat.h"
#include "shared.h"
#include "util.h"
#include "value.h"

#define PROMPT "poolmon> "
#define LOG_MAX 500
#define MIN_W 60
#define MIN_H 15
#define FRAME_MIN 0.05 /* seconds between redraws caused by events */
#define TPUT_HIST 16
#define KEYQ_MAX 4096
#define HISTORY_MAX 1000
#define KEY_CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27

/* ---- the log ring: lines may arrive before the TUI starts ------------------ */

typedef struct log_line {
	pm_line_kind kind;
	bool command; /* an echoed command line */
	char *text;
} log_line;

static log_line g_log[LOG_MAX];
static size_t g_log_start, g_log_len;
static unsigned long g_log_serial; /* lines ever added */

static void log_add(pm_line_kind kind, bool command, const char *text)
{
	size_t slot;
	if (g_log_len == LOG_MAX) {
		slot = g_log_start;
		free(g_log[slot].text);
		g_log_start = (g_log_start + 1) % LOG_MAX;
	} else {
		slot = (g_log_start + g_log_len++) % LOG_MAX;
	}
	g_log[slot] = (log_line){ kind, command, xstrdup(text) };
	g_log_serial++;
}

static const log_line *log_get(size_t i) /* 0 = oldest */
{
	return &g_log[(g_log_start + i) % LOG_MAX];
}

/* ---- state ----------------------------------------------------------------- */

typedef enum focus { FOCUS_COMMAND, FOCUS_SCREEN } focus;
typedef enum panel { PANEL_WORKERS, PANEL_TASKS, PANEL_LOG, PANEL_COUNT } panel;
typedef enum overlay {
	OVERLAY_NONE,
	OVERLAY_HELP,
	OVERLAY_DETAILS,
	OVERLAY_CONFIRM_QUIT,
	OVERLAY_CONFIRM_TERMINATE,
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
	uint64_t signature; /* of what the screen shows of the engine */

	/* Samples, one per worker, refreshed every tick. */
	pm_procstat *ps;
	pm_proc_sample *samples;
	size_t nsamples;
	double sys_cpu;
	unsigned long mem_used_kb, mem_total_kb;
	double tput[TPUT_HIST]; /* tasks finished per second, newest last */
	size_t finished_prev;
	double tput_time;

	/* Interaction. */
	focus focus;
	panel panel;
	overlay_kind overlay;
	int overlay_scroll;
	char confirm_target[32];
	char details_target[32];
	size_t sel_worker;
	size_t sel_task;     /* index in the tasks panel's list */
	uint64_t *task_ids;  /* the tasks panel's list, newest first */
	size_t ntask_ids;
	int log_scroll;      /* lines scrolled back from the end */

	/* Where panels were drawn (for the mouse and page sizes). */
	int workers_y, workers_rows, workers_first;
	int tasks_y, tasks_rows, tasks_first;
	int shared_rows;
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
} tui;

static tui *g_tui; /* there is one TUI; signal and readline hooks find it */

/* ---- small text helpers ---------------------------------------------------- */

/* Decodes s into wide characters; invalid bytes become '?'. */
static wchar_t *widen(const char *s, size_t len, size_t *out_n)
{
	wchar_t *w = xcalloc(len + 1, sizeof *w);
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = 0, i = 0;
	while (i < len) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, s + i, len - i, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			memset(&st, 0, sizeof st);
			wc = s[i] ? L'?' : L' ';
			r = 1;
		}
		if (!iswprint((wint_t)wc))
			wc = wc == L'\t' ? L' ' : L'?';
		w[n++] = wc;
		i += r;
	}
	w[n] = 0;
	*out_n = n;
	return w;
}

static int wc_width(wchar_t c)
{
	int w = wcwidth(c);
	return w < 0 ? 1 : w;
}

/* Prints at most maxw columns of the wide string; returns columns used. */
static int put_wide(int y, int x, const wchar_t *w, size_t n, int maxw)
{
	int used = 0;
	size_t k = 0;
	while (k < n && used + wc_width(w[k]) <= maxw)
		used += wc_width(w[k++]);
	if (k)
		mvaddnwstr(y, x, w, (int)k);
	return used;
}

/* Prints a UTF-8 string clipped to maxw columns; returns columns used. */
static int put_text(int y, int x, const char *s, int maxw)
{
	if (maxw <= 0)
		return 0;
	size_t n;
	wchar_t *w = widen(s, strlen(s), &n);
	int used = put_wide(y, x, w, n, maxw);
	free(w);
	return used;
}

static int text_width(const char *s)
{
	size_t n;
	wchar_t *w = widen(s, strlen(s), &n);
	int cols = 0;
	for (size_t i = 0; i < n; i++)
		cols += wc_width(w[i]);
	free(w);
	return cols;
}

/* Rows a line of text takes when wrapped at width columns. */
static int wrapped_rows(const char *s, int width)
{
	int cols = text_width(s);
	return cols <= width ? 1 : (cols + width - 1) / width;
}

static void fmt_kb(char *buf, size_t len, unsigned long kb)
{
	if (kb < 1000)
		snprintf(buf, len, "%luK", kb);
	else if (kb < 100 * 1024)
		snprintf(buf, len, "%.1fM", (double)kb / 1024.0);
	else if (kb < 1000 * 1024)
		snprintf(buf, len, "%luM", kb / 1024);
	else
		snprintf(buf, len, "%.1fG", (double)kb / (1024.0 * 1024.0));
}

static void fmt_elapsed(char *buf, size_t len, double s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%d:%02d", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, len, "%d:%02d:%02d", (int)s / 3600,
			 (int)s / 60 % 60, (int)s % 60);
}

/* "demo.square(7)" into b. */
static void fmt_call(pm_buf *b, const pm_task_info *ti)
{
	pm_buf_printf(b, "%s(", ti->task ? ti->task : "?");
	for (size_t i = 0; i < ti->nargs; i++) {
		if (i)
			pm_buf_puts(b, ", ");
		pm_value_format(b, &ti->args[i]);
	}
	pm_buf_puts(b, ")");
}

static void fmt_outcome(pm_buf *b, const pm_task_info *ti)
{
	if (ti->state == PM_TASK_DONE && ti->result)
		pm_value_format(b, ti->result);
	else if (ti->state == PM_TASK_CRASHED && ti->signo)
		pm_buf_printf(b, "%s", pm_signal_name(ti->signo));
	else if (ti->error)
		pm_buf_puts(b, ti->error);
	else if (ti->state == PM_TASK_RUNNING && ti->progress > 0)
		pm_buf_printf(b, "%.0f%%", ti->progress * 100.0);
}

static int attr_of(const tui *t, enum color_pair cp, int mono)
{
	return t->colors ? (int)COLOR_PAIR(cp) : mono;
}

/* ---- sampling -------------------------------------------------------------- */

static size_t finished_count(const pm_counts *c)
{
	return c->done + c->failed + c->crashed + c->timeout + c->terminated +
	       c->cancelled;
}

/* A row of the workers table: a pool worker or a standalone process. */
typedef enum row_tone { TONE_IDLE, TONE_BUSY, TONE_PAUSED, TONE_DEAD } row_tone;
typedef struct table_row {
	char id[24]; /* "w3", "p2" */
	pid_t pid;
	char state[24];
	uint64_t task;
	bool is_worker;
	uint64_t done;
	unsigned restarts;
	bool paused;
	row_tone tone;
} table_row;

#define EXITED_PROCESSES_SHOWN 4

/* Pool workers, then standalone processes: the live ones and the last few
 * that exited. */
static size_t table_rows(const tui *t, table_row **out)
{
	size_t nw = pm_engine_worker_count(t->e);
	size_t np = pm_engine_process_count(t->e);
	table_row *v = xcalloc(nw + np + 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < nw; i++) {
		pm_worker_info wi;
		if (!pm_engine_worker_info(t->e, i, &wi))
			continue;
		table_row *r = &v[n++];
		snprintf(r->id, sizeof r->id, "w%llu", (unsigned long long)wi.id);
		r->pid = wi.pid;
		snprintf(r->state, sizeof r->state, "%s",
			 pm_worker_state_name(wi.state));
		r->task = wi.task;
		r->is_worker = true;
		r->done = wi.done;
		r->restarts = wi.restarts;
		r->paused = wi.state == PM_WORKER_PAUSED;
		r->tone = wi.state == PM_WORKER_BUSY	 ? TONE_BUSY
			  : wi.state == PM_WORKER_PAUSED ? TONE_PAUSED
			  : wi.state == PM_WORKER_DEAD	 ? TONE_DEAD
							 : TONE_IDLE;
	}
	size_t exited_skip = 0, exited = 0;
	for (size_t i = 0; i < np; i++) {
		pm_process_info pi;
		if (pm_engine_process_info(t->e, i, &pi) && !pi.alive)
			exited++;
	}
	if (exited > EXITED_PROCESSES_SHOWN)
		exited_skip = exited - EXITED_PROCESSES_SHOWN;
	for (size_t i = 0; i < np; i++) {
		pm_process_info pi;
		if (!pm_engine_process_info(t->e, i, &pi))
			continue;
		if (!pi.alive && exited_skip) {
			exited_skip--;
			continue;
		}
		table_row *r = &v[n++];
		snprintf(r->id, sizeof r->id, "p%llu", (unsigned long long)pi.id);
		r->pid = pi.alive ? pi.pid : 0;
		if (pi.alive)
			snprintf(r->state, sizeof r->state, "%s",
				 pi.paused ? "paused" : "running");
		else
			snprintf(r->state, sizeof r->state, "exit %d",
				 pi.exitcode);
		r->task = pi.task;
		r->paused = pi.paused;
		r->tone = !pi.alive   ? TONE_DEAD
			  : pi.paused ? TONE_PAUSED
				      : TONE_BUSY;
	}
	*out = v;
	return n;
}

static void sample(tui *t)
{
	table_row *rows;
	size_t all = table_rows(t, &rows);
	/* Only the rows on screen: reading /proc costs ~50 us a pid, and a
	 * big pool would otherwise spend its frame there (status samples all
	 * of them). */
	size_t lo = t->workers_rows > 0 ? (size_t)t->workers_first : 0;
	size_t hi = t->workers_rows > 0 ? lo + (size_t)t->workers_rows : all;
	if (lo > all)
		lo = all;
	if (hi > all)
		hi = all;
	size_t n = hi - lo;
	pid_t *pids = xcalloc(n ? n : 1, sizeof *pids);
	for (size_t i = 0; i < n; i++)
		pids[i] = rows[lo + i].pid;
	free(rows);
	t->samples = xrealloc(t->samples, (n ? n : 1) * sizeof *t->samples);
	t->nsamples = n;
	pm_procstat_sample(t->ps, pids, n, t->samples);
	free(pids);
	pm_procstat_system(t->ps, &t->sys_cpu, &t->mem_used_kb,
			   &t->mem_total_kb);

	double now = pm_now();
	pm_counts c = pm_engine_counts(t->e);
	size_t fin = finished_count(&c);
	if (t->tput_time > 0 && now > t->tput_time) {
		memmove(t->tput, t->tput + 1,
			(TPUT_HIST - 1) * sizeof *t->tput);
		t->tput[TPUT_HIST - 1] = fin >= t->finished_prev
			? (double)(fin - t->finished_prev) / (now - t->tput_time)
			: 0.0;
	}
	t->finished_prev = fin;
	t->tput_time = now;
}

static const pm_proc_sample *sample_of(const tui *t, pid_t pid)
{
	for (size_t i = 0; i < t->nsamples; i++)
		if (t->samples[i].pid == pid && pid > 0)
			return &t->samples[i];
	return NULL;
}

/* A cheap fingerprint of what the screen shows, to redraw on change. */
static uint64_t engine_signature(const tui *t)
{
	uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
	pm_counts c = pm_engine_counts(t->e);
	MIX(c.queued), MIX(c.running), MIX(c.paused), MIX(finished_count(&c));
	MIX(pm_engine_pool_state(t->e));
	MIX(pm_engine_last_task_id(t->e));
	table_row *rows;
	size_t n = table_rows(t, &rows);
	MIX(n);
	for (size_t i = 0; i < n; i++) {
		MIX(rows[i].pid), MIX(rows[i].tone), MIX(rows[i].task);
		MIX(rows[i].done), MIX(rows[i].state[0]);
	}
	free(rows);
	/* A new object shows at once; values and depths change at the
	 * sampling rate (reading every object on each event would cost the
	 * loop more than a frame). */
	MIX(pm_shared_count(pm_engine_shared(t->e)));
#undef MIX
	return h;
}

/* The tasks panel's rows: unfinished tasks first, then recent ones, newest
 * first within each; bounded so a million old tasks cost nothing. */
static void collect_tasks(tui *t, size_t want)
{
	uint64_t last = pm_engine_last_task_id(t->e);
	free(t->task_ids);
	t->task_ids = xcalloc(want ? want : 1, sizeof *t->task_ids);
	t->ntask_ids = 0;
	size_t scanned = 0;
	for (uint64_t id = last; id >= 1 && t->ntask_ids < want &&
				 scanned < 4096;
	     id--, scanned++) {
		pm_task_info ti;
		if (pm_engine_task_info(t->e, id, &ti) &&
		    !pm_task_state_final(ti.state))
			t->task_ids[t->ntask_ids++] = id;
	}
	for (uint64_t id = last; id >= 1 && t->ntask_ids < want &&
				 last - id < 4096;
	     id--) {
		pm_task_info ti;
		if (pm_engine_task_info(t->e, id, &ti) &&
		    pm_task_state_final(ti.state))
			t->task_ids[t->ntask_ids++] = id;
	}
}

/* ---- drawing --------------------------------------------------------------- */

static void draw_header(tui *t, int w)
{
	pm_counts c = pm_engine_counts(t->e);
	char mu[16], mt[16];
	fmt_kb(mu, sizeof mu, t->mem_used_kb);
	fmt_kb(mt, sizeof mt, t->mem_total_kb);
	char line[512];
	snprintf(line, sizeof line,
		 "poolmon  pool:%s  workers:%zu  queued:%zu running:%zu done:%zu failed:%zu  cpu:%.0f%% mem:%s/%s",
		 pm_pool_state_name(pm_engine_pool_state(t->e)),
		 pm_engine_worker_count(t->e), c.queued, c.running, c.done,
		 c.failed + c.crashed + c.timeout, t->sys_cpu, mu, mt);
	if (text_width(line) > w) /* narrow: the same figures, shorter */
		snprintf(line, sizeof line,
			 "poolmon %s w:%zu q:%zu r:%zu d:%zu f:%zu cpu:%.0f%% mem:%s/%s",
			 pm_pool_state_name(pm_engine_pool_state(t->e)),
			 pm_engine_worker_count(t->e), c.queued, c.running,
			 c.done, c.failed + c.crashed + c.timeout, t->sys_cpu,
			 mu, mt);
	attron(attr_of(t, CP_HEADER, A_BOLD));
	mvhline(0, 0, ' ', w);
	put_text(0, 0, line, w);
	attroff(attr_of(t, CP_HEADER, A_BOLD));

	/* Second line: throughput with a sparkline, other counts, waits. */
	static const char *const bars_utf8[] = { "▁", "▂", "▃", "▄",
						 "▅", "▆", "▇", "█" };
	static const char bars_ascii[] = "_.-:=+*#";
	double peak = 0;
	for (size_t i = 0; i < TPUT_HIST; i++)
		if (t->tput[i] > peak)
			peak = t->tput[i];
	pm_buf b = { 0 };
	pm_buf_printf(&b, "tasks/s:%-7.1f ", t->tput[TPUT_HIST - 1]);
	for (size_t i = 0; i < TPUT_HIST; i++) {
		int level = peak > 0 ? (int)lround(t->tput[i] / peak * 7.0) : 0;
		if (level < 0)
			level = 0;
		if (level > 7)
			level = 7;
		if (t->utf8)
			pm_buf_puts(&b, bars_utf8[level]);
		else
			pm_buf_add(&b, &bars_ascii[level], 1);
	}
	pm_buf_printf(&b, "  paused:%zu crashed:%zu timeout:%zu cancelled:%zu",
		      c.paused, c.crashed, c.timeout, c.cancelled + c.terminated);
	put_text(1, 0, b.s, w);
	pm_buf_free(&b);
	const char *flag = NULL;
	if (pm_cli_busy(t->cli))
		flag = " waiting - Ctrl-C stops ";
	else if (t->frozen)
		flag = " FROZEN (Z) ";
	if (flag && w > 60) {
		int fw = (int)strlen(flag);
		attron(attr_of(t, CP_BUSY, A_REVERSE) | A_BOLD);
		mvaddstr(1, w - fw, flag);
		attroff(attr_of(t, CP_BUSY, A_REVERSE) | A_BOLD);
	}
}

/* Worker table columns: dropped from the right of this priority order when
 * the terminal is narrow. */
enum wcol { WC_ID, WC_PID, WC_STATE, WC_S, WC_TASK, WC_ELAPSED, WC_CPU,
	    WC_RSS, WC_THR, WC_CSW, WC_DONE, WC_RESTARTS, WC_COUNT };
static const struct {
	const char *title;
	int width;
	bool right;
	int drop; /* 0 = never; higher goes first */
} wcols[WC_COUNT] = {
	[WC_ID] = { "ID", 4, false, 0 },
	[WC_PID] = { "PID", 7, true, 0 },
	[WC_STATE] = { "STATE", 8, false, 0 },
	[WC_S] = { "S", 1, false, 0 },
	[WC_TASK] = { "TASK", 0, false, 0 },
	[WC_ELAPSED] = { "ELAPSED", 8, true, 4 },
	[WC_CPU] = { "CPU%", 6, true, 1 },
	[WC_RSS] = { "RSS", 7, true, 2 },
	[WC_THR] = { "THR", 4, true, 6 },
	[WC_CSW] = { "CTXSW", 8, true, 7 },
	[WC_DONE] = { "DONE", 6, true, 3 },
	[WC_RESTARTS] = { "RESTARTS", 8, true, 5 },
};

/* A column's width: the ID column widens to its longest id (ids are never
 * cut: "w1000" cut to "w100" would name another worker). */
static int wcol_width(int i, int id_w)
{
	return i == WC_ID && id_w > wcols[i].width ? id_w : wcols[i].width;
}

/* Decides which columns fit; returns the TASK column's width. */
static int worker_columns(int w, int id_w, bool shown[WC_COUNT])
{
	for (int i = 0; i < WC_COUNT; i++)
		shown[i] = true;
	for (int drop = 7; drop >= 0; drop--) {
		int used = 0, ncols = 0;
		for (int i = 0; i < WC_COUNT; i++)
			if (shown[i] && i != WC_TASK) {
				used += wcol_width(i, id_w);
				ncols++;
			}
		int task_w = w - used - ncols;
		if (task_w >= 14 || drop == 0)
			return task_w < 4 ? 4 : task_w;
		for (int i = 0; i < WC_COUNT; i++)
			if (wcols[i].drop == drop)
				shown[i] = false;
	}
	return 4;
}

static void put_cell(int y, int *x, int width, bool right, const char *s)
{
	int tw = text_width(s);
	int pad = right && tw < width ? width - tw : 0;
	put_text(y, *x + pad, s, width - pad);
	*x += width + 1;
}

static void draw_workers(tui *t, int y, int rows, int w)
{
	table_row *rows_v;
	size_t n = table_rows(t, &rows_v);
	int id_w = 0;
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(rows_v[i].id) > id_w)
			id_w = (int)strlen(rows_v[i].id);
	bool shown[WC_COUNT];
	int task_w = worker_columns(w, id_w, shown);
	int x = 0;
	attron(attr_of(t, CP_TITLE, A_REVERSE));
	mvhline(y, 0, ' ', w);
	for (int i = 0; i < WC_COUNT; i++) {
		if (!shown[i])
			continue;
		int cw = i == WC_TASK ? task_w : wcol_width(i, id_w);
		put_cell(y, &x, cw, wcols[i].right, wcols[i].title);
	}
	attroff(attr_of(t, CP_TITLE, A_REVERSE));

	if (t->sel_worker >= n)
		t->sel_worker = n ? n - 1 : 0;
	int body = rows - 1;
	t->workers_y = y + 1;
	t->workers_rows = body;
	if ((int)t->sel_worker < t->workers_first)
		t->workers_first = (int)t->sel_worker;
	if ((int)t->sel_worker >= t->workers_first + body)
		t->workers_first = (int)t->sel_worker - body + 1;
	if (t->workers_first < 0 || (size_t)t->workers_first >= n)
		t->workers_first = 0;
	for (int r = 0; r < body; r++) {
		size_t i = (size_t)t->workers_first + (size_t)r;
		if (i >= n)
			break;
		const table_row *tr = &rows_v[i];
		const pm_proc_sample *s = sample_of(t, tr->pid);
		pm_task_info ti;
		bool has_task = tr->task && tr->tone != TONE_DEAD &&
				pm_engine_task_info(t->e, tr->task, &ti);
		bool selected = i == t->sel_worker && t->panel == PANEL_WORKERS;
		int row = y + 1 + r;
		int attr = 0;
		if (selected)
			attr = attr_of(t, CP_SELECT, A_REVERSE);
		else if (tr->tone == TONE_BUSY)
			attr = attr_of(t, CP_BUSY, A_BOLD);
		else if (tr->tone == TONE_PAUSED)
			attr = attr_of(t, CP_PAUSED, A_UNDERLINE);
		else if (tr->tone == TONE_DEAD)
			attr = attr_of(t, CP_ERROR, A_DIM);
		attron(attr);
		if (selected)
			mvhline(row, 0, ' ', w);
		x = 0;
		for (int c = 0; c < WC_COUNT; c++) {
			if (!shown[c])
				continue;
			char cell[64];
			pm_buf call = { 0 };
			const char *txt = cell;
			cell[0] = '\0';
			switch (c) {
			case WC_ID:
				txt = tr->id;
				break;
			case WC_PID:
				if (tr->pid > 0)
					snprintf(cell, sizeof cell, "%d",
						 (int)tr->pid);
				break;
			case WC_STATE:
				txt = tr->state;
				break;
			case WC_S:
				snprintf(cell, sizeof cell, "%c",
					 s ? s->state : '-');
				break;
			case WC_TASK:
				if (has_task) {
					pm_buf_printf(&call, "t%llu ",
						      (unsigned long long)ti.id);
					fmt_call(&call, &ti);
					txt = call.s;
				}
				break;
			case WC_ELAPSED:
				if (has_task)
					fmt_elapsed(cell, sizeof cell,
						    ti.elapsed);
				break;
			case WC_CPU:
				if (s)
					snprintf(cell, sizeof cell, "%.1f",
						 s->cpu_pct);
				break;
			case WC_RSS:
				if (s)
					fmt_kb(cell, sizeof cell, s->rss_kb);
				break;
			case WC_THR:
				if (s)
					snprintf(cell, sizeof cell, "%d",
						 s->threads);
				break;
			case WC_CSW:
				if (s)
					snprintf(cell, sizeof cell, "%lu",
						 s->ctxsw);
				break;
			case WC_DONE:
				if (tr->is_worker)
					snprintf(cell, sizeof cell, "%llu",
						 (unsigned long long)tr->done);
				break;
			case WC_RESTARTS:
				if (tr->is_worker)
					snprintf(cell, sizeof cell, "%u",
						 tr->restarts);
				break;
			}
			int cw = c == WC_TASK ? task_w : wcol_width(c, id_w);
			put_cell(row, &x, cw, wcols[c].right, txt);
			pm_buf_free(&call);
		}
		attroff(attr);
	}
	free(rows_v);
}

static void draw_tasks(tui *t, int y, int rows, int w)
{
	int body = rows - 1;
	t->tasks_y = y + 1;
	t->tasks_rows = body;
	collect_tasks(t, (size_t)body * 4);
	/* The ID column widens to the longest id shown: ids are never cut
	 * ("t1000000" cut to "t100000" would name another task). */
	int id_w = 7;
	for (size_t i = 0; i < t->ntask_ids; i++) {
		char cell[32];
		int len = snprintf(cell, sizeof cell, "t%llu",
				   (unsigned long long)t->task_ids[i]);
		if (len > id_w)
			id_w = len;
	}
	attron(attr_of(t, CP_TITLE, A_REVERSE));
	mvhline(y, 0, ' ', w);
	char title[160];
	int state_w = 10, el_w = 8;
	int call_w = (w - id_w - state_w - el_w - 4) / 2;
	int out_w = w - id_w - state_w - el_w - call_w - 4;
	int x = 0;
	put_cell(y, &x, id_w, false, "TASK");
	put_cell(y, &x, call_w, false, "CALL");
	put_cell(y, &x, state_w, false, "STATE");
	put_cell(y, &x, el_w, true, "TIME");
	snprintf(title, sizeof title, "RESULT / ERROR");
	put_cell(y, &x, out_w, false, title);
	attroff(attr_of(t, CP_TITLE, A_REVERSE));

	if (t->sel_task >= t->ntask_ids)
		t->sel_task = t->ntask_ids ? t->ntask_ids - 1 : 0;
	if ((int)t->sel_task < t->tasks_first)
		t->tasks_first = (int)t->sel_task;
	if ((int)t->sel_task >= t->tasks_first + body)
		t->tasks_first = (int)t->sel_task - body + 1;
	if (t->tasks_first < 0 || (size_t)t->tasks_first >= t->ntask_ids)
		t->tasks_first = 0;
	for (int r = 0; r < body; r++) {
		size_t i = (size_t)t->tasks_first + (size_t)r;
		if (i >= t->ntask_ids)
			break;
		pm_task_info ti;
		if (!pm_engine_task_info(t->e, t->task_ids[i], &ti))
			continue;
		int row = y + 1 + r;
		bool selected = i == t->sel_task && t->panel == PANEL_TASKS;
		int attr = 0;
		if (selected)
			attr = attr_of(t, CP_SELECT, A_REVERSE);
		else if (ti.state == PM_TASK_DONE)
			attr = attr_of(t, CP_GOOD, 0);
		else if (ti.state == PM_TASK_RUNNING)
			attr = attr_of(t, CP_BUSY, A_BOLD);
		else if (ti.state == PM_TASK_PAUSED)
			attr = attr_of(t, CP_PAUSED, A_UNDERLINE);
		else if (pm_task_state_final(ti.state))
			attr = attr_of(t, CP_ERROR, A_BOLD);
		attron(attr);
		if (selected)
			mvhline(row, 0, ' ', w);
		char cell[64];
		pm_buf call = { 0 }, out = { 0 };
		x = 0;
		snprintf(cell, sizeof cell, "t%llu", (unsigned long long)ti.id);
		put_cell(row, &x, id_w, false, cell);
		fmt_call(&call, &ti);
		put_cell(row, &x, call_w, false, call.s);
		put_cell(row, &x, state_w, false, pm_task_state_name(ti.state));
		cell[0] = '\0';
		/* A map's items that ended keep no run time: blank, not 0. */
		if (ti.state != PM_TASK_QUEUED &&
		    !(pm_task_state_final(ti.state) && ti.elapsed <= 0))
			fmt_elapsed(cell, sizeof cell, ti.elapsed);
		put_cell(row, &x, el_w, true, cell);
		fmt_outcome(&out, &ti);
		put_cell(row, &x, out_w, false, out.s ? out.s : "");
		pm_buf_free(&call);
		pm_buf_free(&out);
		attroff(attr);
	}
}

/* ---- the shared-objects panel ------------------------------------------------ */

static bool kind_is_lock(pm_shared_kind k)
{
	return k == PM_SK_LOCK || k == PM_SK_RLOCK || k == PM_SK_CONDITION;
}

/* "value i", "array d[20]", "queue". */
static void shared_kind_text(char *buf, size_t len, const pm_shared_info *in)
{
	if (in->kind == PM_SK_VALUE)
		snprintf(buf, len, "value %c", in->code);
	else if (in->kind == PM_SK_ARRAY)
		snprintf(buf, len, "array %c[%zu]", in->code, in->len);
	else
		snprintf(buf, len, "%s", in->kind_name ? in->kind_name : "?");
}

/* The LOCK column: whether a holder ever died holding the lock (first, so
 * that a narrow column keeps it), then who holds it; "" for objects
 * without a lock. */
static void shared_lock_text(char *buf, size_t len, const pm_shared_info *in)
{
	buf[0] = '\0';
	bool array = in->kind == PM_SK_VALUE || in->kind == PM_SK_ARRAY;
	if (!kind_is_lock(in->kind) && !(array && in->has_lock)) {
		if (array)
			snprintf(buf, len, "no lock");
		return;
	}
	char holder[32] = "free";
	if (in->locked)
		snprintf(holder, sizeof holder, "held by %d", (int)in->holder_pid);
	snprintf(buf, len, "%s%s", in->owner_died ? "owner died; " : "", holder);
}

/* The VALUE column: values (arrays cut by the column), queue depth, a
 * semaphore's count, an event's flag; for locks the dead holder and the
 * waiters. */
static void shared_value_text(char *buf, size_t len, const pm_shared_info *in)
{
	if (!kind_is_lock(in->kind)) {
		snprintf(buf, len, "%s", in->text);
		return;
	}
	int n = 0;
	buf[0] = '\0';
	if (in->owner_died)
		n = snprintf(buf, len, "pid %d died holding it", (int)in->dead_pid);
	if (in->waiters && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%u waiting", n ? ", " : "",
			 in->waiters);
}

/* Prints s in exactly width columns, ending in an ellipsis when cut. */
static void put_clipped(tui *t, int y, int x, int width, const char *s)
{
	if (width <= 0)
		return;
	if (text_width(s) <= width) {
		put_text(y, x, s, width);
		return;
	}
	int used = put_text(y, x, s, width - 1);
	put_text(y, x + used, t->utf8 ? "…" : "~", 1);
}

static void draw_shared(tui *t, int y, int rows, int w)
{
	pm_shared *sh = pm_engine_shared(t->e);
	size_t n = sh ? pm_shared_count(sh) : 0;
	int body = rows - 1;
	size_t shown = n < (size_t)body ? n : (size_t)body;
	pm_shared_info *info = xcalloc(shown ? shown : 1, sizeof *info);
	int name_w = 4;
	for (size_t i = 0; i < shown; i++) {
		if (!pm_shared_get_info(sh, i, &info[i]))
			info[i].name[0] = '\0';
		if (text_width(info[i].name) > name_w)
			name_w = text_width(info[i].name);
	}
	if (name_w > 16)
		name_w = 16;
	int kind_w = w >= 80 ? 14 : 11;
	int lock_w = w >= 80 ? 27 : 16;
	int value_w = w - name_w - kind_w - lock_w - 3;

	attron(attr_of(t, CP_TITLE, A_REVERSE));
	mvhline(y, 0, ' ', w);
	int x = 0;
	put_cell(y, &x, name_w, false, "NAME");
	put_cell(y, &x, kind_w, false, "KIND");
	put_cell(y, &x, value_w, false, "VALUE / DEPTH");
	put_cell(y, &x, lock_w, false, "LOCK");
	if ((size_t)body < n) { /* not all fit: say how many are shown */
		char more[48];
		snprintf(more, sizeof more, " %d of %zu ", body, n);
		int mw = (int)strlen(more);
		if (mw < w)
			mvaddstr(y, w - mw, more);
	}
	attroff(attr_of(t, CP_TITLE, A_REVERSE));

	for (size_t r = 0; r < shown; r++) {
		const pm_shared_info in = info[r];
		if (!in.name[0])
			continue;
		char kind[48], value[sizeof in.text + 32], lock[96];
		shared_kind_text(kind, sizeof kind, &in);
		shared_value_text(value, sizeof value, &in);
		shared_lock_text(lock, sizeof lock, &in);
		int row = y + 1 + (int)r;
		int attr = 0;
		if (in.owner_died || in.broken)
			attr = attr_of(t, CP_ERROR, A_BOLD);
		else if (in.locked)
			attr = attr_of(t, CP_BUSY, A_BOLD);
		attron(attr);
		x = 0;
		put_clipped(t, row, x, name_w, in.name);
		x += name_w + 1;
		put_clipped(t, row, x, kind_w, kind);
		x += kind_w + 1;
		put_clipped(t, row, x, value_w, value);
		x += value_w + 1;
		put_clipped(t, row, x, lock_w, lock);
		attroff(attr);
	}
	free(info);
}

static void draw_log(tui *t, int y, int rows, int w)
{
	t->log_rows = rows;
	if (rows <= 0)
		return;
	if (t->log_scroll > (int)g_log_len - 1)
		t->log_scroll = g_log_len ? (int)g_log_len - 1 : 0;
	if (t->log_scroll < 0)
		t->log_scroll = 0;
	/* Fill from the bottom, newest last, wrapping long lines. */
	int bottom = y + rows; /* one past the last row */
	size_t end = g_log_len - (size_t)t->log_scroll;
	for (size_t k = end; k-- > 0 && bottom > y;) {
		const log_line *l = log_get(k);
		const char *mark = l->command ? "" :
				   l->kind == PM_LINE_ERROR ? "! " : "  ";
		char *text = xasprintf("%s%s", mark, l->text);
		int need = wrapped_rows(text, w);
		int attr = 0;
		if (l->kind == PM_LINE_ERROR)
			attr = attr_of(t, CP_ERROR, A_BOLD) | A_BOLD;
		else if (l->command)
			attr = attr_of(t, CP_DIM, A_BOLD);
		size_t n;
		wchar_t *wide = widen(text, strlen(text), &n);
		/* Split into rows of at most w columns. */
		size_t starts[256];
		int nrows = 0;
		size_t at = 0;
		while (at < n && nrows < 256) {
			starts[nrows++] = at;
			int cols = 0;
			while (at < n && cols + wc_width(wide[at]) <= w)
				cols += wc_width(wide[at++]);
			if (cols == 0)
				at++;
		}
		if (!nrows)
			starts[nrows++] = 0;
		(void)need;
		attron(attr);
		for (int r = nrows - 1; r >= 0 && bottom > y; r--) {
			size_t s0 = starts[r];
			size_t s1 = r + 1 < nrows ? starts[r + 1] : n;
			bottom--;
			put_wide(bottom, 0, wide + s0, s1 - s0, w);
		}
		attroff(attr);
		free(wide);
		free(text);
	}
	if (t->log_scroll > 0) {
		char more[48];
		snprintf(more, sizeof more, " +%d newer ", t->log_scroll);
		attron(A_REVERSE);
		mvaddstr(y + rows - 1, w - (int)strlen(more), more);
		attroff(A_REVERSE);
	}
}

typedef struct keyhint {
	const char *key, *label;
} keyhint;

static void draw_keybar(tui *t, int y, int w)
{
	static const keyhint command_keys[] = {
		{ "F1", "Help" }, { "F2", "Keys>screen" }, { "F5", "Pause" },
		{ "F9", "Term" }, { "F10", "Quit" }, { "Tab", "Complete" },
		{ "Up", "History" }, { "PgUp/Dn", "Select" },
		{ "^C", "Stop wait" },
	};
	static const keyhint screen_keys[] = {
		{ "F1", "Help" }, { "Esc", "Command" }, { "j/k", "Select" },
		{ "Tab", "Panel" }, { "p", "Pause" }, { "t", "Term" },
		{ "Enter", "Details" }, { "+/-", "Workers" }, { "Z", "Freeze" },
		{ "q", "Quit" },
	};
	const keyhint *k = t->focus == FOCUS_SCREEN ? screen_keys : command_keys;
	size_t n = t->focus == FOCUS_SCREEN
			   ? sizeof screen_keys / sizeof *screen_keys
			   : sizeof command_keys / sizeof *command_keys;
	move(y, 0);
	clrtoeol();
	int x = 0;
	for (size_t i = 0; i < n; i++) {
		int need = (int)(strlen(k[i].key) + strlen(k[i].label)) + 1;
		if (x + need > w)
			break;
		attron(attr_of(t, CP_KEY, A_BOLD));
		mvaddstr(y, x, k[i].key);
		attroff(attr_of(t, CP_KEY, A_BOLD));
		x += (int)strlen(k[i].key);
		attron(attr_of(t, CP_KEYLABEL, A_REVERSE));
		mvaddstr(y, x, k[i].label);
		attroff(attr_of(t, CP_KEYLABEL, A_REVERSE));
		x += (int)strlen(k[i].label);
		if (x < w)
			mvaddch(y, x++, ' ');
	}
	attron(attr_of(t, CP_KEYLABEL, A_REVERSE));
	if (x < w)
		mvhline(y, x, ' ', w - x);
	attroff(attr_of(t, CP_KEYLABEL, A_REVERSE));
}

/* The command line: the prompt (readline's, which i-search changes) and
 * the line, scrolled sideways so that the cursor stays visible. */
static void draw_command_line(tui *t)
{
	int h = LINES, w = COLS;
	if (t->too_small)
		return;
	int y = h - 2;
	move(y, 0);
	clrtoeol();
	const char *prompt = rl_display_prompt ? rl_display_prompt : PROMPT;
	attron(A_BOLD);
	int pw = put_text(y, 0, prompt, w - 10);
	attroff(A_BOLD);
	int avail = w - pw - 1;
	const char *line = rl_line_buffer ? rl_line_buffer : "";
	size_t len = strlen(line);
	size_t point = rl_point < 0 ? 0 : (size_t)rl_point;
	if (point > len)
		point = len;
	size_t n_before, n;
	wchar_t *wb = widen(line, point, &n_before);
	free(wb);
	wchar_t *wl = widen(line, len, &n);
	/* Columns up to the cursor, then the first char to show. */
	int cur = 0;
	for (size_t i = 0; i < n_before && i < n; i++)
		cur += wc_width(wl[i]);
	size_t first = 0;
	int shift = 0;
	while (cur - shift >= avail && first < n)
		shift += wc_width(wl[first++]);
	put_wide(y, pw, wl + first, n - first, avail);
	free(wl);
	move(y, pw + cur - shift);
	curs_set(t->focus == FOCUS_COMMAND && t->overlay == OVERLAY_NONE ? 1 : 0);
}

static void box_at(tui *t, int y, int x, int h, int w, const char *title)
{
	(void)t;
	for (int r = y; r < y + h; r++)
		mvhline(r, x, ' ', w);
	mvhline(y, x, ACS_HLINE, w);
	mvhline(y + h - 1, x, ACS_HLINE, w);
	mvvline(y, x, ACS_VLINE, h);
	mvvline(y, x + w - 1, ACS_VLINE, h);
	mvaddch(y, x, ACS_ULCORNER);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	attron(A_BOLD);
	mvaddch(y, x + 2, ' ');
	int tw = put_text(y, x + 3, title, w - 6);
	mvaddch(y, x + 3 + tw, ' ');
	attroff(A_BOLD);
}

/* Lines of the help overlay (malloc'd, one per entry). */
static char **help_lines(size_t *n)
{
	static const char *const keys[] = {
		"Keys - command line (the default focus)",
		"  typing, Enter      edit and run a command (readline: emacs or vi keys,",
		"                     searches, macros; ~/.inputrc or $INPUTRC)",
		"  Tab                complete commands, tasks, ids, file names",
		"  Up / Down          history (saved in $XDG_STATE_HOME/poolmon)",
		"  PgUp / PgDn        move the selection in the current panel",
		"  ? (empty line)     this help",
		"  Ctrl-C             stop a waiting join/apply/result/sleep; else clear",
		"  Esc or F2          give the keys to the screen (F2 only in vi mode,",
		"                     or while a search or key sequence is under way)",
		"Keys - screen",
		"  Up/Down, j/k       select a row;  PgUp/PgDn, Home/End",
		"  Tab / Shift-Tab    next / previous panel (workers, tasks, log)",
		"  p or F5            pause / resume the selected worker or task",
		"  t or F9            terminate the selected worker or task (asks)",
		"  Enter or d         details of the selected row",
		"  + / -              grow / shrink the pool by one worker",
		"  Z                  freeze / unfreeze the display",
		"  q                  quit (asks when tasks are still alive)",
		"  Esc, : or /        back to the command line",
		"  mouse click        select a row",
		"Anywhere",
		"  F1 help   F10 quit   Esc closes this window",
		"",
		"Commands (also: help CMD)",
	};
	size_t nk = sizeof keys / sizeof *keys;
	size_t nc = pm_cli_command_count();
	char **v = xcalloc(nk + nc + 1, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < nk; i++)
		v[k++] = xstrdup(keys[i]);
	for (size_t i = 0; i < nc; i++) {
		const char *u = pm_cli_command_usage(i);
		const char *hlp = pm_cli_command_help(i);
		int uw = text_width(u ? u : "");
		v[k++] = xasprintf("  %s%*s  %s", u ? u : pm_cli_command_name(i),
				   uw < 36 ? 36 - uw : 0, "", hlp ? hlp : "");
	}
	*n = k;
	return v;
}

static void draw_lines_box(tui *t, const char *title, char **lines,
			   size_t n)
{
	int h = LINES - 4, w = COLS - 4;
	if (h < 5 || w < 20)
		return;
	int y0 = 1, x0 = 2;
	box_at(t, y0, x0, h, w, title);
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
		put_text(y0 + 1 + r, x0 + 2, lines[i], w - 4);
		if (heading)
			attroff(A_BOLD);
	}
	if ((size_t)t->overlay_scroll + (size_t)body < n)
		mvaddstr(y0 + h - 1, x0 + w - 14, " more: Down ");
}

static char **details_lines(tui *t, size_t *n)
{
	char **v = NULL;
	size_t k = 0;
#define ADDF(...)                                            \
	do {                                                 \
		v = xrealloc(v, (k + 1) * sizeof *v);        \
		v[k++] = xasprintf(__VA_ARGS__);             \
	} while (0)
	const char *target = t->details_target;
	uint64_t task = 0;
	if (target[0] == 'w') {
		pm_worker_info wi;
		if (!pm_engine_worker_by_id(t->e, strtoull(target + 1, NULL, 10),
					    &wi)) {
			ADDF("%s is gone", target);
			*n = k;
			return v;
		}
		const pm_proc_sample *s = sample_of(t, wi.pid);
		ADDF("worker   w%llu", (unsigned long long)wi.id);
		ADDF("pid      %d", (int)wi.pid);
		ADDF("state    %s (kernel %c)", pm_worker_state_name(wi.state),
		     s ? s->state : '-');
		if (s) {
			char rss[16];
			fmt_kb(rss, sizeof rss, s->rss_kb);
			ADDF("cpu      %.1f%%   rss %s   threads %d   context switches %lu",
			     s->cpu_pct, rss, s->threads, s->ctxsw);
		}
		ADDF("done     %llu tasks, %u restarts of this slot",
		     (unsigned long long)wi.done, wi.restarts);
		task = wi.task;
		if (task)
			ADDF("%s", "");
	} else if (target[0] == 'p') {
		pm_process_info pi;
		if (!pm_engine_process_by_id(t->e,
					     strtoull(target + 1, NULL, 10),
					     &pi)) {
			ADDF("%s is gone", target);
			*n = k;
			return v;
		}
		const pm_proc_sample *s = sample_of(t, pi.pid);
		ADDF("process  p%llu \"%s\"%s", (unsigned long long)pi.id,
		     pi.name ? pi.name : "", pi.daemon ? " (daemon)" : "");
		if (pi.alive) {
			ADDF("pid      %d", (int)pi.pid);
			ADDF("state    %s (kernel %c)",
			     pi.paused ? "paused" : "running",
			     s ? s->state : '-');
		} else {
			ADDF("state    exited, exitcode %d", pi.exitcode);
		}
		if (s && pi.alive) {
			char rss[16];
			fmt_kb(rss, sizeof rss, s->rss_kb);
			ADDF("cpu      %.1f%%   rss %s   threads %d   context switches %lu",
			     s->cpu_pct, rss, s->threads, s->ctxsw);
		}
		task = pi.task;
		if (task)
			ADDF("%s", "");
	} else {
		task = strtoull(target + 1, NULL, 10);
	}
	pm_task_info ti;
	if (task && pm_engine_task_info(t->e, task, &ti)) {
		pm_buf b = { 0 };
		fmt_call(&b, &ti);
		ADDF("task     t%llu", (unsigned long long)ti.id);
		ADDF("call     %s", b.s);
		pm_buf_free(&b);
		ADDF("state    %s", pm_task_state_name(ti.state));
		if (ti.worker && ti.in_process)
			ADDF("process  p%llu (pid %d)",
			     (unsigned long long)ti.worker, (int)ti.pid);
		else if (ti.worker)
			ADDF("worker   w%llu (pid %d)",
			     (unsigned long long)ti.worker, (int)ti.pid);
		char el[32] = "-";
		if (!(pm_task_state_final(ti.state) && ti.elapsed <= 0))
			fmt_elapsed(el, sizeof el, ti.elapsed);
		ADDF("time     %s   progress %.0f%%", el, ti.progress * 100.0);
		if (ti.result) {
			pm_value_format(&b, ti.result);
			ADDF("result   %s", b.s);
			pm_buf_free(&b);
		}
		if (ti.error)
			ADDF("error    %s", ti.error);
		if (ti.signo)
			ADDF("signal   %s", pm_signal_name(ti.signo));
	} else if (target[0] == 't') {
		ADDF("%s is unknown", target);
	}
#undef ADDF
	*n = k;
	return v;
}

static void draw_confirm(tui *t, const char *question)
{
	int w = text_width(question) + 6;
	if (w > COLS - 2)
		w = COLS - 2;
	int h = 5;
	int y = (LINES - h) / 2, x = (COLS - w) / 2;
	box_at(t, y, x, h, w, "Confirm");
	put_text(y + 2, x + 3, question, w - 6);
}

static void draw_overlay(tui *t)
{
	char **lines = NULL;
	size_t n = 0;
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
	case OVERLAY_CONFIRM_QUIT: {
		pm_counts c = pm_engine_counts(t->e);
		snprintf(q, sizeof q,
			 "Quit? %zu queued and %zu running tasks, %zu processes end. [y/N]",
			 c.queued + c.paused, c.running,
			 pm_engine_processes_alive(t->e, false));
		draw_confirm(t, q);
		break;
	}
	case OVERLAY_CONFIRM_TERMINATE:
		snprintf(q, sizeof q, "Terminate %s? [y/N]", t->confirm_target);
		draw_confirm(t, q);
		break;
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static void draw(tui *t)
{
	t->last_draw = pm_now();
	t->dirty = false;
	t->signature = engine_signature(t);
	int h = LINES, w = COLS;
	erase();
	t->too_small = w < MIN_W || h < MIN_H;
	if (t->too_small) {
		char msg[80];
		snprintf(msg, sizeof msg, "terminal too small (%dx%d, need %dx%d)",
			 w, h, MIN_W, MIN_H);
		int len = (int)strlen(msg);
		attron(A_BOLD);
		mvaddnstr(h / 2, len < w ? (w - len) / 2 : 0, msg, w);
		attroff(A_BOLD);
		curs_set(0);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	draw_header(t, w);
	/* Rows between the two header lines and the command line + key bar. */
	int top = 2, avail = h - 4;
	table_row *rows_v;
	size_t nworkers = table_rows(t, &rows_v);
	free(rows_v);
	int log_min = 4;
	int workers_rows = 1 + (int)(nworkers ? nworkers : 1);
	int cap = avail * 2 / 5;
	if (cap < 3)
		cap = 3;
	if (workers_rows > cap)
		workers_rows = cap;
	int rest = avail - workers_rows;
	/* Shared objects come before the tasks panel when rows are short:
	 * the tasks are also in the log, the objects nowhere else. */
	pm_shared *sh = pm_engine_shared(t->e);
	size_t nshared = sh ? pm_shared_count(sh) : 0;
	int shared_rows = 0;
	if (nshared && rest >= 2 + log_min) {
		int shared_cap = avail / 4 < 3 ? 3 : avail / 4;
		shared_rows = 1 + (int)nshared;
		if (shared_rows > shared_cap)
			shared_rows = shared_cap;
		if (shared_rows > rest - log_min)
			shared_rows = rest - log_min;
		rest -= shared_rows;
	}
	int tasks_rows = 0;
	if (rest >= 1 + 2 + log_min) {
		tasks_rows = rest - log_min;
		if (tasks_rows > 1 + 6)
			tasks_rows = 1 + 6;
		int half = rest / 2;
		if (tasks_rows > half && half >= 3)
			tasks_rows = half;
	}
	int log_rows = rest - tasks_rows;
	draw_workers(t, top, workers_rows, w);
	if (tasks_rows) {
		draw_tasks(t, top + workers_rows, tasks_rows, w);
	} else {
		t->tasks_rows = 0;
		if (t->panel == PANEL_TASKS)
			t->panel = PANEL_WORKERS;
	}
	t->shared_rows = shared_rows;
	if (shared_rows)
		draw_shared(t, top + workers_rows + tasks_rows, shared_rows, w);
	draw_log(t, top + workers_rows + tasks_rows + shared_rows, log_rows,
		 w);
	draw_keybar(t, h - 1, w);
	draw_overlay(t);
	draw_command_line(t);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- readline ---------------------------------------------------------------- */

/* Readline 8.2's rl_callback_read_char runs more than one command in one
 * call when input was pushed back inside it (a key that ends an incremental
 * search, the rest of a key sequence that did not match, a keyboard macro).
 * Each command runs in readline_internal_char, which points _rl_top_level,
 * the target of readline's abort longjmp, at its own stack frame and leaves
 * it there when it returns.  A later command of the same call that aborts
 * (an unbound key sequence such as C-x C-d, C-g, a failed yank...) then
 * longjmps into that dead frame: C-r C-x C-d crashes poolmon, and python3's
 * REPL too, with this readline.  Every abort goes through _rl_abort_internal,
 * which calls rl_clear_message, which calls rl_redisplay_function, right
 * before its longjmp; while a key is being fed, the redisplay hook points
 * _rl_top_level at a live frame of ours (g_rl_guard, in feed_byte) that
 * does what readline's own landing does: redisplay and return.  The symbol
 * is readline's (exported, not in its public header); weak, so a readline
 * without it still links and runs without the guard. */
extern sigjmp_buf _rl_top_level __attribute__((weak));
static sigjmp_buf g_rl_guard;
static bool g_rl_guarded; /* inside rl_callback_read_char, from feed_byte */

static void rl_redisplay_hook(void)
{
	tui *t = g_tui;
	if (g_rl_guarded && &_rl_top_level != NULL)
		memcpy(_rl_top_level, g_rl_guard, sizeof g_rl_guard);
	if (!t || t->too_small)
		return;
	draw_command_line(t);
	wnoutrefresh(stdscr);
	doupdate();
}

/* Readline is inside a command that reads more keys: an incremental or
 * non-incremental search, a key sequence, a numeric argument, a vi motion,
 * a character to search for or to insert literally.  The keys the TUI
 * keeps for itself (Esc, ? on an empty line) then go to readline. */
static bool rl_mid_command(void)
{
	return RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH |
			  RL_STATE_MULTIKEY | RL_STATE_NUMERICARG |
			  RL_STATE_VIMOTION | RL_STATE_CHARSEARCH |
			  RL_STATE_MOREINPUT | RL_STATE_METANEXT) ||
	       rl_last_func == rl_quoted_insert;
}

/* Readline asks this before it reads ahead (it inserts typed text in
 * batches, waits for the rest of a Meta sequence, and tells Esc from the
 * start of a sequence): the rest of the sequence being fed, or the text
 * keys that follow; the TUI still sees every special key. */
static int rl_input_available(void)
{
	tui *t = g_tui;
	if (!t)
		return 0;
	if (t->rlq_at < t->rlq_len)
		return 1;
	/* While a keyboard macro is defined, readline records only the keys
	 * it dispatches, not those it inserts in a batch: one at a time. */
	if (t->key_at >= t->nkeys || RL_ISSTATE(RL_STATE_MACRODEF))
		return 0;
	int k = t->keys[t->key_at];
	return k >= ' ' && k < 256 && k != 127;
}

static int rl_getc_hook(FILE *f)
{
	(void)f;
	tui *t = g_tui;
	if (!t)
		return EOF;
	if (t->rlq_at < t->rlq_len)
		return t->rlq[t->rlq_at++];
	if (rl_input_available())
		return t->keys[t->key_at++];
	return EOF;
}

/* One call of rl_callback_read_char, with the abort guard above. */
static void feed_call(void)
{
	if (sigsetjmp(g_rl_guard, 0)) {
		/* Readline aborted a command: what its own landing does. */
		g_rl_guarded = false;
		rl_redisplay_hook();
		return;
	}
	g_rl_guarded = true;
	rl_callback_read_char();
	g_rl_guarded = false;
}

/* Hands bytes to readline and lets it read until they are used up. */
static void feed_bytes(tui *t, const char *s, size_t n)
{
	if (n > sizeof t->rlq)
		n = sizeof t->rlq;
	memcpy(t->rlq, s, n);
	t->rlq_len = n;
	t->rlq_at = 0;
	/* Each call reads at least one byte, or input readline pushed back
	 * itself; the bound only keeps a misbehaving library from spinning. */
	for (int calls = 0; t->rlq_at < t->rlq_len && !t->quit && calls < 256;
	     calls++)
		feed_call();
	t->rlq_len = t->rlq_at = 0;
}

static void feed_readline(tui *t, int byte)
{
	char c = (char)byte;
	feed_bytes(t, &c, 1);
}

/* Editing keys go to readline as an ANSI terminal sends them, sequences
 * readline binds itself (it reads no terminfo when the application draws
 * the line): readline then sees them in a search, a key sequence, vi mode
 * or a macro like any other key, instead of the TUI moving the line behind
 * its back.  Delete's sequence is bound in readline_start. */
static bool feed_key_sequence(tui *t, int k)
{
	static const struct {
		int key;
		const char *seq;
	} keys[] = {
		{ KEY_UP, "\033[A" },	 { KEY_DOWN, "\033[B" },
		{ KEY_RIGHT, "\033[C" }, { KEY_LEFT, "\033[D" },
		{ KEY_HOME, "\033[H" },	 { KEY_END, "\033[F" },
		{ KEY_DC, "\033[3~" },
	};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (keys[i].key == k) {
			feed_bytes(t, keys[i].seq, strlen(keys[i].seq));
			return true;
		}
	return false;
}

static void request_quit(tui *t, bool ask)
{
	if (ask && (!pm_engine_idle(t->e) ||
		    pm_engine_processes_alive(t->e, false) > 0)) {
		t->overlay = OVERLAY_CONFIRM_QUIT;
		t->dirty = true;
		return;
	}
	t->quit = true;
}

static void on_line(char *line)
{
	tui *t = g_tui;
	if (!t)
		return;
	if (!line) { /* Ctrl-D on an empty line */
		request_quit(t, true);
		return;
	}
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p) {
		HIST_ENTRY *last = history_length > 0
					   ? history_get(history_base +
							 history_length - 1)
					   : NULL;
		if (!last || strcmp(last->line, line))
			add_history(line);
		char *echo = xasprintf("%s%s", PROMPT, line);
		log_add(PM_LINE_INFO, true, echo);
		free(echo);
		t->log_scroll = 0;
		pm_cli_feed(t->cli, line);
	}
	free(line);
	t->dirty = true;
}

static char *g_complete_before;
static bool g_complete_files;

static char *complete_generator(const char *text, int state)
{
	tui *t = g_tui;
	if (!t)
		return NULL;
	if (state == 0)
		g_complete_files = false;
	if (g_complete_files)
		return rl_filename_completion_function(text, state);
	pm_complete_kind kind = PM_COMPLETE_NONE;
	char *m = pm_cli_complete(t->cli, g_complete_before, text, state,
				  &kind);
	if (state == 0 && kind == PM_COMPLETE_FILE) {
		g_complete_files = true;
		free(m);
		return rl_filename_completion_function(text, 0);
	}
	return m;
}

static char **attempt_completion(const char *text, int start, int end)
{
	(void)end;
	free(g_complete_before);
	g_complete_before = xasprintf("%.*s", start, rl_line_buffer);
	rl_attempted_completion_over = 1; /* no file names unless asked */
	rl_completion_append_character = ' ';
	char **m = rl_completion_matches(text, complete_generator);
	if (g_complete_files)
		rl_filename_completion_desired = 1;
	return m;
}

/* Readline would print the candidates on the terminal; the log pane gets
 * them instead. */
static void show_matches(char **matches, int n, int max_len)
{
	(void)max_len;
	pm_buf b = { 0 };
	pm_buf_puts(&b, "completions:");
	for (int i = 1; i <= n && matches[i]; i++) {
		if (b.len > 2000) {
			pm_buf_puts(&b, " …");
			break;
		}
		pm_buf_printf(&b, " %s", matches[i]);
	}
	log_add(PM_LINE_INFO, false, b.s);
	pm_buf_free(&b);
	if (g_tui) {
		g_tui->log_scroll = 0;
		g_tui->dirty = true;
	}
}

static char *history_file(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	char *dir;
	if (state && *state == '/') {
		dir = xasprintf("%s/poolmon", state);
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home)
			return NULL;
		dir = xasprintf("%s/.local/state/poolmon", home);
	}
	/* mkdir -p */
	for (char *p = dir + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	}
	mkdir(dir, 0700);
	char *path = xasprintf("%s/history", dir);
	free(dir);
	return path;
}

static FILE *g_rl_out; /* readline's own output goes nowhere */

static void readline_start(tui *t)
{
	rl_readline_name = "poolmon";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_getc_function = rl_getc_hook;
	rl_input_available_hook = rl_input_available;
	rl_redisplay_function = rl_redisplay_hook;
	rl_attempted_completion_function = attempt_completion;
	rl_completion_display_matches_hook = show_matches;
	rl_instream = stdin;
	g_rl_out = fopen("/dev/null", "w");
	rl_outstream = g_rl_out ? g_rl_out : stderr;
	t->rlq_len = t->rlq_at = 0;
	using_history();
	stifle_history(HISTORY_MAX);
	t->history_path = history_file();
	if (t->history_path)
		read_history(t->history_path);
	rl_callback_handler_install(PROMPT, on_line);
	/* The Delete key's sequence (see feed_key_sequence), unless the
	 * user's inputrc bound it. */
	rl_bind_keyseq_if_unbound_in_map("\033[3~", rl_delete,
					 emacs_standard_keymap);
	rl_bind_keyseq_if_unbound_in_map("\033[3~", rl_delete,
					 vi_insertion_keymap);
	rl_bind_keyseq_if_unbound_in_map("\033[3~", rl_delete,
					 vi_movement_keymap);
	/* Screen size for readline's own wrapping decisions. */
	rl_set_screen_size(1, COLS > 20 ? COLS - (int)strlen(PROMPT) : 80);
}

static void readline_stop(tui *t)
{
	/* Quitting in the middle of a search or a key sequence: end it as a
	 * signal would, so readline keeps no half-done state. */
	rl_callback_sigcleanup();
	rl_callback_handler_remove();
	if (t->history_path) {
		write_history(t->history_path);
		history_truncate_file(t->history_path, HISTORY_MAX);
	}
	free(t->history_path);
	t->history_path = NULL;
	free(g_complete_before);
	g_complete_before = NULL;
	if (g_rl_out)
		fclose(g_rl_out);
	g_rl_out = NULL;
	rl_outstream = stdout;
}

/* ---- actions on the selected row -------------------------------------------- */

/* "w3" or "t12" for the selected row, or "" when there is none. */
static void selected_target(tui *t, char *buf, size_t len)
{
	buf[0] = '\0';
	if (t->panel == PANEL_TASKS && t->sel_task < t->ntask_ids) {
		snprintf(buf, len, "t%llu",
			 (unsigned long long)t->task_ids[t->sel_task]);
		return;
	}
	table_row *rows;
	size_t n = table_rows(t, &rows);
	if (t->sel_worker < n)
		snprintf(buf, len, "%s", rows[t->sel_worker].id);
	free(rows);
}

static void report(tui *t, int rc, const char *what, const char *err)
{
	if (rc < 0) {
		char *s = xasprintf("error: %s: %s", what, err);
		log_add(PM_LINE_ERROR, false, s);
		free(s);
	} else {
		log_add(PM_LINE_INFO, false, what);
	}
	t->log_scroll = 0;
	t->dirty = true;
}

static void toggle_pause(tui *t)
{
	char target[32], err[256] = "";
	selected_target(t, target, sizeof target);
	if (!target[0])
		return;
	bool paused = false;
	if (target[0] == 'w') {
		pm_worker_info wi;
		paused = pm_engine_worker_by_id(t->e,
						strtoull(target + 1, NULL, 10),
						&wi) &&
			 wi.state == PM_WORKER_PAUSED;
	} else if (target[0] == 'p') {
		pm_process_info pi;
		paused = pm_engine_process_by_id(t->e,
						 strtoull(target + 1, NULL, 10),
						 &pi) &&
			 pi.paused;
	} else {
		pm_task_info ti;
		paused = pm_engine_task_info(t->e,
					     strtoull(target + 1, NULL, 10),
					     &ti) &&
			 ti.state == PM_TASK_PAUSED;
	}
	int rc = paused ? pm_engine_resume(t->e, target, err, sizeof err)
			: pm_engine_pause(t->e, target, err, sizeof err);
	char *what = xasprintf("%s %s", paused ? "resume" : "pause", target);
	report(t, rc, what, err);
	free(what);
}

static void ask_terminate(tui *t)
{
	selected_target(t, t->confirm_target, sizeof t->confirm_target);
	if (t->confirm_target[0])
		t->overlay = OVERLAY_CONFIRM_TERMINATE;
	t->dirty = true;
}

static void do_terminate(tui *t)
{
	char err[256] = "";
	int rc = pm_engine_terminate(t->e, t->confirm_target, err, sizeof err);
	char *what = xasprintf("terminate %s", t->confirm_target);
	report(t, rc, what, err);
	free(what);
}

static void show_details(tui *t)
{
	if (t->panel == PANEL_LOG)
		return;
	selected_target(t, t->details_target, sizeof t->details_target);
	if (t->details_target[0]) {
		t->overlay = OVERLAY_DETAILS;
		t->overlay_scroll = 0;
	}
	t->dirty = true;
}

static void resize_pool(tui *t, int delta)
{
	int n = pm_engine_target_workers(t->e) + delta;
	if (n < 1)
		return;
	char err[256] = "";
	int rc = pm_engine_resize(t->e, n, err, sizeof err);
	char *what = xasprintf("workers %d", n);
	report(t, rc, what, err);
	free(what);
}

static void move_selection(tui *t, int delta)
{
	switch (t->panel) {
	case PANEL_WORKERS: {
		table_row *rows;
		long n = (long)table_rows(t, &rows);
		free(rows);
		long s = (long)t->sel_worker + delta;
		if (s >= n)
			s = n - 1;
		if (s < 0)
			s = 0;
		t->sel_worker = (size_t)s;
		break;
	}
	case PANEL_TASKS: {
		long n = (long)t->ntask_ids;
		long s = (long)t->sel_task + delta;
		if (s >= n)
			s = n - 1;
		if (s < 0)
			s = 0;
		t->sel_task = (size_t)s;
		break;
	}
	case PANEL_LOG:
		t->log_scroll -= delta;
		break;
	case PANEL_COUNT:
		break;
	}
	t->dirty = true;
}

static int page_of(const tui *t)
{
	int rows = t->panel == PANEL_WORKERS ? t->workers_rows
		   : t->panel == PANEL_TASKS ? t->tasks_rows
					     : t->log_rows;
	return rows > 1 ? rows - 1 : 1;
}

static void next_panel(tui *t, int dir)
{
	for (int i = 0; i < PANEL_COUNT; i++) {
		t->panel = (panel)(((int)t->panel + dir + PANEL_COUNT) %
				   PANEL_COUNT);
		if (t->panel != PANEL_TASKS || t->tasks_rows > 0)
			break;
	}
	t->dirty = true;
}

static void on_mouse(tui *t)
{
	MEVENT ev;
	if (getmouse(&ev) != OK)
		return;
	if (ev.bstate & (BUTTON4_PRESSED)) {
		move_selection(t, -1);
		return;
	}
	if (ev.y >= t->workers_y && ev.y < t->workers_y + t->workers_rows) {
		t->panel = PANEL_WORKERS;
		t->sel_worker = (size_t)(t->workers_first + ev.y - t->workers_y);
		move_selection(t, 0);
	} else if (t->tasks_rows &&
		   ev.y >= t->tasks_y && ev.y < t->tasks_y + t->tasks_rows - 1) {
		t->panel = PANEL_TASKS;
		t->sel_task = (size_t)(t->tasks_first + ev.y - t->tasks_y);
		move_selection(t, 0);
	}
}

/* ---- keys -------------------------------------------------------------------- */

/* Keys while an overlay is open.  Returns true if the key was used. */
static bool overlay_key(tui *t, int k)
{
	switch (t->overlay) {
	case OVERLAY_NONE:
		return false;
	case OVERLAY_CONFIRM_QUIT:
	case OVERLAY_CONFIRM_TERMINATE: {
		overlay_kind o = t->overlay;
		t->overlay = OVERLAY_NONE;
		t->dirty = true;
		bool yes = k == 'y' || k == 'Y' ||
			   (o == OVERLAY_CONFIRM_QUIT && k == KEY_F(10));
		if (yes && o == OVERLAY_CONFIRM_QUIT)
			t->quit = true;
		else if (yes)
			do_terminate(t);
		return true;
	}
	case OVERLAY_HELP:
	case OVERLAY_DETAILS:
		t->dirty = true;
		switch (k) {
		case KEY_UP:
		case 'k':
			t->overlay_scroll--;
			return true;
		case KEY_DOWN:
		case 'j':
			t->overlay_scroll++;
			return true;
		case KEY_PPAGE:
			t->overlay_scroll -= LINES / 2;
			return true;
		case KEY_NPAGE:
		case ' ':
			t->overlay_scroll += LINES / 2;
			return true;
		case KEY_HOME:
			t->overlay_scroll = 0;
			return true;
		case KEY_F(10):
			return false; /* quits */
		default:
			t->overlay = OVERLAY_NONE;
			return true;
		}
	}
	return false;
}

/* Keys that mean the same whichever part has the focus. */
static bool global_key(tui *t, int k)
{
	switch (k) {
	case KEY_F(10):
		request_quit(t, true);
		return true;
	case KEY_F(1):
		t->overlay = OVERLAY_HELP;
		t->overlay_scroll = 0;
		t->dirty = true;
		return true;
	case KEY_F(2):
		t->focus = t->focus == FOCUS_COMMAND ? FOCUS_SCREEN
						     : FOCUS_COMMAND;
		t->dirty = true;
		return true;
	case KEY_F(5):
		toggle_pause(t);
		return true;
	case KEY_F(9):
		ask_terminate(t);
		return true;
	case KEY_PPAGE:
		move_selection(t, -page_of(t));
		return true;
	case KEY_NPAGE:
		move_selection(t, page_of(t));
		return true;
	case KEY_BTAB:
		next_panel(t, -1);
		return true;
	case KEY_MOUSE:
		on_mouse(t);
		return true;
	case KEY_RESIZE:
		return true; /* SIGWINCH does the work */
	case KEY_CTRL('c'):
		if (pm_cli_busy(t->cli)) {
			pm_cli_interrupt(t->cli);
		} else if (t->focus == FOCUS_COMMAND) {
			/* As readline does on SIGINT: end any search or key
			 * sequence first, then drop the line. */
			rl_callback_sigcleanup();
			rl_free_line_state();
			rl_replace_line("", 0);
			rl_point = 0;
			rl_redisplay_hook();
		}
		t->dirty = true;
		return true;
	case KEY_CTRL('l'):
		clearok(curscr, TRUE);
		t->dirty = true;
		return true;
	}
	return false;
}

static void screen_key(tui *t, int k)
{
	switch (k) {
	case KEY_UP:
	case 'k':
		move_selection(t, -1);
		return;
	case KEY_DOWN:
	case 'j':
		move_selection(t, 1);
		return;
	case KEY_HOME:
	case 'g':
		move_selection(t, -1000000);
		return;
	case KEY_END:
	case 'G':
		move_selection(t, 1000000);
		return;
	case '\t':
		next_panel(t, 1);
		return;
	case 'p':
		toggle_pause(t);
		return;
	case 't':
		ask_terminate(t);
		return;
	case '\r':
	case '\n':
	case KEY_ENTER:
	case 'd':
		show_details(t);
		return;
	case '+':
		resize_pool(t, 1);
		return;
	case '-':
		resize_pool(t, -1);
		return;
	case 'Z':
		t->frozen = !t->frozen;
		t->dirty = true;
		return;
	case 'q':
		request_quit(t, true);
		return;
	case '?':
		t->overlay = OVERLAY_HELP;
		t->overlay_scroll = 0;
		t->dirty = true;
		return;
	case KEY_ESC:
	case ':':
	case '/':
		t->focus = FOCUS_COMMAND;
		t->dirty = true;
		return;
	}
	/* Any other text starts a command. */
	if (k >= ' ' && k < 256 && k != 127) {
		t->focus = FOCUS_COMMAND;
		t->dirty = true;
		feed_readline(t, k);
	}
}

static void command_key(tui *t, int k, bool lone_esc)
{
	bool empty = !rl_line_buffer || !rl_line_buffer[0];
	if (feed_key_sequence(t, k))
		return;
	switch (k) {
	case KEY_BACKSPACE:
		feed_readline(t, 127);
		return;
	case KEY_ENTER:
		feed_readline(t, '\r');
		return;
	}
	/* A lone Esc hands the keys to the screen, unless readline needs it:
	 * to end a search or a sequence, or in vi mode (F2 then). */
	if (k == KEY_ESC && lone_esc && rl_editing_mode == 1 /* emacs */ &&
	    !rl_mid_command()) {
		t->focus = FOCUS_SCREEN;
		t->dirty = true;
		return;
	}
	if (k == '?' && empty && !rl_mid_command() &&
	    rl_get_keymap() != vi_movement_keymap) {
		t->overlay = OVERLAY_HELP;
		t->overlay_scroll = 0;
		t->dirty = true;
		return;
	}
	if (k >= 0 && k < 256)
		feed_readline(t, k);
}

static void handle_key(tui *t, int k, bool lone_esc)
{
	if (overlay_key(t, k))
		return;
	if (global_key(t, k))
		return;
	if (t->focus == FOCUS_SCREEN)
		screen_key(t, k);
	else
		command_key(t, k, lone_esc);
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
		/* An Esc with nothing after it is the Esc key; followed by
		 * more bytes it is a Meta prefix for readline. */
		bool lone = k == KEY_ESC && t->key_at == t->nkeys;
		handle_key(t, k, lone);
	}
	t->nkeys = t->key_at = 0;
}

/* ---- signals, resize, the tick ----------------------------------------------- */

static void on_signal(void *ud, int signo)
{
	(void)ud;
	tui *t = g_tui;
	if (!t)
		return;
	switch (signo) {
	case SIGWINCH:
		t->resize_pending = true;
		break;
	case SIGINT:
		if (pm_cli_busy(t->cli))
			pm_cli_interrupt(t->cli);
		t->dirty = true;
		break;
	default: /* SIGTERM, SIGHUP, SIGQUIT: quit as `quit` does, the
		  * terminal restored, with the status a shell gives a
		  * process that signal ended */
		t->exit_status = 128 + signo;
		t->quit = true;
		break;
	}
}

static void do_resize(tui *t)
{
	t->resize_pending = false;
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	rl_set_screen_size(1, COLS > 20 ? COLS - (int)strlen(PROMPT) : 80);
	t->dirty = true;
}

static int tick_timeout(void *ud)
{
	tui *t = ud;
	if (t->quit || t->resize_pending)
		return 0;
	double now = pm_now();
	double next = t->frozen ? now + 3600 : t->next_sample;
	if (t->dirty) {
		double frame = t->last_draw + FRAME_MIN;
		if (frame < next)
			next = frame;
	}
	double ms = (next - now) * 1000.0;
	return ms <= 0 ? 0 : (int)ceil(ms);
}

static void tick(void *ud)
{
	tui *t = ud;
	if (t->quit)
		return;
	if (t->resize_pending)
		do_resize(t);
	double now = pm_now();
	if (!t->frozen && now >= t->next_sample) {
		sample(t);
		t->next_sample = now + t->delay;
		t->dirty = true;
	}
	if (!t->frozen && !t->dirty && engine_signature(t) != t->signature)
		t->dirty = true;
	if (t->dirty && now - t->last_draw >= FRAME_MIN)
		draw(t);
}

/* ---- terminal set-up and the fatal-signal restore ---------------------------- */

static struct termios g_saved_termios;
static bool g_have_termios;
static pid_t g_tui_pid;
static char g_restore_seq[256];
static size_t g_restore_len;

static void add_restore_cap(const char *cap)
{
	char *s = tigetstr(cap);
	if (!s || s == (char *)-1)
		return;
	size_t n = strlen(s);
	if (g_restore_len + n < sizeof g_restore_seq) {
		memcpy(g_restore_seq + g_restore_len, s, n);
		g_restore_len += n;
	}
}

/* Only async-signal-safe calls: put the terminal back as we found it and
 * let the signal do what it would have done.  Forked workers inherit the
 * handler; they leave the terminal alone. */
static void fatal_signal(int signo)
{
	if (getpid() == g_tui_pid) {
		if (g_restore_len) {
			ssize_t r = write(STDOUT_FILENO, g_restore_seq,
					  g_restore_len);
			(void)r;
		}
		if (g_have_termios)
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
		static const char msg[] = "\r\npoolmon: fatal signal, terminal restored\r\n";
		ssize_t r = write(STDERR_FILENO, msg, sizeof msg - 1);
		(void)r;
	}
	raise(signo);
}

static const int g_fatal_signals[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE,
				       SIGILL };

static void install_fatal_handlers(bool on)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on ? fatal_signal : SIG_DFL;
	sa.sa_flags = on ? SA_RESETHAND | SA_NODEFER : 0;
	for (size_t i = 0; i < sizeof g_fatal_signals / sizeof *g_fatal_signals;
	     i++)
		sigaction(g_fatal_signals[i], &sa, NULL);
}

static bool locale_is_utf8(void)
{
	wchar_t wc;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	return mbrtowc(&wc, "\xe2\x96\x81", 3, &st) == 3 && wc == 0x2581;
}

static int refuse(const char *why)
{
	fprintf(stderr,
		"poolmon: %s; the screen needs a terminal.\n"
		"Use --batch (commands from standard input), --script FILE or -x 'CMDS' instead.\n",
		why);
	return 2;
}

static void init_colors(tui *t)
{
	const char *no_color = getenv("NO_COLOR");
	t->colors = has_colors() && !(no_color && *no_color);
	if (!t->colors)
		return;
	start_color();
	use_default_colors();
	init_pair(CP_HEADER, COLOR_BLACK, COLOR_CYAN);
	init_pair(CP_TITLE, COLOR_BLACK, COLOR_GREEN);
	init_pair(CP_SELECT, COLOR_BLACK, COLOR_CYAN);
	init_pair(CP_ERROR, COLOR_RED, -1);
	init_pair(CP_GOOD, COLOR_GREEN, -1);
	init_pair(CP_BUSY, COLOR_YELLOW, -1);
	init_pair(CP_PAUSED, COLOR_MAGENTA, -1);
	init_pair(CP_KEY, -1, -1);
	init_pair(CP_KEYLABEL, COLOR_BLACK, COLOR_CYAN);
	init_pair(CP_DIM, COLOR_CYAN, -1);
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
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return refuse("standard input or output is not a terminal");
	const char *term = getenv("TERM");
	if (!term || !*term)
		return refuse("TERM is not set");
	if (!strcmp(term, "dumb"))
		return refuse("TERM=dumb cannot show a screen");

	setlocale(LC_ALL, "");
	g_have_termios = tcgetattr(STDIN_FILENO, &g_saved_termios) == 0;

	/* Block the signals (signalfd) before curses installs its own. */
	pm_loop_watch_signal(loop, SIGWINCH, on_signal, NULL);
	pm_loop_watch_signal(loop, SIGINT, on_signal, NULL);
	pm_loop_watch_signal(loop, SIGTERM, on_signal, NULL);
	pm_loop_watch_signal(loop, SIGHUP, on_signal, NULL);
	pm_loop_watch_signal(loop, SIGQUIT, on_signal, NULL);

	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		char *why = xasprintf("unknown terminal type '%s'", term);
		int rc = refuse(why);
		free(why);
		return rc;
	}
	set_term(scr);

	tui *t = xcalloc(1, sizeof *t);
	t->e = e;
	t->loop = loop;
	t->cli = cli;
	t->scr = scr;
	int tenths = opts && opts->delay_tenths > 0 ? opts->delay_tenths : 10;
	t->delay = tenths / 10.0;
	t->ps = pm_procstat_new();
	t->utf8 = locale_is_utf8();
	g_tui = t;

	g_tui_pid = getpid();
	add_restore_cap("sgr0");
	add_restore_cap("cnorm");
	add_restore_cap("rmkx");
	add_restore_cap("rmcup");
	install_fatal_handlers(true);

	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED, NULL);
	mouseinterval(0);
	init_colors(t);

	readline_start(t);

	pm_loop_add_fd(loop, STDIN_FILENO, POLLIN, on_stdin, t);
	pm_loop_add_hook(loop, tick_timeout, tick, t);

	sample(t);
	t->next_sample = pm_now() + t->delay;
	draw(t);

	while (!t->quit) {
		if (pm_loop_run_once(loop, -1) < 0)
			break;
		if (pm_cli_quit_requested(cli))
			t->quit = true;
	}

	pm_loop_remove_hook(loop, t);
	pm_loop_remove_fd(loop, STDIN_FILENO);
	readline_stop(t);
	curs_set(1);
	endwin();
	delscreen(scr);
	install_fatal_handlers(false);
	g_tui = NULL;
	pm_procstat_free(t->ps);
	free(t->samples);
	free(t->task_ids);
	int status = t->exit_status;
	free(t);
	return status;
}
