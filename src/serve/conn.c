/* SPDX-License-Identifier: GPL-3.0-or-later */
/* conn.c — one client of a served pool: its lines read (at most 1 MiB
 * each) and parsed with jansson, its hello, its requests (a command line
 * run by its own interpreter, interrupt, complete, detach), its answers
 * tied to their ids, and its bounded output buffer (subscribers' lines
 * dropped and counted when it is full, then {"dropped":N} and a fresh
 * status; its next request waits until it is within its bound again; a
 * client whose answers pass ANSWERS_MAX is let go). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "value.h"

#define MAX_QUEUED 256      /* requests behind a running one: read no more */
#define MAX_CANDIDATES 4096 /* completion's answer */
/* A request starts only while the client's output is within its bound
 * (so a client that does not read stops being served, and its requests
 * wait); the answer of one that started is kept whole up to this. */
#define ANSWERS_MAX ((size_t)256 << 20)

static size_t pending(const conn *c)
{
	return c->out.len - c->out_at;
}

void conn_queue(conn *c, line_kind kind, const char *line, size_t len)
{
	if (c->dead)
		return;
	if (kind == LINE_SUB) {
		/* Not into a line written in pieces; nor past the bound. */
		if (c->piece || c->dropped || pending(c) + len + 1 > c->s->cap) {
			c->dropped++;
			return;
		}
	} else if (pending(c) > ANSWERS_MAX) {
		serve_log(c->s,
			  "client pid %ld does not read its answers (%zu bytes wait): disconnected",
			  (long)c->pid, pending(c));
		c->dead = true;
		return;
	}
	if (c->out_at && c->out_at == c->out.len)
		c->out.len = c->out_at = 0;
	pm_buf_add(&c->out, line, len);
	pm_buf_add(&c->out, "\n", 1);
}

/* The same of a line built in b, which is consumed: into an empty output
 * buffer it is moved, not copied (a map's line of megabytes). */
static void queue_buf(conn *c, line_kind kind, pm_buf *b)
{
	if (kind == LINE_ANSWER && !c->dead && !pending(c)) {
		pm_buf_free(&c->out);
		c->out = *b;
		c->out_at = 0;
		pm_buf_add(&c->out, "\n", 1);
		*b = (pm_buf){ 0 };
		return;
	}
	conn_queue(c, kind, b->s, b->len);
	pm_buf_free(b);
}

/* {"error":MSG} (with the request's id when it had one). */
static void send_error(conn *c, const json_t *id, const char *msg)
{
	pm_buf b = { 0 };
	pm_buf_puts(&b, "{");
	if (json_is_integer(id))
		pm_buf_printf(&b, "\"id\":%lld,",
			      (long long)json_integer_value(id));
	pm_buf_puts(&b, "\"error\":");
	pm_json_string(&b, msg);
	pm_buf_puts(&b, "}");
	queue_buf(c, LINE_ANSWER, &b);
}

static void send_done(conn *c, long id, unsigned errors)
{
	char line[96];
	int n = snprintf(line, sizeof line,
			 "{\"id\":%ld,\"done\":true,\"errors\":%u}", id, errors);
	conn_queue(c, LINE_ANSWER, line, (size_t)n);
}

/* The interpreter's lines: while a request runs, its answer (an event
 * heard with no request running is for the subscribers only). */
static void cli_line(void *ud, pm_line_kind kind, const char *line)
{
	conn *c = ud;
	if (!c->running)
		return;
	pm_buf b = { 0 };
	pm_buf_printf(&b, "{\"id\":%ld,", c->id);
	if (c->json) {
		pm_buf_puts(&b, "\"json\":");
		pm_buf_puts(&b, line);
	} else {
		pm_buf_puts(&b, kind == PM_LINE_ERROR ? "\"err\":" : "\"out\":");
		pm_json_string(&b, line);
	}
	pm_buf_puts(&b, "}");
	queue_buf(c, LINE_ANSWER, &b);
}

/* How many bytes at the end of p[0..n) begin a UTF-8 character that the
 * next piece ends (0 if none). */
static size_t cut_utf8(const char *p, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++) {
		unsigned char b = (unsigned char)p[n - k];
		if ((b & 0xc0) == 0x80)
			continue; /* a continuation byte: look further back */
		size_t need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
		return need > k ? k : 0;
	}
	return 0;
}

/* A long line in pieces (a map's results, pm_cli_set_writer), its end a
 * '\n': escaped into the output piece by piece and written at once, so
 * the client reads while the rest is made and no line of megabytes is
 * kept twice. */
