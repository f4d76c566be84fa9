/* cli_now.h — runs a key's command line at once, through the interpreter,
 * even while a typed command waits (a join must not hold back `t` on the
 * task it waits for). */
#ifndef POOLMON_UI_CLI_NOW_H
#define POOLMON_UI_CLI_NOW_H

#include <stdbool.h>

#include "cli.h"

/* pm_cli_feed, but ahead of a waiting command and the rest of its line,
 * which then go on as they were.  For commands that do not wait (the key
 * table's); one that would wait is stopped as Ctrl-C stops it. */
bool ui_cli_run_now(pm_cli *c, const char *line);

#endif
