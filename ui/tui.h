/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ncurses + readline front end. */
#ifndef POOLMON_TUI_H
#define POOLMON_TUI_H

#include "cli.h"
#include "engine.h"
#include "loop.h"

typedef struct pm_tui_opts {
	int delay_tenths; /* refresh period, like top -d (tenths of a second) */
} pm_tui_opts;

/* Runs the TUI until quit.  The engine and interpreter are created by the
 * caller; the TUI registers stdin, SIGWINCH, SIGINT, SIGTERM with the loop and
 * restores the terminal before it returns (also on a fatal signal in our own
 * code).  Returns the process exit status. Terminal problems (not a tty,
 * TERM=dumb, unknown TERM) make it print a message suggesting --batch and
 * return 2 without touching the terminal. */
int pm_tui_run(pm_engine *e, pm_loop *loop, pm_cli *cli,
	       const pm_tui_opts *opts);

/* The interpreter's line sink for the TUI: lines go to the log pane. */
void pm_tui_line(void *ud, pm_line_kind kind, const char *line);

#endif
