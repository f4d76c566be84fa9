/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_shared.c — the shared-object commands (value, array, queue, put,
 * get, lock, …, set, acquire, release, show NAME) and their part of
 * `status`.  Objects live in the engine's arena (shared.h); the manager
 * creates them here and only ever *tries* their locks and queues, so a
 * blocked `get` is a wait that carries its own re-try (wait.h). */
#define _GNU_SOURCE
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "shared.h"
#include "state.h"
#include "wait.h"

enum { OP_GET = 1, OP_PUT, OP_ACQUIRE };

/* How often a blocked `get`/`put`/`acquire` re-tries (a queue has no fd;
 * trying never blocks the loop). */
#define PM_SHARED_POLL_MS 10

static pm_shared *arena_of(pm_cli *c)
{
	return pm_engine_shared(c->e);
}

static const struct pm_shared_api *api(void)
{
	return pm_shared_api();
}

/* ---- argument helpers --------------------------------------------------- */

/* timeout=S (checked by the dispatcher): forever when absent. */
static double opt_timeout(const pm_args *a)
{
	return pm_opt_seconds(a, "timeout", PM_SHM_FOREVER);
}

static bool type_code(pm_cli *c, pm_args *a, const char *word, char *code)
{
	if (strlen(word) != 1 || !pm_shared_code_size(word[0])) {
		pm_cli_error(c, a,
			     "bad type code '%s' (one of b B h H i I l L q Q f d c)",
			     word);
		return false;
	}
	*code = word[0];
	return true;
}

/* The object named by word, or NULL after an error. */
static void *lookup(pm_cli *c, pm_args *a, const char *name, size_t *index)
{
	pm_shared *s = arena_of(c);
	for (size_t i = 0; i < pm_shared_count(s); i++) {
		pm_shared_info info;
		pm_shared_get_info(s, i, &info);
		if (!strcmp(info.name, name)) {
			if (info.corrupt) {
				pm_cli_error(c, a, "'%s' is %s; refused", name,
					     info.text);
				return NULL;
			}
			if (index)
				*index = i;
			return pm_shared_at(s, i);
		}
	}
	pm_cli_error(c, a, "no shared object '%s' (see status)", name);
	return NULL;
}

static bool is_queue(pm_shared_kind k)
{
	return k == PM_SK_QUEUE || k == PM_SK_JOINABLE_QUEUE ||
	       k == PM_SK_SIMPLE_QUEUE;
}

/* An item typed on the command line: the bare word None is Python's. */
static pm_value item_of(const pm_args *a, size_t i)
{
	if (a->vals[i].type == PM_STR && !strcmp(a->words[i], "None"))
		return pm_none();
	return pm_value_copy(&a->vals[i]);
}

static pm_status created(pm_cli *c, pm_args *a, int rc, const char *err)
{
	if (rc < 0)
		return pm_cli_error(c, a, "%s", err);
	return CMD_OK;
}

