/* SPDX-License-Identifier: GPL-3.0-or-later */
/* printing.h — the printing of results (printing.c): one task's, and a
 * map's or a range's as one list, for result, apply, map, imap and save. */
#ifndef POOLMON_CLI_PRINTING_H
#define POOLMON_CLI_PRINTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "engine.h"
#include "util.h"

/* A task's result line (or its failure), text or JSON. */
void pm_print_result(pm_cli *c, const pm_task_info *ti);

/* A map's results formatted ahead, while its later items still run (the
 * manager is often idle then): items 0..n-1 of it, as the list puts them,
 * at most 16 MiB.  Used only if the whole map ends done and none of it was
 * evicted (pm_print_map checks that first), so what is printed is what
 * formatting it all at the end would print.  Zeroed: nothing yet. */
typedef struct pm_ahead {
	pm_buf text;
	size_t n;
	bool json;
	bool off; /* an item ended other than done: the map fails */
} pm_ahead;
/* Formats the items from ah->n up to ended (ids first.., all ended) into
 * ah, when the front end writes the whole list out (batch). */
void pm_ahead_format(pm_cli *c, pm_ahead *ah, uint64_t first, size_t ended);
/* Drops what was formatted, and formats no more (the map fails). */
void pm_ahead_drop(pm_ahead *ah);

/* The results of ids first..first+count-1, all ended, as one list (a
 * map's), or the first failure, or the error of an evicted one; ah (may
 * be NULL) what was formatted ahead. */
void pm_print_map(pm_cli *c, uint64_t first, size_t count, pm_ahead *ah);

#endif
