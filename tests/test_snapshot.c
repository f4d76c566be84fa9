// SPDX-License-Identifier: GPL-3.0-or-later
/* A pool's snapshot as JSON (ui/snapshot.c) and back: a snapshot with
 * every field of every part set to a value of its own decodes to the same
 * snapshot, and encodes again to the same text; text that is not a
 * snapshot is refused with a message and leaves nothing behind. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "util.h"

/* model.c's filter and sort live in tables.c, with curses: not needed. */
void tables_arrange_rows(ui_model *m, const ui_source *s)
{
	(void)m;
	(void)s;
}
bool tables_task_shown(const ui_model *m, const ui_task *t)
{
	(void)m;
	(void)t;
	return true;
}
void tables_arrange_tasks(ui_model *m)
{
	(void)m;
}

static unsigned g_n; /* each field gets the next number */
static unsigned next(void)
{
	return ++g_n;
}
static double real(void)
{
	return next() + 0.125; /* not a whole number: a real in JSON */
}
static char *text(const char *what)
{
	return xasprintf("%s-%u \"é\"\n", what, next());
}

static void fill_task(ui_task *t)
{
	pm_task_info *i = &t->info;
	i->id = next();
	i->state = PM_TASK_PAUSED;
	i->worker = next();
	i->in_process = true;
	i->pid = (pid_t)next();
	i->signo = (int)next();
	i->progress = real();
	i->elapsed = real();
	i->queued_at = real();
	i->started_at = real();
	i->ended_at = real();
	i->changed_at = real();
	t->name = text("name");
	t->call = text("call");
	t->outcome = text("outcome");
	t->result = text("result");
	t->error = text("error");
}

static void fill_shared(pm_shared_info *in, ui_snap_queue *q)
{
	snprintf(in->name, sizeof in->name, "obj%u", next());
	in->kind = PM_SK_JOINABLE_QUEUE;
	in->code = 'd';
	in->len = next();
	in->has_lock = true;
	in->qsize = next();
	in->maxsize = next();
	in->unfinished = next();
	in->closed = true;
	in->locked = true;
	in->holder_pid = (pid_t)next();
	in->owner_died = true;
	in->dead_pid = (pid_t)next();
	in->count = -(int64_t)next();
	in->parties = next();
	in->is_set = true;
	in->broken = true;
	in->waiters = next();
	snprintf(in->holder_id, sizeof in->holder_id, "w%u", next());
	in->holder_dead = true;
	snprintf(in->dead_id, sizeof in->dead_id, "p%u", next());
	in->nwaiting = PM_SHARED_WAITERS;
	for (unsigned k = 0; k < PM_SHARED_WAITERS; k++) {
		in->waiting[k].pid = (pid_t)next();
		snprintf(in->waiting[k].id, sizeof in->waiting[k].id, "w%u",
			 next());
		in->waiting[k].waited = real();
	}
	in->deadlock = true;
	snprintf(in->text, sizeof in->text, "[1, 2, %u, …]", next());
	in->corrupt = true;
	q->total = next();
	q->busy = true;
	q->n = UI_QUEUE_ITEMS;
	for (size_t k = 0; k < q->n; k++)
		q->items[k] = text("item");
}

