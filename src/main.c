/* SPDX-License-Identifier: GPL-3.0-or-later */
/* poolmon: options, plugin path, and the batch front end.  The TUI lives in
 * ui/; both run the same interpreter over the same engine and loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "engine.h"
#include "ids.h"
#include "loop.h"
#include "tui.h"
#include "util.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif
#ifndef POOLMON_PLUGINDIR
#define POOLMON_PLUGINDIR "/usr/local/lib/poolmon/plugins"
#endif
#ifndef POOLMON_BINDIR
#define POOLMON_BINDIR "/usr/local/bin"
#endif

#define MAX_LINE 65536

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: poolmon [OPTION]...\n"
		"An interactive monitor and controller for a pool of worker processes.\n"
		"\n"
		"  -w, --workers N      pool size (default: one per CPU)\n"
		"      --maxtasks N     replace a worker after N tasks\n"
		"      --keep N         keep the last N ended tasks for result/show\n"
		"                       (default 100000, 0: all); older ones are evicted\n"
		"  -b, --batch          read commands from standard input, no screen\n"
		"  -s, --script FILE    run the commands in FILE, no screen\n"
		"  -x, --exec CMDS      run these commands (';' separated), no screen\n"
		"  -j, --json           with --batch/--script/-x: one JSON event per line;\n"
		"                       a map's items that change together are one \"task_range\"\n"
		"                       event (the command 'events items': one each)\n"
		"  -P, --plugin-dir DIR look for plugins in DIR first (repeatable)\n"
		"      --no-demo        do not load the bundled demo plugin\n"
		"  -d, --delay TENTHS   screen refresh period in tenths of a second (default 10)\n"
		"  -h, --help           show this help and exit\n"
		"  -V, --version        show the version and exit\n"
		"\n"
		"Plugins are looked up in --plugin-dir, $POOLMON_PLUGIN_PATH (':' separated),\n"
		"then %s.  Type 'help' for the commands.\n",
		POOLMON_PLUGINDIR);
}

/* ---- batch --------------------------------------------------------------- */

typedef struct batch {
	pm_cli *cli;
	pm_engine *e;
	pm_loop *loop;
	int fd;
	bool eof;
	pm_buf partial;  /* bytes of a line not yet ended */
	bool discarding; /* inside a line that was too long */
	char **lines;
	size_t nlines, at;
	unsigned long lineno;
	bool line_has_nul;
	bool json;
} batch;

/* Markers in the line queue for lines refused while reading. */
static char too_long_line[1], nul_line[1];

static void batch_line(void *ud, pm_line_kind kind, const char *line)
{
	batch *b = ud;
	bool err = kind == PM_LINE_ERROR && !b->json;
	/* Standard output is flushed before the loop waits (run_batch), not
	 * per line: a map's events come by the thousand.  An error keeps its
	 * place among the lines before it. */
	if (err)
		fflush(stdout);
	FILE *f = err ? stderr : stdout;
	fputs(line, f);
	fputc('\n', f);
	if (err)
		fflush(f);
}

/* A long line in pieces (a map's results): standard output, as its
 * lines. */
static void batch_write(void *ud, const char *bytes, size_t n)
{
	(void)ud;
	fwrite(bytes, 1, n, stdout);
}

static void push_line(batch *b, char *line)
{
	b->lines = xrealloc(b->lines, (b->nlines + 1) * sizeof *b->lines);
	b->lines[b->nlines++] = line;
}

static void end_line(batch *b)
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

static void take_bytes(batch *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (ch == '\n') {
			end_line(b);
			continue;
		}
		if (b->discarding)
			continue;
		if (b->partial.len >= MAX_LINE) {
			pm_buf_free(&b->partial);
			b->discarding = true;
			continue;
		}
		if (ch == '\0') {
			b->line_has_nul = true;
			continue;
		}
		pm_buf_add(&b->partial, &ch, 1);
	}
}

static void batch_read(void *ud, int fd, short revents)
{
	batch *b = ud;
	char buf[65536];
	(void)revents;
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (b->discarding || b->line_has_nul || b->partial.len)
			end_line(b);
		b->eof = true;
		pm_loop_remove_fd(b->loop, fd);
		return;
	}
	take_bytes(b, buf, (size_t)n);
}

