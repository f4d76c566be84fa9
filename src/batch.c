/* SPDX-License-Identifier: GPL-3.0-or-later */
/* batch.c — the front end without a screen: the sources of commands (each
 * -x and --script in the order given, standard input), read line by line
 * into a queue with each line's FILE:LINE, fed to the interpreter one line
 * at a time (a line that waits holds the next), SIGINT/SIGTERM/SIGHUP, and
 * the processes Python would wait for at exit.  The exit status is
 * main.c's. */
#define _GNU_SOURCE
#include "batch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"
#include "util.h"

#define MAX_LINE 65536

typedef struct line {
	char *text; /* or one of the markers below */
	const char *file;
	unsigned long lineno;
} line;

struct pm_batch {
	pm_engine *e;
	pm_loop *loop;
	pm_cli *cli;
	bool json;
	const pm_source *src;
	size_t nsrc, cur;
	bool open;        /* src[cur] is being read */
	bool eof;         /* ... and its end was read */
	bool watching;    /* its fd is in the loop */
	int saved_flags;  /* its fd's flags before O_NONBLOCK */
	unsigned long lineno, xlines; /* lines of src[cur]; of every -x */
	pm_buf partial;   /* bytes of a line not yet ended */
	bool discarding;  /* inside a line that was too long */
	bool line_has_nul;
	line *lines;
	size_t nlines, at, lines_cap;
	int stop;         /* the signal that stopped the session */
	int write_errno;
};

/* Markers in the line queue for lines refused while reading. */
static char too_long_line[1], nul_line[1];

/* Standard output is flushed before the loop waits (pm_batch_run) and
 * before an error line, not per line: a map's events come by the
 * thousand.  The first failed write's errno is kept for the exit. */
static void flush_stdout(pm_batch *b)
{
	if (fflush(stdout) == EOF && !b->write_errno)
		b->write_errno = errno ? errno : EIO;
}

void pm_batch_line(void *ud, pm_line_kind kind, const char *text)
{
	pm_batch *b = ud;
	bool err = kind == PM_LINE_ERROR && !b->json;
	if (err)
		flush_stdout(b); /* the error keeps its place among the lines */
	FILE *f = err ? stderr : stdout;
	/* One thread: no lock per line (a script's lines are by the
	 * 100,000). */
	fputs_unlocked(text, f);
	fputc_unlocked('\n', f);
	if (err)
		fflush(stderr);
}

void pm_batch_write(void *ud, const char *bytes, size_t n)
{
	(void)ud;
	fwrite(bytes, 1, n, stdout);
}

int pm_batch_write_errno(const pm_batch *b)
{
	return b->write_errno;
}

static void push_line(pm_batch *b, char *text)
{
	if (b->nlines == b->lines_cap) { /* a script's lines by the 100,000 */
		b->lines_cap = b->lines_cap ? 2 * b->lines_cap : 64;
		b->lines = xrealloc(b->lines, b->lines_cap * sizeof *b->lines);
	}
	b->lines[b->nlines++] = (line){ text, b->src[b->cur].name,
					++b->lineno };
}

static void end_line(pm_batch *b)
{
	if (b->discarding) {
		push_line(b, too_long_line);
	} else if (b->line_has_nul) {
		pm_buf_free(&b->partial);
		push_line(b, nul_line);
	} else {
		push_line(b, pm_buf_take(&b->partial));
	}
	b->discarding = b->line_has_nul = false;
}

/* Bytes of one line (no newline) onto its partial text: NULs are noted,
 * not kept; a byte past MAX_LINE kept ones makes the line a too long one,
 * whose bytes are dropped.  In spans, not byte by byte. */
static void take_piece(pm_batch *b, const char *p, size_t n)
{
	while (n && !b->discarding) {
		if (b->partial.len >= MAX_LINE) {
			pm_buf_free(&b->partial);
			b->discarding = true;
			return;
		}
		if (*p == '\0') {
			b->line_has_nul = true;
			p++;
			n--;
			continue;
		}
		const char *z = memchr(p, '\0', n);
		size_t seg = z ? (size_t)(z - p) : n;
		if (seg > MAX_LINE - b->partial.len)
			seg = MAX_LINE - b->partial.len;
		pm_buf_add(&b->partial, p, seg);
		p += seg;
		n -= seg;
	}
}

static void take_bytes(pm_batch *b, const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;
		take_piece(b, p, len);
		if (nl) {
			end_line(b);
			len++;
		}
		p += len;
		n -= len;
	}
}

static void unwatch(pm_batch *b)
{
	if (!b->watching)
		return;
	int fd = b->src[b->cur].fd;
	pm_loop_remove_fd(b->loop, fd);
	fcntl(fd, F_SETFL, b->saved_flags);
	b->watching = false;
}

