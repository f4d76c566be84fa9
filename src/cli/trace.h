/* SPDX-License-Identifier: GPL-3.0-or-later */
/* trace.h — the trace export (trace.c): the session as a Chrome
 * trace-event JSON file.  The interpreter (pm_cli) holds at most one. */
#ifndef POOLMON_CLI_TRACE_H
#define POOLMON_CLI_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

typedef struct pm_trace pm_trace;

/* Starts writing path (a trace already on is ended first); 0, or -1 with
 * a message. */
int pm_trace_start(pm_cli *c, const char *path, char *err, size_t errlen);
/* Writes what is left and closes the file: a whole JSON object.  0, or
 * -1 with a message (a write failed).  No trace: 0. */
int pm_trace_stop(pm_cli *c, char *err, size_t errlen);
bool pm_trace_active(const pm_cli *c, const char **path, size_t *events);
/* An engine event, from the interpreter's listener. */
void pm_trace_event(pm_cli *c, const pm_event *ev);
/* From the loop: counters, slices whose times became final, the write. */
void pm_trace_tick(pm_cli *c);
int pm_trace_timeout_ms(const pm_cli *c);
/* After each command: the pool's state, if it changed (pause pool…). */
void pm_trace_pool_state(pm_cli *c);

#endif
