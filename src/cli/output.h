/* SPDX-License-Identifier: GPL-3.0-or-later */
/* output.h — what the interpreter prints (output.c): info and error lines,
 * JSON events, and the engine's events as text or JSON. */
#ifndef POOLMON_CLI_OUTPUT_H
#define POOLMON_CLI_OUTPUT_H

#include <stdint.h>

#include "cli.h"
#include "ids.h"
#include "entry.h"
#include "parse.h"

void pm_cli_info(pm_cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A JSON event line (under --json) built by the caller. */
void pm_cli_json(pm_cli *c, const char *json);
/* An info line as it is (no format: a map's million results). */
void pm_cli_info_line(pm_cli *c, const char *line);
/* Reports an error of command a; returns CMD_ERROR. */
pm_status pm_cli_error(pm_cli *c, const pm_args *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A list event {"event":"E","E":[...]} under --json: begin sets up b (the
 * caller adds the items), end prints it; in text mode b stays empty and
 * the caller prints lines. */
void pm_cli_list_begin(pm_cli *c, pm_buf *b, const char *event);
void pm_cli_list_end(pm_cli *c, pm_buf *b);
/* "no task tN", or that it was evicted. */
pm_status pm_cli_no_task(pm_cli *c, const pm_args *a, const char *word,
			 uint64_t id);
/* The task event's JSON object. */
void pm_cli_task_json(pm_buf *b, pm_engine *e, const pm_task_info *ti);
/* Tasks first..first+count-1 print their results themselves (apply,
 * map): no "done" line for them. */
void pm_cli_mark_quiet(pm_cli *c, uint64_t first, uint64_t count);

/* The engine's listener and the shared arena's reporter (ud: the cli). */
void pm_cli_on_event(void *ud, const pm_event *ev);
/* A shared object a task wrote over, said by each interpreter; ids: the
 * writers retired (listeners.c asks the engine once for all of them). */
void pm_cli_print_corrupt(pm_cli *c, const char *name, const char *kind,
			  const char *why, char (*ids)[PM_ID_MAX], size_t n);

#endif
