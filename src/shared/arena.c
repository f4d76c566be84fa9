/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The arena and its bookkeeping: the mapping, the manager-private object
 * table (what each object is, where, and what never changes after its
 * creation), reserving and publishing objects, finding them by name or
 * handle, the manager's checks of objects a task may have written over
 * (and their report), and the table of operations tasks get as ctx->shm,
 * gathered from the rooms (numbers.c, sync.c, queue.c). */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

pm_shared *shm_manager;

/* ---- handles ----------------------------------------------------------- */

static obj_hdr *hdr(const void *obj)
{
	obj_hdr *h = (obj_hdr *)obj;
	return h && h->magic == OBJ_MAGIC ? h : NULL;
}

static bool in_manager(const pm_shared *s)
{
	return s && s->owner == shm_my_pid();
}

/* The record whose object holds handle obj, NULL if none. */
static obj_rec *rec_of(pm_shared *s, const void *obj)
{
	const char *p = obj, *base = (const char *)s->a;
	if (!p || p < base || p >= base + PM_SHARED_ARENA)
		return NULL;
	uint64_t off = (uint64_t)(p - base);
	size_t lo = 0, hi = s->n; /* records are in offset order */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->rec[mid].off + s->rec[mid].size <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->rec[lo].off <= off ? &s->rec[lo] : NULL;
}

/* The kind of a handle inside a record: the object, an array's lock or a
 * condition's (its RLock), a pipe's end. */
static pm_shared_kind rec_handle_kind(const pm_shared *s, const obj_rec *r,
				      const void *obj)
{
	const char *base = (const char *)s->a + r->off;
	const char *p = obj;
	if (p == base)
		return r->kind;
	if (((r->kind == PM_SK_VALUE || r->kind == PM_SK_ARRAY) &&
	     p == base + offsetof(o_array, lock)) ||
	    (r->kind == PM_SK_CONDITION && p == base + offsetof(o_cond, lock)))
		return PM_SK_RLOCK;
	if (r->kind == PM_SK_PIPE &&
	    (p == base + offsetof(o_pipe, ends) ||
	     p == base + offsetof(o_pipe, ends) + sizeof(o_conn)))
		return PM_SK_CONNECTION;
	return 0;
}

pm_shared_kind pm_shared_kind_of(const void *obj)
{
	if (in_manager(shm_manager)) {
		obj_rec *r = rec_of(shm_manager, obj);
		return r ? rec_handle_kind(shm_manager, r, obj) : 0;
	}
	obj_hdr *h = hdr(obj);
	return h ? (pm_shared_kind)h->kind : 0;
}

const char *pm_shared_kind_name(pm_shared_kind k)
{
	switch (k) {
	case PM_SK_VALUE: return "value";
	case PM_SK_ARRAY: return "array";
	case PM_SK_QUEUE: return "queue";
	case PM_SK_JOINABLE_QUEUE: return "joinable_queue";
	case PM_SK_SIMPLE_QUEUE: return "simple_queue";
	case PM_SK_LOCK: return "lock";
	case PM_SK_RLOCK: return "rlock";
	case PM_SK_SEMAPHORE: return "semaphore";
	case PM_SK_BOUNDED_SEMAPHORE: return "bounded_semaphore";
	case PM_SK_EVENT: return "event";
	case PM_SK_CONDITION: return "condition";
	case PM_SK_BARRIER: return "barrier";
	case PM_SK_PIPE: return "pipe";
	case PM_SK_CONNECTION: return "connection";
	case PM_SK_CHANNEL: return "channel";
	}
	return NULL;
}

static const char *api_kind(const void *obj)
{
	if (shm_refuse(obj) == PM_SHM_TYPE)
		return NULL;
	return pm_shared_kind_name(pm_shared_kind_of(obj));
}

