/* The interpreter: parsing lines into commands, running them one at a time
 * (a command that waits keeps the rest for later), and printing events. */
#define _GNU_SOURCE
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_shared.h"
#include "commands.h"
#include "shared.h"

/* ---- parsing ------------------------------------------------------------ */

static bool is_ident(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static int parse_int(const char *s, int64_t *out)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return 1; /* not an integer */
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return 1;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

static int parse_scalar(const char *w, pm_value *out, char *err,
			size_t errlen)
{
	int64_t i;
	int r = parse_int(w, &i);
	if (r < 0)
		return pm_err(err, errlen,
			      "integer out of range (64 bits): %s", w);
	if (r == 0) {
		*out = pm_int(i);
		return 0;
	}
	const char *p = w;
	if (*p == '-' || *p == '+')
		p++;
	if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
		char *end;
		errno = 0;
		double f = strtod(w, &end);
		if (*end == '\0') {
			if (errno == ERANGE && isinf(f))
				return pm_err(err, errlen,
					      "number out of range: %s", w);
			*out = pm_float(f);
			return 0;
		}
	}
	*out = pm_str(w);
	return 0;
}

/* FIRST..LAST, both ends included, at most PM_RANGE_MAX items.  The size
 * is worked out in unsigned arithmetic, which cannot overflow: LAST - FIRST
 * of two int64s is at most 2^64 - 1. */
static int parse_range(const char *w, const char *dots, pm_value *out,
		       char *err, size_t errlen)
{
	char *first = strndup(w, (size_t)(dots - w));
	const char *last = dots + 2;
	int64_t lo, hi;
	int ra = parse_int(first, &lo), rb = parse_int(last, &hi);
	if (ra > 0) { /* "wait..." is a word, not a range */
		free(first);
		*out = pm_str(w);
		return 0;
	}
	if (ra < 0 || rb < 0) {
		pm_err(err, errlen,
		       "bad range '%s': %s is out of the 64-bit integer range",
		       w, ra < 0 ? first : last);
		free(first);
		return -1;
	}
	free(first);
	if (rb)
		return pm_err(err, errlen,
			      "bad range '%s' (write FIRST..LAST, e.g. 1..10)",
			      w);
	if (hi < lo)
		return pm_err(err, errlen,
			      "empty range '%s': %lld is after %lld", w,
			      (long long)lo, (long long)hi);
	uint64_t span = (uint64_t)hi - (uint64_t)lo; /* items - 1 */
	if (span >= PM_RANGE_MAX)
		return pm_err(err, errlen,
			      "range %s has more than %llu items", w,
			      (unsigned long long)PM_RANGE_MAX);
	size_t n = (size_t)span + 1;
	pm_value *items = xcalloc(n, sizeof *items);
	for (size_t k = 0; k < n; k++)
		items[k] = pm_int(lo + (int64_t)k); /* at most hi */
	*out = pm_list_take(items, n);
	return 0;
}

int pm_parse_value(const char *w, bool quoted, pm_value *out, char *err,
		   size_t errlen)
{
	*out = pm_none();
	if (quoted) {
		*out = pm_str(w);
		return 0;
	}
	const char *dots = strstr(w, "..");
	if (dots && !strchr(w, ','))
		return parse_range(w, dots, out, err, errlen);
	if (strchr(w, ',')) {
		size_t n = 1;
		for (const char *p = w; *p; p++)
			n += *p == ',';
		pm_value *items = xcalloc(n, sizeof *items);
		const char *p = w;
		for (size_t k = 0; k < n; k++) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char *item = strndup(p, len);
			if (!len) {
				free(item);
				pm_values_free(items, k);
				return pm_err(err, errlen,
					      "empty item in list '%s'", w);
			}
			int rc = parse_scalar(item, &items[k], err, errlen);
			free(item);
			if (rc < 0) {
				pm_values_free(items, k);
				return -1;
			}
			p = comma ? comma + 1 : p + len;
		}
		*out = pm_list_take(items, n);
		return 0;
	}
	return parse_scalar(w, out, err, errlen);
}