static void batch_feed_ready(batch *b)
{
	while (!pm_cli_busy(b->cli) && !pm_cli_quit_requested(b->cli) &&
	       b->at < b->nlines) {
		char *line = b->lines[b->at];
		b->lines[b->at++] = NULL;
		b->lineno++;
		if (line == too_long_line || line == nul_line) {
			/* One clear error for the whole line. */
			char err[128];
			if (line == too_long_line)
				snprintf(err, sizeof err,
					 "line %lu is longer than %d bytes: ignored",
					 b->lineno, MAX_LINE);
			else
				snprintf(err, sizeof err,
					 "line %lu contains a NUL byte (0x00): ignored",
					 b->lineno);
			pm_cli_report_error(b->cli, "", err);
			continue;
		}
		pm_cli_feed(b->cli, line);
		free(line);
	}
	if (b->at == b->nlines) {
		free(b->lines);
		b->lines = NULL;
		b->nlines = b->at = 0;
	}
}

static volatile int g_stop; /* SIGINT/SIGTERM in batch mode */

static void batch_signal(void *ud, int signo)
{
	(void)ud;
	(void)signo;
	g_stop = 1;
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

static int run_batch(pm_loop *loop, pm_cli *cli, batch *b)
{
	pm_loop_watch_signal(loop, SIGINT, batch_signal, NULL);
	pm_loop_watch_signal(loop, SIGTERM, batch_signal, NULL);
	pm_loop_watch_signal(loop, SIGHUP, batch_signal, NULL);
	if (b->fd >= 0) {
		fcntl(b->fd, F_SETFL, fcntl(b->fd, F_GETFL) | O_NONBLOCK);
		pm_loop_add_fd(loop, b->fd, POLLIN, batch_read, b);
	}
	for (;;) {
		batch_feed_ready(b);
		bool finished = pm_cli_quit_requested(cli) ||
				(b->eof && b->nlines == 0 && !pm_cli_busy(cli));
		/* As Python does at exit: wait for non-daemon processes. */
		if (g_stop ||
		    (finished && !pm_engine_processes_alive(b->e, false)))
			break;
		if (finished)
			resume_processes(b->e); /* a paused one would never end */
		fflush(stdout); /* what was printed, before the loop may wait */
		if (pm_loop_run_once(loop, -1) < 0)
			break;
	}
	if (b->fd >= 0 && !b->eof)
		pm_loop_remove_fd(loop, b->fd);
	pm_buf_free(&b->partial);
	for (size_t i = b->at; i < b->nlines; i++)
		if (b->lines[i] != too_long_line && b->lines[i] != nul_line)
			free(b->lines[i]);
	free(b->lines);
	return pm_cli_error_count(cli) ? 1 : 0;
}

/* Ends every task with a final state (events included) and lets the
 * workers go; pm_engine_free then reaps whatever is left. */
static void shutdown_engine(pm_engine *e, pm_loop *loop)
{
	char err[128];
	if (pm_engine_pool_state(e) != PM_POOL_TERMINATED) {
		pm_engine_resume(e, "all", err, sizeof err); /* stopped ones too */
		if (pm_engine_idle(e))
			pm_engine_close(e, err, sizeof err);
		else
			pm_engine_terminate(e, "pool", err, sizeof err);
	}
	/* Daemonic processes end with poolmon, as Python's do at exit
	 * (terminated): their tasks too. */
	for (size_t i = 0; i < pm_engine_process_count(e); i++) {
		pm_process_info pi;
		if (pm_engine_process_info(e, i, &pi) && pi.alive) {
			char id[32];
			snprintf(id, sizeof id, "p%llu", (unsigned long long)pi.id);
			pm_engine_terminate(e, id, err, sizeof err);
		}
	}
	/* Workers leave within the kill grace; the bound is a backstop. */
	double deadline = pm_now() + 3.0;
	while ((!pm_engine_workers_gone(e) ||
		pm_engine_processes_alive(e, true) ||
		pm_engine_processes_alive(e, false)) &&
	       pm_now() < deadline)
		pm_loop_run_once(loop, 50);
}

/* ---- plugin path --------------------------------------------------------- */

static void add_path_list(pm_engine *e, const char *list)
{
	char *copy = xstrdup(list);
	for (char *save, *p = strtok_r(copy, ":", &save); p;
	     p = strtok_r(NULL, ":", &save))
		if (*p)
			pm_engine_add_plugin_dir(e, p);
	free(copy);
}

static void add_default_dirs(pm_engine *e)
{
	const char *env = getenv("POOLMON_PLUGIN_PATH");
	if (env)
		add_path_list(e, env);
	/* Run from the build tree: plugins sit beside src/. */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *dir = dirname(exe);
		char *bindir = realpath(POOLMON_BINDIR, NULL);
		if (!bindir || strcmp(bindir, dir)) {
			char *p = xasprintf("%s/../plugins", dir);
			char *real = realpath(p, NULL);
			if (real)
				pm_engine_add_plugin_dir(e, real);
			free(real);
			free(p);
		}
		free(bindir);
	}
	pm_engine_add_plugin_dir(e, POOLMON_PLUGINDIR);
}

