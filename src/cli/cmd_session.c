/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_session.c — working a demo session: `source FILE` (a script's
 * commands run next, in the TUI as in batch), `record FILE` / `record off`
 * (the lines of this session, typed and from keys, written as a script
 * that source or --script replays), `del NAME` (a shared object removed
 * when nothing uses it), and `pool [N]` (a fresh pool after close or
 * terminate). */
#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "shared.h"
#include "state.h"
#include "wait.h"

#define SOURCE_DEPTH_MAX 16      /* source in a sourced file… */
#define SOURCE_LINE_MAX 65536    /* as --batch takes them */

/* ---- source ------------------------------------------------------------ */

pm_status pm_cmd_source(pm_cli *c, pm_args *a)
{
	unsigned depth = c->running ? c->running->depth + 1 : 1;
	if (depth > SOURCE_DEPTH_MAX)
		return pm_cli_error(c, a,
				    "sourced files nested more than %d deep (does %s source itself?)",
				    SOURCE_DEPTH_MAX, a->words[0]);
	FILE *f = fopen(a->words[0], "re");
	if (!f)
		return pm_cli_error(c, a, "cannot open %s: %s", a->words[0],
				    strerror(errno));
	pm_args *all = NULL;
	size_t nall = 0, lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	pm_status st = CMD_OK;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > SOURCE_LINE_MAX) {
			st = pm_cli_error(c, a, "%s:%zu: line longer than %d bytes: nothing run",
					  a->words[0], lineno, SOURCE_LINE_MAX);
			break;
		}
		if (memchr(line, '\0', (size_t)len)) {
			st = pm_cli_error(c, a, "%s:%zu: a NUL byte (not a script?): nothing run",
					  a->words[0], lineno);
			break;
		}
		pm_args *cmds;
		size_t n = pm_parse_line(line, &cmds);
		all = xrealloc(all, (nall + n + 1) * sizeof *all);
		for (size_t i = 0; i < n; i++) {
			cmds[i].depth = depth;
			cmds[i].origin = xstrdup(a->words[0]);
			cmds[i].origin_line = lineno;
			all[nall++] = cmds[i];
		}
		free(cmds);
	}
	bool bad = ferror(f);
	fclose(f);
	free(line);
	if (bad && st == CMD_OK)
		st = pm_cli_error(c, a, "reading %s failed: nothing run",
				  a->words[0]);
	if (st != CMD_OK) {
		for (size_t i = 0; i < nall; i++)
			pm_args_free(&all[i]);
		free(all);
		return st;
	}
	if (nall)
		pm_cli_insert(c, all, nall);
	free(all);
	return CMD_OK;
}

/* ---- record ------------------------------------------------------------ */