void pm_args_free(pm_args *a)
{
	if (!a)
		return;
	free(a->text);
	free(a->error);
	free(a->name);
	for (size_t i = 0; i < a->argc; i++)
		free(a->words[i]);
	free(a->words);
	pm_values_free(a->vals, a->argc);
	for (size_t i = 0; i < a->nopts; i++) {
		free(a->opts[i].key);
		pm_value_free(&a->opts[i].value);
	}
	free(a->opts);
	memset(a, 0, sizeof *a);
}

typedef struct word {
	pm_buf text;
	bool quoted;
	long eq; /* offset of a '=' typed outside quotes before any quote */
} word;

static int add_word(pm_args *a, word *w, char *err, size_t errlen)
{
	char *text = pm_buf_take(&w->text);
	if (!a->name) {
		a->name = text;
		return 0;
	}
	if (w->eq > 0 && is_ident(text, (size_t)w->eq)) {
		pm_option o;
		o.key = strndup(text, (size_t)w->eq);
		/* key=value: the value is typed like any word. */
		bool q = w->quoted;
		if (pm_parse_value(text + w->eq + 1, q, &o.value, err,
				   errlen) < 0) {
			free(o.key);
			free(text);
			return -1;
		}
		a->opts = xrealloc(a->opts, (a->nopts + 1) * sizeof *a->opts);
		a->opts[a->nopts++] = o;
		free(text);
		return 0;
	}
	if (a->argc == PM_MAX_ARGS) {
		free(text);
		return pm_err(err, errlen, "too many arguments (at most %d)",
			      PM_MAX_ARGS);
	}
	pm_value v;
	if (pm_parse_value(text, w->quoted, &v, err, errlen) < 0) {
		free(text);
		return -1;
	}
	a->words = xrealloc(a->words, (a->argc + 1) * sizeof *a->words);
	a->vals = xrealloc(a->vals, (a->argc + 1) * sizeof *a->vals);
	a->words[a->argc] = text;
	a->vals[a->argc++] = v;
	return 0;
}

/* The first error of a command is the one it reports; the rest of the
 * command is still read (to find where it ends) but not kept. */
static void set_error(pm_args *a, word *w, const char *msg)
{
	if (!a->error)
		a->error = xstrdup(msg);
	pm_buf_free(&w->text);
}

size_t pm_parse_line(const char *line, pm_args **out)
{
	char err[512];
	pm_args *cmds = NULL;
	size_t n = 0;
	pm_args cur = { 0 };
	word w = { { 0 }, false, -1 };
	bool in_word = false, in_quote = false;
	const char *start = line;
	const char *p = line;
	for (;; p++) {
		char ch = *p;
		bool end_cmd = !ch || (!in_quote && (ch == ';' ||
			       (ch == '#' && !in_word)));
		if (in_quote && !ch) {
			set_error(&cur, &w, "unterminated quote");
			in_quote = in_word = false;
		}
		if (in_quote) {
			if (ch == '"') {
				in_quote = false;
			} else if (ch == '\\' && p[1]) {
				char esc = *++p;
				char lit = esc == 'n' ? '\n' : esc == 't' ? '\t' : esc;
				pm_buf_add(&w.text, &lit, 1);
			} else {
				pm_buf_add(&w.text, &ch, 1);
			}
			continue;
		}
		if (end_cmd || ch == ' ' || ch == '\t' || ch == '\r' ||
		    ch == '\n') {
			if (in_word) {
				if (cur.error)
					pm_buf_free(&w.text);
				else if (add_word(&cur, &w, err, sizeof err) < 0)
					set_error(&cur, &w, err);
				w = (word){ { 0 }, false, -1 };
				in_word = false;
			}
			if (end_cmd) {
				if (cur.name || cur.error) {
					const char *e = p;
					while (e > start && isspace((unsigned char)e[-1]))
						e--;
					while (start < e && isspace((unsigned char)*start))
						start++;
					cur.text = strndup(start, (size_t)(e - start));
					cmds = xrealloc(cmds, (n + 1) * sizeof *cmds);
					cmds[n++] = cur;
					memset(&cur, 0, sizeof cur);
				}
				if (!ch || ch == '#')
					break;
				start = p + 1;
			}
			continue;
		}
		in_word = true;
		if (ch == '"') {
			in_quote = true;
			w.quoted = true;
			continue;
		}
		if ((unsigned char)ch < 0x20 || ch == 0x7f) {
			snprintf(err, sizeof err,
				 "control character 0x%02x in the input",
				 (unsigned char)ch);
			set_error(&cur, &w, err);
			continue;
		}
		if ((unsigned char)ch >= 0x80) {
			size_t len = pm_utf8_len(p);
			if (!len) {
				snprintf(err, sizeof err,
					 "invalid UTF-8 byte 0x%02x in the input",
					 (unsigned char)ch);
				set_error(&cur, &w, err);
				continue;
			}
			pm_buf_add(&w.text, p, len);
			p += len - 1;
			continue;
		}
		if (ch == '=' && w.eq < 0 && !w.quoted)
			w.eq = (long)w.text.len;
		pm_buf_add(&w.text, &ch, 1);
	}
	*out = cmds;
	return n;
}