static void fill(ui_snap *s)
{
	memset(s, 0, sizeof *s);
	pm_counts *c = &s->counts;
	c->queued = next(), c->running = next(), c->paused = next();
	c->done = next(), c->failed = next(), c->crashed = next();
	c->timeout = next(), c->terminated = next(), c->cancelled = next();
	s->pool = PM_POOL_CLOSED;
	s->last_task = (uint64_t)1 << 40;
	s->cli_busy = true;
	s->idle = true;
	s->processes_alive = next();
	s->target_workers = (int)next();
	s->t0 = real();
	s->nworkers = 3;
	s->workers = xcalloc(s->nworkers, sizeof *s->workers);
	for (size_t i = 0; i < s->nworkers; i++) {
		pm_worker_info *w = &s->workers[i];
		w->id = next(), w->pid = (pid_t)next();
		w->state = PM_WORKER_PAUSED;
		w->task = next(), w->task_now = next(), w->done = next();
		w->restarts = next();
	}
	s->nprocs = 2;
	s->procs = xcalloc(s->nprocs, sizeof *s->procs);
	for (size_t i = 0; i < s->nprocs; i++) {
		pm_process_info *p = &s->procs[i];
		p->id = next(), p->name = text("Process");
		p->pid = (pid_t)next();
		p->alive = p->daemon = p->paused = true;
		p->exitcode = -(int)next();
		p->task = next();
	}
	s->nsamples = 4;
	s->samples = xcalloc(s->nsamples, sizeof *s->samples);
	for (size_t i = 0; i < s->nsamples; i++) {
		pm_proc_sample *p = &s->samples[i];
		p->pid = (pid_t)next(), p->state = 'T', p->cpu_pct = real();
		p->rss_kb = next(), p->threads = (int)next(), p->ctxsw = next();
	}
	s->sys_cpu = real();
	s->mem_used_kb = next();
	s->mem_total_kb = next();
	s->ntasks = 3;
	s->npanel = 2;
	s->tasks = xcalloc(s->ntasks, sizeof *s->tasks);
	for (size_t i = 0; i < s->ntasks; i++)
		fill_task(&s->tasks[i]);
	free(s->tasks[2].result);
	s->tasks[2].result = NULL; /* null in JSON, NULL again */
	s->nshared = 2;
	s->shared = xcalloc(s->nshared, sizeof *s->shared);
	s->queues = xcalloc(s->nshared, sizeof *s->queues);
	for (size_t i = 0; i < s->nshared; i++)
		fill_shared(&s->shared[i], &s->queues[i]);
	s->nmaps = MAPS_SHOWN;
	for (size_t i = 0; i < s->nmaps; i++) {
		ui_map *m = &s->maps[i];
		m->info.first = next(), m->info.n = next();
		m->info.queued_at = real();
		snprintf(m->task, sizeof m->task, "demo.task%u", next());
		m->ended = next(), m->rate = real();
	}
	s->nspans = 5;
	s->spans = xcalloc(s->nspans, sizeof *s->spans);
	for (size_t i = 0; i < s->nspans; i++) {
		pm_span_info *p = &s->spans[i];
		p->first = next(), p->count = next(), p->worker = next();
		p->in_process = p->paused = true;
		p->state = PM_TASK_TIMEOUT;
		p->started = real(), p->ended = real();
	}
}

static void same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void same(const ui_snap *a, const ui_snap *b)
{
	assert_memory_equal(&a->counts, &b->counts, sizeof a->counts);
	assert_int_equal(a->pool, b->pool);
	assert_true(a->last_task == b->last_task);
	assert_int_equal(a->cli_busy, b->cli_busy);
	assert_int_equal(a->idle, b->idle);
	assert_int_equal(a->processes_alive, b->processes_alive);
	assert_int_equal(a->target_workers, b->target_workers);
	assert_true(a->t0 == b->t0);
	assert_int_equal(a->nworkers, b->nworkers);
	assert_memory_equal(a->workers, b->workers,
			    a->nworkers * sizeof *a->workers);
	assert_int_equal(a->nprocs, b->nprocs);
	for (size_t i = 0; i < a->nprocs; i++) {
		pm_process_info x = a->procs[i], y = b->procs[i];
		same_str(x.name, y.name);
		x.name = y.name = NULL;
		assert_memory_equal(&x, &y, sizeof x);
	}
	assert_int_equal(a->nsamples, b->nsamples);
	assert_memory_equal(a->samples, b->samples,
			    a->nsamples * sizeof *a->samples);
	assert_true(a->sys_cpu == b->sys_cpu);
	assert_int_equal(a->mem_used_kb, b->mem_used_kb);
	assert_int_equal(a->mem_total_kb, b->mem_total_kb);
	assert_int_equal(a->ntasks, b->ntasks);
	assert_int_equal(a->npanel, b->npanel);
	for (size_t i = 0; i < a->ntasks; i++) {
		const ui_task *x = &a->tasks[i], *y = &b->tasks[i];
		assert_memory_equal(&x->info, &y->info, sizeof x->info);
		same_str(x->name, y->name);
		same_str(x->call, y->call);
		same_str(x->outcome, y->outcome);
		same_str(x->result, y->result);
		same_str(x->error, y->error);
	}
	assert_int_equal(a->nshared, b->nshared);
	assert_memory_equal(a->shared, b->shared,
			    a->nshared * sizeof *a->shared);
	for (size_t i = 0; i < a->nshared; i++) {
		const ui_snap_queue *x = &a->queues[i], *y = &b->queues[i];
		assert_int_equal(x->n, y->n);
		assert_int_equal(x->total, y->total);
		assert_int_equal(x->busy, y->busy);
		for (size_t k = 0; k < x->n; k++)
			same_str(x->items[k], y->items[k]);
	}
	assert_int_equal(a->nmaps, b->nmaps);
	assert_memory_equal(a->maps, b->maps, sizeof a->maps);
	assert_int_equal(a->nspans, b->nspans);
	assert_memory_equal(a->spans, b->spans, a->nspans * sizeof *a->spans);
}

