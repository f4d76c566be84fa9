/* SPDX-License-Identifier: GPL-3.0-or-later */
/* readline.c — GNU readline inside the screen, through its callback
 * interface only (as in cgdb): curses reads the keys, bytes go to readline
 * through rl_getc_function, readline's display comes back through
 * rl_redisplay_function into the command line row.  Also the typed line's
 * run, completion into the log pane, the history file (appended to,
 * then truncated), and the guard
 * around readline's abort longjmp (below). */
#define _GNU_SOURCE
#include "rline.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "attach.h"
#include "log.h"
#include "text.h"
#include "util.h"

#define HISTORY_MAX 1000

/* The command line: the prompt (readline's, which i-search changes) and
 * the line, scrolled sideways so that the cursor stays visible. */
void rline_draw(tui *t)
{
	int h = LINES, w = COLS;
	if (t->too_small)
		return;
	int y = h - 2;
	move(y, 0);
	clrtoeol();
	const char *prompt = rl_display_prompt ? rl_display_prompt : PROMPT;
	attron(A_BOLD);
	int pw = text_put(y, 0, prompt, w - 10);
	attroff(A_BOLD);
	int avail = w - pw - 1;
	const char *line = rl_line_buffer ? rl_line_buffer : "";
	size_t len = strlen(line);
	size_t point = rl_point < 0 ? 0 : (size_t)rl_point;
	if (point > len)
		point = len;
	size_t n_before, n;
	wchar_t *wb = text_widen(line, point, &n_before);
	free(wb);
	wchar_t *wl = text_widen(line, len, &n);
	/* Columns up to the cursor, then the first char to show. */
	int cur = 0;
	for (size_t i = 0; i < n_before && i < n; i++)
		cur += text_wc_width(wl[i]);
	size_t first = 0;
	int shift = 0;
	while (cur - shift >= avail && first < n)
		shift += text_wc_width(wl[first++]);
	text_put_wide(y, pw, wl + first, n - first, avail);
	free(wl);
	move(y, pw + cur - shift);
	curs_set(t->focus == FOCUS_COMMAND && t->overlay == OVERLAY_NONE ? 1 : 0);
}

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
 * _rl_top_level at a live frame of ours (g_rl_guard, in feed_call) that
 * does what readline's own landing does: redisplay and return.  The symbol
 * is readline's (exported, not in its public header); weak, so a readline
 * without it still links and runs without the guard. */
extern sigjmp_buf _rl_top_level __attribute__((weak));
static sigjmp_buf g_rl_guard;
static bool g_rl_guarded; /* inside rl_callback_read_char, from feed_call */

static void rl_redisplay_hook(void)
{
	tui *t = g_tui;
	if (g_rl_guarded && &_rl_top_level != NULL)
		memcpy(_rl_top_level, g_rl_guard, sizeof g_rl_guard);
	if (!t || t->too_small)
		return;
	rline_draw(t);
	wnoutrefresh(stdscr);
	doupdate();
}

/* Set while a command waits for its next key in callback mode (vi's r,
 * f, t, m, `): readline's own, exported, weak as _rl_top_level is. */
extern void *_rl_callback_func __attribute__((weak));

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
	       rl_last_func == rl_quoted_insert ||
	       (&_rl_callback_func != NULL && _rl_callback_func != NULL);
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

void rline_feed_byte(tui *t, int byte)
{
	char c = (char)byte;
	feed_bytes(t, &c, 1);
}

/* Editing keys go to readline as an xterm sends them outside keypad mode,
 * the sequences readline binds itself and inputrc files name ("\e[A",
 * "\e[1;5D"): readline then sees them in a search, a key sequence, vi mode
 * or a macro like any other key, and the user's bindings apply, instead of
 * the TUI moving the line behind its back.  Curses reports a key with
 * Shift, Alt or Ctrl as its own code, named by terminfo's extended names
 * (kLFT5 is Ctrl-Left): xterm's modifier parameter is the digit.  Delete's
 * sequence is bound in rline_start. */
