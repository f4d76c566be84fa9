/* SPDX-License-Identifier: GPL-3.0-or-later */
/* client.c — the client side of a served pool: connect, the two hellos,
 * requests queued and written as the socket takes them, the server's lines
 * read one at a time (the small API of src/serve.h, which the attached
 * screen reuses), and `poolmon -c NAME` (-x, --script, --batch, --json):
 * each line a request, its answer printed as the local run prints it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "batch.h"
#include "serve.h"
#include "util.h"
#include "value.h"

#define HELLO_WAIT_MS 5000
#define LOCAL_LINE_MAX 65536 /* a line of -x, --script, --batch (batch.c) */
#define READ_CHUNK (1 << 20) /* a map's line of megabytes in few reads */

struct pm_client {
	int fd;
	pid_t server_pid;
	char *pool;
	pm_buf in;      /* bytes read; lines from in_at */
	size_t in_at, scan;
	pm_buf out;     /* requests not yet written, from out_at */
	size_t out_at;
};

int pm_client_fd(const pm_client *c)
{
	return c->fd;
}

pid_t pm_client_server_pid(const pm_client *c)
{
	return c->server_pid;
}

const char *pm_client_pool(const pm_client *c)
{
	return c->pool;
}

bool pm_client_want_write(const pm_client *c)
{
	return c->out.len > c->out_at;
}

int pm_client_flush(pm_client *c)
{
	while (c->out.len > c->out_at) {
		ssize_t n = write(c->fd, c->out.s + c->out_at,
				  c->out.len - c->out_at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		c->out_at += (size_t)n;
	}
	c->out.len = c->out_at = 0;
	return 1;
}

int pm_client_send_raw(pm_client *c, const char *json)
{
	pm_buf_puts(&c->out, json);
	pm_buf_add(&c->out, "\n", 1);
	return pm_client_flush(c) < 0 ? -1 : 0;
}

int pm_client_send_from(pm_client *c, long id, const char *line,
			const char *file, unsigned long lineno)
{
	pm_buf b = { 0 };
	pm_buf_printf(&b, "{\"id\":%ld,\"cmd\":", id);
	pm_json_string(&b, line);
	if (file) {
		pm_buf_puts(&b, ",\"file\":");
		pm_json_string(&b, file);
		pm_buf_printf(&b, ",\"line\":%lu", lineno);
	}
	pm_buf_puts(&b, "}");
	int r = pm_client_send_raw(c, b.s);
	pm_buf_free(&b);
	return r;
}

int pm_client_send(pm_client *c, long id, const char *line)
{
	return pm_client_send_from(c, id, line, NULL, 0);
}

/* As pm_client_read_line, waiting at most ms (-1: no bound) when wait. */
static int read_line_within(pm_client *c, bool wait, int ms,
			    const char **line, char *err, size_t len)
{
	for (;;) {
		char *start = c->in.s + c->in_at;
		char *nl = c->in.len > c->scan
				   ? memchr(c->in.s + c->scan, '\n',
					    c->in.len - c->scan)
				   : NULL;
		if (nl) {
			*nl = '\0';
			*line = start;
			c->in_at = c->scan = (size_t)(nl - c->in.s) + 1;
			return 1;
		}
		c->scan = c->in.len;
		if (c->in_at) { /* the lines given out are done with */
			memmove(c->in.s, c->in.s + c->in_at, c->in.len - c->in_at);
			c->in.len -= c->in_at;
			c->scan -= c->in_at;
			c->in_at = 0;
		}
		pm_buf_reserve(&c->in, READ_CHUNK);
		ssize_t n = read(c->fd, c->in.s + c->in.len, READ_CHUNK);
		if (n > 0) {
			c->in.len += (size_t)n;
			continue;
		}
		if (n == 0)
			return pm_err(err, len, "the server closed the connection");
		if (errno == EINTR && wait)
			return 0; /* a signal: the caller looks */
		if (errno != EAGAIN && errno != EINTR)
			return pm_err(err, len, "reading from the server: %s",
				      strerror(errno));
		if (!wait)
			return 0;
		struct pollfd p = { c->fd, POLLIN, 0 };
		if (pm_client_want_write(c))
			p.events |= POLLOUT;
		int r = poll(&p, 1, ms);
		if (r == 0)
			return pm_err(err, len, "the server did not answer");
		if (r < 0 && errno == EINTR)
			return 0;
		if (p.revents & POLLOUT && pm_client_flush(c) < 0)
			return pm_err(err, len, "writing to the server: %s",
				      strerror(errno));
	}
}

int pm_client_read_line(pm_client *c, bool wait, const char **line,
			char *err, size_t len)
{
	return read_line_within(c, wait, -1, line, err, len);
}

void pm_client_close(pm_client *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->pool);
	pm_buf_free(&c->in);
	pm_buf_free(&c->out);
	free(c);
}

