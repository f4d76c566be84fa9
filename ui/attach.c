// SPDX-License-Identifier: GPL-3.0-or-later
/* attach.c — the screen on a served pool (`poolmon attach NAME`): the
 * client side of the protocol (the man page's PROTOCOL) over src/serve.h's
 * client.  The hello subscribes to "model" and "events"; the model is the
 * latest {"model":…} (a snapshot, ui/snapshot.c), drawn as a local
 * screen draws its engine's; every typed line and key's command is a
 * request {"id":N,"cmd":LINE} whose out/err lines go into the log as the
 * local interpreter's do; completion asks the server; Ctrl-C is an
 * interrupt request.  The screen's own commands (view, suspend, search,
 * filter, sort) run here.  The pool's events come as out lines of our
 * interpreter while a request of ours runs, else as JSON events, which
 * are printed as the local interpreter prints them.  `detach` and the detach key leave the pool running; `quit` asks
 * whether to stop the pool or only detach. */
#define _GNU_SOURCE
#include "attach.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "serve.h"
#include "source.h"
#include "tables.h"
#include "term.h"
#include "util.h"
#include "value.h"

#define FIRST_MODEL_WAIT 10.0 /* seconds for the server's first snapshot */
#define COMPLETE_WAIT 5.0     /* seconds for completion's candidates */

struct ui_attach {
	pm_client *c;
	char name[PM_SERVE_NAME_MAX + 1];
	long next_id;
	size_t pending; /* requests sent and not done */
	long interrupt_id;
	ui_snap *snap; /* the latest model (the screen's source) */
	long complete_id; /* waiting for its candidates; 0: none */
	char **cands;
	bool cands_in;
	bool gone; /* the server closed or failed: why */
	char why[512];
	char **typed; /* typed lines waiting for the one before to finish */
	size_t ntyped;
	long typed_id; /* the typed line running; 0: none */
	bool detaching, stopping; /* a detach or quit sent */
	long detach_id, stop_id;
	bool left;                /* its answer came: leave the screen */
};

static void next_typed(tui *t);

static void snap_cli_busy(struct ui_attach *a)
{
	if (a->snap)
		a->snap->cli_busy = a->pending > 0;
}

/* ---- a JSON event as the local interpreter's line ------------------------------ */

static pm_value json_value(json_t *j)
{
	if (json_is_integer(j))
		return pm_int(json_integer_value(j));
	if (json_is_real(j))
		return pm_float(json_real_value(j));
	if (json_is_boolean(j))
		return pm_bool(json_is_true(j));
	if (json_is_string(j))
		return pm_str_n(json_string_value(j), json_string_length(j));
	if (json_is_array(j)) {
		size_t n = json_array_size(j);
		pm_value *items = xcalloc(n ? n : 1, sizeof *items);
		for (size_t i = 0; i < n; i++)
			items[i] = json_value(json_array_get(j, i));
		return pm_list_take(items, n);
	}
	return pm_none();
}

static void format_json(pm_buf *b, json_t *j)
{
	pm_value v = json_value(j);
	pm_value_format(b, &v);
	pm_value_free(&v);
}

static const char *str_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static bool final_state(const char *s)
{
	return strcmp(s, "queued") && strcmp(s, "running") &&
	       strcmp(s, "paused");
}

/* "t1 demo.square(7) done: 49 [w1 pid 123]", as output.c prints a task
 * that ended (a map's items that ended done print nothing: map prints
 * its results itself). */
static void task_line(pm_buf *b, json_t *ev)
{
	const char *state = str_of(ev, "state");
	if (!final_state(state))
		return;
	pm_buf_printf(b, "%s %s(", str_of(ev, "id"), str_of(ev, "task"));
	json_t *args = json_object_get(ev, "args");
	for (size_t i = 0; i < json_array_size(args); i++) {
		if (i)
			pm_buf_puts(b, ", ");
		format_json(b, json_array_get(args, i));
	}
	pm_buf_printf(b, ") %s", state);
	json_t *result = json_object_get(ev, "result");
	json_t *error = json_object_get(ev, "error");
	if (result) {
		pm_buf_puts(b, ": ");
		format_json(b, result);
	} else if (json_is_string(error) && json_string_length(error)) {
		pm_buf_printf(b, ": %s", json_string_value(error));
	}
	if (json_object_get(ev, "worker"))
		pm_buf_printf(b, " [%s pid %lld]", str_of(ev, "worker"),
			      (long long)json_integer_value(
				      json_object_get(ev, "pid")));
}

