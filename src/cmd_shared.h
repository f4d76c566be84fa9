/* The shared-object commands (value, array, queue, put, get, lock, …) and
 * their part of `status`.  Entries for them sit in the one command table
 * (commands.c); the implementations live here. */
#ifndef POOLMON_CMD_SHARED_H
#define POOLMON_CMD_SHARED_H

#include "commands.h"

/* How often a blocked `get`/`put`/`acquire` re-tries (a queue has no fd;
 * trying never blocks the loop). */
#define PM_SHARED_POLL_MS 10

pm_status pm_cmd_value(pm_cli *c, pm_args *a);
pm_status pm_cmd_array(pm_cli *c, pm_args *a);
pm_status pm_cmd_queue(pm_cli *c, pm_args *a);
pm_status pm_cmd_put(pm_cli *c, pm_args *a);
pm_status pm_cmd_get(pm_cli *c, pm_args *a);
pm_status pm_cmd_lock(pm_cli *c, pm_args *a);
pm_status pm_cmd_semaphore(pm_cli *c, pm_args *a);
pm_status pm_cmd_event(pm_cli *c, pm_args *a);
pm_status pm_cmd_condition(pm_cli *c, pm_args *a);
pm_status pm_cmd_barrier(pm_cli *c, pm_args *a);
pm_status pm_cmd_pipe(pm_cli *c, pm_args *a);
pm_status pm_cmd_set(pm_cli *c, pm_args *a);
pm_status pm_cmd_show(pm_cli *c, pm_args *a);
pm_status pm_cmd_acquire(pm_cli *c, pm_args *a);
pm_status pm_cmd_release(pm_cli *c, pm_args *a);

/* WAIT_SHARED: one non-blocking try; true when the wait is over (done,
 * failed or timed out — errors already reported). */
bool pm_cmd_shared_wait_check(pm_cli *c, double now);

/* The "shared" list of the status event: `[{...},...]`. */
void pm_cmd_shared_status_json(pm_cli *c, pm_buf *b);
/* The shared objects' lines of the text `status`. */
void pm_cmd_shared_status_text(pm_cli *c);

#endif
