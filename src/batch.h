/* SPDX-License-Identifier: GPL-3.0-or-later */
/* batch.h — the front end without a screen (--batch, --script, -x, a
 * standard input that is not a terminal): its sources of commands, run in
 * the order given, each line with its FILE:LINE, and how the session
 * ended.  main.c builds the sources from the options. */
#ifndef POOLMON_BATCH_H
#define POOLMON_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "engine.h"
#include "loop.h"

/* One source of commands: the text of a -x, or a file read to its end
 * (a --script, or standard input). */
typedef struct pm_source {
	const char *name; /* FILE of "FILE:LINE:": a path, "-x", "<stdin>" */
	const char *text; /* -x: its commands; NULL for a file */
	int fd;           /* a file: its open fd */
} pm_source;

typedef struct pm_batch pm_batch;

pm_batch *pm_batch_new(pm_loop *loop, pm_engine *e, bool json);
void pm_batch_free(pm_batch *b);
/* The interpreter's line sink (ud: the pm_batch): errors to stderr in text
 * mode, everything else (and all of --json) to stdout. */
/* A long line in pieces (a map's results, pm_cli_set_writer): standard
 * output, as its lines. */
void pm_batch_write(void *ud, const char *bytes, size_t n);
void pm_batch_line(void *ud, pm_line_kind kind, const char *line);
/* Runs the sources one after the other, each to its end, then waits for
 * the non-daemon processes, as Python does at exit.  Returns 0, or the
 * signal (SIGINT, SIGTERM, SIGHUP) that stopped it. */
int pm_batch_run(pm_batch *b, pm_cli *cli, const pm_source *src, size_t n);
/* The errno of the first failed write to stdout, 0 if none. */
int pm_batch_write_errno(const pm_batch *b);

#endif