static const char *api_strerror(int rc)
{
	switch (rc) {
	case PM_SHM_OK: return "ok";
	case PM_SHM_OWNER_DIED: return "acquired: the previous holder died holding it";
	case PM_SHM_TIMEOUT: return "timed out";
	case PM_SHM_EMPTY: return "queue is empty (Empty)";
	case PM_SHM_FULL: return "queue is full (Full)";
	case PM_SHM_CLOSED: return "queue is closed";
	case PM_SHM_BROKEN: return "barrier is broken (BrokenBarrierError)";
	case PM_SHM_NOT_HELD: return "lock is not held by this process";
	case PM_SHM_TOO_MANY: return "released too many times";
	case PM_SHM_DEADLOCK: return "lock already held by this process (would deadlock)";
	case PM_SHM_RANGE: return "value out of range for the type code, or index out of range";
	case PM_SHM_TYPE: return "wrong kind of object or type of value";
	case PM_SHM_TOO_BIG: return "item larger than the queue's buffer";
	case PM_SHM_CORRUPT: return "its shared memory was overwritten (by a task?): refused";
	}
	return "unknown error";
}

/* ---- the mapping ------------------------------------------------------- */

pm_shared *pm_shared_new(char *err, size_t errlen)
{
	void *p = mmap(NULL, PM_SHARED_ARENA, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		pm_err(err, errlen, "cannot map %u MiB of shared memory: %s",
		       PM_SHARED_ARENA >> 20, strerror(errno));
		return NULL;
	}
	shm_pid_atfork();
	shm_tag = TAG_MANAGER;
	pm_shared *s = xcalloc(1, sizeof *s);
	s->a = p;
	s->owner = shm_my_pid();
	s->a->magic = ARENA_MAGIC;
	s->a->used = (sizeof(arena) + 63) & ~(uint64_t)63;
	shm_manager = s;
	return s;
}

void pm_shared_free(pm_shared *s)
{
	if (!s)
		return;
	if (shm_manager == s)
		shm_manager = NULL;
	munmap(s->a, PM_SHARED_ARENA);
	free(s);
}

void pm_shared_set_reporter(pm_shared *s, pm_shared_report_fn fn, void *ud)
{
	if (!s)
		return;
	s->report = fn;
	s->report_ud = ud;
}

/* ---- names ------------------------------------------------------------- */

bool pm_shared_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (!n || n >= PM_SHARED_NAME_MAX)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') ||
	      (name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static const obj_rec *find_rec(const pm_shared *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->rec[i].name, name))
			return &s->rec[i];
	return NULL;
}

/* A worker's lookup of an object created after it was forked: in the
 * arena's table, which any task may have written over, so every field is
 * bounded before use (a bad entry costs that worker a failed lookup). */
static void *find_in_arena(const pm_shared *s, const char *name, int *entry)
{
	uint32_t n = atomic_load_explicit(&s->a->count, memory_order_acquire);
	if (n > PM_SHARED_MAX)
		n = PM_SHARED_MAX;
	for (uint32_t i = 0; i < n; i++) {
		const arena_entry *e = &s->a->e[i];
		if (strncmp(e->name, name, sizeof e->name))
			continue;
		if (e->off < sizeof(arena) || e->off % 64 ||
		    e->off >= PM_SHARED_ARENA - sizeof(obj_hdr))
			return NULL;
		*entry = (int)i;
		return (char *)s->a + e->off;
	}
	return NULL;
}

void *pm_shared_find_entry(const pm_shared *s, const char *name, int *entry)
{
	*entry = -1;
	if (!s || !name)
		return NULL;
	const obj_rec *r = find_rec(s, name);
	/* A worker's copy of the records is of its fork: the object may
	 * have been deleted since (its arena entry blanked). */
	if (r && (in_manager(s) ||
		  (r->entry < PM_SHARED_MAX &&
		   !strncmp(s->a->e[r->entry].name, name,
			    sizeof s->a->e[r->entry].name)))) {
		*entry = (int)r->entry;
		return (char *)s->a + r->off;
	}
	return in_manager(s) ? NULL : find_in_arena(s, name, entry);
}

void *pm_shared_find(const pm_shared *s, const char *name)
{
	int entry;
	return pm_shared_find_entry(s, name, &entry);
}

/* ---- creating ---------------------------------------------------------- */