/* ---- output ------------------------------------------------------------- */

void pm_cli_info(pm_cli *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	if (c->mode == PM_OUT_JSON) {
		/* Under --json every line is an event. */
		pm_buf b = { 0 };
		pm_buf_puts(&b, "{\"event\":\"info\",\"message\":");
		pm_json_string(&b, s);
		pm_buf_puts(&b, "}");
		c->out(c->ud, PM_LINE_INFO, b.s);
		pm_buf_free(&b);
	} else {
		c->out(c->ud, PM_LINE_INFO, s);
	}
	free(s);
}

void pm_cli_json(pm_cli *c, const char *json)
{
	c->out(c->ud, PM_LINE_EVENT, json);
}

void pm_cli_report_error(pm_cli *c, const char *command, const char *msg)
{
	c->errors++;
	if (c->mode == PM_OUT_JSON) {
		pm_buf b = { 0 };
		pm_buf_puts(&b, "{\"event\":\"error\",\"command\":");
		pm_json_string(&b, command ? command : "");
		pm_buf_puts(&b, ",\"message\":");
		pm_json_string(&b, msg);
		pm_buf_puts(&b, "}");
		c->out(c->ud, PM_LINE_ERROR, b.s);
		pm_buf_free(&b);
	} else {
		/* Whatever was typed, never send raw control bytes to a
		 * terminal. */
		pm_buf b = { 0 };
		pm_buf_puts(&b, "error: ");
		if (command && *command) {
			pm_escape_text(&b, command);
			pm_buf_puts(&b, ": ");
		}
		pm_escape_text(&b, msg);
		c->out(c->ud, PM_LINE_ERROR, b.s);
		pm_buf_free(&b);
	}
}

pm_status pm_cli_error(pm_cli *c, const pm_args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	pm_cli_report_error(c, a ? a->name : "", msg);
	free(msg);
	return CMD_ERROR;
}

const pm_value *pm_args_opt(const pm_args *a, const char *key)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (!strcmp(a->opts[i].key, key))
			return &a->opts[i].value;
	return NULL;
}

void pm_cli_mark_quiet(pm_cli *c, uint64_t first, uint64_t count)
{
	c->quiet = xrealloc(c->quiet, (c->nquiet + 1) * sizeof *c->quiet);
	c->quiet[c->nquiet++] = (pm_range){ first, count };
}

static bool is_quiet(const pm_cli *c, uint64_t id)
{
	for (size_t i = 0; i < c->nquiet; i++)
		if (id >= c->quiet[i].first &&
		    id < c->quiet[i].first + c->quiet[i].count)
			return true;
	return false;
}

