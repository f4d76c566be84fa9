/* SPDX-License-Identifier: GPL-3.0-or-later */
/* listeners.c — the one engine listener and the one shared-object reporter,
 * fanned out to every interpreter over that engine: the TUI's or the
 * batch's, and a served pool's clients' and subscribers' (src/serve/).
 * The engine keeps one listener (pm_engine_set_listener); it is set here,
 * when the first interpreter of an engine registers, and cleared when the
 * last one leaves.  Interpreters hear events in the order they came; one
 * that is deaf (pm_cli_set_deaf: a served pool's idle client) hears none,
 * unless it writes a trace, so a million map items are not formatted for
 * nobody. */
#define _GNU_SOURCE
#include "listeners.h"

#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "output.h"
#include "shared.h"
#include "state.h"

static pm_cli **all; /* every interpreter, of every engine */
static size_t nall;

static void fan_event(void *ud, const pm_event *ev)
{
	pm_engine *e = ud;
	/* An interpreter may register or leave while an event is heard (a
	 * client closing): count again each time. */
	for (size_t i = 0; i < nall; i++)
		if (all[i]->e == e && (!all[i]->deaf || all[i]->trace))
			pm_cli_on_event(all[i], ev);
}

/* The writers are retired once; every interpreter prints the report. */
static void fan_corrupt(void *ud, const char *name, const char *kind,
			const char *why)
{
	pm_engine *e = ud;
	char ids[16][PM_ID_MAX];
	size_t n = pm_engine_retire_writers(e, name, ids, 16);
	if (n > 16)
		n = 16;
	for (size_t i = 0; i < nall; i++)
		if (all[i]->e == e)
			pm_cli_print_corrupt(all[i], name, kind, why, ids, n);
}

static bool engine_heard(const pm_engine *e)
{
	for (size_t i = 0; i < nall; i++)
		if (all[i]->e == e)
			return true;
	return false;
}

void pm_listeners_add(pm_cli *c)
{
	if (!engine_heard(c->e)) {
		pm_engine_set_listener(c->e, fan_event, c->e);
		pm_engine_set_listener_ranges(c->e, true); /* `events items` undoes it */
		pm_shared_set_reporter(pm_engine_shared(c->e), fan_corrupt, c->e);
	}
	all = xrealloc(all, (nall + 1) * sizeof *all);
	all[nall++] = c;
}

void pm_listeners_remove(pm_cli *c)
{
	for (size_t i = 0; i < nall; i++) {
		if (all[i] != c)
			continue;
		memmove(all + i, all + i + 1, (nall - i - 1) * sizeof *all);
		nall--;
		break;
	}
	if (!engine_heard(c->e)) {
		pm_engine_set_listener(c->e, NULL, NULL);
		pm_shared_set_reporter(pm_engine_shared(c->e), NULL, NULL);
	}
	if (!nall) {
		free(all);
		all = NULL;
	}
}