static int open_socket(const char *name, const char *path, char *err,
		       size_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pm_err(err, len, "socket: %s", strerror(errno));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		return fd;
	}
	int e = errno;
	close(fd);
	if (e == ECONNREFUSED)
		return pm_err(err, len,
			      "no pool is served as %s (a stale socket %s: its server is gone)",
			      name, path);
	if (e == ENOENT)
		return pm_err(err, len, "no pool is served as %s (no %s)", name,
			      path);
	return pm_err(err, len, "cannot connect to %s: %s", path, strerror(e));
}

/* The server's hello, or the error it sent instead (another uid). */
static int take_hello(pm_client *c, const char *name, char *err, size_t len)
{
	const char *line;
	int r = read_line_within(c, true, HELLO_WAIT_MS, &line, err, len);
	if (r == 0)
		return pm_err(err, len, "%s: no hello from the server", name);
	if (r < 0)
		return -1;
	json_t *o = json_loads(line, 0, NULL);
	const char *error = json_string_value(json_object_get(o, "error"));
	json_t *proto = json_object_get(o, "protocol");
	int ret = 0;
	if (error)
		ret = pm_err(err, len, "%s: %s", name, error);
	else if (!json_is_string(json_object_get(o, "hello")))
		ret = pm_err(err, len, "%s: not a poolmon server", name);
	else if (json_integer_value(proto) != PM_SERVE_PROTOCOL)
		ret = pm_err(err, len,
			     "%s: the server speaks protocol %lld, this poolmon %d",
			     name, (long long)json_integer_value(proto),
			     PM_SERVE_PROTOCOL);
	else {
		c->server_pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
		const char *pool = json_string_value(json_object_get(o, "pool"));
		c->pool = xstrdup(pool ? pool : name);
	}
	json_decref(o);
	return ret;
}

pm_client *pm_client_connect(const char *name, const char *mode,
			     const char *const *subscribe, char *err,
			     size_t len)
{
	char path[108];
	if (pm_serve_path(name, path, sizeof path, false, err, len) < 0)
		return NULL;
	int fd = open_socket(name, path, err, len);
	if (fd < 0)
		return NULL;
	pm_client *c = xcalloc(1, sizeof *c);
	c->fd = fd;
	if (take_hello(c, name, err, len) < 0) {
		pm_client_close(c);
		return NULL;
	}
	pm_buf b = { 0 };
	pm_buf_printf(&b, "{\"hello\":\"poolmon\",\"protocol\":%d,\"mode\":",
		      PM_SERVE_PROTOCOL);
	pm_json_string(&b, mode ? mode : "text");
	pm_buf_puts(&b, ",\"subscribe\":[");
	for (size_t i = 0; subscribe && subscribe[i]; i++) {
		if (i)
			pm_buf_puts(&b, ",");
		pm_json_string(&b, subscribe[i]);
	}
	pm_buf_puts(&b, "]}");
	int r = pm_client_send_raw(c, b.s);
	pm_buf_free(&b);
	if (r < 0) {
		pm_err(err, len, "%s: writing to the server: %s", name,
		       strerror(errno));
		pm_client_close(c);
		return NULL;
	}
	return c;
}

/* ---- poolmon -c NAME ----------------------------------------------------- */

static volatile sig_atomic_t got_signal;

static void on_signal(int signo)
{
	if (!got_signal)
		got_signal = signo;
}

/* {"id":N,"json":RAW}: RAW as the server wrote it, printed as it is (the
 * local --json line, byte for byte); NULL if the line is not that. */
static const char *json_payload(const char *line, size_t *n)
{
	const char *p = line;
	if (strncmp(p, "{\"id\":", 6))
		return NULL;
	p += 6;
	p += strspn(p, "-0123456789");
	if (strncmp(p, ",\"json\":", 8))
		return NULL;
	p += 8;
	size_t len = strlen(p);
	if (!len || p[len - 1] != '}')
		return NULL;
	*n = len - 1;
	return p;
}

/* {"id":N,"out":"TEXT"} with no escape in TEXT: TEXT, as it is (a map's
 * line of megabytes is not parsed); NULL if the line is not that. */
static const char *plain_out(const char *line, size_t *n)
{
	const char *p = line;
	if (strncmp(p, "{\"id\":", 6))
		return NULL;
	p += 6;
	p += strspn(p, "-0123456789");
	if (strncmp(p, ",\"out\":\"", 8))
		return NULL;
	p += 8;
	size_t len = strlen(p);
	if (len < 2 || strcmp(p + len - 2, "\"}") || memchr(p, '\\', len))
		return NULL;
	*n = len - 2;
	return p;
}

