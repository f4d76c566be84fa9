/* SPDX-License-Identifier: GPL-3.0-or-later */
/* commands.h — the functions of the commands, by family: cmd_tasks.c,
 * cmd_pool.c, cmd_shared.c, cmd_misc.c.  The table (table.c) points at
 * them; they are given the cli and their parsed, checked arguments, and
 * never call back into the dispatcher. */
#ifndef POOLMON_CLI_COMMANDS_H
#define POOLMON_CLI_COMMANDS_H

#include "entry.h"
#include "util.h"

/* cmd_tasks.c: tasks in the pool and standalone processes. */
pm_status pm_cmd_submit(pm_cli *c, pm_args *a);
pm_status pm_cmd_apply(pm_cli *c, pm_args *a);
pm_status pm_cmd_map(pm_cli *c, pm_args *a);
pm_status pm_cmd_imap(pm_cli *c, pm_args *a);
pm_status pm_cmd_starmap(pm_cli *c, pm_args *a);
pm_status pm_cmd_result(pm_cli *c, pm_args *a);
pm_status pm_cmd_save(pm_cli *c, pm_args *a);
pm_status pm_cmd_join(pm_cli *c, pm_args *a);
pm_status pm_cmd_spawn(pm_cli *c, pm_args *a);

/* cmd_pool.c: the pool and its workers. */
pm_status pm_cmd_initializer(pm_cli *c, pm_args *a);
pm_status pm_cmd_pause(pm_cli *c, pm_args *a);
pm_status pm_cmd_resume(pm_cli *c, pm_args *a);
pm_status pm_cmd_step(pm_cli *c, pm_args *a);
pm_status pm_cmd_terminate(pm_cli *c, pm_args *a);
pm_status pm_cmd_kill(pm_cli *c, pm_args *a);
pm_status pm_cmd_close(pm_cli *c, pm_args *a);
pm_status pm_cmd_workers(pm_cli *c, pm_args *a);
pm_status pm_cmd_status(pm_cli *c, pm_args *a);

/* cmd_shared.c: shared objects. */
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
pm_status pm_cmd_acquire(pm_cli *c, pm_args *a);
pm_status pm_cmd_release(pm_cli *c, pm_args *a);
/* `show NAME` of a shared object (show of an id: cmd_misc.c). */
pm_status pm_cmd_shared_show(pm_cli *c, pm_args *a);
/* show_queue.c: a queue's first items, as lines or as JSON fields
 * ("items", "count", "truncated") added to an object. */
void pm_cmd_queue_items_text(pm_cli *c, void *obj, const char *name);
void pm_cmd_queue_items_json(pm_buf *b, void *obj);
/* The "shared" list of the status event: `[{...},...]`. */
void pm_cmd_shared_status_json(pm_cli *c, pm_buf *b);
/* The shared objects' lines of the text `status`. */
void pm_cmd_shared_status_text(pm_cli *c);

/* cmd_misc.c: the session. */
pm_status pm_cmd_show(pm_cli *c, pm_args *a);
pm_status pm_cmd_tasks(pm_cli *c, pm_args *a);
pm_status pm_cmd_plugins(pm_cli *c, pm_args *a);
pm_status pm_cmd_load(pm_cli *c, pm_args *a);
pm_status pm_cmd_sleep(pm_cli *c, pm_args *a);
pm_status pm_cmd_echo(pm_cli *c, pm_args *a);
pm_status pm_cmd_view(pm_cli *c, pm_args *a);
pm_status pm_cmd_help(pm_cli *c, pm_args *a);
pm_status pm_cmd_errexit(pm_cli *c, pm_args *a);
pm_status pm_cmd_quit(pm_cli *c, pm_args *a);
pm_status pm_cmd_events(pm_cli *c, pm_args *a);

/* cmd_session.c: source, record, del, pool. */
pm_status pm_cmd_source(pm_cli *c, pm_args *a);
pm_status pm_cmd_record(pm_cli *c, pm_args *a);
pm_status pm_cmd_del(pm_cli *c, pm_args *a);
pm_status pm_cmd_pool(pm_cli *c, pm_args *a);

/* trace.c: the trace export. */
pm_status pm_cmd_trace(pm_cli *c, pm_args *a);

/* cmd_screen.c: suspend, search, filter, sort, handed to the screen; serve. */
pm_status pm_cmd_screen(pm_cli *c, pm_args *a);
/* serve NAME|off, handed to the front end's hook (pm_cli_set_serve). */
pm_status pm_cmd_serve(pm_cli *c, pm_args *a);
/* Attached, the screen runs `detach` itself; anywhere else it is refused. */
pm_status pm_cmd_detach(pm_cli *c, pm_args *a);

#endif
