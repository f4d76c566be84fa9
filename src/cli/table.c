/* SPDX-License-Identifier: GPL-3.0-or-later */
/* table.c — THE command table: one `const struct pm_cmd_entry` per command
 * (entry.h), in the order `help` lists them.  Each command's options are
 * declared here once, with their kinds; usage, help, completion, checking
 * and the binding of a task's arguments all read them.  Also the table's
 * public face for the UI (pm_cli_command_*). */
#include "table.h"

#include <string.h>

#include "cli.h"
#include "commands.h"

#define TIMEOUT { "timeout", PM_OPT_SECONDS, "S", NULL, false }
#define CHUNKSIZE { "chunksize", PM_OPT_COUNT, "N", NULL, false }
#define FLAG(name, shown) { name, PM_OPT_FLAG, shown, NULL, false }
#define NOWAIT FLAG("nowait", "1")
/* What the id words name (entry.h's PM_IDS_*): completion offers these. */
#define TASKS (PM_CMD_IDS | PM_IDS_TASK | PM_IDS_TASK_ENDED)
#define PROCESSES (PM_IDS_PROCESS | PM_IDS_PROCESS_ENDED)
#define LIVE (PM_CMD_IDS | PM_IDS_TASK | PM_IDS_WORKER | PM_IDS_PROCESS)
#define TARGETS (LIVE | PM_IDS_ALL | PM_IDS_POOL)
#define TABLE { "table", PM_OPT_CHOICE, "workers|tasks", "workers|tasks", false }