static const char *task_name(const struct ui_attach *a, const char *id)
{
	char kind;
	uint64_t num;
	if (!pm_id_parse(id, &kind, &num) || kind != PM_ID_TASK)
		return "log";
	for (size_t i = 0; i < a->snap->ntasks; i++)
		if (a->snap->tasks[i].info.id == num && a->snap->tasks[i].name) {
			const char *n = a->snap->tasks[i].name;
			const char *dot = strrchr(n, '.');
			return dot ? dot + 1 : n;
		}
	return "log";
}

static void event_line(const struct ui_attach *a, json_t *ev)
{
	const char *what = str_of(ev, "event");
	pm_buf b = { 0 };
	long long pid = json_integer_value(json_object_get(ev, "pid"));
	if (!strcmp(what, "task")) {
		task_line(&b, ev);
	} else if (!strcmp(what, "worker") &&
		   !strcmp(str_of(ev, "state"), "exited")) {
		json_t *st = json_object_get(ev, "status");
		if (json_object_get(ev, "signal"))
			pm_buf_printf(&b, "%s (pid %lld) killed by %s",
				      str_of(ev, "id"), pid,
				      str_of(ev, "signal"));
		else if (json_integer_value(st))
			pm_buf_printf(&b, "%s (pid %lld) exited with status %lld",
				      str_of(ev, "id"), pid,
				      (long long)json_integer_value(st));
	} else if (!strcmp(what, "process")) {
		const char *st = str_of(ev, "state");
		if (!strcmp(st, "exited"))
			pm_buf_printf(&b, "%s %s (pid %lld) exited, exitcode %lld",
				      str_of(ev, "id"), str_of(ev, "name"), pid,
				      (long long)json_integer_value(
					      json_object_get(ev, "exitcode")));
		else if (!strcmp(st, "started"))
			pm_buf_printf(&b, "%s %s started, pid %lld",
				      str_of(ev, "id"), str_of(ev, "name"), pid);
	} else if (!strcmp(what, "log")) {
		/* Named by its task, "t9 consume: got 3", as the model knows
		 * it. */
		const char *id = str_of(ev, "id");
		const char *name = task_name(a, id);
		if (*id)
			pm_buf_printf(&b, "%s %s: %s", id, name,
				      str_of(ev, "message"));
		else
			pm_buf_printf(&b, "log: %s", str_of(ev, "message"));
	} else if (!strcmp(what, "deadlock")) {
		json_t *cyc = json_object_get(ev, "cycle");
		pm_buf_puts(&b, "deadlock: ");
		for (size_t i = 0; i < json_array_size(cyc); i++) {
			json_t *l = json_array_get(cyc, i);
			pm_buf_printf(&b, "%s%s waits for %s held by %s",
				      i ? ", " : "", str_of(l, "id"),
				      str_of(l, "waits_for"), str_of(l, "held_by"));
		}
		pm_buf_puts(&b, " (terminate one to break it)");
	}
	if (b.s)
		pm_tui_line(NULL, PM_LINE_EVENT, b.s);
	pm_buf_free(&b);
}

/* ---- the server's lines -------------------------------------------------------- */

static void gone(struct ui_attach *a, const char *why)
{
	if (!a->gone)
		snprintf(a->why, sizeof a->why, "%s", why);
	a->gone = true;
}

static void on_model(struct ui_attach *a, json_t *m)
{
	ui_snap next;
	char err[256];
	if (!ui_snap_from_json(m, &next, err, sizeof err)) {
		pm_tui_line(NULL, PM_LINE_ERROR, err);
		return;
	}
	ui_snap_clear(a->snap);
	*a->snap = next;
	snap_cli_busy(a);
	if (g_tui)
		g_tui->dirty = true;
}