static void cli_write(void *ud, const char *bytes, size_t n)
{
	conn *c = ud;
	if (!c->running || c->dead)
		return;
	bool end = n && bytes[n - 1] == '\n';
	if (end)
		n--;
	if (!c->piece) {
		if (c->out_at && c->out_at == c->out.len)
			c->out.len = c->out_at = 0;
		pm_buf_printf(&c->out, "{\"id\":%ld,\"%s\":%s", c->id,
			      c->json ? "json" : "out", c->json ? "" : "\"");
		c->piece = true;
		c->ncarry = 0;
	}
	if (c->json) {
		pm_buf_add(&c->out, bytes, n);
	} else {
		pm_buf text = { 0 }, esc = { 0 };
		pm_buf_add(&text, c->carry, c->ncarry);
		pm_buf_add(&text, bytes, n);
		c->ncarry = end ? 0 : cut_utf8(text.s, text.len);
		memcpy(c->carry, text.s + text.len - c->ncarry, c->ncarry);
		pm_json_string_n(&esc, text.s, text.len - c->ncarry);
		pm_buf_add(&c->out, esc.s + 1, esc.len - 2); /* no quotes */
		pm_buf_free(&text);
		pm_buf_free(&esc);
	}
	if (end) {
		pm_buf_puts(&c->out, c->json ? "}\n" : "\"}\n");
		c->piece = false;
	}
	if (pending(c) > ANSWERS_MAX) {
		serve_log(c->s,
			  "client pid %ld does not read its answers (%zu bytes wait): disconnected",
			  (long)c->pid, pending(c));
		c->dead = true;
		return;
	}
	conn_flush(c);
}

void conn_resync(conn *c)
{
	char line[64];
	int n = snprintf(line, sizeof line, "{\"dropped\":%llu}",
			 (unsigned long long)c->dropped);
	c->dropped = 0;
	conn_queue(c, LINE_ANSWER, line, (size_t)n);
	if (c->sub_events) {
		char *st = pm_cli_status_json(c->cli);
		pm_buf b = { 0 };
		pm_buf_puts(&b, "{\"event\":");
		pm_buf_puts(&b, st);
		pm_buf_puts(&b, "}");
		free(st);
		queue_buf(c, LINE_ANSWER, &b);
	}
	if (c->sub_model)
		serve_send_model(c->s, c);
}

/* ---- requests ------------------------------------------------------------ */

static void finish_request(conn *c)
{
	unsigned errors = pm_cli_error_count(c->cli) - c->errors_at;
	c->running = false;
	pm_cli_set_deaf(c->cli, true);
	send_done(c, c->id, errors);
	if (pm_cli_quit_requested(c->cli)) {
		c->closing = true;
		c->s->quit = true;
		if (c->s->quit_fn)
			c->s->quit_fn(c->s->quit_ud);
	}
}

static void run_command(conn *c, long id, const char *line, json_t *req)
{
	const char *file = json_string_value(json_object_get(req, "file"));
	json_t *lineno = json_object_get(req, "line");
	free(c->origin);
	c->origin = file ? xstrdup(file) : NULL;
	pm_cli_set_origin(c->cli, c->origin,
			  json_is_integer(lineno)
				  ? (unsigned long)json_integer_value(lineno)
				  : 0);
	c->running = true;
	pm_cli_set_deaf(c->cli, false);
	c->id = id;
	c->errors_at = pm_cli_error_count(c->cli);
	pm_cli_feed(c->cli, line);
	if (!pm_cli_busy(c->cli))
		finish_request(c);
}

static void complete(conn *c, long id, json_t *what)
{
	const char *before = json_string_value(json_object_get(what, "before"));
	const char *prefix = json_string_value(json_object_get(what, "prefix"));
	if (!before || !prefix) {
		send_error(c, json_integer(id),
			   "complete needs \"before\" and \"prefix\" strings");
		return;
	}
	pm_buf b = { 0 };
	pm_buf_printf(&b, "{\"id\":%ld,\"candidates\":[", id);
	pm_complete_kind kind;
	char *cand;
	for (int i = 0; i < MAX_CANDIDATES &&
			(cand = pm_cli_complete(c->cli, before, prefix, i, &kind));
	     i++) {
		if (i)
			pm_buf_puts(&b, ",");
		pm_json_string(&b, cand);
		free(cand);
	}
	pm_buf_puts(&b, "]}");
	queue_buf(c, LINE_ANSWER, &b);
}

/* A command line or a detach waits for the request that runs (and those
 * queued before it); an interrupt or a completion does not. */