void *shm_reserve(pm_shared *s, const char *name, size_t size, size_t zeroed,
		  char *err, size_t errlen)
{
	if (!pm_shared_name_ok(name)) {
		pm_err(err, errlen,
		       "bad name '%s': use letters, digits and _ (at most %d), not starting with a digit",
		       name, PM_SHARED_NAME_MAX - 1);
		return NULL;
	}
	if (find_rec(s, name)) {
		pm_err(err, errlen, "'%s' already exists", name);
		return NULL;
	}
	if (s->n >= PM_SHARED_MAX || s->entries >= PM_SHARED_MAX) {
		pm_err(err, errlen, "too many shared objects (at most %d%s)",
		       PM_SHARED_MAX,
		       s->n < PM_SHARED_MAX ? " made, deleted ones count" : "");
		return NULL;
	}
	uint64_t used = s->high > sizeof(arena) ? s->high : sizeof(arena);
	uint64_t off = (used + 63) & ~(uint64_t)63;
	if (size > PM_SHARED_ARENA || off + size > PM_SHARED_ARENA) {
		pm_err(err, errlen,
		       "shared memory full: %zu bytes wanted, %llu of %u MiB left",
		       size,
		       (unsigned long long)(PM_SHARED_ARENA - (off < PM_SHARED_ARENA ? off : PM_SHARED_ARENA)),
		       PM_SHARED_ARENA >> 20);
		return NULL;
	}
	void *obj = (char *)s->a + off;
	memset(obj, 0, zeroed);
	return obj;
}

void shm_hdr_init(obj_hdr *h, pm_shared_kind kind)
{
	h->magic = OBJ_MAGIC;
	h->kind = kind;
}

/* What of obj the manager keeps in its record r. */
static void rec_snapshot(obj_rec *r, const void *obj)
{
	switch (r->kind) {
	case PM_SK_VALUE:
	case PM_SK_ARRAY: {
		const o_array *a = obj;
		r->code = a->code;
		r->elsize = a->elsize;
		r->has_lock = a->has_lock;
		r->len = a->len;
		break;
	}
	case PM_SK_QUEUE:
	case PM_SK_JOINABLE_QUEUE:
	case PM_SK_SIMPLE_QUEUE: {
		const o_queue *q = obj;
		r->cap = q->cap;
		r->maxsize = q->maxsize;
		break;
	}
	case PM_SK_SEMAPHORE:
	case PM_SK_BOUNDED_SEMAPHORE:
		r->max = ((const o_sem *)obj)->max;
		break;
	case PM_SK_BARRIER:
		r->parties = ((const o_barrier *)obj)->parties;
		break;
	case PM_SK_PIPE:
		r->duplex = ((const o_pipe *)obj)->duplex;
		break;
	default:
		break;
	}
}

int shm_publish(pm_shared *s, const char *name, void *obj, size_t size,
		pm_shared_kind kind)
{
	shm_hdr_init(obj, kind);
	size_t n = s->n;
	obj_rec *r = &s->rec[n];
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", name);
	r->kind = kind;
	r->off = (uint64_t)((char *)obj - (char *)s->a);
	r->size = size;
	r->entry = s->entries;
	rec_snapshot(r, obj);
	s->n = n + 1;
	s->high = r->off + size;
	/* The arena's copy, for workers forked before this. */
	arena_entry *e = &s->a->e[r->entry];
	snprintf(e->name, sizeof e->name, "%s", name);
	e->kind = kind;
	e->off = r->off;
	s->a->used = r->off + size;
	s->entries++;
	atomic_store_explicit(&s->a->count, s->entries, memory_order_release);
	return 0;
}

int pm_shared_delete(pm_shared *s, const char *name, char *err,
		     size_t errlen)
{
	const obj_rec *r = find_rec(s, name);
	if (!r)
		return pm_err(err, errlen, "no shared object '%s'", name);
	size_t i = (size_t)(r - s->rec);
	/* Workers find it by name no more; its memory stays as it is. */
	memset(s->a->e[r->entry].name, 0, sizeof s->a->e[r->entry].name);
	memmove(&s->rec[i], &s->rec[i + 1], (s->n - i - 1) * sizeof *s->rec);
	s->n--;
	return 0;
}

/* ---- the manager's checks ----------------------------------------------
 * Any task can write over the arena.  Before the manager reads an object
 * beyond what its own record says, it compares what never changes (headers,
 * type codes, lengths, capacities, a pipe's layout) with the record and
 * bounds what does (queue offsets); an object that fails is marked
 * corrupted, reported once and refused from then on.  Workers do not make
 * these checks (a task that corrupts an object hurts the tasks that use
 * it, not poolmon), only the cheap bounds on queue offsets and pipe
 * layout every process makes. */

