/* SPDX-License-Identifier: GPL-3.0-or-later */
/* server.c — a pool served on a Unix socket: the socket made (0600 in a
 * 0700 directory; a stale one replaced, a live one refused), connections
 * accepted from the one loop (SO_PEERCRED: the same uid only), the hello,
 * the subscribers of "events" (one JSON interpreter heard through the
 * engine's fanned-out listener, src/cli/listeners.c) and of "model", the
 * loop hook that ends requests and writes output; `poolmon --serve NAME`
 * and the screen's `serve NAME|off`. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"
#include "value.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

#define MODEL_PERIOD 0.1 /* seconds between two model snapshots at most */

/* pm_serve_set_default_snapshot's: what each server started gets. */
static char *(*default_snapshot)(void *ud);
static void *default_snapshot_ud;

static pm_serve *served; /* every server of this process */

void serve_log(pm_serve *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "poolmon: serve %s: %s\n", s->name, msg);
	free(msg);
}

/* A forked worker keeps none of the server's sockets: a client's EOF and
 * a stale socket's ECONNREFUSED must not wait for the workers. */
static void close_in_child(void)
{
	for (pm_serve *s = served; s; s = s->next_served) {
		close(s->lfd);
		for (conn *c = s->conns; c; c = c->next)
			close(c->fd);
	}
	served = NULL;
}

/* ---- subscribers --------------------------------------------------------- */

static void events_line(void *ud, pm_line_kind kind, const char *line)
{
	pm_serve *s = ud;
	(void)kind;
	if (!s->nevents)
		return;
	/* A client whose request runs now heard the event in its own
	 * interpreter, which printed it as that request's lines (or left it
	 * out, as apply leaves out its task's): "heard" tells it so, so an
	 * attached screen shows each event once.  A request's interpreter
	 * is deaf before and after it, never during one event's fan-out. */
	pm_buf b = { 0 };
	pm_buf_puts(&b, "{\"event\":");
	pm_buf_puts(&b, line);
	size_t unheard = b.len;
	pm_buf_puts(&b, ",\"heard\":true}");
	for (conn *c = s->conns; c; c = c->next) {
		if (!c->sub_events)
			continue;
		if (c->running) {
			conn_queue(c, LINE_SUB, b.s, b.len);
		} else {
			b.s[unheard] = '}';
			conn_queue(c, LINE_SUB, b.s, unheard + 1);
			b.s[unheard] = ',';
		}
	}
	pm_buf_free(&b);
}

/* The events' interpreter lives while someone subscribes: without one,
 * the pool formats nothing for nobody. */
void serve_subscribe_events(pm_serve *s, bool on)
{
	if (on && !s->nevents++) {
		size_t n = s->nevents;
		s->nevents = 0; /* its first workers' lines are not news */
		s->events = pm_cli_new(s->e, s->loop, PM_OUT_JSON, events_line, s);
		s->nevents = n;
	} else if (!on && !--s->nevents) {
		pm_cli_free(s->events);
		s->events = NULL;
	}
}

void serve_send_model(pm_serve *s, conn *c)
{
	if (!s->snapshot)
		return;
	if (!s->model) {
		s->model = s->snapshot(s->snapshot_ud);
		s->model_at = pm_now();
	}
	if (!s->model)
		return;
	pm_buf b = { 0 };
	pm_buf_puts(&b, "{\"model\":");
	pm_buf_puts(&b, s->model);
	pm_buf_puts(&b, "}");
	conn_queue(c, LINE_SUB, b.s, b.len);
	pm_buf_free(&b);
}

static bool model_wanted(const pm_serve *s)
{
	if (!s->snapshot)
		return false;
	for (const conn *c = s->conns; c; c = c->next)
		if (c->sub_model)
			return true;
	return false;
}

/* A snapshot every 100 ms, sent only when it changed. */
static void model_tick(pm_serve *s)
{
	double now = pm_now();
	if (!model_wanted(s) || now - s->model_at < MODEL_PERIOD)
		return;
	s->model_at = now;
	char *m = s->snapshot(s->snapshot_ud);
	if (!m || (s->model && !strcmp(m, s->model))) {
		free(m);
		return;
	}
	free(s->model);
	s->model = m;
	for (conn *c = s->conns; c; c = c->next)
		if (c->sub_model && c->cli)
			serve_send_model(s, c);
}

/* ---- connections --------------------------------------------------------- */

static void send_hello(pm_serve *s, conn *c)
{
	pm_buf b = { 0 };
	pm_buf_printf(&b,
		      "{\"hello\":\"poolmon\",\"protocol\":%d,\"version\":",
		      PM_SERVE_PROTOCOL);
	pm_json_string(&b, PACKAGE_VERSION);
	pm_buf_puts(&b, ",\"pool\":");
	pm_json_string(&b, s->name);
	pm_buf_printf(&b, ",\"pid\":%ld}", (long)getpid());
	conn_queue(c, LINE_ANSWER, b.s, b.len);
	pm_buf_free(&b);
}

