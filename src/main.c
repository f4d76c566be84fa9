/* SPDX-License-Identifier: GPL-3.0-or-later */
/* poolmon: options, plugin path, and the batch front end.  The TUI lives in
 * ui/; both run the same interpreter over the same engine and loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <malloc.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach.h"
#include "batch.h"
#include "cli.h"
#include "engine.h"
#include "ids.h"
#include "loop.h"
#include "serve.h"
#include "source.h"
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

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: poolmon [OPTION]...\n"
		"  or:  poolmon --serve NAME [OPTION]...\n"
		"  or:  poolmon -c NAME (-x CMDS | --script FILE | --batch) [--json]\n"
		"  or:  poolmon ls\n"
		"  or:  poolmon attach NAME [-d TENTHS]\n"
		"An interactive monitor and controller for a pool of worker processes.\n"
		"\n"
		"  -w, --workers N      pool size (default: one per CPU)\n"
		"      --maxtasks N     replace a worker after N tasks\n"
		"      --keep N         keep the last N ended tasks for result/show\n"
		"                       (default 100000, 0: all); older ones are evicted\n"
		"  -b, --batch          read commands from standard input, no screen\n"
		"  -s, --script FILE    run the commands in FILE ('-': standard input),\n"
		"                       no screen\n"
		"  -x, --exec CMDS      run these commands (';' separated), no screen\n"
		"  -e, --errexit        stop at the first error (as 'errexit on')\n"
		"  -j, --json           without the screen: one JSON event per line; a map's\n"
		"                       items that change together are one \"task_range\"\n"
		"                       event (the command 'events items': one each)\n"
		"  -P, --plugin-dir DIR look for plugins in DIR first (repeatable)\n"
		"      --no-demo        do not load the bundled demo plugin\n"
		"  -d, --delay TENTHS   screen refresh period in tenths of a second (default 10)\n"
		"      --trace FILE     write a Chrome trace-event file of the session\n"
		"                       (open it in Perfetto or chrome://tracing)\n"
		"      --serve NAME     run the pool without a screen, served on a socket\n"
		"                       as NAME until SIGTERM, SIGINT, SIGHUP or a client's quit\n"
		"  -c, --connect NAME   send the -x, --script and --batch lines to the pool\n"
		"                       served as NAME (or a socket's path), print its answers\n"
		"  -h, --help           show this help and exit\n"
		"  -V, --version        show the version and exit\n"
		"\n"
		"-x and --script run in the order given, --batch's standard input after\n"
		"them; a standard input that is not a terminal is read as with --batch\n"
		"when there is no -x or --script.  Errors from them say FILE:LINE:\n"
		"(-x:N: for the Nth line of the -x options, <stdin>:N: for standard input).\n"
		"\n"
		"Exit status without the screen:\n"
		"  0      every command succeeded and every task ended done\n"
		"  1      a command failed (an error: line or event)\n"
		"  2      bad invocation (unknown option, missing or bad value): nothing ran\n"
		"  3      a task did not end done (failed, crashed, timeout, terminated,\n"
		"         cancelled; or still queued or running at the end)\n"
		"  4      a write error on standard output\n"
		"  128+N  stopped by signal N (SIGINT, SIGTERM, SIGHUP)\n"
		"When several apply, 128+N wins, then 4, then 1, then 3.\n"
		"With -c, 3 is not given (the pool's tasks are not the client's); 1 also\n"
		"when the pool cannot be reached.  'poolmon ls' lists the served pools.\n"
		"With the screen: 0 after quit, 128+N after signal N, 4 on a write error.\n"
		"\n"
		"Plugins are looked up in --plugin-dir, $POOLMON_PLUGIN_PATH (':' separated),\n"
		"then %s.  Type 'help' for the commands.\n",
		POOLMON_PLUGINDIR);
}

/* The exit codes (usage() and the man page's EXIT STATUS say them). */
enum {
	EXIT_COMMAND = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_DONE = 3,
	EXIT_WRITE = 4,
};

/* Tasks that did not end done: ended otherwise, or still unfinished (the
 * end terminates them) except the task of a daemon process, which is
 * meant to end with poolmon. */
static size_t tasks_not_done(pm_engine *e)
{
	pm_counts n = pm_engine_counts(e);
	size_t bad = n.failed + n.crashed + n.timeout + n.terminated +
		     n.cancelled;
	size_t open = n.queued + n.running + n.paused;
	for (size_t i = 0; i < pm_engine_process_count(e); i++) {
		pm_process_info pi;
		if (pm_engine_process_info(e, i, &pi) && pi.alive &&
		    pi.daemon && open)
			open--;
	}
	return bad + open;
}

/* As coreutils' close_stdout: a write error that stdio kept to itself
 * (a full disk, a closed pipe) is said and changes the exit status.
 * errnum: the errno of an earlier failed write, 0 if none known. */