static bool __attribute__((format(printf, 2, 3)))
problem(char *why, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof ((obj_rec *)0)->why, fmt, ap);
	va_end(ap);
	return false;
}

static bool hdr_ok(const obj_hdr *h, pm_shared_kind kind, const char *what,
		   char *why)
{
	if (h->magic == OBJ_MAGIC && h->kind == (uint32_t)kind)
		return true;
	return problem(why, "%s header overwritten (magic 0x%08x, kind %u)",
		       what, h->magic, h->kind);
}

static bool mutex_ok(const shm_mutex *m, bool recursive, const char *what,
		     char *why)
{
	if (m->recursive == (uint32_t)recursive)
		return true;
	return problem(why, "%s overwritten (recursive flag %u)", what,
		       m->recursive);
}

/* The RLock inside an array or a condition. */
static bool inner_lock_ok(const o_lock *l, char *why)
{
	return hdr_ok(&l->h, PM_SK_RLOCK, "lock", why) &&
	       mutex_ok(&l->m, true, "lock", why);
}

static bool queue_ok(const o_queue *q, pm_shared_kind kind, uint64_t cap,
		     uint64_t maxsize, const char *what, char *why)
{
	if (!hdr_ok(&q->h, kind, what, why))
		return false;
	if (q->cap != cap || q->maxsize != maxsize)
		return problem(why, "%s size overwritten (buffer %llu, maxsize %llu; created %llu, %llu)",
			       what, (unsigned long long)q->cap,
			       (unsigned long long)q->maxsize,
			       (unsigned long long)cap,
			       (unsigned long long)maxsize);
	uint64_t pw = atomic_load(&q->pw), cw = atomic_load(&q->cw);
	if (w_off(pw) >= cap || w_off(cw) >= cap)
		return problem(why, "%s offsets overwritten (put at %u, get at %u in %llu bytes)",
			       what, w_off(pw), w_off(cw),
			       (unsigned long long)cap);
	uint32_t closed = atomic_load(&q->closed);
	if (closed > 1)
		return problem(why, "%s closed flag overwritten (%u)", what,
			       closed);
	return true;
}

static bool array_ok(const obj_rec *r, const o_array *a, char *why)
{
	if (!hdr_ok(&a->h, r->kind, r->kind == PM_SK_VALUE ? "value" : "array",
		    why))
		return false;
	if (a->code != r->code || a->elsize != r->elsize || a->len != r->len ||
	    a->has_lock != r->has_lock)
		return problem(why, "type overwritten (code 0x%02x, %u-byte items, length %llu, lock %u; created '%c', %u, %llu, %u)",
			       (unsigned char)a->code, a->elsize,
			       (unsigned long long)a->len, a->has_lock,
			       r->code, r->elsize, (unsigned long long)r->len,
			       r->has_lock);
	return inner_lock_ok(&a->lock, why);
}

static bool pipe_ok(const o_pipe *p, const obj_rec *r, char *why)
{
	if (!hdr_ok(&p->h, PM_SK_PIPE, "pipe", why))
		return false;
	if (p->duplex != r->duplex)
		return problem(why, "duplex flag overwritten (%u)", p->duplex);
	for (int i = 0; i < 2; i++) {
		const o_conn *c = &p->ends[i];
		char what[16];
		snprintf(what, sizeof what, "end %d", i);
		if (!hdr_ok(&c->h, PM_SK_CONNECTION, what, why))
			return false;
		if (c->end != (uint32_t)i || !conn_pipe(c))
			return problem(why, "%s overwritten (end %u, pipe at %lld)",
				       what, c->end, (long long)c->pipe_rel);
		if (p->ch_rel[i] != pipe_channel_rel(i))
			return problem(why, "channel %d offset overwritten (%lld)",
				       i, (long long)p->ch_rel[i]);
		snprintf(what, sizeof what, "channel %d", i);
		if (!queue_ok(pipe_channel((o_pipe *)p, i), PM_SK_CHANNEL,
			      PM_SHARED_PIPE_BYTES, 0, what, why))
			return false;
	}
	return true;
}