/* "[1, 2, [3]]" as typed: a flat list, or the seed's 2-D error. */
static int parse_bracket_list(const char *w, pm_value *out, char *err,
			      size_t errlen)
{
	size_t n = strlen(w);
	if (n < 2 || w[n - 1] != ']')
		return pm_err(err, errlen, "unbalanced brackets in '%s'", w);
	if (memchr(w + 1, '[', n - 2))
		return pm_err(err, errlen,
			      "an array is one-dimensional: '%s' is a list of lists (TypeError: an integer is required)",
			      w);
	char *inner = strndup(w + 1, n - 2);
	size_t k = 0;
	pm_value *items = NULL;
	char *save = NULL;
	int rc = 0;
	for (char *tok = strtok_r(inner, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		size_t tl = strlen(tok);
		while (tl && tok[tl - 1] == ' ')
			tok[--tl] = '\0';
		items = xrealloc(items, (k + 1) * sizeof *items);
		if (!tl || pm_parse_value(tok, false, &items[k], err, errlen) < 0) {
			if (!tl)
				pm_err(err, errlen, "empty item in '%s'", w);
			rc = -1;
			break;
		}
		k++;
	}
	free(inner);
	if (rc < 0) {
		pm_values_free(items, k);
		return -1;
	}
	*out = pm_list_take(items ? items : xcalloc(1, sizeof *items), k);
	return 0;
}

/* ---- creating ----------------------------------------------------------- */

pm_status pm_cmd_value(pm_cli *c, pm_args *a)
{
	char code, err[512];
	if (!type_code(c, a, a->words[1], &code))
		return CMD_ERROR;
	int rc = pm_shared_value_new(arena_of(c), a->words[0], code,
				     a->argc > 2 ? &a->vals[2] : NULL,
				     pm_opt_flag(a, "lock", true), err,
				     sizeof err);
	return created(c, a, rc, err);
}

pm_status pm_cmd_array(pm_cli *c, pm_args *a)
{
	char code;
	if (!type_code(c, a, a->words[1], &code))
		return CMD_ERROR;
	bool lock = pm_opt_flag(a, "lock", true);
	char err[512];
	const pm_value *init = &a->vals[2];
	pm_value parsed = pm_none();
	size_t size = 0;
	if (a->words[2][0] == '[') {
		if (parse_bracket_list(a->words[2], &parsed, err, sizeof err) < 0)
			return pm_cli_error(c, a, "%s", err);
		init = &parsed;
	} else if (init->type == PM_INT) {
		if (init->u.i < 1 || init->u.i > PM_SHARED_ARRAY_MAX)
			return pm_cli_error(c, a,
					    "size must be 1..%u, got %lld",
					    PM_SHARED_ARRAY_MAX,
					    (long long)init->u.i);
		size = (size_t)init->u.i;
		init = NULL;
	}
	int rc = pm_shared_array_new(arena_of(c), a->words[0], code, size,
				     init, lock, err, sizeof err);
	pm_value_free(&parsed);
	return created(c, a, rc, err);
}

pm_status pm_cmd_queue(pm_cli *c, pm_args *a)
{
	bool joinable = pm_opt_flag(a, "joinable", false);
	bool simple = pm_opt_flag(a, "simple", false);
	if (joinable && simple)
		return pm_cli_error(c, a, "a queue is joinable or simple, not both");
	size_t maxsize = 0;
	if (a->argc > 1) {
		if (a->vals[1].type != PM_INT || a->vals[1].u.i < 0)
			return pm_cli_error(c, a,
					    "maxsize must be an integer >= 0 (0: no limit), got '%s'",
					    a->words[1]);
		if (simple)
			return pm_cli_error(c, a, "a SimpleQueue has no maxsize");
		maxsize = (size_t)a->vals[1].u.i;
	}
	char err[512];
	int rc = pm_shared_queue_new(arena_of(c), a->words[0],
				     joinable ? PM_SK_JOINABLE_QUEUE
				     : simple ? PM_SK_SIMPLE_QUEUE
					      : PM_SK_QUEUE,
				     maxsize, 0, err, sizeof err);
	return created(c, a, rc, err);
}

pm_status pm_cmd_lock(pm_cli *c, pm_args *a)
{
	const char *kind = pm_opt_string(a, "kind");
	bool rlock = kind && !strcmp(kind, "rlock");
	char err[512];
	int rc = pm_shared_lock_new(arena_of(c), a->words[0], rlock, err,
				    sizeof err);
	return created(c, a, rc, err);
}

pm_status pm_cmd_semaphore(pm_cli *c, pm_args *a)
{
	bool bounded = pm_opt_flag(a, "bounded", false);
	int64_t n = 1;
	if (a->argc > 1) {
		if (a->vals[1].type != PM_INT)
			return pm_cli_error(c, a,
					    "the value must be an integer, got '%s'",
					    a->words[1]);
		n = a->vals[1].u.i;
	}
	char err[512];
	int rc = pm_shared_semaphore_new(arena_of(c), a->words[0], n,
					 bounded, err, sizeof err);
	return created(c, a, rc, err);
}

pm_status pm_cmd_event(pm_cli *c, pm_args *a)
{
	char err[512];
	int rc = pm_shared_event_new(arena_of(c), a->words[0], err, sizeof err);
	return created(c, a, rc, err);
}

pm_status pm_cmd_condition(pm_cli *c, pm_args *a)
{
	char err[512];
	int rc = pm_shared_condition_new(arena_of(c), a->words[0], err,
					 sizeof err);
	return created(c, a, rc, err);
}

pm_status pm_cmd_barrier(pm_cli *c, pm_args *a)
{
	if (a->vals[1].type != PM_INT || a->vals[1].u.i < 1 ||
	    a->vals[1].u.i > 1 << 20)
		return pm_cli_error(c, a, "parties must be an integer 1..%d, got '%s'",
				    1 << 20, a->words[1]);
	char err[512];
	int rc = pm_shared_barrier_new(arena_of(c), a->words[0],
				       (unsigned)a->vals[1].u.i, err,
				       sizeof err);
	return created(c, a, rc, err);
}

pm_status pm_cmd_pipe(pm_cli *c, pm_args *a)
{
	bool duplex = pm_opt_flag(a, "duplex", true);
	char err[512];
	int rc = pm_shared_pipe_new(arena_of(c), a->words[0], duplex, err,
				    sizeof err);
	return created(c, a, rc, err);
}

/* ---- queues: put / get, and acquire / release ---------------------------- */

static void print_item(pm_cli *c, const char *name, const pm_value *v)
{
	pm_buf b = { 0 };
	if (c->mode == PM_OUT_JSON) {
		pm_buf_puts(&b, "{\"event\":\"get\",\"name\":");
		pm_json_string(&b, name);
		pm_buf_puts(&b, ",\"item\":");
		pm_value_json(&b, v);
		pm_buf_puts(&b, "}");
		pm_cli_json(c, b.s);
	} else {
		pm_value_format(&b, v);
		pm_cli_info(c, "%s", b.s);
	}
	pm_buf_free(&b);
}

static void print_acquired(pm_cli *c, const char *name, int rc)
{
	pm_shared_info info;
	if (rc != PM_SHM_OWNER_DIED)
		return;
	/* Say so: the state the dead holder guarded may be half-done. */
	pm_shared *s = arena_of(c);
	for (size_t i = 0; i < pm_shared_count(s); i++) {
		if (!pm_shared_get_info(s, i, &info) || strcmp(info.name, name))
			continue;
		if (c->mode == PM_OUT_JSON) {
			pm_buf b = { 0 };
			pm_buf_puts(&b, "{\"event\":\"acquired\",\"name\":");
			pm_json_string(&b, name);
			pm_buf_printf(&b, ",\"owner_died\":true,\"dead_pid\":%d,\"dead\":",
				      (int)info.dead_pid);
			pm_json_string(&b, info.dead_id);
			pm_buf_puts(&b, "}");
			pm_cli_json(c, b.s);
			pm_buf_free(&b);
		} else {
			pm_cli_info(c, "%s: acquired; its owner (%s, pid %d) died holding it",
				    name, info.dead_id, (int)info.dead_pid);
		}
	}
}

static const char *op_name(int op)
{
	return op == OP_GET ? "get" : op == OP_PUT ? "put" : "acquire";
}

/* A blocked get, put or acquire: what to re-try, on which object. */
typedef struct shared_wait {
	size_t index; /* in the arena */
	int op;
	int rc; /* the last try's answer */
	unsigned char *data; /* put: the encoded item */
	size_t datalen;
} shared_wait;

static shared_wait *new_shared_wait(size_t index, int op)
{
	shared_wait *w = xcalloc(1, sizeof *w);
	w->index = index;
	w->op = op;
	return w;
}

static void shared_wait_free(void *state)
{
	shared_wait *w = state;
	free(w->data);
	free(w);
}

static bool shared_check(pm_cli *c, void *state);
static void shared_timed_out(pm_cli *c, void *state, const char *text);

static const pm_wait_ops shared_wait_ops = {
	.check = shared_check,
	.timed_out = shared_timed_out,
	.free_state = shared_wait_free,
	.poll_ms = PM_SHARED_POLL_MS,
};

/* put and get: the queue named first, nowait= and timeout=. */
typedef struct queue_call {
	void *q;
	size_t idx;
	bool nowait;
	double timeout; /* > 0, or PM_SHM_FOREVER */
} queue_call;

/* False after an error was reported. */
static bool queue_arg(pm_cli *c, pm_args *a, queue_call *qc)
{
	qc->q = lookup(c, a, a->words[0], &qc->idx);
	qc->nowait = pm_opt_flag(a, "nowait", false);
	qc->timeout = opt_timeout(a);
	if (!qc->q)
		return false;
	if (!is_queue(pm_shared_kind_of(qc->q))) {
		pm_cli_error(c, a, "'%s' is a %s, not a queue", a->words[0],
			     api()->kind(qc->q));
		return false;
	}
	return true;
}

pm_status pm_cmd_put(pm_cli *c, pm_args *a)
{
	queue_call qc;
	if (!queue_arg(c, a, &qc))
		return CMD_ERROR;
	pm_value item = item_of(a, 1);
	int rc = api()->queue_put(qc.q, &item, 0);
	if (rc == PM_SHM_FULL && !qc.nowait) {
		shared_wait *w = new_shared_wait(qc.idx, OP_PUT);
		size_t n = pm_value_encoded_size(&item);
		w->data = xmalloc(n);
		w->datalen = pm_value_encode(&item, w->data, n);
		pm_value_free(&item);
		return pm_wait_start(c, a, &shared_wait_ops, w, qc.timeout);
	}
	pm_value_free(&item);
	if (rc != PM_SHM_OK)
		return pm_cli_error(c, a, "%s: %s", a->words[0],
				    api()->strerror(rc));
	return CMD_OK;
}

pm_status pm_cmd_get(pm_cli *c, pm_args *a)
{
	queue_call qc;
	if (!queue_arg(c, a, &qc))
		return CMD_ERROR;
	pm_value v;
	int rc = api()->queue_get(qc.q, &v, 0);
	if (rc == PM_SHM_OK) {
		print_item(c, a->words[0], &v);
		pm_value_free(&v);
		return CMD_OK;
	}
	if (rc == PM_SHM_EMPTY && !qc.nowait)
		return pm_wait_start(c, a, &shared_wait_ops,
				     new_shared_wait(qc.idx, OP_GET), qc.timeout);
	return pm_cli_error(c, a, "%s: %s", a->words[0], api()->strerror(rc));
}

static bool is_lockish(pm_shared_kind k)
{
	return k == PM_SK_LOCK || k == PM_SK_RLOCK || k == PM_SK_SEMAPHORE ||
	       k == PM_SK_BOUNDED_SEMAPHORE || k == PM_SK_CONDITION;
}

/* A value/array names its lock. */
static void *lock_of(void *obj)
{
	pm_shared_kind k = pm_shared_kind_of(obj);
	if (k == PM_SK_VALUE || k == PM_SK_ARRAY)
		return api()->get_lock(obj);
	return is_lockish(k) ? obj : NULL;
}

/* The lock of the object named first (a value's or array's own), or NULL
 * after an error was reported. */
static void *lock_arg(pm_cli *c, pm_args *a, size_t *idx)
{
	void *obj = lookup(c, a, a->words[0], idx);
	if (!obj)
		return NULL;
	void *l = lock_of(obj);
	if (!l)
		pm_cli_error(c, a, "'%s' is a %s without a lock", a->words[0],
			     api()->kind(obj));
	return l;
}

pm_status pm_cmd_acquire(pm_cli *c, pm_args *a)
{
	size_t idx;
	void *l = lock_arg(c, a, &idx);
	if (!l)
		return CMD_ERROR;
	pm_shared_info info;
	pm_shared_get_info(arena_of(c), idx, &info);
	if (pm_shared_kind_of(l) == PM_SK_LOCK && info.holder_pid == getpid())
		return pm_cli_error(c, a, "%s: %s", a->words[0],
				    api()->strerror(PM_SHM_DEADLOCK));
	int rc = api()->acquire(l, 0);
	if (rc == PM_SHM_OK || rc == PM_SHM_OWNER_DIED) {
		print_acquired(c, a->words[0], rc);
		return CMD_OK;
	}
	if (rc == PM_SHM_TIMEOUT) /* held elsewhere: wait for it */
		return pm_wait_start(c, a, &shared_wait_ops,
				     new_shared_wait(idx, OP_ACQUIRE),
				     opt_timeout(a));
	return pm_cli_error(c, a, "%s: %s", a->words[0], api()->strerror(rc));
}

pm_status pm_cmd_release(pm_cli *c, pm_args *a)
{
	void *l = lock_arg(c, a, NULL);
	if (!l)
		return CMD_ERROR;
	int rc = api()->release(l);
	if (rc == PM_SHM_NOT_HELD)
		return pm_cli_error(c, a,
				    "%s: release of a lock poolmon does not hold (as Python: an unheld lock cannot be released)",
				    a->words[0]);
	if (rc != PM_SHM_OK)
		return pm_cli_error(c, a, "%s: %s", a->words[0],
				    api()->strerror(rc));
	return CMD_OK;
}

/* One non-blocking try; true when the wait is over (done or failed,
 * errors reported). */
static bool shared_check(pm_cli *c, void *state)
{
	shared_wait *w = state;
	pm_shared *s = arena_of(c);
	void *obj = pm_shared_at(s, w->index);
	pm_shared_info info;
	pm_shared_get_info(s, w->index, &info);
	pm_args a = { .name = (char *)op_name(w->op) };
	int rc;
	if (w->op == OP_GET) {
		pm_value v;
		rc = api()->queue_get(obj, &v, 0);
		if (rc == PM_SHM_OK) {
			print_item(c, info.name, &v);
			pm_value_free(&v);
			return true;
		}
	} else if (w->op == OP_PUT) {
		pm_value v;
		if (!pm_value_decode(w->data, w->datalen, &v))
			v = pm_none();
		rc = api()->queue_put(obj, &v, 0);
		pm_value_free(&v);
		if (rc == PM_SHM_OK)
			return true;
	} else {
		rc = api()->acquire(lock_of(obj), 0);
		if (rc == PM_SHM_OK || rc == PM_SHM_OWNER_DIED) {
			print_acquired(c, info.name, rc);
			return true;
		}
	}
	w->rc = rc;
	if (rc == PM_SHM_EMPTY || rc == PM_SHM_FULL || rc == PM_SHM_TIMEOUT)
		return false; /* try again */
	pm_cli_error(c, &a, "%s: %s", info.name, api()->strerror(rc));
	return true;
}

static void shared_timed_out(pm_cli *c, void *state, const char *text)
{
	shared_wait *w = state;
	pm_shared_info info;
	pm_shared_get_info(arena_of(c), w->index, &info);
	pm_args a = { .name = (char *)op_name(w->op) };
	(void)text;
	pm_cli_error(c, &a, "%s: timed out: %s", info.name,
		     w->op == OP_ACQUIRE ? "not acquired"
					 : api()->strerror(w->rc));
}

/* ---- set / show ---------------------------------------------------------- */

/* "name" or "name[idx]". */
static int parse_target(const char *w, char *name, size_t namelen,
			bool *has_idx, long long *idx)
{
	const char *br = strchr(w, '[');
	size_t n = br ? (size_t)(br - w) : strlen(w);
	if (n == 0 || n >= namelen)
		return -1;
	memcpy(name, w, n);
	name[n] = '\0';
	*has_idx = br != NULL;
	if (!br)
		return 0;
	char *end;
	*idx = strtoll(br + 1, &end, 10);
	if (end == br + 1 || strcmp(end, "]"))
		return -1;
	return 0;
}

pm_status pm_cmd_set(pm_cli *c, pm_args *a)
{
	char name[PM_SHARED_NAME_MAX];
	bool has_idx;
	long long idx = 0;
	if (parse_target(a->words[0], name, sizeof name, &has_idx, &idx) < 0)
		return pm_cli_error(c, a,
				    "expected NAME or NAME[INDEX], got '%s'",
				    a->words[0]);
	void *obj = lookup(c, a, name, NULL);
	if (!obj)
		return CMD_ERROR;
	pm_shared_kind k = pm_shared_kind_of(obj);
	const pm_value *v = &a->vals[1];
	char err[512];
	if (k == PM_SK_EVENT) {
		if (has_idx || v->type != PM_INT || v->u.i < 0 || v->u.i > 1)
			return pm_cli_error(c, a,
					    "an event is set with 1 and cleared with 0");
		v->u.i ? api()->event_set(obj) : api()->event_clear(obj);
		return CMD_OK;
	}
	if (k != PM_SK_VALUE && k != PM_SK_ARRAY)
		return pm_cli_error(c, a, "'%s' is a %s: only values, arrays and events are set",
				    name, api()->kind(obj));
	size_t len = api()->len(obj);
	char code = api()->code(obj);
	if (k == PM_SK_VALUE && has_idx)
		return pm_cli_error(c, a, "'%s' is a value, not an array: no index",
				    name);
	size_t first = 0, count = 1;
	const pm_value *items = v;
	if (k == PM_SK_ARRAY && !has_idx) {
		/* arr[:] = [...]: the whole array, same length. */
		if (v->type != PM_LIST || v->u.list.len != len)
			return pm_cli_error(c, a,
					    "'%s' has %zu items: set %s[INDEX] VALUE, or all %zu as a list",
					    name, len, name, len);
		items = v->u.list.items;
		count = len;
	} else if (k == PM_SK_ARRAY) {
		long long i = idx < 0 ? idx + (long long)len : idx;
		if (i < 0 || i >= (long long)len)
			return pm_cli_error(c, a,
					    "index %lld out of range: '%s' has %zu items (0..%zu)",
					    idx, name, len, len - 1);
		first = (size_t)i;
	}
	for (size_t i = 0; i < count; i++)
		if (pm_shared_check_value(code, &items[i], err, sizeof err) < 0)
			return count > 1 ? pm_cli_error(c, a, "item %zu: %s", i, err)
					 : pm_cli_error(c, a, "%s", err);
	/* Take the object's lock only if it is free now: never wait on a
	 * task that holds it. */
	void *l = api()->get_lock(obj);
	if (l) {
		int rc = api()->acquire(l, 0);
		if (rc != PM_SHM_OK && rc != PM_SHM_OWNER_DIED)
			return pm_cli_error(c, a,
					    "'%s' is locked by another process now; try again",
					    name);
	}
	for (size_t i = 0; i < count; i++)
		api()->value_set(obj, first + i, &items[i]);
	if (l)
		api()->release(l);
	return CMD_OK;
}

static void bool_field(pm_buf *b, const char *key, bool v)
{
	pm_buf_printf(b, ",\"%s\":%s", key, v ? "true" : "false");
}

static void lock_fields(pm_buf *b, const pm_shared_info *in)
{
	bool_field(b, "locked", in->locked);
	if (in->holder_pid)
		pm_buf_printf(b, ",\"holder_pid\":%d", (int)in->holder_pid);
	else
		pm_buf_puts(b, ",\"holder_pid\":null");
	pm_buf_puts(b, ",\"holder\":");
	if (in->locked)
		pm_json_string(b, in->holder_id);
	else
		pm_buf_puts(b, "null");
	bool_field(b, "holder_dead", in->holder_dead);
	bool_field(b, "owner_died", in->owner_died);
	if (in->owner_died) {
		pm_buf_printf(b, ",\"dead_pid\":%d,\"dead\":", (int)in->dead_pid);
		pm_json_string(b, in->dead_id);
	}
	pm_buf_puts(b, ",\"waiting\":[");
	for (unsigned i = 0; i < in->nwaiting; i++) {
		pm_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
		pm_json_string(b, in->waiting[i].id);
		pm_buf_printf(b, ",\"pid\":%d,\"waited\":%.3f}",
			      (int)in->waiting[i].pid, in->waiting[i].waited);
	}
	pm_buf_puts(b, "]");
	bool_field(b, "deadlock", in->deadlock);
}

#define STATUS_MAX_VALUES 1000

static void object_json(pm_buf *b, pm_shared *s, size_t i, size_t max_values)
{
	pm_shared_info in;
	pm_shared_get_info(s, i, &in);
	void *obj = pm_shared_at(s, i);
	pm_buf_puts(b, "{\"name\":");
	pm_json_string(b, in.name);
	pm_buf_printf(b, ",\"kind\":\"%s\"", in.kind_name);
	if (in.corrupt)
		bool_field(b, "corrupt", true);
	switch (in.kind) {
	case PM_SK_VALUE:
	case PM_SK_ARRAY: {
		pm_buf_printf(b, ",\"code\":\"%c\"", in.code);
		pm_value v;
		pm_shared_values(obj, &v);
		if (in.kind == PM_SK_VALUE) {
			pm_buf_puts(b, ",\"value\":");
			pm_value_json(b, &v);
		} else {
			pm_buf_printf(b, ",\"len\":%zu,\"values\":[", in.len);
			size_t n = v.u.list.len < max_values ? v.u.list.len
							     : max_values;
			for (size_t k = 0; k < n; k++) {
				if (k)
					pm_buf_puts(b, ",");
				pm_value_json(b, &v.u.list.items[k]);
			}
			pm_buf_puts(b, "]");
			bool_field(b, "truncated", n < v.u.list.len);
		}
		pm_value_free(&v);
		bool_field(b, "lock", in.has_lock);
		if (in.has_lock)
			lock_fields(b, &in);
		break;
	}
	case PM_SK_QUEUE:
	case PM_SK_JOINABLE_QUEUE:
	case PM_SK_SIMPLE_QUEUE:
		pm_buf_printf(b, ",\"qsize\":%zu,\"maxsize\":%zu", in.qsize,
			      in.maxsize);
		if (in.kind == PM_SK_JOINABLE_QUEUE)
			pm_buf_printf(b, ",\"unfinished\":%zu", in.unfinished);
		bool_field(b, "closed", in.closed);
		break;
	case PM_SK_LOCK:
	case PM_SK_RLOCK:
	case PM_SK_CONDITION:
		lock_fields(b, &in);
		break;
	case PM_SK_SEMAPHORE:
	case PM_SK_BOUNDED_SEMAPHORE:
		pm_buf_printf(b, ",\"count\":%lld", (long long)in.count);
		if (in.maxsize)
			pm_buf_printf(b, ",\"maxvalue\":%zu", in.maxsize);
		break;
	case PM_SK_EVENT:
		bool_field(b, "is_set", in.is_set);
		break;
	case PM_SK_BARRIER:
		pm_buf_printf(b, ",\"parties\":%u,\"count\":%lld", in.parties,
			      (long long)in.count);
		bool_field(b, "broken", in.broken);
		break;
	case PM_SK_PIPE:
		pm_buf_printf(b, ",\"qsize\":%zu", in.qsize);
		break;
	default:
		break;
	}
	pm_buf_printf(b, ",\"waiters\":%u,\"text\":", in.waiters);
	pm_json_string(b, in.text);
	pm_buf_puts(b, "}");
}

void pm_cmd_shared_status_json(pm_cli *c, pm_buf *b)
{
	pm_shared *s = arena_of(c);
	pm_buf_puts(b, "[");
	for (size_t i = 0; i < pm_shared_count(s); i++) {
		if (i)
			pm_buf_puts(b, ",");
		object_json(b, s, i, STATUS_MAX_VALUES);
	}
	pm_buf_puts(b, "]");
}

static void object_line(pm_cli *c, const char *prefix, pm_shared_info *in)
{
	char code[8] = "";
	if (in->code)
		snprintf(code, sizeof code, " '%c'", in->code);
	char extra[128] = "";
	if ((in->kind == PM_SK_VALUE || in->kind == PM_SK_ARRAY) &&
	    (in->locked || in->owner_died)) {
		int n = 0;
		if (in->locked)
			n = snprintf(extra, sizeof extra, " (locked by %s%s)",
				     in->holder_id,
				     in->holder_dead ? ", which died" : "");
		if (in->owner_died && n >= 0 && (size_t)n < sizeof extra)
			snprintf(extra + n, sizeof extra - (size_t)n,
				 " (lock owner died: %s)", in->dead_id);
	}
	pm_cli_info(c, "%s%s %s%s: %s%s", prefix, in->name, in->kind_name,
		    code, in->text, extra);
}

void pm_cmd_shared_status_text(pm_cli *c)
{
	pm_shared *s = arena_of(c);
	for (size_t i = 0; i < pm_shared_count(s); i++) {
		pm_shared_info in;
		pm_shared_get_info(s, i, &in);
		object_line(c, "shared: ", &in);
	}
}

pm_status pm_cmd_shared_show(pm_cli *c, pm_args *a)
{
	size_t idx;
	if (!lookup(c, a, a->words[0], &idx))
		return CMD_ERROR;
	pm_shared *s = arena_of(c);
	if (c->mode == PM_OUT_JSON) {
		pm_buf b = { 0 };
		pm_buf_puts(&b, "{\"event\":\"shared\",\"object\":");
		object_json(&b, s, idx, SIZE_MAX);
		pm_shared_info qi;
		pm_shared_get_info(s, idx, &qi);
		if (is_queue(qi.kind)) { /* the items inside the object */
			b.len--;
			b.s[b.len] = '\0';
			pm_cmd_queue_items_json(&b, pm_shared_at(s, idx));
			pm_buf_puts(&b, "}");
		}
		pm_buf_puts(&b, "}");
		pm_cli_json(c, b.s);
		pm_buf_free(&b);
		return CMD_OK;
	}
	pm_shared_info in;
	pm_shared_get_info(s, idx, &in);
	if (in.kind == PM_SK_ARRAY) {
		/* The whole array, not the one-line cut. */
		pm_value v;
		pm_buf b = { 0 };
		pm_shared_values(pm_shared_at(s, idx), &v);
		pm_value_format(&b, &v);
		pm_value_free(&v);
		if (b.len >= sizeof in.text)
			snprintf(in.text, sizeof in.text, "%zu items", in.len);
		object_line(c, "", &in);
		if (b.len >= sizeof in.text)
			pm_cli_info(c, "%s", b.s);
		pm_buf_free(&b);
		return CMD_OK;
	}
	object_line(c, "", &in);
	if (is_queue(in.kind))
		pm_cmd_queue_items_text(c, pm_shared_at(s, idx), in.name);
	return CMD_OK;
}