static void on_line(struct ui_attach *a, const char *line)
{
	json_error_t je;
	json_t *o = json_loads(line, 0, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		gone(a, "the server sent a line that is not a JSON object");
		return;
	}
	json_t *v, *id = json_object_get(o, "id");
	long rid = json_is_integer(id) ? (long)json_integer_value(id) : 0;
	if ((v = json_object_get(o, "model"))) {
		on_model(a, v);
	} else if ((v = json_object_get(o, "event"))) {
		/* An event our interpreter heard, while a request of ours
		 * ran, came as that request's lines (as the local one prints
		 * them, a result apply or map prints itself left out); the
		 * server says so with "heard".  Else the JSON event is all
		 * we hear of it. */
		if (!json_is_true(json_object_get(o, "heard")))
			event_line(a, v);
	} else if ((v = json_object_get(o, "out")) && json_is_string(v)) {
		pm_tui_line(NULL, PM_LINE_INFO, json_string_value(v));
	} else if ((v = json_object_get(o, "err")) && json_is_string(v)) {
		pm_tui_line(NULL, PM_LINE_ERROR, json_string_value(v));
	} else if ((v = json_object_get(o, "candidates")) &&
		   rid == a->complete_id) {
		size_t n = json_array_size(v);
		a->cands = xcalloc(n + 1, sizeof *a->cands);
		for (size_t i = 0, k = 0; i < n; i++) {
			const char *s = json_string_value(json_array_get(v, i));
			if (s)
				a->cands[k++] = xstrdup(s);
		}
		a->cands_in = true;
	} else if (json_is_true(json_object_get(o, "done"))) {
		if (rid != a->interrupt_id && rid != a->detach_id &&
		    a->pending)
			a->pending--;
		snap_cli_busy(a);
		if (rid && (rid == a->detach_id || rid == a->stop_id))
			a->left = true;
		if (rid && rid == a->typed_id)
			a->typed_id = 0;
	} else if ((v = json_object_get(o, "error")) && json_is_string(v)) {
		char *msg = xasprintf("error: %s", json_string_value(v));
		pm_tui_line(NULL, PM_LINE_ERROR, msg);
		free(msg);
		/* A request refused: it gets no done. */
		if (rid && rid == a->complete_id)
			a->cands_in = true;
		else if (rid && rid != a->interrupt_id && rid != a->detach_id &&
			 a->pending)
			a->pending--;
		if (rid && rid == a->typed_id)
			a->typed_id = 0;
		snap_cli_busy(a);
	} /* {"dropped":N}: a fresh model follows */
	json_decref(o);
	if (g_tui)
		g_tui->dirty = true;
}

/* Reads what the server sent; false once it has gone. */
static bool drain(struct ui_attach *a)
{
	const char *line;
	char err[256];
	int r;
	while (!a->gone && !a->left && (r = pm_client_read_line(a->c, false, &line, err,
						    sizeof err)) != 0) {
		if (r < 0) {
			gone(a, err);
			break;
		}
		on_line(a, line);
	}
	return !a->gone;
}

static void flush(struct ui_attach *a, pm_loop *loop)
{
	int r = pm_client_flush(a->c);
	if (r < 0)
		gone(a, strerror(errno));
	if (loop)
		pm_loop_set_fd_events(loop, pm_client_fd(a->c),
				      POLLIN | (r == 0 ? POLLOUT : 0));
}

static void on_socket(void *ud, int fd, short revents)
{
	tui *t = ud;
	(void)fd;
	struct ui_attach *a = t->attach;
	if (revents & POLLOUT)
		flush(a, t->loop);
	if (revents & (POLLIN | POLLHUP | POLLERR))
		drain(a);
	next_typed(t);
	if (a->gone || a->left)
		t->quit = true;
}