/* A time of the engine's clock as seconds since it started. */
static double since_start(pm_engine *e, double t)
{
	double d = t - pm_engine_t0(e);
	return d > 0 ? d : 0;
}

void pm_cli_task_json(pm_buf *b, pm_engine *e, const pm_task_info *ti)
{
	pm_buf_printf(b, "{\"event\":\"task\",\"id\":\"t%llu\",\"task\":",
		      (unsigned long long)ti->id);
	pm_json_string(b, ti->task);
	pm_buf_printf(b, ",\"state\":\"%s\"", pm_task_state_name(ti->state));
	pm_buf_puts(b, ",\"args\":[");
	for (size_t i = 0; i < ti->nargs; i++) {
		if (i)
			pm_buf_puts(b, ",");
		pm_value_json(b, &ti->args[i]);
	}
	pm_buf_puts(b, "]");
	if (ti->result) {
		pm_buf_puts(b, ",\"result\":");
		pm_value_json(b, ti->result);
	}
	if (ti->worker)
		pm_buf_printf(b, ",\"worker\":\"%c%llu\",\"pid\":%d",
			      ti->in_process ? 'p' : 'w',
			      (unsigned long long)ti->worker, (int)ti->pid);
	if (ti->state == PM_TASK_FAILED || ti->state == PM_TASK_TIMEOUT ||
	    ti->state == PM_TASK_CRASHED) {
		pm_buf_puts(b, ",\"error\":");
		pm_json_string(b, ti->error ? ti->error : "");
	}
	if (ti->state == PM_TASK_CRASHED)
		pm_buf_printf(b, ",\"signal\":\"%s\"",
			      pm_signal_name(ti->signo));
	if (pm_task_state_final(ti->state) && ti->elapsed > 0)
		pm_buf_printf(b, ",\"elapsed\":%.6f", ti->elapsed);
	/* When it changed to this state, and when it was queued, started
	 * and ended: seconds since poolmon started. */
	if (ti->changed_at > 0)
		pm_buf_printf(b, ",\"time\":%.6f",
			      since_start(e, ti->changed_at));
	if (ti->queued_at > 0)
		pm_buf_printf(b, ",\"queued\":%.6f",
			      since_start(e, ti->queued_at));
	if (ti->started_at > 0)
		pm_buf_printf(b, ",\"started\":%.6f",
			      since_start(e, ti->started_at));
	if (ti->ended_at > 0)
		pm_buf_printf(b, ",\"ended\":%.6f",
			      since_start(e, ti->ended_at));
	pm_buf_puts(b, "}");
}

static void format_call(pm_buf *b, const pm_task_info *ti)
{
	pm_buf_printf(b, "%s(", ti->task);
	for (size_t i = 0; i < ti->nargs; i++) {
		if (i)
			pm_buf_puts(b, ", ");
		pm_value_format(b, &ti->args[i]);
	}
	pm_buf_puts(b, ")");
}

static void on_task_event(pm_cli *c, const pm_event *ev)
{
	pm_task_info ti;
	if (!pm_engine_task_info(c->e, ev->id, &ti))
		return;
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON) {
		pm_cli_task_json(&b, c->e, &ti);
		c->out(c->ud, PM_LINE_EVENT, b.s);
		pm_buf_free(&b);
		return;
	}
	/* Text: one line when a task ends, except the results apply and
	 * map print themselves. */
	if (!pm_task_state_final(ti.state) ||
	    (ti.state == PM_TASK_DONE && is_quiet(c, ti.id)))
		return;
	pm_buf_printf(&b, "t%llu ", (unsigned long long)ti.id);
	format_call(&b, &ti);
	pm_buf_printf(&b, " %s", pm_task_state_name(ti.state));
	if (ti.result) {
		pm_buf_puts(&b, ": ");
		pm_value_format(&b, ti.result);
	} else if (ti.error) {
		pm_buf_printf(&b, ": %s", ti.error);
	}
	if (ti.worker)
		pm_buf_printf(&b, " [%c%llu pid %d]", ti.in_process ? 'p' : 'w',
			      (unsigned long long)ti.worker, (int)ti.pid);
	c->out(c->ud, PM_LINE_EVENT, b.s);
	pm_buf_free(&b);
}

