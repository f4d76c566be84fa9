/* SPDX-License-Identifier: GPL-3.0-or-later */
/* taskargs.h — the arguments a task command (submit, apply, spawn, map)
 * hands to the engine: positional words plus the key=value options that
 * are not the command's own, bound to the task's signature as Python
 * binds a call (taskargs.c). */
#ifndef POOLMON_CLI_TASKARGS_H
#define POOLMON_CLI_TASKARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "parse.h"

/* Binds a->vals[1..] and the options of a that its entry does not
 * declare (those are the command's own, e.g. timeout=) to the task named
 * by a->words[0]: an option naming a parameter fills it, the others go to
 * the task's **kw or are refused.  Sets *args (free with pm_values_free)
 * and *nargs; on a binding error reports it on c and returns -1.  An
 * unknown task is left for the engine to report. */
int pm_taskargs_bind(pm_cli *c, pm_args *a, pm_value **args, size_t *nargs);

/* For map over a task with **kw: each item, spread as the engine spreads
 * it, plus an empty keyword list.  Returns NULL (nothing to do) if the task
 * is unknown or has no **kw; else a fresh array of n items. */
pm_value *pm_taskargs_map_items(pm_cli *c, const char *task,
				const pm_value *items, size_t n);

#endif