static void write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Every line fed while recording, as it came, but a line of only
 * `record` commands (the recording's own start and end). */
void pm_record_line(pm_cli *c, const char *line, const pm_args *cmds,
		    size_t n)
{
	if (c->record_fd < 0)
		return;
	bool own = true;
	for (size_t i = 0; i < n && own; i++)
		own = cmds[i].name && !strcmp(cmds[i].name, "record");
	if (own)
		return;
	size_t len = strcspn(line, "\n");
	write_all(c->record_fd, line, len);
	write_all(c->record_fd, "\n", 1);
}

void pm_record_stop(pm_cli *c)
{
	if (c->record_fd >= 0)
		close(c->record_fd);
	c->record_fd = -1;
	free(c->record_path);
	c->record_path = NULL;
}

pm_status pm_cmd_record(pm_cli *c, pm_args *a)
{
	if (!a->argc) {
		if (c->record_fd >= 0)
			pm_cli_info(c, "recording to %s", c->record_path);
		else
			pm_cli_info(c, "not recording");
		return CMD_OK;
	}
	if (!strcmp(a->words[0], "off")) {
		if (c->record_fd < 0)
			return pm_cli_error(c, a, "not recording");
		pm_cli_info(c, "session written to %s", c->record_path);
		pm_record_stop(c);
		return CMD_OK;
	}
	int fd = open(a->words[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		      0666);
	if (fd < 0)
		return pm_cli_error(c, a, "cannot write %s: %s", a->words[0],
				    strerror(errno));
	pm_record_stop(c);
	c->record_fd = fd;
	c->record_path = xstrdup(a->words[0]);
	char *head = xasprintf("# poolmon session (record %s); replay it with: source %s, or poolmon --script %s\n",
			       a->words[0], a->words[0], a->words[0]);
	write_all(fd, head, strlen(head));
	free(head);
	pm_cli_info(c, "recording to %s", a->words[0]);
	return CMD_OK;
}

/* ---- del --------------------------------------------------------------- */

/* Does v (or an item of it) name the object? */
static bool names(const pm_value *v, const char *name)
{
	if (v->type == PM_STR)
		return !strcmp(v->u.s.ptr, name);
	if (v->type == PM_LIST)
		for (size_t i = 0; i < v->u.list.len; i++)
			if (names(&v->u.list.items[i], name))
				return true;
	return false;
}

/* A task not ended whose arguments name the object: its id, else 0. */
static uint64_t task_naming(pm_engine *e, const char *name,
			    pm_task_state *state)
{
	pm_counts k = pm_engine_counts(e);
	if (!k.queued && !k.running && !k.paused)
		return 0;
	for (uint64_t id = 1; id <= pm_engine_last_task_id(e); id++) {
		pm_task_info ti;
		if (!pm_engine_task_info(e, id, &ti) ||
		    pm_task_state_final(ti.state))
			continue;
		for (size_t i = 0; i < ti.nargs; i++)
			if (names(&ti.args[i], name)) {
				*state = ti.state;
				return id;
			}
	}
	return 0;
}

/* In use: a task queued, running or paused names it, a lock of it is
 * held, or a process waits on it. */
pm_status pm_cmd_del(pm_cli *c, pm_args *a)
{
	const char *name = a->words[0];
	pm_shared *s = pm_engine_shared(c->e);
	pm_shared_info in = { 0 };
	bool found = false;
	for (size_t i = 0; i < pm_shared_count(s) && !found; i++)
		found = pm_shared_get_info(s, i, &in) && !strcmp(in.name, name);
	if (!found)
		return pm_cli_error(c, a, "no shared object '%s'", name);
	pm_task_state ts;
	uint64_t id = task_naming(c->e, name, &ts);
	if (id)
		return pm_cli_error(c, a,
				    "'%s' is in use: t%llu (%s) names it (terminate it, or wait for it)",
				    name, (unsigned long long)id,
				    pm_task_state_name(ts));
	if (in.locked)
		return pm_cli_error(c, a, "'%s' is in use: held by pid %d%s",
				    name, (int)in.holder_pid,
				    in.holder_pid == getpid() ? " (poolmon: release it)" : "");
	if (in.waiters)
		return pm_cli_error(c, a, "'%s' is in use: %u process%s wait%s on it",
				    name, in.waiters,
				    in.waiters == 1 ? "" : "es",
				    in.waiters == 1 ? "s" : "");
	char err[256];
	if (pm_shared_delete(s, name, err, sizeof err) < 0)
		return pm_cli_error(c, a, "%s", err);
	return CMD_OK;
}

/* ---- pool -------------------------------------------------------------- */

typedef struct pool_state {
	int n;
	char *text; /* the command, for its errors */
} pool_state;

static bool reopen(pm_cli *c, pool_state *ps)
{
	char err[256];
	pm_args a = { .text = ps->text, .name = (char *)"pool" };
	if (pm_engine_reopen(c->e, ps->n, err, sizeof err) < 0)
		pm_cli_error(c, &a, "%s", err);
	else
		pm_cli_info(c, "a new pool of %d workers",
			    pm_engine_target_workers(c->e));
	return true;
}

static bool pool_check(pm_cli *c, void *state)
{
	if (!pm_engine_workers_gone(c->e))
		return false;
	return reopen(c, state);
}

static void pool_free(void *state)
{
	pool_state *ps = state;
	free(ps->text);
	free(ps);
}

static const pm_wait_ops pool_reopen_wait = {
	.check = pool_check, .free_state = pool_free, .check_at_start = true
};

/* After close or terminate: waits for the old workers' exit (as join
 * does), then starts the new pool. */
pm_status pm_cmd_pool(pm_cli *c, pm_args *a)
{
	int64_t n = 0;
	if (a->argc == 1 && !pm_word_count(a, 0, 1, 1024, &n))
		return pm_cli_error(c, a, "workers must be 1..1024, got '%s'",
				    a->words[0]);
	pm_pool_state st = pm_engine_pool_state(c->e);
	if (st != PM_POOL_CLOSED && st != PM_POOL_TERMINATED)
		return pm_cli_error(c, a,
				    "the pool is %s (close or terminate it first; workers N resizes it)",
				    pm_pool_state_name(st));
	pool_state *ps = xcalloc(1, sizeof *ps);
	ps->n = (int)n;
	ps->text = xstrdup(a->text ? a->text : "pool");
	return pm_wait_start(c, a, &pool_reopen_wait, ps, 0);
}