static void on_worker_event(pm_cli *c, const pm_event *ev)
{
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON) {
		pm_buf_printf(&b,
			      "{\"event\":\"worker\",\"id\":\"w%llu\",\"pid\":%d,\"state\":\"%s\"",
			      (unsigned long long)ev->id, (int)ev->pid,
			      ev->what);
		if (!strcmp(ev->what, "exited")) {
			if (ev->signo)
				pm_buf_printf(&b, ",\"signal\":\"%s\"",
					      pm_signal_name(ev->signo));
			else
				pm_buf_printf(&b, ",\"status\":%d",
					      ev->exit_status);
		}
		if (ev->time > 0)
			pm_buf_printf(&b, ",\"time\":%.6f",
				      since_start(c->e, ev->time));
		pm_buf_puts(&b, "}");
		c->out(c->ud, PM_LINE_EVENT, b.s);
	} else if (!strcmp(ev->what, "exited") &&
		   (ev->signo || ev->exit_status)) {
		if (ev->signo)
			pm_buf_printf(&b, "w%llu (pid %d) killed by %s",
				      (unsigned long long)ev->id, (int)ev->pid,
				      pm_signal_name(ev->signo));
		else
			pm_buf_printf(&b, "w%llu (pid %d) exited with status %d",
				      (unsigned long long)ev->id, (int)ev->pid,
				      ev->exit_status);
		c->out(c->ud, PM_LINE_EVENT, b.s);
	}
	pm_buf_free(&b);
}

static void on_process_event(pm_cli *c, const pm_event *ev)
{
	pm_process_info pi;
	if (!pm_engine_process_by_id(c->e, ev->id, &pi))
		return;
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON) {
		pm_buf_printf(&b, "{\"event\":\"process\",\"id\":\"p%llu\",\"name\":",
			      (unsigned long long)ev->id);
		pm_json_string(&b, pi.name);
		pm_buf_printf(&b, ",\"pid\":%d,\"state\":\"%s\",\"daemon\":%s",
			      (int)ev->pid, ev->what, pi.daemon ? "true" : "false");
		if (!pi.alive)
			pm_buf_printf(&b, ",\"exitcode\":%d", pi.exitcode);
		if (ev->time > 0)
			pm_buf_printf(&b, ",\"time\":%.6f",
				      since_start(c->e, ev->time));
		pm_buf_puts(&b, "}");
	} else if (!strcmp(ev->what, "exited")) {
		pm_buf_printf(&b, "p%llu %s (pid %d) exited, exitcode %d",
			      (unsigned long long)ev->id, pi.name, (int)ev->pid,
			      pi.exitcode);
	} else if (!strcmp(ev->what, "started")) {
		pm_buf_printf(&b, "p%llu %s started, pid %d",
			      (unsigned long long)ev->id, pi.name, (int)ev->pid);
	}
	if (b.s)
		c->out(c->ud, PM_LINE_EVENT, b.s);
	pm_buf_free(&b);
}

static void on_event(void *ud, const pm_event *ev)
{
	pm_cli *c = ud;
	pm_buf b = { 0 };
	switch (ev->kind) {
	case PM_EV_TASK:
		on_task_event(c, ev);
		break;
	case PM_EV_WORKER:
		on_worker_event(c, ev);
		break;
	case PM_EV_LOG:
		if (c->mode == PM_OUT_JSON) {
			pm_buf_puts(&b, "{\"event\":\"log\"");
			if (ev->id)
				pm_buf_printf(&b, ",\"id\":\"t%llu\"",
					      (unsigned long long)ev->id);
			if (ev->worker)
				pm_buf_printf(&b, ",\"worker\":\"%c%llu\"",
					      ev->in_process ? 'p' : 'w',
					      (unsigned long long)ev->worker);
			pm_buf_puts(&b, ",\"message\":");
			pm_json_string(&b, ev->error ? ev->error : "");
			pm_buf_puts(&b, "}");
		} else if (ev->id) {
			pm_buf_printf(&b, "t%llu log: %s",
				      (unsigned long long)ev->id,
				      ev->error ? ev->error : "");
		} else {
			pm_buf_printf(&b, "log: %s", ev->error ? ev->error : "");
		}
		c->out(c->ud, PM_LINE_EVENT, b.s);
		break;
	case PM_EV_PROCESS:
		on_process_event(c, ev);
		break;
	case PM_EV_PLUGIN:
		break;
	}
	pm_buf_free(&b);
}