/* Waits for the socket (at most secs) and reads it. */
static bool wait_socket(struct ui_attach *a, double secs)
{
	struct pollfd p = { .fd = pm_client_fd(a->c), .events = POLLIN };
	if (pm_client_want_write(a->c))
		p.events |= POLLOUT;
	int r = poll(&p, 1, (int)(secs * 1000));
	if (r < 0 && errno != EINTR)
		gone(a, strerror(errno));
	if (r > 0 && (p.revents & POLLOUT))
		flush(a, NULL);
	if (r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)))
		return drain(a);
	return !a->gone;
}

/* ---- requests ------------------------------------------------------------------ */

static void send_raw(tui *t, const char *json)
{
	struct ui_attach *a = t->attach;
	if (pm_client_send_raw(a->c, json) < 0)
		gone(a, "cannot send to the server");
	flush(a, t->loop);
}

static long send_cmd(tui *t, const char *line)
{
	struct ui_attach *a = t->attach;
	long id = ++a->next_id;
	if (pm_client_send(a->c, id, line) < 0)
		gone(a, "cannot send to the server");
	a->pending++;
	snap_cli_busy(a);
	flush(a, t->loop);
	return id;
}

bool ui_attach_busy(const tui *t)
{
	return t->attach && t->attach->pending > 0;
}

void ui_attach_interrupt(tui *t)
{
	struct ui_attach *a = t->attach;
	if (!a->pending)
		return;
	a->interrupt_id = ++a->next_id;
	char *req = xasprintf("{\"id\":%ld,\"interrupt\":true}", a->interrupt_id);
	send_raw(t, req);
	free(req);
}

void ui_attach_detach(tui *t)
{
	struct ui_attach *a = t->attach;
	a->detaching = true;
	a->detach_id = ++a->next_id;
	char *req = xasprintf("{\"id\":%ld,\"detach\":true}", a->detach_id);
	send_raw(t, req);
	free(req);
}

void ui_attach_stop_pool(tui *t)
{
	t->attach->stopping = true;
	t->attach->stop_id = send_cmd(t, "quit");
}

/* The screen's commands, run here as the interpreter would hand them to
 * the screen (tables_command): words, and table= / order=. */
static bool screen_command(tui *t, const char *line)
{
	static const char *const names[] = { "view", "suspend", "search",
					     "filter", "sort" };
	char *copy = xstrdup(line);
	char *words[64];
	size_t n = 0;
	for (char *sv, *w = strtok_r(copy, " \t", &sv); w && n < 64;
	     w = strtok_r(NULL, " \t", &sv))
		words[n++] = w;
	bool ours = false;
	for (size_t i = 0; n && i < sizeof names / sizeof *names; i++)
		ours |= !strcmp(words[0], names[i]);
	if (!ours) {
		free(copy);
		return false;
	}
	pm_screen_cmd c = { .name = words[0], .words = words + 1 };
	char *kept[64];
	for (size_t i = 1; i < n; i++) {
		if (!strncmp(words[i], "table=", 6))
			c.table = words[i] + 6;
		else if (!strncmp(words[i], "order=", 6))
			c.order = words[i] + 6;
		else
			kept[c.argc++] = words[i];
	}
	c.words = kept;
	char msg[512] = "";
	bool ok;
	if (!strcmp(c.name, "view") &&
	    (c.argc != 1 || (strcmp(kept[0], "main") && strcmp(kept[0], "timeline")))) {
		snprintf(msg, sizeof msg, "usage: view main|timeline");
		ok = false;
	} else {
		ok = tables_command(t, &c, msg, sizeof msg);
	}
	if (!ok || msg[0]) {
		char *l = ok ? xstrdup(msg)
			     : xasprintf("error: %s: %s", c.name, msg);
		pm_tui_line(NULL, ok ? PM_LINE_INFO : PM_LINE_ERROR, l);
		free(l);
	}
	free(copy);
	return true;
}

static void run_line(tui *t, const char *line, bool typed);

/* The next typed line, when none runs. */
static void next_typed(tui *t)
{
	struct ui_attach *a = t->attach;
	while (!a->typed_id && a->ntyped && !a->gone && !a->left) {
		char *line = a->typed[0];
		memmove(a->typed, a->typed + 1, --a->ntyped * sizeof *a->typed);
		ui_echo_command(t, line);
		run_line(t, line, true);
		free(line);
	}
}

