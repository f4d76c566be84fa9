/* SPDX-License-Identifier: GPL-3.0-or-later */
/* term.c — the terminal (see term.h).  Signals are events: the loop's
 * signalfd delivers them to on_signal, which only sets flags; the one
 * handler that runs inside a signal is the fatal-signal restore, and it
 * makes only async-signal-safe calls. */
#define _GNU_SOURCE
#include "term.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "attach.h"
#include "rline.h"
#include "util.h"

static struct termios g_saved_termios;
static bool g_have_termios;
static pid_t g_tui_pid;
static char g_restore_seq[256];
static size_t g_restore_len;

static int refuse(const char *why)
{
	fprintf(stderr,
		"poolmon: %s; the screen needs a terminal.\n"
		"Use --batch (commands from standard input), --script FILE or -x 'CMDS' instead.\n",
		why);
	return 2;
}

int term_check(void)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return refuse("standard input or output is not a terminal");
	const char *term = getenv("TERM");
	if (!term || !*term)
		return refuse("TERM is not set");
	if (!strcmp(term, "dumb"))
		return refuse("TERM=dumb cannot show a screen");
	return 0;
}

/* ---- signals as events ----------------------------------------------------- */

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
	case SIGTSTP: /* kill -TSTP: as Ctrl-Z, at the next tick */
		t->suspend_pending = true;
		break;
	case SIGCONT: /* after a stop by anyone: the whole screen again */
		t->cont_pending = true;
		break;
	case SIGINT:
		if (t->attach)
			ui_attach_interrupt(t);
		else if (pm_cli_busy(t->cli))
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

/* Back from a stop: curses' modes again (a SIGSTOP from elsewhere left
 * them to the shell), the size asked again (the terminal may have changed
 * while we were stopped), every cell drawn again. */
void term_continued(tui *t)
{
	t->cont_pending = false;
	if (!isendwin())
		reset_prog_mode();
	clearok(curscr, TRUE);
	t->resize_pending = true;
	t->dirty = true;
}

/* The parent of pid, or 0 (from /proc). */
static pid_t parent_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char buf[512];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* after the name, which may hold ") " */
	int ppid = 0;
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* One of the group's parents is outside it in our session: a shell with
 * job control can continue us.  Otherwise (sh -c, a tmux pane's command)
 * the group is orphaned, the kernel discards SIGTSTP, and leaving the
 * screen would only let keys echo on the terminal meanwhile.  Asked of
 * our parent and of the group leader's, which covers a shell's jobs. */
bool term_can_suspend(void)
{
	pid_t pgrp = getpgrp(), sid = getsid(0);
	pid_t parents[2] = { getppid(), pgrp == getpid() ? 0 : parent_of(pgrp) };
	for (int i = 0; i < 2; i++)
		if (parents[i] > 0 && getpgid(parents[i]) != pgrp &&
		    getsid(parents[i]) == sid)
			return true;
	return false;
}

/* Ctrl-Z as vim, less and htop do it: the terminal restored, then the
 * default action of SIGTSTP for our process group (the shell's job: the
 * workers are each in a process group of their own and go on running),
 * and when the shell continues us, the screen back.  SIGTSTP is blocked
 * (the loop's signalfd watches it): it is sent while blocked and stops us
 * the moment it is unblocked.  In an orphaned process group (no shell
 * with job control) the kernel would discard it: the screen stays
 * (term_can_suspend; `suspend` says why). */
void term_suspend(tui *t)
{
	t->suspend_pending = false;
	if (!term_can_suspend()) /* a SIGTSTP the kernel would discard */
		return;
	curs_set(1);
	endwin();
	fflush(stdout);
	sigset_t tstp;
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	struct sigaction dfl, old;
	memset(&dfl, 0, sizeof dfl);
	sigemptyset(&dfl.sa_mask);
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGTSTP, &dfl, &old);
	kill(0, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &tstp, NULL); /* stopped here until SIGCONT */
	sigprocmask(SIG_BLOCK, &tstp, NULL);
	sigaction(SIGTSTP, &old, NULL);
	term_continued(t);
}

void term_resize(tui *t)
{
	t->resize_pending = false;
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	rline_set_width();
	t->dirty = true;
}

SCREEN *term_open(pm_loop *loop)
{
	setlocale(LC_ALL, "");
	g_have_termios = tcgetattr(STDIN_FILENO, &g_saved_termios) == 0;

	/* Block the signals (signalfd) before curses installs its own. */
	static const int watched[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP,
				       SIGQUIT, SIGTSTP, SIGCONT };
	for (size_t i = 0; i < sizeof watched / sizeof *watched; i++)
		pm_loop_watch_signal(loop, watched[i], on_signal, NULL);

	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		char *why = xasprintf("unknown terminal type '%s'",
				      getenv("TERM"));
		refuse(why);
		free(why);
		return NULL;
	}
	set_term(scr);
	return scr;
}

/* ---- the fatal-signal restore ------------------------------------------------ */

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

/* ---- modes and colours ----------------------------------------------------------- */

static bool locale_is_utf8(void)
{
	wchar_t wc;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	return mbrtowc(&wc, "\xe2\x96\x81", 3, &st) == 3 && wc == 0x2581;
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

void term_start(tui *t)
{
	t->utf8 = locale_is_utf8();
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
	/* The wheel: up is BUTTON4, down BUTTON5 (ncurses 6's mouse
	 * version 2). */
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED |
			  BUTTON5_PRESSED,
		  NULL);
	mouseinterval(0);
	init_colors(t);
}

void term_stop(SCREEN *scr)
{
	curs_set(1);
	endwin();
	delscreen(scr);
	install_fatal_handlers(false);
}