/* ---- running ------------------------------------------------------------ */

static void wait_clear(pm_wait *w)
{
	free(w->ids);
	free(w->text);
	free(w->data);
	memset(w, 0, sizeof *w);
}

static void run_pending(pm_cli *c);

static pm_status run_command(pm_cli *c, pm_args *a)
{
	if (a->error)
		return pm_cli_error(c, a, "%s", a->error);
	const struct pm_command *cmd = pm_command_find(a->name);
	if (!cmd)
		return pm_cli_error(c, a, "unknown command (try 'help')");
	int n = (int)a->argc;
	if (n < cmd->min_args || (cmd->max_args >= 0 && n > cmd->max_args)) {
		return pm_cli_error(c, a, "wrong number of arguments; usage: %s",
				    cmd->usage);
	}
	for (size_t i = 0; i < a->nopts; i++) {
		const char *allowed = cmd->options ? cmd->options : "";
		size_t kl = strlen(a->opts[i].key);
		const char *p = allowed;
		bool ok = false;
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			if ((len == kl && !strncmp(p, a->opts[i].key, kl)) ||
			    (len == 1 && *p == '*'))
				ok = true;
			p += len + (comma ? 1 : 0);
		}
		if (!ok)
			return pm_cli_error(c, a,
					    "unknown option '%s'; usage: %s",
					    a->opts[i].key, cmd->usage);
	}
	return cmd->exec(c, a);
}

static void drop_pending(pm_cli *c)
{
	for (size_t i = c->pending_at; i < c->npending; i++)
		pm_args_free(&c->pending[i]);
	free(c->pending);
	c->pending = NULL;
	c->npending = c->pending_at = 0;
}

static void run_pending(pm_cli *c)
{
	while (c->wait.kind == WAIT_NONE && c->pending_at < c->npending &&
	       !c->quit) {
		pm_args *a = &c->pending[c->pending_at++];
		pm_status st = run_command(c, a);
		pm_args_free(a);
		if (st == CMD_QUIT)
			c->quit = true;
	}
	if (c->wait.kind == WAIT_NONE &&
	    (c->pending_at >= c->npending || c->quit))
		drop_pending(c);
}

bool pm_cli_feed(pm_cli *c, const char *line)
{
	pm_args *cmds;
	size_t n = pm_parse_line(line, &cmds);
	unsigned before = c->errors;
	if (n == 0) /* blank or comment-only */
		return true;
	c->pending = xrealloc(c->pending,
			      (c->npending + n + 1) * sizeof *c->pending);
	memcpy(c->pending + c->npending, cmds, n * sizeof *cmds);
	c->npending += n;
	free(cmds);
	run_pending(c);
	return c->errors == before;
}

bool pm_cli_busy(const pm_cli *c)
{
	return c->wait.kind != WAIT_NONE || c->pending_at < c->npending;
}

void pm_cli_interrupt(pm_cli *c)
{
	if (c->wait.kind != WAIT_NONE)
		pm_cli_info(c, "interrupted: %s", c->wait.text ? c->wait.text : "wait");
	wait_clear(&c->wait);
	drop_pending(c);
}

bool pm_cli_quit_requested(const pm_cli *c)
{
	return c->quit && !pm_cli_busy(c);
}