static const struct {
	int key;
	const char *seq;
} plain_keys[] = {
	{ KEY_UP, "\033[A" },	   { KEY_DOWN, "\033[B" },
	{ KEY_RIGHT, "\033[C" },  { KEY_LEFT, "\033[D" },
	{ KEY_HOME, "\033[H" },   { KEY_END, "\033[F" },
	{ KEY_IC, "\033[2~" },	   { KEY_DC, "\033[3~" },
	{ KEY_PPAGE, "\033[5~" }, { KEY_NPAGE, "\033[6~" },
	{ KEY_SR, "\033[1;2A" },  { KEY_SF, "\033[1;2B" },
	{ KEY_SRIGHT, "\033[1;2C" }, { KEY_SLEFT, "\033[1;2D" },
	{ KEY_SHOME, "\033[1;2H" }, { KEY_SEND, "\033[1;2F" },
	{ KEY_SIC, "\033[2;2~" }, { KEY_SDC, "\033[3;2~" },
	{ KEY_SPREVIOUS, "\033[5;2~" }, { KEY_SNEXT, "\033[6;2~" },
	{ KEY_F(1), "\033OP" },   { KEY_F(2), "\033OQ" },
	{ KEY_F(3), "\033OR" },   { KEY_F(4), "\033OS" },
	{ KEY_F(5), "\033[15~" }, { KEY_F(6), "\033[17~" },
	{ KEY_F(7), "\033[18~" }, { KEY_F(8), "\033[19~" },
	{ KEY_F(9), "\033[20~" }, { KEY_F(10), "\033[21~" },
	{ KEY_F(11), "\033[23~" }, { KEY_F(12), "\033[24~" },
};

/* terminfo's extended key names with a modifier digit: "\e[1;<m>X" for
 * the cursor keys, "\e[<n>;<m>~" for the others. */
static const struct {
	const char *name;
	char final;
	int n;
} modified_keys[] = {
	{ "kUP", 'A', 1 },  { "kDN", 'B', 1 },	{ "kRIT", 'C', 1 },
	{ "kLFT", 'D', 1 }, { "kHOM", 'H', 1 }, { "kEND", 'F', 1 },
	{ "kIC", '~', 2 },  { "kDC", '~', 3 },	{ "kPRV", '~', 5 },
	{ "kNXT", '~', 6 },
};

static bool key_sequence(int k, char *seq, size_t len)
{
	for (size_t i = 0; i < sizeof plain_keys / sizeof *plain_keys; i++)
		if (plain_keys[i].key == k) {
			snprintf(seq, len, "%s", plain_keys[i].seq);
			return true;
		}
	const char *name = k > KEY_MAX ? keyname(k) : NULL;
	if (!name)
		return false;
	for (size_t i = 0; i < sizeof modified_keys / sizeof *modified_keys;
	     i++) {
		size_t nl = strlen(modified_keys[i].name);
		const char *m = name + nl;
		if (strncmp(name, modified_keys[i].name, nl) || m[0] < '2' ||
		    m[0] > '8' || m[1])
			continue;
		snprintf(seq, len, "\033[%d;%c%c", modified_keys[i].n, m[0],
			 modified_keys[i].final);
		return true;
	}
	return false;
}

/* A key whose sequence the keymap binds to nothing is dropped, as it was
 * before keys went through the keymaps: readline would take an unbound
 * "\e[1;5A" for Esc and insert the rest, as bash does. */
static bool feed_key_sequence(tui *t, int k)
{
	char seq[16];
	if (!key_sequence(k, seq, sizeof seq))
		return false;
	if (rl_function_of_keyseq(seq, rl_get_keymap(), NULL))
		feed_bytes(t, seq, strlen(seq));
	return true;
}

static int g_history_added; /* lines added this session */