static bool close_stdout(int errnum)
{
	bool pending = __fpending(stdout) != 0;
	bool failed = ferror(stdout) != 0;
	bool close_failed = fclose(stdout) != 0;
	if (close_failed && !errnum)
		errnum = errno;
	if (failed || (close_failed && (pending || errno != EBADF))) {
		if (errnum)
			fprintf(stderr, "poolmon: write error: %s\n",
				strerror(errnum));
		else
			fprintf(stderr, "poolmon: write error\n");
		return false;
	}
	return true;
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

/* --serve's own interpreter says only its errors (a load that failed);
 * the clients hear the rest. */
static void serve_line(void *ud, pm_line_kind kind, const char *line)
{
	(void)ud;
	if (kind == PM_LINE_ERROR)
		fprintf(stderr, "poolmon: %s\n", line);
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

/* Opens a --script (or names standard input); exits 2 if it cannot. */
static pm_source script_source(const char *path)
{
	if (!strcmp(path, "-"))
		return (pm_source){ "<stdin>", NULL, STDIN_FILENO };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		fd = -1;
		errno = EISDIR;
	}
	if (fd < 0) {
		fprintf(stderr, "poolmon: cannot open script %s: %s\n", path,
			strerror(errno));
		exit(EXIT_USAGE);
	}
	return (pm_source){ path, NULL, fd };
}

static void close_sources(pm_source *srcs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!srcs[i].text && srcs[i].fd != STDIN_FILENO)
			close(srcs[i].fd);
	free(srcs);
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
		{ "errexit", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "no-demo", no_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "trace", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "serve", required_argument, NULL, 'S' },
		{ "connect", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	pm_engine_config cfg = { 0 };
	bool batch_mode = false, json = false, demo = true, errexit = false;
	bool stdin_read = false;
	pm_source *srcs = NULL; /* -x and --script, in the order given */
	size_t nsrcs = 0;
	const char *trace = NULL;
	const char *serve = NULL, *connect = NULL;
	char **dirs = NULL;
	size_t ndirs = 0;
	int delay = 10;
	int opt, status;
	/* A fixed mmap threshold: a big map's text and result buffers (MiBs,
	 * freed when the map is printed) go back to the system at once.  By
	 * default glibc raises the threshold after the first such free, and
	 * the next ones fragment the heap: a session of maps grew by MiBs
	 * (tests/lifecycle.sh). */
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":w:bs:x:ejP:d:hVc:", longopts,
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
			srcs = xrealloc(srcs, (nsrcs + 1) * sizeof *srcs);
			srcs[nsrcs] = script_source(optarg);
			stdin_read |= srcs[nsrcs].fd == STDIN_FILENO;
			nsrcs++;
			break;
		case 'x':
			srcs = xrealloc(srcs, (nsrcs + 1) * sizeof *srcs);
			srcs[nsrcs++] = (pm_source){ "-x", optarg, -1 };
			break;
		case 'e':
			errexit = true;
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
		case 't':
			trace = optarg;
			break;
		case 'S':
			serve = optarg;
			break;
		case 'c':
			connect = optarg;
			break;
		case 'h':
			usage(stdout);
			status = close_stdout(0) ? 0 : EXIT_WRITE;
			goto early;
		case 'V':
			printf("poolmon %s\n", PACKAGE_VERSION);
			status = close_stdout(0) ? 0 : EXIT_WRITE;
			goto early;
		case ':':
			fprintf(stderr, "poolmon: option '%s' needs a value\n",
				argv[optind - 1]);
			status = EXIT_USAGE;
			goto early;
		default:
			fprintf(stderr,
				"poolmon: unknown option '%s' (see poolmon --help)\n",
				argv[optind - 1]);
			status = EXIT_USAGE;
			goto early;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "ls") && optind + 1 == argc &&
	    !serve && !connect && !nsrcs && !batch_mode) {
		status = pm_serve_ls();
		if (!close_stdout(0) && status < 128)
			status = EXIT_WRITE;
		goto early;
	}
	if (optind < argc && !strcmp(argv[optind], "attach") && !serve &&
	    !connect && !nsrcs && !batch_mode) {
		/* The screen on a served pool (ui/attach.c). */
		if (optind + 2 != argc) {
			fprintf(stderr, "poolmon: attach takes one NAME (the served pools: poolmon ls)\n");
			status = EXIT_USAGE;
			goto early;
		}
		pm_tui_opts o = { delay };
		status = pm_attach_run(argv[optind + 1], &o);
		goto early;
	}
	if (optind < argc) {
		fprintf(stderr,
			"poolmon: unexpected argument '%s' (see poolmon --help)\n",
			argv[optind]);
		status = EXIT_USAGE;
		goto early;
	}
	/* --batch reads standard input after the other sources; so does a
	 * standard input that is not a terminal when there is none. */
	if (!stdin_read && !serve &&
	    (batch_mode || (!nsrcs && !isatty(STDIN_FILENO)))) {
		srcs = xrealloc(srcs, (nsrcs + 1) * sizeof *srcs);
		srcs[nsrcs++] = (pm_source){ "<stdin>", NULL, STDIN_FILENO };
	}
	bool headless = nsrcs > 0;
	if (serve && (connect || headless || json)) {
		fprintf(stderr, "poolmon: --serve takes no -c, -x, --script, --batch or --json (send them with poolmon -c %s)\n",
			serve);
		status = EXIT_USAGE;
		goto early;
	}
	if (serve) {
		char why[256];
		if (!pm_serve_name_ok(serve, why, sizeof why)) {
			fprintf(stderr, "poolmon: --serve: %s\n", why);
			status = EXIT_USAGE;
			goto early;
		}
	}
	if (connect && !headless) {
		fprintf(stderr, "poolmon: -c needs -x, --script or --batch (a screen on a served pool: poolmon attach NAME)\n");
		status = EXIT_USAGE;
		goto early;
	}
	if (connect) {
		signal(SIGPIPE, SIG_IGN);
		status = pm_client_run(connect, json, errexit, srcs, nsrcs);
		if (!close_stdout(0) && status < 128)
			status = EXIT_WRITE;
		goto early;
	}
	if (json && !headless) {
		fprintf(stderr, "poolmon: --json needs --batch, --script or -x\n");
		status = EXIT_USAGE;
		goto early;
	}
	if (trace) { /* said now, before any process starts */
		int fd = open(trace, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (fd < 0) {
			fprintf(stderr, "poolmon: cannot write trace %s: %s\n",
				trace, strerror(errno));
			status = EXIT_USAGE;
			goto early;
		}
		close(fd);
	}
	signal(SIGPIPE, SIG_IGN);

	pm_loop *loop = pm_loop_new();
	char *err = NULL;
	pm_engine *e = pm_engine_new(loop, &cfg, &err);
	if (!e) {
		fprintf(stderr, "poolmon: %s\n", err);
		free(err);
		pm_loop_free(loop);
		status = EXIT_COMMAND;
		goto early;
	}
	for (size_t i = 0; i < ndirs; i++)
		pm_engine_add_plugin_dir(e, dirs[i]);
	add_default_dirs(e);
	free(dirs);

	pm_batch *b = headless ? pm_batch_new(loop, e, json) : NULL;
	pm_cli *cli = headless
			      ? pm_cli_new(e, loop, json ? PM_OUT_JSON : PM_OUT_TEXT,
					   pm_batch_line, b)
		      : serve ? pm_cli_new(e, loop, PM_OUT_TEXT, serve_line, NULL)
			      : pm_cli_new(e, loop, PM_OUT_TEXT, pm_tui_line, NULL);
	if (serve)
		pm_cli_set_deaf(cli, true); /* the clients hear the events */
	pm_serve_hook hook = { e, loop, cli, NULL };
	/* What an attached screen draws (ui/snapshot.c), for every server. */
	ui_snap_taker *taker = ui_snap_taker_new(e, cli);
	pm_serve_set_default_snapshot(ui_snapshot_json, taker);
	if (!headless && !serve)
		pm_cli_set_serve(cli, pm_serve_command, &hook);
	pm_cli_set_errexit(cli, errexit);
	if (trace)
		pm_cli_trace_start(cli, trace);
	if (headless)
		pm_cli_set_writer(cli, pm_batch_write);
	if (demo) {
		char why[1024];
		if (pm_engine_load(e, "demo", why, sizeof why) < 0)
			pm_cli_report_error(cli, "load demo", why);
	}
	/* Bring the pool up now that the start-up plugins are loaded: the
	 * workers inherit them, and the first command sees them all. */
	pm_engine_poll(e);
	if (headless) {
		int signo = pm_batch_run(b, cli, srcs, nsrcs);
		/* What did not end by now is terminated: it counts. */
		size_t not_done = tasks_not_done(e);
		status = signo ? 128 + signo
			 : pm_cli_error_count(cli) ? EXIT_COMMAND
			 : not_done		   ? EXIT_NOT_DONE
						   : 0;
	} else if (serve) {
		status = pm_serve_headless(e, loop, serve);
	} else {
		pm_tui_opts o = { delay };
		status = pm_tui_run(e, loop, cli, &o);
	}
	pm_serve_stop(hook.serve);
	pm_serve_set_default_snapshot(NULL, NULL);
	ui_snap_taker_free(taker);
	shutdown_engine(e, loop);
	pm_cli_free(cli);
	pm_engine_free(e);
	int write_errno = b ? pm_batch_write_errno(b) : 0;
	pm_batch_free(b);
	close_sources(srcs, nsrcs);
	pm_loop_free(loop);
	/* A signal's status stands; a write error comes next. */
	if (!close_stdout(write_errno) && status < 128)
		status = EXIT_WRITE;
	return status;

early:
	close_sources(srcs, nsrcs);
	free(dirs);
	return status;
}