/* One server line of request id printed; 1 when it was its done. */
static int print_answer(const char *line, long id, unsigned *errors)
{
	size_t n;
	const char *raw = json_payload(line, &n);
	if (!raw)
		raw = plain_out(line, &n);
	if (raw) {
		fwrite(raw, 1, n, stdout);
		fputc('\n', stdout);
		return 0;
	}
	json_t *o = json_loads(line, 0, NULL);
	if (!o) {
		fprintf(stderr, "poolmon: not JSON from the server: %.80s\n", line);
		(*errors)++;
		return 0;
	}
	int ret = 0;
	const char *out = json_string_value(json_object_get(o, "out"));
	const char *err = json_string_value(json_object_get(o, "err"));
	const char *error = json_string_value(json_object_get(o, "error"));
	if (out) {
		fputs(out, stdout);
		fputc('\n', stdout);
	} else if (err) {
		fflush(stdout); /* the error keeps its place among the lines */
		fprintf(stderr, "%s\n", err);
	} else if (error) {
		fflush(stdout);
		fprintf(stderr, "poolmon: %s\n", error);
		(*errors)++;
	} else if (json_is_true(json_object_get(o, "done")) &&
		   json_integer_value(json_object_get(o, "id")) == id) {
		*errors += (unsigned)json_integer_value(json_object_get(o, "errors"));
		ret = 1;
	}
	json_decref(o);
	return ret;
}

/* Sends a line and prints its answer up to its done; -1 if the server
 * went away.  A line the local run would refuse is refused here, the same
 * way (batch.c's limit). */
static int run_line(pm_client *c, long id, const char *line, const char *file,
		    unsigned long lineno, unsigned *errors)
{
	char err[256];
	bool interrupted = false;
	if (strlen(line) > LOCAL_LINE_MAX) {
		fflush(stdout);
		fprintf(stderr, "%s:%lu: error: line is longer than %d bytes: ignored\n",
			file, lineno, LOCAL_LINE_MAX);
		(*errors)++;
		return 0;
	}
	if (pm_client_send_from(c, id, line, file, lineno) < 0) {
		fprintf(stderr, "poolmon: writing to the server: %s\n",
			strerror(errno));
		return -1;
	}
	for (;;) {
		const char *l;
		int r = pm_client_read_line(c, true, &l, err, sizeof err);
		if (r < 0) {
			fflush(stdout);
			fprintf(stderr, "poolmon: %s\n", err);
			return -1;
		}
		if (r == 0) {
			if (got_signal && !interrupted) { /* Ctrl-C: its wait */
				char req[64];
				snprintf(req, sizeof req,
					 "{\"id\":%ld,\"interrupt\":true}", id + 1);
				pm_client_send_raw(c, req);
				interrupted = true;
			}
			continue;
		}
		if (print_answer(l, id, errors))
			return 0;
	}
}

static int run_text(pm_client *c, long *id, const char *text,
		    unsigned long *lineno, unsigned *errors)
{
	char *copy = xstrdup(text);
	int r = 0;
	for (char *save, *p = copy, *l; r == 0 && !got_signal &&
					(l = strsep(&p, "\n"));) {
		(void)save;
		++*lineno;
		r = run_line(c, *id, l, "-x", *lineno, errors);
		*id += 2;
	}
	free(copy);
	return r;
}

static int run_file(pm_client *c, long *id, const pm_source *s,
		    unsigned *errors, bool errexit)
{
	FILE *f = fdopen(dup(s->fd), "r");
	if (!f)
		return -1;
	char *l = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	int r = 0;
	while (r == 0 && !got_signal && !(errexit && *errors) &&
	       (n = getline(&l, &cap, f)) >= 0) {
		if (n && l[n - 1] == '\n')
			l[n - 1] = '\0';
		r = run_line(c, *id, l, s->name, ++lineno, errors);
		*id += 2;
	}
	free(l);
	fclose(f);
	return r;
}

int pm_client_run(const char *name, bool json, bool errexit,
		  const pm_source *src, size_t n)
{
	char err[512];
	pm_client *c = pm_client_connect(name, json ? "json" : "text", NULL,
					 err, sizeof err);
	if (!c) {
		fprintf(stderr, "poolmon: %s\n", err);
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	unsigned errors = 0;
	unsigned long xlines = 0;
	long id = 1; /* odd: lines; even: their interrupts */
	int r = 0;
	for (size_t i = 0; i < n && r == 0 && !got_signal &&
			   !(errexit && errors);
	     i++)
		r = src[i].text ? run_text(c, &id, src[i].text, &xlines, &errors)
				: run_file(c, &id, &src[i], &errors, errexit);
	pm_client_close(c);
	if (got_signal)
		return 128 + got_signal;
	return r < 0 || errors ? 1 : 0;
}