/* A typed line: into the history, echoed in the log, run. */
static void on_line(char *line)
{
	tui *t = g_tui;
	if (!t)
		return;
	if (!line) { /* Ctrl-D on an empty line */
		if (ui_request_quit(t, true) & UI_QUIT)
			t->quit = true;
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
		if (!last || strcmp(last->line, line)) {
			add_history(line);
			g_history_added++;
		}
		if (t->attach) {
			ui_attach_typed(t, line);
		} else {
			ui_echo_command(t, line);
			pm_cli_feed(t->cli, line);
		}
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
	if (t->attach) { /* the server's interpreter completes */
		static char **cands;
		static size_t at;
		if (state == 0) {
			for (size_t i = 0; cands && cands[i]; i++)
				free(cands[i]);
			free(cands);
			cands = ui_attach_complete(t, g_complete_before, text);
			at = 0;
		}
		return cands[at] ? xstrdup(cands[at++]) : NULL;
	}
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

#define MATCH_ROWS_MAX 40 /* rows of candidates in the log, then "…" */

/* What readline shows of a match: a file name without its directory. */
static const char *match_shown(const char *m)
{
	if (!rl_filename_completion_desired)
		return m;
	size_t len = strlen(m);
	const char *slash = len > 1 ? memrchr(m, '/', len - 1) : NULL;
	return slash ? slash + 1 : m;
}

/* Readline would print the candidates on the terminal; the log pane gets
 * them instead, laid out as readline lays them out: in columns two blanks
 * apart as wide as the longest, down the columns (across them with
 * print-completions-horizontally), never a candidate cut at the edge. */
static void show_matches(char **matches, int n, int max_len)
{
	(void)max_len;
	int widest = 1;
	for (int i = 1; i <= n; i++) {
		int w = text_width(match_shown(matches[i]));
		if (w > widest)
			widest = w;
	}
	/* The log marks each line with two columns. */
	int width = COLS - 2;
	/* readline's completion-display-width: -1 the screen's, 0 one a
	 * row. */
	const char *dw = rl_variable_value("completion-display-width");
	if (dw && atoi(dw) >= 0 && atoi(dw) < width)
		width = atoi(dw);
	int colw = widest + 2;
	int cols = (width + 2) / colw; /* the last column needs no gap */
	if (cols < 1)
		cols = 1;
	int rows = (n + cols - 1) / cols;
	const char *h = rl_variable_value("print-completions-horizontally");
	bool across = h && !strcmp(h, "on");
	log_add(PM_LINE_INFO, false, "completions:");
	int shown_rows = rows > MATCH_ROWS_MAX ? MATCH_ROWS_MAX : rows;
	for (int r = 0; r < shown_rows; r++) {
		pm_buf b = { 0 };
		pm_buf_puts(&b, "");
		for (int c = 0; c < cols; c++) {
			int i = across ? r * cols + c : c * rows + r;
			if (i >= n)
				break;
			const char *m = match_shown(matches[i + 1]);
			int pad = c + 1 < cols ? colw - text_width(m) : 0;
			pm_buf_printf(&b, "%s%*s", m, pad, "");
		}
		while (b.len && b.s[b.len - 1] == ' ')
			b.s[--b.len] = '\0';
		log_add(PM_LINE_INFO, false, b.s);
		pm_buf_free(&b);
	}
	if (rows > shown_rows) {
		char more[96];
		snprintf(more, sizeof more,
			 "… %d more rows: type more of the word",
			 rows - shown_rows);
		log_add(PM_LINE_INFO, false, more);
	}
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

/* At the end of a session its own lines are appended to the file, which
 * is then cut to its last HISTORY_MAX lines, as bash does: two sessions at
 * once both keep their lines.  The directory is locked meanwhile, since
 * the truncation rewrites the file (through a new file renamed over it). */
static void history_save(const char *path)
{
	int n = g_history_added < history_length ? g_history_added
						  : history_length;
	g_history_added = 0;
	if (n == 0)
		return;
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	int lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (lock >= 0)
		flock(lock, LOCK_EX);
	/* append_history does not create the file. */
	if (access(path, F_OK) == 0 ? append_history(n, path) == 0
				    : write_history(path) == 0)
		history_truncate_file(path, HISTORY_MAX);
	if (lock >= 0)
		close(lock);
}

static FILE *g_rl_out; /* readline's own output goes nowhere */

void rline_start(tui *t)
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
	g_history_added = 0;
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
	rline_set_width();
}

void rline_stop(tui *t)
{
	/* Quitting in the middle of a search or a key sequence: end it as a
	 * signal would, so readline keeps no half-done state. */
	rl_callback_sigcleanup();
	rl_callback_handler_remove();
	if (t->history_path)
		history_save(t->history_path);
	free(t->history_path);
	t->history_path = NULL;
	free(g_complete_before);
	g_complete_before = NULL;
	if (g_rl_out)
		fclose(g_rl_out);
	g_rl_out = NULL;
	rl_outstream = stdout;
}


void rline_feed_key(tui *t, int k)
{
	if (feed_key_sequence(t, k))
		return;
	if (k == KEY_BACKSPACE)
		k = 127;
	else if (k == KEY_ENTER)
		k = '\r';
	if (k >= 0 && k < 256)
		rline_feed_byte(t, k);
}

void rline_clear_line(void)
{
	/* As readline does on SIGINT: end any search or key sequence first,
	 * then drop the line. */
	rl_callback_sigcleanup();
	rl_free_line_state();
	rl_replace_line("", 0);
	rl_point = 0;
	rl_redisplay_hook();
}

/* In emacs mode a lone Esc is free; in vi mode it is readline's way into
 * command mode, so only an Esc in command mode (Esc Esc from insert mode)
 * leaves the line, as cgdb's Esc leaves its gdb window and i comes back. */
bool rline_esc_is_free(void)
{
	if (rl_mid_command())
		return false;
	return rl_editing_mode == 1 /* emacs */ ||
	       rl_get_keymap() == vi_movement_keymap;
}

bool rline_help_key_is_free(void)
{
	bool empty = !rl_line_buffer || !rl_line_buffer[0];
	return empty && !rl_mid_command() &&
	       rl_get_keymap() != vi_movement_keymap;
}

void rline_set_width(void)
{
	rl_set_screen_size(1, COLS > 20 ? COLS - (int)strlen(PROMPT) : 80);
}