static void test_round_trip(void **state)
{
	(void)state;
	ui_snap a, b;
	fill(&a);
	char *json = ui_snap_encode(&a);
	assert_non_null(json);
	char err[256] = "";
	assert_true(ui_snap_decode(json, &b, err, sizeof err));
	same(&a, &b);
	char *again = ui_snap_encode(&b);
	assert_string_equal(json, again);
	free(again);
	free(json);
	ui_snap_clear(&a);
	ui_snap_clear(&b);
}

/* decode(text) is refused with a message containing want. */
static void refused(const char *text, const char *want)
{
	ui_snap s;
	char err[256] = "";
	assert_false(ui_snap_decode(text, &s, err, sizeof err));
	if (!strstr(err, want))
		fail_msg("refused with '%s', not '%s': %.80s", err, want, text);
	assert_null(s.workers);
	assert_int_equal(s.ntasks, 0);
}

/* A good snapshot's text with the first "from" replaced by "to". */
static char *edited(const char *from, const char *to)
{
	ui_snap a;
	fill(&a);
	char *json = ui_snap_encode(&a);
	ui_snap_clear(&a);
	char *at = strstr(json, from);
	assert_non_null(at);
	char *out = xasprintf("%.*s%s%s", (int)(at - json), json, to,
			      at + strlen(from));
	free(json);
	return out;
}

static void test_refused(void **state)
{
	(void)state;
	refused("", "not JSON");
	refused("{\"snapshot\":1", "not JSON");
	refused("[]", "not a snapshot of format 1");
	refused("{\"snapshot\":2}", "not a snapshot of format 1");
	refused("{\"snapshot\":1}", "missing: pool");
	struct {
		const char *from, *to, *want;
	} cases[] = {
		{ "\"pool\":2", "\"pool\":\"closed\"", "not an integer: pool" },
		{ "\"idle\":true", "\"idle\":1", "not true or false: idle" },
		{ "\"t0\":", "\"t0\":\"x\",\"z\":", "not a number: t0" },
		{ "\"restarts\":", "\"restarts\":-1,\"z\":", "negative: restarts" },
		{ "\"name\":\"obj", "\"name\":\"objxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		  "not a string that fits: name" },
		{ "\"workers\":[", "\"workers\":{},\"x\":[", "not a list: workers" },
		{ "\"items\":[", "\"items\":[7],\"old\":[", "not a string: items" },
		{ "\"npanel\":2", "\"npanel\":9", "more panel rows than tasks" },
		{ "\"call\":", "\"call\":5,\"z\":", "not a string: call" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *t = edited(cases[i].from, cases[i].to);
		refused(t, cases[i].want);
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