static int parse_count(const char *opt, const char *s, int lo, int hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi) {
		fprintf(stderr, "poolmon: %s expects a number %d..%d, got '%s'\n",
			opt, lo, hi, s);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workers", required_argument, NULL, 'w' },
		{ "maxtasks", required_argument, NULL, 'm' },
		{ "keep", required_argument, NULL, 'k' },
		{ "batch", no_argument, NULL, 'b' },
		{ "script", required_argument, NULL, 's' },
		{ "exec", required_argument, NULL, 'x' },
		{ "json", no_argument, NULL, 'j' },
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "no-demo", no_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	pm_engine_config cfg = { 0 };
	bool batch_mode = false, json = false, demo = true;
	const char *script = NULL;
	char **execs = NULL;
	size_t nexecs = 0;
	char **dirs = NULL;
	size_t ndirs = 0;
	int delay = 10;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":w:bs:x:jP:d:hV", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'w':
			cfg.workers = parse_count("--workers", optarg, 1, 1024);
			break;
		case 'm':
			cfg.maxtasks = parse_count("--maxtasks", optarg, 1,
						   INT_MAX);
			break;
		case 'k': {
			int n = parse_count("--keep", optarg, 0, INT_MAX);
			cfg.keep_tasks = n ? n : -1;
			break;
		}
		case 'b':
			batch_mode = true;
			break;
		case 's':
			script = optarg;
			break;
		case 'x':
			execs = xrealloc(execs, (nexecs + 1) * sizeof *execs);
			execs[nexecs++] = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'P':
			dirs = xrealloc(dirs, (ndirs + 1) * sizeof *dirs);
			dirs[ndirs++] = optarg;
			break;
		case 'n':
			demo = false;
			break;
		case 'd':
			delay = parse_count("--delay", optarg, 1, 600);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("poolmon %s\n", PACKAGE_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "poolmon: option '%s' needs a value\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr,
				"poolmon: unknown option '%s' (see poolmon --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"poolmon: unexpected argument '%s' (see poolmon --help)\n",
			argv[optind]);
		return 2;
	}
	bool headless = batch_mode || script || nexecs;
	if (json && !headless) {
		fprintf(stderr, "poolmon: --json needs --batch, --script or -x\n");
		return 2;
	}
	if (!headless && !isatty(STDIN_FILENO)) {
		fprintf(stderr,
			"poolmon: standard input is not a terminal; use --batch to read commands from it\n");
		return 2;
	}
	int script_fd = -1;
	if (script) {
		script_fd = open(script, O_RDONLY | O_CLOEXEC);
		if (script_fd < 0) {
			fprintf(stderr, "poolmon: cannot open script %s: %s\n",
				script, strerror(errno));
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);

	pm_loop *loop = pm_loop_new();
	char *err = NULL;
	pm_engine *e = pm_engine_new(loop, &cfg, &err);
	if (!e) {
		fprintf(stderr, "poolmon: %s\n", err);
		free(err);
		pm_loop_free(loop);
		return 1;
	}
	for (size_t i = 0; i < ndirs; i++)
		pm_engine_add_plugin_dir(e, dirs[i]);
	add_default_dirs(e);
	free(dirs);

	batch b = { 0 };
	b.fd = -1;
	b.loop = loop;
	b.json = json;
	pm_cli *cli = headless
			      ? pm_cli_new(e, loop, json ? PM_OUT_JSON : PM_OUT_TEXT,
					   batch_line, &b)
			      : pm_cli_new(e, loop, PM_OUT_TEXT, pm_tui_line, NULL);
	if (headless)
		pm_cli_set_writer(cli, batch_write);
	b.cli = cli;
	b.e = e;
	if (demo) {
		char why[1024];
		if (pm_engine_load(e, "demo", why, sizeof why) < 0)
			pm_cli_report_error(cli, "load demo", why);
	}
	/* Bring the pool up now that the start-up plugins are loaded: the
	 * workers inherit them, and the first command sees them all. */
	pm_engine_poll(e);
	int status;
	if (headless) {
		for (size_t i = 0; i < nexecs; i++)
			take_bytes(&b, execs[i], strlen(execs[i])),
				take_bytes(&b, "\n", 1);
		if (script_fd >= 0)
			b.fd = script_fd;
		else if (batch_mode)
			b.fd = STDIN_FILENO;
		b.eof = b.fd < 0;
		status = run_batch(loop, cli, &b);
	} else {
		pm_tui_opts o = { delay };
		status = pm_tui_run(e, loop, cli, &o);
	}
	free(execs);
	shutdown_engine(e, loop);
	pm_cli_free(cli);
	pm_engine_free(e);
	if (script_fd >= 0)
		close(script_fd);
	pm_loop_free(loop);
	return status;
}