/* true if r's object passes; else why says what failed. */
static bool rec_ok(const pm_shared *s, const obj_rec *r, char *why)
{
	const void *obj = (const char *)s->a + r->off;
	const char *kname = pm_shared_kind_name(r->kind);
	switch (r->kind) {
	case PM_SK_VALUE:
	case PM_SK_ARRAY:
		return array_ok(r, obj, why);
	case PM_SK_QUEUE:
	case PM_SK_JOINABLE_QUEUE:
	case PM_SK_SIMPLE_QUEUE:
		return queue_ok(obj, r->kind, r->cap, r->maxsize, kname, why);
	case PM_SK_LOCK:
	case PM_SK_RLOCK:
		return hdr_ok(obj, r->kind, kname, why) &&
		       mutex_ok(&((const o_lock *)obj)->m,
				r->kind == PM_SK_RLOCK, kname, why);
	case PM_SK_SEMAPHORE:
	case PM_SK_BOUNDED_SEMAPHORE: {
		const o_sem *sem = obj;
		if (!hdr_ok(obj, r->kind, kname, why))
			return false;
		if (sem->max != r->max)
			return problem(why, "bound overwritten (%lld, created %lld)",
				       (long long)sem->max, (long long)r->max);
		return true;
	}
	case PM_SK_EVENT:
		return hdr_ok(obj, r->kind, kname, why);
	case PM_SK_CONDITION:
		return hdr_ok(obj, r->kind, kname, why) &&
		       inner_lock_ok(&((const o_cond *)obj)->lock, why);
	case PM_SK_BARRIER: {
		const o_barrier *b = obj;
		if (!hdr_ok(obj, r->kind, kname, why))
			return false;
		uint32_t count = __atomic_load_n(&b->count, __ATOMIC_RELAXED);
		if (b->parties != r->parties || count > r->parties)
			return problem(why, "parties overwritten (%u waiting of %u; created %u)",
				       count, b->parties, r->parties);
		return true;
	}
	case PM_SK_PIPE:
		return pipe_ok(obj, r, why);
	default:
		return problem(why, "unknown kind %u", (unsigned)r->kind);
	}
}

/* Checks r's object (once corrupted, always); reports the first failure. */
static bool rec_check(pm_shared *s, obj_rec *r)
{
	if (r->corrupt)
		return false;
	if (rec_ok(s, r, r->why))
		return true;
	r->corrupt = true;
	if (s->report)
		s->report(s->report_ud, r->name, pm_shared_kind_name(r->kind),
			  r->why);
	return false;
}

int shm_refuse(const void *obj)
{
	if (!in_manager(shm_manager))
		return 0;
	obj_rec *r = rec_of(shm_manager, obj);
	if (!r || !rec_handle_kind(shm_manager, r, obj))
		return PM_SHM_TYPE;
	return rec_check(shm_manager, r) ? 0 : PM_SHM_CORRUPT;
}

bool pm_shared_corrupt(const pm_shared *s, size_t i, const char **why)
{
	if (!s || i >= s->n)
		return false;
	pm_shared *m = (pm_shared *)s; /* a check may mark it */
	obj_rec *r = &m->rec[i];
	if (rec_check(m, r))
		return false;
	if (why)
		*why = r->why;
	return true;
}

/* ---- the table --------------------------------------------------------- */

static const struct pm_shared_api g_api = {
	.size = sizeof(struct pm_shared_api),
	.strerror = api_strerror,
	.kind = api_kind,
	.len = shm_api_len,
	.code = shm_api_code,
	.value_get = shm_api_value_get,
	.value_set = shm_api_value_set,
	.value_add = shm_api_value_add,
	.get_lock = shm_api_get_lock,
	.raw = shm_api_raw,
	.acquire = shm_api_acquire,
	.release = shm_api_release,
	.wait = shm_api_wait,
	.notify = shm_api_notify,
	.event_set = shm_api_event_set,
	.event_clear = shm_api_event_clear,
	.event_is_set = shm_api_event_is_set,
	.queue_put = shm_api_queue_put,
	.queue_get = shm_api_queue_get,
	.qsize = shm_api_qsize,
	.queue_empty = shm_api_queue_empty,
	.queue_full = shm_api_queue_full,
	.queue_close = shm_api_queue_close,
	.task_done = shm_api_task_done,
	.join = shm_api_join,
	.pipe_end = shm_api_pipe_end,
	.send = shm_api_send,
	.recv = shm_api_recv,
	.poll = shm_api_poll,
};

const struct pm_shared_api *pm_shared_api(void)
{
	return &g_api;
}