/* Another uid is told why, once, and let go. */
static void refuse(pm_serve *s, int fd, const struct ucred *cr)
{
	char line[160];
	int n = snprintf(line, sizeof line,
			 "{\"error\":\"refused: uid %u is not the server's uid %u\"}\n",
			 (unsigned)cr->uid, (unsigned)getuid());
	if (write(fd, line, (size_t)n) < 0) {
		/* it is gone already */
	}
	close(fd);
	serve_log(s, "refused a client of uid %u (pid %ld)", (unsigned)cr->uid,
		  (long)cr->pid);
}

static void accept_ready(void *ud, int fd, short revents)
{
	pm_serve *s = ud;
	(void)revents;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return; /* EAGAIN, or out of fds: try at the next wake */
		struct ucred cr;
		socklen_t len = sizeof cr;
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
			close(cfd);
			continue;
		}
		if (cr.uid != getuid()) {
			refuse(s, cfd, &cr);
			continue;
		}
		if (s->cap != PM_SERVE_BUFFER) {
			int sz = (int)s->cap;
			setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
		}
		conn *c = conn_new(s, cfd, cr.pid);
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
		send_hello(s, c);
	}
}

static void reap_dead(pm_serve *s)
{
	for (conn **pp = &s->conns; *pp;) {
		conn *c = *pp;
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		s->nconns--;
		conn_free(c);
	}
}

static int serve_timeout(void *ud)
{
	pm_serve *s = ud;
	for (conn *c = s->conns; c; c = c->next)
		if (c->dead || conn_ready(c))
			return 0;
	if (model_wanted(s)) {
		double left = s->model_at + MODEL_PERIOD - pm_now();
		return left > 0 ? (int)(left * 1000) + 1 : 0;
	}
	return -1;
}

/* After every wait: requests that ended, output written, the gone let
 * go.  Output is written here, once per wake, not per line. */
static void serve_tick(void *ud)
{
	pm_serve *s = ud;
	model_tick(s);
	for (conn *c = s->conns; c; c = c->next) {
		if (c->cli)
			conn_tick(c);
		conn_flush(c);
	}
	reap_dead(s);
}

/* ---- the socket ---------------------------------------------------------- */