static bool must_wait(const conn *c, json_t *req)
{
	return (c->running || c->nqueued || pending(c) > c->s->cap) &&
	       (json_is_string(json_object_get(req, "cmd")) ||
		json_is_true(json_object_get(req, "detach")));
}

static void handle_request(conn *c, json_t *req)
{
	json_t *jid = json_object_get(req, "id");
	json_t *cmd = json_object_get(req, "cmd");
	json_t *what = json_object_get(req, "complete");
	if (!json_is_integer(jid)) {
		send_error(c, NULL, "a request needs an integer \"id\"");
		return;
	}
	long id = (long)json_integer_value(jid);
	if (json_is_true(json_object_get(req, "interrupt"))) {
		if (c->running) {
			pm_cli_interrupt(c->cli);
			if (!pm_cli_busy(c->cli))
				finish_request(c);
		}
		send_done(c, id, 0);
		return;
	}
	if (json_is_object(what)) {
		complete(c, id, what);
		return;
	}
	if (json_is_string(cmd)) {
		run_command(c, id, json_string_value(cmd), req);
	} else if (json_is_true(json_object_get(req, "detach"))) {
		send_done(c, id, 0);
		c->closing = true;
	} else {
		send_error(c, jid,
			   "a request needs \"cmd\", \"interrupt\", \"complete\" or \"detach\"");
	}
}

/* The client's hello: its protocol, mode and subscriptions. */
static void handle_hello(conn *c, json_t *h)
{
	json_t *proto = json_object_get(h, "protocol");
	const char *mode = json_string_value(json_object_get(h, "mode"));
	json_t *subs = json_object_get(h, "subscribe");
	if (!json_is_integer(proto)) {
		send_error(c, NULL, "the hello needs an integer \"protocol\"");
		return;
	}
	if (json_integer_value(proto) != PM_SERVE_PROTOCOL) {
		char msg[96];
		snprintf(msg, sizeof msg,
			 "protocol %lld not supported (server speaks %d)",
			 (long long)json_integer_value(proto), PM_SERVE_PROTOCOL);
		send_error(c, NULL, msg);
		c->closing = true;
		return;
	}
	if (mode && strcmp(mode, "text") && strcmp(mode, "json")) {
		send_error(c, NULL, "mode is \"text\" or \"json\"");
		return;
	}
	bool events = false, model = false;
	size_t i;
	json_t *v;
	json_array_foreach(subs, i, v) {
		const char *w = json_string_value(v);
		if (w && !strcmp(w, "events"))
			events = true;
		else if (w && !strcmp(w, "model"))
			model = true;
		else {
			send_error(c, NULL,
				   "subscribe holds \"events\" and \"model\" only");
			return;
		}
	}
	c->json = mode && !strcmp(mode, "json");
	c->cli = pm_cli_new(c->s->e, c->s->loop,
			    c->json ? PM_OUT_JSON : PM_OUT_TEXT, cli_line, c);
	pm_cli_set_deaf(c->cli, true); /* until a request runs */
	pm_cli_set_writer(c->cli, cli_write);
	if (events) {
		c->sub_events = true;
		serve_subscribe_events(c->s, true);
	}
	if (model) {
		/* An attached screen: a long list's head and tail, as the
		 * local screen's interpreter prints it. */
		pm_cli_set_list_head(c->cli, 10);
		c->sub_model = true;
		serve_send_model(c->s, c);
	}
}

static void handle_line(conn *c, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *o = json_loadb(line, len, 0, &jerr);
	if (!o || !json_is_object(o)) {
		char msg[256];
		snprintf(msg, sizeof msg, "not a JSON object: %s",
			 o ? "another JSON value" : jerr.text);
		send_error(c, NULL, msg);
		json_decref(o);
		return;
	}
	if (!c->cli) {
		if (!json_is_string(json_object_get(o, "hello")))
			send_error(c, NULL, "the first line is the hello: {\"hello\":\"poolmon\",\"protocol\":1,...}");
		else
			handle_hello(c, o);
		json_decref(o);
		return;
	}
	if (must_wait(c, o)) {
		c->queued = xrealloc(c->queued,
				     (c->nqueued + 1) * sizeof *c->queued);
		c->queued[c->nqueued++] = o;
		return;
	}
	handle_request(c, o);
	json_decref(o);
}