const struct pm_cmd_entry pm_cmd_table[] = {
	{ "submit", "TASK [ARG…] [KEY=VALUE…]",
	  "queue one task and print its id (apply_async); KEY=VALUE binds a parameter by name or goes to the task's **kwargs",
	  1, -1, { TIMEOUT }, PM_CMD_KWARGS, PM_COMPLETE_TASK,
	  PM_COMPLETE_NONE, pm_cmd_submit },
	{ "spawn", "TASK [ARG…] [KEY=VALUE…]",
	  "run a task in a standalone process outside the pool (Process.start)",
	  1, -1,
	  { { "name", PM_OPT_STRING, "N", NULL, false }, FLAG("daemon", "1") },
	  PM_CMD_KWARGS | PM_CMD_OPTIONS_FIRST, PM_COMPLETE_TASK,
	  PM_COMPLETE_NONE, pm_cmd_spawn },
	{ "initializer", "TASK [ARG…]",
	  "run TASK in each worker as it starts (Pool initializer); live workers are replaced when idle",
	  1, -1, { { 0 } }, 0, PM_COMPLETE_TASK, PM_COMPLETE_NONE,
	  pm_cmd_initializer },
	{ "apply", "TASK [ARG…] [KEY=VALUE…]",
	  "run one task and wait for its result (apply)", 1, -1, { TIMEOUT },
	  PM_CMD_KWARGS, PM_COMPLETE_TASK, PM_COMPLETE_NONE, pm_cmd_apply },
	{ "map", "TASK RANGE|LIST",
	  "one task per item; print the ordered results (map)", 2, 2,
	  { CHUNKSIZE }, PM_CMD_RANGES, PM_COMPLETE_TASK, PM_COMPLETE_NONE,
	  pm_cmd_map },
	{ "imap", "TASK RANGE|LIST",
	  "like map, but each result prints as soon as it and those before it are in (imap)",
	  2, 2, { CHUNKSIZE }, PM_CMD_RANGES, PM_COMPLETE_TASK,
	  PM_COMPLETE_NONE, pm_cmd_imap },
	{ "starmap", "TASK ARGS…",
	  "one task per word, each word the call's arguments: starmap add 1,2 3,4 (starmap)",
	  2, -1, { CHUNKSIZE }, 0, PM_COMPLETE_TASK, PM_COMPLETE_NONE,
	  pm_cmd_starmap },
	{ "result", "ID|FIRST..LAST",
	  "wait for a task and print its result or error (AsyncResult.get); FIRST..LAST: the tasks' results as one list, as map prints them",
	  1, 1, { TIMEOUT }, TASKS, PM_COMPLETE_ID, PM_COMPLETE_NONE,
	  pm_cmd_result },
	{ "save", "ID|FIRST..LAST FILE",
	  "write the results of ended tasks to FILE, as result prints them, every item of a long list (result t1..t9 shows a list; the screen, its head and tail)",
	  2, 2, { { 0 } }, PM_IDS_TASK_ENDED, PM_COMPLETE_ID, PM_COMPLETE_FILE, pm_cmd_save },
	{ "join", "[ID…|pool]",
	  "wait for these tasks/processes; none named: all tasks and processes, and after close/terminate the workers' exit (Pool.join)",
	  0, -1, { TIMEOUT }, TASKS | PROCESSES | PM_IDS_POOL, PM_COMPLETE_ID,
	  PM_COMPLETE_ID,
	  pm_cmd_join },
	{ "pause", "[ID|all]",
	  "no id: stop dispatching; task: hold it or SIGSTOP its worker; worker: SIGSTOP; all: both",
	  0, 1, { { 0 } }, TARGETS, PM_COMPLETE_ID, PM_COMPLETE_NONE,
	  pm_cmd_pause },
	{ "resume", "[ID|all]", "undo pause", 0, 1, { { 0 } }, TARGETS,
	  PM_COMPLETE_ID, PM_COMPLETE_NONE, pm_cmd_resume },
	{ "step", "[N]",
	  "with the dispatcher paused (pause pool): send the next N tasks (1), each alone to a worker as one is idle",
	  0, 1, { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_step },
	{ "terminate", "ID|pool",
	  "task: cancel if queued, kill its worker if running; worker/process: kill it; pool: Pool.terminate",
	  1, 1, { { 0 } }, TARGETS, PM_COMPLETE_ID, PM_COMPLETE_NONE,
	  pm_cmd_terminate },
	{ "kill", "ID",
	  "SIGKILL now, no grace: a running task's worker, a worker or a process (Process.kill)",
	  1, 1, { { 0 } }, LIVE, PM_COMPLETE_ID, PM_COMPLETE_NONE,
	  pm_cmd_kill },
	{ "close", NULL, "accept no more tasks (Pool.close)", 0, 0, { { 0 } },
	  0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_close },
	{ "pool", "[N]",
	  "after close or terminate: wait for the old workers to exit, then start a fresh pool of N (the last size); no initializer",
	  0, 1, { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_pool },
	{ "workers", "[N]",
	  "list the workers; with N, grow or shrink the pool", 0, 1,
	  { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_workers },
	{ "status", NULL,
	  "a snapshot of pool, workers, tasks and shared objects", 0, 0,
	  { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_status },
	{ "tasks", NULL, "list the tasks the loaded plugins export", 0, 0,
	  { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_tasks },
	{ "plugins", NULL, "list the loaded plugins", 0, 0, { { 0 } }, 0,
	  PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_plugins },
	{ "load", "PATH|NAME[:ARG]", "load a task plugin (also while tasks run)", 1,
	  1, { { 0 } }, 0, PM_COMPLETE_FILE, PM_COMPLETE_NONE, pm_cmd_load },
	{ "sleep", "S", "wait S seconds (the screen keeps updating)", 1, 1,
	  { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_sleep },
	{ "source", "FILE",
	  "run the commands in FILE next, as --script does (also in the TUI)",
	  1, 1, { { 0 } }, 0, PM_COMPLETE_FILE, PM_COMPLETE_NONE,
	  pm_cmd_source },
	{ "record", "[FILE|off]",
	  "write this session's command lines from now on (typed and from keys) to FILE, a script source replays; off: stop",
	  0, 1, { { 0 } }, 0, PM_COMPLETE_FILE, PM_COMPLETE_NONE,
	  pm_cmd_record },
	{ "trace", "[FILE|off]",
	  "write a Chrome trace-event file of the session (Perfetto, chrome://tracing): a track per worker and process, a slice per task; off: finish it",
	  0, 1, { { 0 } }, 0, PM_COMPLETE_FILE, PM_COMPLETE_NONE,
	  pm_cmd_trace },
	{ "serve", "NAME|off",
	  "serve this screen's pool on a socket as NAME, for poolmon -c NAME and poolmon attach NAME (the screen only; without one: poolmon --serve NAME); off: stop serving",
	  1, 1, { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_serve },
	{ "echo", "TEXT…", "print the text", 0, -1, { { 0 } }, 0,
	  PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_echo },
	{ "view", "main|timeline",
	  "the screen shows the panels (main) or the timeline of what each worker ran",
	  1, 1, { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_view },
	{ "events", "[ranges|items]",
	  "how a map's items are told under --json: ranges (default: one \"task_range\" event for a run of items that change state together) or items (a \"task\" event per item and change)",
	  0, 1, { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_events },
	{ "help", "[CMD]", "list the commands, or explain one", 0, 1,
	  { { 0 } }, 0, PM_COMPLETE_COMMAND, PM_COMPLETE_NONE, pm_cmd_help },
	{ "value", "NAME CODE [INIT]",
	  "a shared number (Value); codes b B h H i I l L q Q f d c; lock=0: RawValue",
	  2, 3, { FLAG("lock", "0") }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_value },
	{ "array", "NAME CODE SIZE|LIST",
	  "a shared one-dimensional array (Array) of SIZE zeros or the items",
	  3, 3, { FLAG("lock", "0") }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_array },
	{ "queue", "NAME [MAXSIZE]",
	  "a shared queue (Queue, JoinableQueue, SimpleQueue); 0: no limit",
	  1, 2,
	  { FLAG("joinable", "1"), { "simple", PM_OPT_FLAG, "1", NULL, true } },
	  0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_queue },
	{ "put", "NAME ITEM",
	  "put an item (None: the sentinel) on a queue; waits while full",
	  2, 2, { TIMEOUT, NOWAIT }, 0, PM_COMPLETE_SHARED, PM_COMPLETE_NONE,
	  pm_cmd_put },
	{ "get", "NAME",
	  "take an item from a queue and print it; waits while empty", 1, 1,
	  { TIMEOUT, NOWAIT }, 0, PM_COMPLETE_SHARED, PM_COMPLETE_NONE,
	  pm_cmd_get },
	{ "lock", "NAME", "a shared robust Lock (or RLock)", 1, 1,
	  { { "kind", PM_OPT_CHOICE, "rlock", "lock|rlock", false } }, 0,
	  PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_lock },
	{ "semaphore", "NAME [N]",
	  "a shared Semaphore (BoundedSemaphore) starting at N (1)", 1, 2,
	  { FLAG("bounded", "1") }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_semaphore },
	{ "event", "NAME", "a shared Event (set NAME 1 / set NAME 0)", 1, 1,
	  { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_event },
	{ "condition", "NAME", "a shared Condition (over an RLock)", 1, 1,
	  { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_condition },
	{ "barrier", "NAME N", "a shared Barrier for N parties", 2, 2,
	  { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_barrier },
	{ "pipe", "NAME",
	  "a Pipe: ends 0 and 1 (duplex=0: 0 receives, 1 sends)", 1, 1,
	  { FLAG("duplex", "0") }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_pipe },
	{ "set", "NAME[IDX] VALUE",
	  "write a value, an array item (or all items as a list), or an event (1/0)",
	  2, 2, { { 0 } }, 0, PM_COMPLETE_SHARED, PM_COMPLETE_NONE,
	  pm_cmd_set },
	{ "show", "NAME|ID",
	  "one shared object in full (a queue: its first 20 items in order), or a task (ready, successful, result), worker or process",
	  1, 1, { { 0 } }, TASKS | PM_IDS_WORKER | PROCESSES, PM_COMPLETE_SHARED,
	  PM_COMPLETE_NONE,
	  pm_cmd_show },
	{ "del", "NAME",
	  "remove a shared object; refused while in use (a task not ended names it, its lock is held, a process waits on it)",
	  1, 1, { { 0 } }, 0, PM_COMPLETE_SHARED, PM_COMPLETE_NONE,
	  pm_cmd_del },
	{ "acquire", "NAME",
	  "take a lock or semaphore (or a value's lock) for poolmon itself",
	  1, 1, { TIMEOUT }, 0, PM_COMPLETE_SHARED, PM_COMPLETE_NONE,
	  pm_cmd_acquire },
	{ "release", "NAME", "release what acquire took", 1, 1, { { 0 } }, 0,
	  PM_COMPLETE_SHARED, PM_COMPLETE_NONE, pm_cmd_release },
	{ "errexit", "[on|off]",
	  "on: the first error ends the session as quit does (set -e; also -e); no word: say which",
	  0, 1, { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_errexit },
	{ "suspend", NULL,
	  "stop poolmon as Ctrl-Z does (the screen only); workers go on running; fg brings it back",
	  0, 0, { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_screen },
	{ "search", "TEXT…",
	  "select the next row of the table (workers or tasks) containing TEXT, any case (the screen only: F3)",
	  1, -1, { TABLE }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_screen },
	{ "filter", "[TEXT…]",
	  "show only the table's rows containing TEXT, any case; no text: all rows (the screen only: F4)",
	  0, -1, { TABLE }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_screen },
	{ "sort", "[COLUMN|invert|none]",
	  "sort the table by a column (none: the table's own order); no column: list them (the screen only: F6)",
	  0, 1, { TABLE, { "order", PM_OPT_CHOICE, "asc|desc", "asc|desc", false } },
	  0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_screen },
	{ "detach", NULL,
	  "leave a screen attached to a served pool (poolmon attach NAME): the pool runs on (key D)",
	  0, 0, { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE,
	  pm_cmd_detach },
	{ "quit", NULL, "leave poolmon (running tasks are terminated)", 0, 0,
	  { { 0 } }, 0, PM_COMPLETE_NONE, PM_COMPLETE_NONE, pm_cmd_quit },
};

#define NCOMMANDS (sizeof pm_cmd_table / sizeof pm_cmd_table[0])

const size_t pm_cmd_table_size = NCOMMANDS;

const struct pm_cmd_entry *pm_cmd_find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(pm_cmd_table[i].name, name))
			return &pm_cmd_table[i];
	return NULL;
}

size_t pm_cli_command_count(void)
{
	return NCOMMANDS;
}

const char *pm_cli_command_name(size_t i)
{
	return i < NCOMMANDS ? pm_cmd_table[i].name : NULL;
}

/* Built from the entry at the first call, kept for the program's life. */
const char *pm_cli_command_usage(size_t i)
{
	static char usage[NCOMMANDS][PM_CMD_USAGE_MAX];
	if (i >= NCOMMANDS)
		return NULL;
	if (!usage[i][0])
		pm_cmd_usage(&pm_cmd_table[i], usage[i], sizeof usage[i]);
	return usage[i];
}

const char *pm_cli_command_help(size_t i)
{
	return i < NCOMMANDS ? pm_cmd_table[i].help : NULL;
}