void ui_attach_typed(tui *t, const char *line)
{
	struct ui_attach *a = t->attach;
	a->typed = xrealloc(a->typed, (a->ntyped + 1) * sizeof *a->typed);
	a->typed[a->ntyped++] = xstrdup(line);
	next_typed(t);
}

void ui_attach_line(tui *t, const char *line)
{
	run_line(t, line, false);
}

static void run_line(tui *t, const char *line, bool typed)
{
	while (*line == ' ' || *line == '\t')
		line++;
	size_t len = strcspn(line, " \t");
	if (len == 6 && !strncmp(line, "detach", 6) && !line[len + strspn(line + len, " \t")]) {
		ui_attach_detach(t);
		return;
	}
	if (len == 4 && !strncmp(line, "quit", 4) && !line[len + strspn(line + len, " \t")]) {
		t->overlay = OVERLAY_ATTACH_QUIT;
		t->dirty = true;
		return;
	}
	if (!screen_command(t, line)) {
		long id = send_cmd(t, line);
		if (typed)
			t->attach->typed_id = id;
	}
}

char **ui_attach_complete(tui *t, const char *before, const char *prefix)
{
	struct ui_attach *a = t->attach;
	a->complete_id = ++a->next_id;
	a->cands_in = false;
	a->cands = NULL;
	json_t *req = json_pack("{s:I, s:{s:s, s:s}}", "id",
				(json_int_t)a->complete_id, "complete",
				"before", before, "prefix", prefix);
	char *text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	send_raw(t, text);
	free(text);
	double until = pm_now() + COMPLETE_WAIT;
	while (!a->cands_in && !a->gone && pm_now() < until)
		wait_socket(a, until - pm_now());
	a->complete_id = 0;
	if (a->gone || a->left)
		t->quit = true;
	char **c = a->cands ? a->cands : xcalloc(1, sizeof *c);
	a->cands = NULL;
	return c;
}

/* ---- the entry point ----------------------------------------------------------- */

int pm_attach_run(const char *name, const pm_tui_opts *opts)
{
	char err[512];
	static const char *const subs[] = { "model", "events", NULL };
	pm_client *c = pm_client_connect(name, "text", subs, err, sizeof err);
	if (!c) {
		fprintf(stderr, "poolmon: %s\n", err);
		return 1;
	}
	int refused = term_check();
	if (refused) {
		pm_client_close(c);
		return refused;
	}
	struct ui_attach *a = xcalloc(1, sizeof *a);
	a->c = c;
	snprintf(a->name, sizeof a->name, "%s", name);
	a->snap = xcalloc(1, sizeof *a->snap);
	/* The first model before the screen: it draws from nothing else. */
	ui_snap empty = { 0 };
	double until = pm_now() + FIRST_MODEL_WAIT;
	while (!a->gone && !memcmp(a->snap, &empty, sizeof empty) &&
	       pm_now() < until)
		wait_socket(a, until - pm_now());
	int status = 1;
	if (a->gone) {
		fprintf(stderr, "poolmon: %s: %s\n", name, a->why);
	} else if (!memcmp(a->snap, &empty, sizeof empty)) {
		fprintf(stderr, "poolmon: %s sent no model in %.0f s (is it a poolmon server?)\n",
			name, FIRST_MODEL_WAIT);
	} else {
		pm_loop *loop = pm_loop_new();
		status = ui_tui_run(loop, NULL, NULL, a, a->snap, opts,
				    pm_client_fd(c), on_socket);
		pm_loop_free(loop);
		if (a->gone) {
			fprintf(stderr, "poolmon: lost the pool %s: %s\n", name,
				a->why);
			status = 1;
		} else if (a->detaching) {
			fprintf(stderr, "poolmon: detached from %s (it runs on: poolmon attach %s)\n",
				name, name);
		}
	}
	pm_client_close(c);
	for (size_t i = 0; i < a->ntyped; i++)
		free(a->typed[i]);
	free(a->typed);
	ui_snap_clear(a->snap);
	free(a->snap);
	free(a);
	return status;
}