/* The requests that waited, in order, while none runs. */
static void run_queued(conn *c)
{
	if (!c->nqueued)
		return;
	size_t i = 0;
	while (i < c->nqueued && !c->running && !c->closing && !c->dead &&
	       pending(c) <= c->s->cap) {
		json_t *o = c->queued[i++];
		handle_request(c, o);
		json_decref(o);
	}
	memmove(c->queued, c->queued + i, (c->nqueued - i) * sizeof *c->queued);
	c->nqueued -= i;
}

bool conn_ready(const conn *c)
{
	return (c->running && !pm_cli_busy(c->cli)) ||
	       (!c->running && c->nqueued && !c->closing &&
		pending(c) <= c->s->cap);
}

void conn_tick(conn *c)
{
	if (c->dead)
		return;
	if (c->running && !pm_cli_busy(c->cli))
		finish_request(c);
	if (!c->running)
		run_queued(c);
	/* Read again once the queue has room. */
	bool want = !c->closing && c->nqueued < MAX_QUEUED;
	if (want != c->reading) {
		c->reading = want;
		pm_loop_set_fd_events(c->s->loop, c->fd,
				      (short)((want ? POLLIN : 0) |
					      (c->polling_out ? POLLOUT : 0)));
	}
}

/* Whole lines out of the input; a longer line than the protocol allows
 * gets an error and the connection is closed. */
static void take_lines(conn *c)
{
	size_t start = 0;
	for (;;) {
		char *nl = memchr(c->in.s + start, '\n', c->in.len - start);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (c->in.s + start));
		if (len > PM_SERVE_LINE_MAX)
			break;
		handle_line(c, c->in.s + start, len);
		start += len + 1;
		if (c->closing || c->dead)
			break;
	}
	memmove(c->in.s, c->in.s + start, c->in.len - start);
	c->in.len -= start;
	size_t line = c->in.len;
	char *nl = c->in.len ? memchr(c->in.s, '\n', c->in.len) : NULL;
	if (nl)
		line = (size_t)(nl - c->in.s);
	if (!c->closing && !c->dead && line > PM_SERVE_LINE_MAX) {
		char msg[64];
		snprintf(msg, sizeof msg, "line too long (max %d bytes)",
			 PM_SERVE_LINE_MAX);
		send_error(c, NULL, msg);
		c->closing = true;
		c->in.len = 0;
	}
}

void conn_readable(void *ud, int fd, short revents)
{
	conn *c = ud;
	(void)revents;
	if (c->dead)
		return;
	if (revents & POLLOUT)
		conn_flush(c);
	if (!c->reading) {
		if (revents & (POLLHUP | POLLERR)) /* gone: poll would spin */
			c->dead = true;
		return;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		c->dead = true; /* gone: what it asked ends with it */
		return;
	}
	pm_buf_add(&c->in, buf, (size_t)n);
	take_lines(c);
}

void conn_flush(conn *c)
{
	while (!c->dead && pending(c)) {
		ssize_t n = write(c->fd, c->out.s + c->out_at, pending(c));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			c->dead = true;
			return;
		}
		c->out_at += (size_t)n;
	}
	if (!pending(c)) {
		c->out.len = c->out_at = 0;
		if (c->out.cap > 65536) { /* a big answer's room given back */
			pm_buf_free(&c->out);
		}
	}
	/* Room is back: the marker and a fresh status. */
	if (c->dropped && !c->piece && pending(c) <= c->s->cap / 2) {
		conn_resync(c);
		conn_flush(c);
		return;
	}
	if (c->closing && !pending(c)) {
		c->dead = true;
		return;
	}
	bool want = pending(c) > 0;
	if (want != c->polling_out) {
		c->polling_out = want;
		pm_loop_set_fd_events(c->s->loop, c->fd,
				      (short)((c->reading ? POLLIN : 0) |
					      (want ? POLLOUT : 0)));
	}
}

conn *conn_new(struct pm_serve *s, int fd, pid_t pid)
{
	conn *c = xcalloc(1, sizeof *c);
	c->s = s;
	c->fd = fd;
	c->pid = pid;
	c->reading = true;
	pm_loop_add_fd(s->loop, fd, POLLIN, conn_readable, c);
	return c;
}

void conn_free(conn *c)
{
	pm_loop_remove_fd(c->s->loop, c->fd);
	close(c->fd);
	if (c->sub_events)
		serve_subscribe_events(c->s, false);
	pm_cli_free(c->cli);
	for (size_t i = 0; i < c->nqueued; i++)
		json_decref(c->queued[i]);
	free(c->queued);
	free(c->origin);
	pm_buf_free(&c->in);
	pm_buf_free(&c->out);
	free(c);
}