static int connect_to(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The pid in a live server's hello (0 if it says none within a second). */
static long live_pid(int fd)
{
	char buf[512];
	size_t len = 0;
	struct pollfd p = { fd, POLLIN, 0 };
	while (len < sizeof buf - 1 && poll(&p, 1, 1000) > 0) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	json_t *o = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
	long pid = (long)json_integer_value(json_object_get(o, "pid"));
	json_decref(o);
	return pid;
}

/* NAME's socket free for us: absent, or stale (nobody accepts). */
static int claim_path(const char *name, const char *path, char *err,
		      size_t len)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return pm_err(err, len, "%s exists and is not a socket", path);
	int fd = connect_to(path);
	if (fd >= 0) {
		long pid = live_pid(fd);
		close(fd);
		return pm_err(err, len, "a pool is already served as %s (pid %ld)",
			      name, pid);
	}
	if (errno != ECONNREFUSED)
		return pm_err(err, len, "%s: %s", path, strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		return pm_err(err, len, "cannot remove the stale socket %s: %s",
			      path, strerror(errno));
	return 0;
}

static int listen_on(const char *path, char *err, size_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pm_err(err, len, "socket: %s", strerror(errno));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	mode_t old = umask(0177); /* born 0600 */
	int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (r < 0 || listen(fd, 128) < 0) {
		pm_err(err, len, "cannot serve on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* POOLMON_SERVE_BUFFER=BYTES: a smaller bound for the tests of falling
 * behind (the protocol's default is 4 MiB); the sockets' kernel buffers
 * are then made as small, so a stopped client falls behind for sure. */
static size_t buffer_bound(void)
{
	const char *env = getenv("POOLMON_SERVE_BUFFER");
	char *end;
	unsigned long long v = env ? strtoull(env, &end, 10) : 0;
	return env && *env && !*end && v >= 1024 ? (size_t)v : PM_SERVE_BUFFER;
}

pm_serve *pm_serve_start(pm_engine *e, pm_loop *loop, const char *name,
			 char *err, size_t len)
{
	static bool atfork;
	char path[108];
	if (!pm_serve_name_ok(name, err, len) ||
	    pm_serve_path(name, path, sizeof path, true, err, len) < 0 ||
	    claim_path(name, path, err, len) < 0)
		return NULL;
	int fd = listen_on(path, err, len);
	if (fd < 0)
		return NULL;
	if (!atfork) {
		pthread_atfork(NULL, NULL, close_in_child);
		atfork = true;
	}
	pm_serve *s = xcalloc(1, sizeof *s);
	s->e = e;
	s->loop = loop;
	s->snapshot = default_snapshot;
	s->snapshot_ud = default_snapshot_ud;
	s->name = xstrdup(name);
	snprintf(s->path, sizeof s->path, "%s", path);
	s->lfd = fd;
	s->cap = buffer_bound();
	s->next_served = served;
	served = s;
	pm_loop_add_fd(loop, fd, POLLIN, accept_ready, s);
	pm_loop_add_hook(loop, serve_timeout, serve_tick, s);
	return s;
}

void pm_serve_stop(pm_serve *s)
{
	if (!s)
		return;
	for (pm_serve **pp = &served; *pp; pp = &(*pp)->next_served)
		if (*pp == s) {
			*pp = s->next_served;
			break;
		}
	for (conn *c = s->conns; c; c = c->next) {
		conn_flush(c); /* a quit's done, if the socket takes it */
		c->dead = true;
	}
	reap_dead(s);
	pm_loop_remove_hook(s->loop, s);
	pm_loop_remove_fd(s->loop, s->lfd);
	close(s->lfd);
	unlink(s->path);
	free(s->model);
	free(s->name);
	free(s);
}

const char *pm_serve_name(const pm_serve *s)
{
	return s->name;
}

const char *pm_serve_socket(const pm_serve *s)
{
	return s->path;
}

void pm_serve_set_quit(pm_serve *s, void (*fn)(void *ud), void *ud)
{
	s->quit_fn = fn;
	s->quit_ud = ud;
}

bool pm_serve_quit_requested(const pm_serve *s)
{
	return s->quit;
}

void pm_serve_set_default_snapshot(char *(*snapshot)(void *ud), void *ud)
{
	default_snapshot = snapshot;
	default_snapshot_ud = ud;
}

void pm_serve_set_snapshot(pm_serve *s, char *(*snapshot)(void *ud),
			   void *ud)
{
	s->snapshot = snapshot;
	s->snapshot_ud = ud;
	free(s->model);
	s->model = NULL;
}

size_t pm_serve_client_count(const pm_serve *s)
{
	return s->nconns;
}

/* ---- poolmon --serve NAME ------------------------------------------------ */

static int stop_signal;

static void on_signal(void *ud, int signo)
{
	(void)ud;
	if (!stop_signal)
		stop_signal = signo;
}

int pm_serve_headless(pm_engine *e, pm_loop *loop, const char *name)
{
	char err[512];
	pm_serve *s = pm_serve_start(e, loop, name, err, sizeof err);
	if (!s) {
		fprintf(stderr, "poolmon: %s\n", err);
		return 1;
	}
	pm_loop_watch_signal(loop, SIGINT, on_signal, NULL);
	pm_loop_watch_signal(loop, SIGTERM, on_signal, NULL);
	pm_loop_watch_signal(loop, SIGHUP, on_signal, NULL);
	fprintf(stderr, "poolmon: serving %s on %s (pid %ld)\n", name, s->path,
		(long)getpid());
	while (!stop_signal && !s->quit)
		if (pm_loop_run_once(loop, -1) < 0)
			break;
	pm_serve_stop(s);
	return stop_signal ? 128 + stop_signal : 0;
}

/* ---- the screen's serve NAME|off ----------------------------------------- */

static void quit_screen(void *ud)
{
	pm_serve_hook *h = ud;
	pm_cli_feed(h->cli, "quit");
}

bool pm_serve_command(void *ud, const char *name, char *msg, size_t len)
{
	pm_serve_hook *h = ud;
	if (!name) {
		if (!h->serve)
			return pm_err(msg, len, "the pool is not served"), false;
		snprintf(msg, len, "%s is no longer served", h->serve->name);
		pm_serve_stop(h->serve);
		h->serve = NULL;
		return true;
	}
	if (h->serve && !strcmp(h->serve->name, name))
		return snprintf(msg, len, "already served as %s", name), true;
	pm_serve *s = pm_serve_start(h->e, h->loop, name, msg, len);
	if (!s)
		return false;
	pm_serve_set_quit(s, quit_screen, h);
	if (h->serve) /* one name at a time */
		pm_serve_stop(h->serve);
	h->serve = s;
	snprintf(msg, len,
		 "serving as %s on %s: poolmon -c %s -x CMDS, poolmon attach %s",
		 name, s->path, name, name);
	return true;
}
