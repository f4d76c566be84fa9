/* SPDX-License-Identifier: GPL-3.0-or-later */
/* trace.c — `trace FILE` / `trace off` / --trace FILE: the session as a
 * Chrome trace-event file (the JSON Object Format, {"traceEvents":[…]})
 * that Perfetto and chrome://tracing open.  One process "pool" with a
 * track (thread) per worker, w1 as tid 1, and tid 0 "poolmon" for the
 * pool's own instants; one process "processes" with a track per
 * standalone process.  A complete slice ("X") per task that ran, its call
 * and its result or error in args; instants ("i") for crashes, timeouts,
 * terminates, pauses, cancels, log lines and the pool's state; counters
 * ("C") for the task queue, the shared queues' depths and the numeric
 * shared values.  Times are microseconds since poolmon started, the
 * clock of the JSON events' "time", "started" and "ended".
 *
 * A task's slice is written once its times are final: at its end, and
 * for a map's item once the chunk it ran in has ended (an item's times
 * are its chunk's): ended tasks wait in `pending` until then. */
#define _GNU_SOURCE
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "output.h"
#include "shared.h"
#include "state.h"
#include "value.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "dev"
#endif

#define PID_POOL 1
#define PID_PROCS 2
#define SAMPLE_EVERY 0.1 /* seconds between counter samples */
#define EVENT_SAMPLE_EVERY 0.005 /* ... at most, when events come */

typedef struct last_value {
	char name[PM_SHARED_NAME_MAX];
	double v;
} last_value;

/* Written through a buffer of our own and write(2), not stdio: a task
 * that calls exit() in a forked worker would flush a copy of a FILE's
 * buffer into the file. */
struct pm_trace {
	int fd;
	pm_buf out;
	int write_errno; /* the first failed write's */
	char *path;
	size_t events;
	uint64_t *named; /* tracks named so far: id << 1 | is_process */
	size_t nnamed;
	uint64_t *pending; /* ended tasks whose slice is not written yet */
	size_t npending, cap;
	double next_sample, next_event_sample;
	pm_pool_state pool;
	double queued, running; /* the last counter written; NAN: none */
	last_value *last;
	size_t nlast;
};

static double us(const pm_cli *c, double t)
{
	double d = t - pm_engine_t0(c->e);
	return d > 0 ? d * 1e6 : 0;
}