static void batch_read(void *ud, int fd, short revents)
{
	pm_batch *b = ud;
	char buf[65536];
	(void)revents;
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (b->discarding || b->line_has_nul || b->partial.len)
			end_line(b);
		b->eof = true;
		unwatch(b);
		return;
	}
	take_bytes(b, buf, (size_t)n);
}

static void open_source(pm_batch *b)
{
	const pm_source *s = &b->src[b->cur];
	b->open = true;
	b->eof = false;
	if (s->text) {
		/* The -x options count their lines together. */
		b->lineno = b->xlines;
		take_bytes(b, s->text, strlen(s->text));
		take_bytes(b, "\n", 1);
		b->xlines = b->lineno;
		b->eof = true;
		return;
	}
	b->lineno = 0;
	b->saved_flags = fcntl(s->fd, F_GETFL);
	fcntl(s->fd, F_SETFL, b->saved_flags | O_NONBLOCK);
	pm_loop_add_fd(b->loop, s->fd, POLLIN, batch_read, b);
	b->watching = true;
}

static void close_source(pm_batch *b)
{
	unwatch(b);
	b->open = false;
	b->cur++;
}

static void feed_ready(pm_batch *b)
{
	while (!pm_cli_busy(b->cli) && !pm_cli_quit_requested(b->cli) &&
	       b->at < b->nlines) {
		line l = b->lines[b->at];
		b->lines[b->at++].text = NULL;
		pm_cli_set_origin(b->cli, l.file, l.lineno);
		if (l.text == too_long_line)
			pm_cli_report_error(b->cli, "",
					    "line is longer than 65536 bytes: ignored");
		else if (l.text == nul_line)
			pm_cli_report_error(b->cli, "",
					    "line contains a NUL byte (0x00): ignored");
		else
			pm_cli_feed(b->cli, l.text);
		if (l.text != too_long_line && l.text != nul_line)
			free(l.text);
	}
	if (b->at == b->nlines) {
		free(b->lines);
		b->lines = NULL;
		b->nlines = b->at = b->lines_cap = 0;
	}
}

static void batch_signal(void *ud, int signo)
{
	pm_batch *b = ud;
	if (!b->stop)
		b->stop = signo;
}

/* Lets processes paused by a command go on (at the end of a session,
 * which waits for them). */
static void resume_processes(pm_engine *e)
{
	for (size_t i = 0; i < pm_engine_process_count(e); i++) {
		pm_process_info pi;
		if (pm_engine_process_info(e, i, &pi) && pi.alive && pi.paused) {
			char id[PM_ID_MAX], err[128];
			pm_engine_resume(e, pm_id_format(id, PM_ID_PROCESS, pi.id),
					 err, sizeof err);
		}
	}
}

pm_batch *pm_batch_new(pm_loop *loop, pm_engine *e, bool json)
{
	pm_batch *b = xcalloc(1, sizeof *b);
	b->loop = loop;
	b->e = e;
	b->json = json;
	return b;
}

int pm_batch_run(pm_batch *b, pm_cli *cli, const pm_source *src, size_t n)
{
	b->cli = cli;
	b->src = src;
	b->nsrc = n;
	b->cur = 0;
	pm_loop_watch_signal(b->loop, SIGINT, batch_signal, b);
	pm_loop_watch_signal(b->loop, SIGTERM, batch_signal, b);
	pm_loop_watch_signal(b->loop, SIGHUP, batch_signal, b);
	for (;;) {
		/* The next source starts when the last line of the one
		 * before has run (and its waits ended). */
		for (;;) {
			if (!b->open && b->cur < b->nsrc)
				open_source(b);
			feed_ready(b);
			if (pm_cli_quit_requested(cli) || !b->open || !b->eof ||
			    b->nlines || pm_cli_busy(cli))
				break;
			close_source(b);
		}
		bool finished = pm_cli_quit_requested(cli) ||
				(b->cur >= b->nsrc && !pm_cli_busy(cli));
		/* As Python does at exit: wait for non-daemon processes. */
		if (b->stop ||
		    (finished && !pm_engine_processes_alive(b->e, false)))
			break;
		if (finished)
			resume_processes(b->e); /* a paused one would never end */
		flush_stdout(b); /* what was printed, before the loop may wait */
		if (pm_loop_run_once(b->loop, -1) < 0)
			break;
	}
	if (b->open)
		unwatch(b);
	pm_cli_set_origin(cli, NULL, 0);
	return b->stop;
}

void pm_batch_free(pm_batch *b)
{
	if (!b)
		return;
	pm_buf_free(&b->partial);
	for (size_t i = b->at; i < b->nlines; i++)
		if (b->lines[i].text != too_long_line &&
		    b->lines[i].text != nul_line)
			free(b->lines[i].text);
	free(b->lines);
	free(b);
}