unsigned pm_cli_error_count(const pm_cli *c)
{
	return c->errors;
}

/* Defined in commands.c: finishes a wait whose condition holds (or whose
 * deadline passed); returns true when the wait is over. */
bool pm_cli_wait_check(pm_cli *c, double now);

static int cli_timeout(void *ud)
{
	pm_cli *c = ud;
	/* A queue or lock has no fd: a shared wait is re-tried. */
	int poll_ms = c->wait.kind == WAIT_SHARED ? PM_SHARED_POLL_MS : -1;
	if (c->wait.kind == WAIT_NONE || c->wait.deadline <= 0)
		return poll_ms;
	double ms = (c->wait.deadline - pm_now()) * 1000.0;
	int left = ms <= 0 ? 0 : (int)ms + 1;
	return poll_ms >= 0 && poll_ms < left ? poll_ms : left;
}

static void cli_tick(void *ud)
{
	pm_cli *c = ud;
	if (c->wait.kind == WAIT_NONE)
		return;
	if (pm_cli_wait_check(c, pm_now())) {
		wait_clear(&c->wait);
		run_pending(c);
	}
}

/* A shared object a task wrote over: said once, refused from then on. */
static void on_corrupt(void *ud, const char *name, const char *kind,
		       const char *why)
{
	pm_cli *c = ud;
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON) {
		pm_buf_puts(&b, "{\"event\":\"corrupt\",\"name\":");
		pm_json_string(&b, name);
		pm_buf_puts(&b, ",\"kind\":");
		pm_json_string(&b, kind ? kind : "?");
		pm_buf_puts(&b, ",\"message\":");
		pm_json_string(&b, why);
		pm_buf_puts(&b, "}");
	} else {
		pm_buf_printf(&b, "shared object '%s' (%s) is corrupted: ", name,
			      kind ? kind : "?");
		pm_escape_text(&b, why);
		pm_buf_puts(&b, "; refused from now on");
	}
	c->out(c->ud, PM_LINE_EVENT, b.s);
	pm_buf_free(&b);
}

pm_cli *pm_cli_new(pm_engine *e, pm_loop *loop, pm_out_mode mode,
		   pm_line_fn out, void *ud)
{
	pm_cli *c = xcalloc(1, sizeof *c);
	c->e = e;
	c->loop = loop;
	c->mode = mode;
	c->out = out;
	c->ud = ud;
	pm_engine_set_listener(e, on_event, c);
	pm_shared_set_reporter(pm_engine_shared(e), on_corrupt, c);
	pm_loop_add_hook(loop, cli_timeout, cli_tick, c);
	/* The first workers started before anyone listened. */
	for (size_t i = 0; i < pm_engine_worker_count(e); i++) {
		pm_worker_info wi;
		pm_engine_worker_info(e, i, &wi);
		pm_event ev = { .kind = PM_EV_WORKER, .id = wi.id,
				.what = "started", .pid = wi.pid,
				.worker = wi.id, .time = pm_engine_t0(e) };
		on_event(c, &ev);
	}
	return c;
}

void pm_cli_free(pm_cli *c)
{
	if (!c)
		return;
	pm_loop_remove_hook(c->loop, c);
	pm_engine_set_listener(c->e, NULL, NULL);
	pm_shared_set_reporter(pm_engine_shared(c->e), NULL, NULL);
	wait_clear(&c->wait);
	drop_pending(c);
	free(c->quiet);
	free(c);
}

/* ---- table access and completion --------------------------------------- */

size_t pm_cli_command_count(void)
{
	return pm_ncommands;
}

const char *pm_cli_command_name(size_t i)
{
	return i < pm_ncommands ? pm_commands[i].name : NULL;
}

const char *pm_cli_command_usage(size_t i)
{
	return i < pm_ncommands ? pm_commands[i].usage : NULL;
}

const char *pm_cli_command_help(size_t i)
{
	return i < pm_ncommands ? pm_commands[i].help : NULL;
}