static void flush_out(pm_trace *t)
{
	size_t done = 0;
	while (done < t->out.len && !t->write_errno) {
		ssize_t n = write(t->fd, t->out.s + done, t->out.len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			t->write_errno = n < 0 ? errno : EIO;
		else
			done += (size_t)n;
	}
	t->out.len = 0;
	if (t->out.s)
		t->out.s[0] = '\0';
}

static void put(pm_trace *t, pm_buf *b)
{
	pm_buf_puts(&t->out, t->events++ ? ",\n" : "\n");
	pm_buf_add(&t->out, b->s, b->len);
	pm_buf_free(b);
	if (t->out.len > 1 << 16)
		flush_out(t);
}

static void meta(pm_trace *t, const char *what, int pid, uint64_t tid,
		 const char *name)
{
	pm_buf b = { 0 };
	pm_buf_printf(&b, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%d,\"tid\":%llu,\"args\":{\"name\":",
		      what, pid, (unsigned long long)tid);
	pm_json_string(&b, name);
	pm_buf_puts(&b, "}}");
	put(t, &b);
}

/* The track of worker (or process) id: named at its first use. */
static void track(pm_trace *t, uint64_t id, bool proc)
{
	uint64_t key = id << 1 | proc;
	for (size_t i = 0; i < t->nnamed; i++)
		if (t->named[i] == key)
			return;
	t->named = xrealloc(t->named, (t->nnamed + 1) * sizeof *t->named);
	t->named[t->nnamed++] = key;
	char name[32];
	snprintf(name, sizeof name, "%c%llu", proc ? 'p' : 'w',
		 (unsigned long long)id);
	meta(t, "thread_name", proc ? PID_PROCS : PID_POOL, id, name);
	pm_buf b = { 0 };
	pm_buf_printf(&b, "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%d,\"tid\":%llu,\"args\":{\"sort_index\":%llu}}",
		      proc ? PID_PROCS : PID_POOL, (unsigned long long)id,
		      (unsigned long long)id);
	put(t, &b);
}

/* An instant on a worker's track (id 0: poolmon's); args: a JSON object's
 * inside, or NULL. */
static void instant(pm_cli *c, uint64_t id, bool proc, double at,
		    const char *name, const char *args)
{
	pm_trace *t = c->trace;
	if (id)
		track(t, id, proc);
	pm_buf b = { 0 };
	pm_buf_puts(&b, "{\"ph\":\"i\",\"s\":\"t\",\"name\":");
	pm_json_string(&b, name);
	pm_buf_printf(&b, ",\"pid\":%d,\"tid\":%llu,\"ts\":%.3f",
		      proc ? PID_PROCS : PID_POOL,
		      (unsigned long long)id, us(c, at));
	if (args)
		pm_buf_printf(&b, ",\"args\":{%s}", args);
	pm_buf_puts(&b, "}");
	put(t, &b);
}

static void call_text(pm_buf *b, const pm_task_info *ti)
{
	pm_buf_printf(b, "%s(", ti->task);
	for (size_t i = 0; i < ti->nargs; i++) {
		if (i)
			pm_buf_puts(b, ", ");
		pm_value_format(b, &ti->args[i]);
	}
	pm_buf_puts(b, ")");
}

/* The slice of an ended task (an instant if it never ran). */
static void task_slice(pm_cli *c, const pm_task_info *ti)
{
	pm_trace *t = c->trace;
	pm_buf call = { 0 }, b = { 0 };
	call_text(&call, ti);
	pm_buf_printf(&b, "\"id\":\"t%llu\",\"call\":",
		      (unsigned long long)ti->id);
	pm_json_string(&b, call.s);
	pm_buf_printf(&b, ",\"state\":\"%s\"", pm_task_state_name(ti->state));
	if (ti->result) {
		pm_buf_puts(&b, ",\"result\":");
		pm_value_json(&b, ti->result);
	}
	if (ti->error) {
		pm_buf_puts(&b, ",\"error\":");
		pm_json_string(&b, ti->error);
	}
	if (ti->queued_at > 0)
		pm_buf_printf(&b, ",\"queued\":%.3f", us(c, ti->queued_at));
	if (!ti->worker || ti->started_at <= 0) {
		char name[64];
		snprintf(name, sizeof name, "t%llu %s",
			 (unsigned long long)ti->id,
			 pm_task_state_name(ti->state));
		instant(c, 0, false,
			ti->ended_at > 0 ? ti->ended_at : ti->changed_at, name,
			b.s);
		pm_buf_free(&call);
		pm_buf_free(&b);
		return;
	}
	track(t, ti->worker, ti->in_process);
	double end = ti->ended_at > 0 ? ti->ended_at : pm_now();
	pm_buf x = { 0 }, tn = { 0 };
	pm_buf_printf(&tn, "t%llu %s", (unsigned long long)ti->id, call.s);
	pm_buf_puts(&x, "{\"ph\":\"X\",\"name\":");
	pm_json_string(&x, tn.s);
	pm_buf_free(&tn);
	pm_buf_printf(&x, ",\"cat\":\"task\",\"pid\":%d,\"tid\":%llu,\"ts\":%.3f,\"dur\":%.3f,\"args\":{%s}}",
		      ti->in_process ? PID_PROCS : PID_POOL,
		      (unsigned long long)ti->worker, us(c, ti->started_at),
		      us(c, end) - us(c, ti->started_at), b.s);
	put(t, &x);
	pm_buf_free(&call);
	pm_buf_free(&b);
}

/* Writes the slices whose times are final (all, when the trace ends). */
static void flush_pending(pm_cli *c, bool all)
{
	pm_trace *t = c->trace;
	size_t keep = 0;
	/* Items of one chunk (same worker, same start) come together and
	 * share the answer: asked once per chunk, not once per item. */
	uint64_t last_worker = 0;
	double last_start = 0;
	bool last_final = false;
	for (size_t i = 0; i < t->npending; i++) {
		uint64_t id = t->pending[i];
		pm_task_info ti;
		if (!pm_engine_task_info(c->e, id, &ti))
			continue; /* evicted meanwhile (--keep) */
		if (!all) {
			bool same = ti.started_at > 0 && ti.worker &&
				    ti.worker == last_worker &&
				    ti.started_at == last_start;
			if (!same) {
				last_final = pm_engine_task_times_final(c->e, id);
				last_worker = ti.worker;
				last_start = ti.started_at;
			}
			if (!last_final) {
				t->pending[keep++] = id;
				continue;
			}
		}
		task_slice(c, &ti);
	}
	t->npending = keep;
}

static void counter(pm_cli *c, const char *name, const char *args)
{
	pm_buf b = { 0 };
	pm_buf_puts(&b, "{\"ph\":\"C\",\"name\":");
	pm_json_string(&b, name);
	pm_buf_printf(&b, ",\"pid\":%d,\"tid\":0,\"ts\":%.3f,\"args\":{%s}}",
		      PID_POOL, us(c, pm_now()), args);
	put(c->trace, &b);
}

/* A shared object's number now: a queue's depth, a value; false if it
 * has none. */
static bool shared_number(pm_shared *s, size_t i, const pm_shared_info *in,
			  double *v)
{
	if (in->corrupt)
		return false;
	if (in->kind == PM_SK_QUEUE || in->kind == PM_SK_JOINABLE_QUEUE ||
	    in->kind == PM_SK_SIMPLE_QUEUE) {
		*v = (double)in->qsize;
		return true;
	}
	if (in->kind != PM_SK_VALUE || in->code == 'c')
		return false;
	pm_value val;
	if (pm_shared_values(pm_shared_at(s, i), &val) < 0)
		return false;
	bool ok = val.type == PM_INT || val.type == PM_FLOAT;
	*v = val.type == PM_INT ? (double)val.u.i : val.u.f;
	pm_value_free(&val);
	return ok;
}

static last_value *last_of(pm_trace *t, const char *name)
{
	for (size_t i = 0; i < t->nlast; i++)
		if (!strcmp(t->last[i].name, name))
			return &t->last[i];
	t->last = xrealloc(t->last, (t->nlast + 1) * sizeof *t->last);
	last_value *l = &t->last[t->nlast++];
	snprintf(l->name, sizeof l->name, "%s", name);
	l->v = NAN;
	return l;
}

/* The pool's state, when it changed: an instant on poolmon's track. */
void pm_trace_pool_state(pm_cli *c)
{
	pm_trace *t = c->trace;
	if (!t)
		return;
	pm_pool_state ps = pm_engine_pool_state(c->e);
	if (ps != t->pool) {
		char name[48];
		snprintf(name, sizeof name, "pool %s", pm_pool_state_name(ps));
		instant(c, 0, false, pm_now(), name, NULL);
		t->pool = ps;
	}
}

/* Counters that changed, and the pool's state. */
static void sample(pm_cli *c)
{
	pm_trace *t = c->trace;
	pm_trace_pool_state(c);
	pm_counts k = pm_engine_counts(c->e);
	if ((double)k.queued != t->queued || (double)k.running != t->running) {
		char args[96];
		snprintf(args, sizeof args, "\"queued\":%zu,\"running\":%zu",
			 k.queued, k.running);
		counter(c, "tasks", args);
		t->queued = (double)k.queued;
		t->running = (double)k.running;
	}
	pm_shared *s = pm_engine_shared(c->e);
	for (size_t i = 0; i < pm_shared_count(s); i++) {
		pm_shared_info in;
		double v;
		if (!pm_shared_get_info(s, i, &in) ||
		    !shared_number(s, i, &in, &v))
			continue;
		last_value *l = last_of(t, in.name);
		if (l->v == v)
			continue;
		l->v = v;
		char name[PM_SHARED_NAME_MAX + 16], args[64];
		snprintf(name, sizeof name, "%s %s",
			 in.kind == PM_SK_VALUE ? "value" : "queue", in.name);
		snprintf(args, sizeof args, "\"%s\":%.17g",
			 in.kind == PM_SK_VALUE ? "value" : "depth", v);
		counter(c, name, args);
	}
}

void pm_trace_tick(pm_cli *c)
{
	pm_trace *t = c->trace;
	if (!t)
		return;
	double now = pm_now();
	if (now < t->next_sample)
		return;
	t->next_sample = now + SAMPLE_EVERY;
	flush_pending(c, false);
	sample(c);
	flush_out(t);
}

int pm_trace_timeout_ms(const pm_cli *c)
{
	const pm_trace *t = c->trace;
	if (!t)
		return -1;
	double left = t->next_sample - pm_now();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

static const char *what_of(pm_task_state s)
{
	switch (s) {
	case PM_TASK_CRASHED: return "crash";
	case PM_TASK_TIMEOUT: return "timeout";
	case PM_TASK_TERMINATED: return "terminate";
	case PM_TASK_PAUSED: return "pause";
	default: return NULL;
	}
}

void pm_trace_event(pm_cli *c, const pm_event *ev)
{
	pm_trace *t = c->trace;
	if (!t)
		return;
	char name[96], args[160];
	double at = ev->time > 0 ? ev->time : pm_now();
	/* A task's event does not say whether its worker is a process. */
	pm_task_info ti;
	bool in_proc = ev->in_process;
	if ((ev->kind == PM_EV_TASK || ev->kind == PM_EV_LOG) && ev->id &&
	    pm_engine_task_info(c->e, ev->id, &ti))
		in_proc = ti.in_process;
	switch (ev->kind) {
	case PM_EV_TASK: {
		const char *what = what_of((pm_task_state)ev->state);
		if (what) {
			snprintf(name, sizeof name, "%s t%llu", what,
				 (unsigned long long)ev->id);
			if (ev->state == PM_TASK_CRASHED)
				snprintf(name + strlen(name),
					 sizeof name - strlen(name), " %s",
					 pm_signal_name(ev->signo));
			snprintf(args, sizeof args, "\"id\":\"t%llu\"",
				 (unsigned long long)ev->id);
			instant(c, ev->worker, in_proc, at, name, args);
		}
		if (pm_task_state_final((pm_task_state)ev->state)) {
			if (t->npending == t->cap) {
				t->cap = t->cap ? 2 * t->cap : 64;
				t->pending = xrealloc(t->pending,
						      t->cap * sizeof *t->pending);
			}
			t->pending[t->npending++] = ev->id;
		}
		break;
	}
	case PM_EV_WORKER:
	case PM_EV_PROCESS: {
		bool proc = ev->kind == PM_EV_PROCESS;
		track(t, ev->id, proc);
		if (!ev->what || !strcmp(ev->what, "started"))
			break;
		if (!strcmp(ev->what, "exited") && ev->signo)
			snprintf(name, sizeof name, "killed by %s",
				 pm_signal_name(ev->signo));
		else
			snprintf(name, sizeof name, "%s", ev->what);
		snprintf(args, sizeof args, "\"pid\":%d", (int)ev->pid);
		instant(c, ev->id, proc, at, name, args);
		break;
	}
	case PM_EV_LOG: {
		pm_buf b = { 0 };
		if (ev->id)
			pm_buf_printf(&b, "\"id\":\"t%llu\",",
				      (unsigned long long)ev->id);
		pm_buf_puts(&b, "\"message\":");
		pm_json_string(&b, ev->error ? ev->error : "");
		instant(c, ev->worker, in_proc, at, "log", b.s);
		pm_buf_free(&b);
		break;
	}
	default:
		break;
	}
	pm_trace_pool_state(c);
	double now = pm_now();
	if (now >= t->next_event_sample) { /* counters near their change */
		t->next_event_sample = now + EVENT_SAMPLE_EVERY;
		sample(c);
	}
}

int pm_trace_start(pm_cli *c, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return pm_err(err, errlen, "cannot write %s: %s", path,
			      strerror(errno));
	if (c->trace)
		pm_trace_stop(c, NULL, 0);
	pm_trace *t = xcalloc(1, sizeof *t);
	t->fd = fd;
	t->path = xstrdup(path);
	t->queued = t->running = NAN;
	t->pool = PM_POOL_RUNNING;
	c->trace = t;
	pm_buf_puts(&t->out, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"producer\":\"poolmon " PACKAGE_VERSION "\"},\"traceEvents\":[");
	meta(t, "process_name", PID_POOL, 0, "pool");
	meta(t, "process_name", PID_PROCS, 0, "processes");
	meta(t, "thread_name", PID_POOL, 0, "poolmon");
	for (size_t i = 0; i < pm_engine_worker_count(c->e); i++) {
		pm_worker_info wi;
		if (pm_engine_worker_info(c->e, i, &wi))
			track(t, wi.id, false);
	}
	for (size_t i = 0; i < pm_engine_process_count(c->e); i++) {
		pm_process_info pi;
		if (pm_engine_process_info(c->e, i, &pi) && pi.alive)
			track(t, pi.id, true);
	}
	sample(c);
	flush_out(t);
	return 0;
}

bool pm_trace_active(const pm_cli *c, const char **path, size_t *events)
{
	if (!c->trace)
		return false;
	*path = c->trace->path;
	*events = c->trace->events;
	return true;
}

/* Ended tasks written, the file closed: a whole JSON object.  Tasks still
 * running are written up to now, "state":"running". */
int pm_trace_stop(pm_cli *c, char *err, size_t errlen)
{
	pm_trace *t = c->trace;
	if (!t)
		return 0;
	flush_pending(c, true);
	for (uint64_t id = 1; id <= pm_engine_last_task_id(c->e); id++) {
		pm_task_info ti;
		if (pm_engine_task_info(c->e, id, &ti) &&
		    (ti.state == PM_TASK_RUNNING || ti.state == PM_TASK_PAUSED) &&
		    ti.started_at > 0)
			task_slice(c, &ti);
	}
	sample(c);
	pm_buf_puts(&t->out, "\n]}\n");
	flush_out(t);
	if (close(t->fd) < 0 && !t->write_errno)
		t->write_errno = errno;
	int rc = 0;
	if (t->write_errno)
		rc = pm_err(err, errlen, "writing %s: %s", t->path,
			    strerror(t->write_errno));
	c->trace = NULL;
	pm_buf_free(&t->out);
	free(t->path);
	free(t->named);
	free(t->pending);
	free(t->last);
	free(t);
	return rc;
}

/* trace FILE | trace off | trace: start, stop, or say. */
pm_status pm_cmd_trace(pm_cli *c, pm_args *a)
{
	char err[512];
	const char *path;
	size_t events;
	if (!a->argc) {
		if (pm_trace_active(c, &path, &events))
			pm_cli_info(c, "tracing to %s (%zu events so far)", path,
				    events);
		else
			pm_cli_info(c, "not tracing");
		return CMD_OK;
	}
	if (!strcmp(a->words[0], "off")) {
		if (!pm_trace_active(c, &path, &events))
			return pm_cli_error(c, a, "not tracing");
		char *was = xstrdup(path);
		if (pm_trace_stop(c, err, sizeof err) < 0) {
			free(was);
			return pm_cli_error(c, a, "%s", err);
		}
		pm_cli_info(c, "trace written to %s", was);
		free(was);
		return CMD_OK;
	}
	if (!*a->words[0])
		return pm_cli_error(c, a, "trace to which file?");
	if (pm_trace_start(c, a->words[0], err, sizeof err) < 0)
		return pm_cli_error(c, a, "%s", err);
	pm_cli_info(c, "tracing to %s", a->words[0]);
	return CMD_OK;
}