const struct pm_command *pm_command_find(const char *name)
{
	for (size_t i = 0; i < pm_ncommands; i++)
		if (!strcmp(pm_commands[i].name, name))
			return &pm_commands[i];
	return NULL;
}

/* Candidates for one completion slot, in a fixed order. */
static size_t candidates(pm_cli *c, pm_complete_kind kind, char ***out)
{
	char **v = NULL;
	size_t n = 0;
#define ADD(s)                                                    \
	do {                                                      \
		v = xrealloc(v, (n + 1) * sizeof *v);             \
		v[n++] = (s);                                     \
	} while (0)
	switch (kind) {
	case PM_COMPLETE_COMMAND:
		for (size_t i = 0; i < pm_ncommands; i++)
			ADD(xstrdup(pm_commands[i].name));
		break;
	case PM_COMPLETE_TASK:
		for (size_t i = 0; i < pm_engine_plugin_count(c->e); i++) {
			const struct pm_plugin *p =
				pm_engine_plugin(c->e, i, NULL);
			for (size_t k = 0; p->tasks[k].name; k++) {
				ADD(xstrdup(p->tasks[k].name));
				ADD(xasprintf("%s.%s", p->name,
					      p->tasks[k].name));
			}
		}
		break;
	case PM_COMPLETE_ID: {
		uint64_t last = pm_engine_last_task_id(c->e);
		for (uint64_t id = 1; id <= last; id++) {
			pm_task_info ti;
			if (pm_engine_task_info(c->e, id, &ti) &&
			    !pm_task_state_final(ti.state))
				ADD(xasprintf("t%llu", (unsigned long long)id));
		}
		for (size_t i = 0; i < pm_engine_worker_count(c->e); i++) {
			pm_worker_info wi;
			if (pm_engine_worker_info(c->e, i, &wi))
				ADD(xasprintf("w%llu",
					      (unsigned long long)wi.id));
		}
		ADD(xstrdup("all"));
		ADD(xstrdup("pool"));
		break;
	}
	case PM_COMPLETE_SHARED: {
		pm_shared *s = pm_engine_shared(c->e);
		for (size_t i = 0; i < pm_shared_count(s); i++) {
			pm_shared_info info;
			if (pm_shared_get_info(s, i, &info))
				ADD(xstrdup(info.name));
		}
		break;
	}
	default:
		break;
	}
#undef ADD
	*out = v;
	return n;
}

char *pm_cli_complete(pm_cli *c, const char *before, const char *prefix,
		      int state, pm_complete_kind *kind)
{
	static char **list;
	static size_t nlist, at;
	if (state == 0) {
		for (size_t i = 0; i < nlist; i++)
			free(list[i]);
		free(list);
		list = NULL;
		nlist = at = 0;
		/* Which word is this?  Look at the current command only. */
		const char *cmdstart = strrchr(before, ';');
		cmdstart = cmdstart ? cmdstart + 1 : before;
		char first[64] = "";
		int words = 0;
		const char *p = cmdstart;
		while (*p) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p)
				break;
			const char *s = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
			if (words++ == 0) {
				size_t len = (size_t)(p - s);
				if (len >= sizeof first)
					len = sizeof first - 1;
				memcpy(first, s, len);
				first[len] = '\0';
			}
		}
		*kind = PM_COMPLETE_NONE;
		if (words == 0) {
			*kind = PM_COMPLETE_COMMAND;
		} else {
			const struct pm_command *cmd = pm_command_find(first);
			if (cmd)
				*kind = words == 1 ? cmd->complete_first
						   : cmd->complete_rest;
		}
		if (*kind == PM_COMPLETE_FILE || *kind == PM_COMPLETE_NONE)
			return NULL;
		nlist = candidates(c, *kind, &list);
	}
	size_t plen = strlen(prefix);
	while (at < nlist) {
		const char *s = list[at++];
		if (!strncmp(s, prefix, plen))
			return xstrdup(s);
	}
	return NULL;
}
