// SPDX-License-Identifier: GPL-3.0-or-later
/* attach.h — the screen on a served pool (`poolmon attach NAME`,
 * attach.c): the model from the server's snapshots, each typed line and
 * key's command sent as a request, their answers into the log. */
#ifndef POOLMON_UI_ATTACH_H
#define POOLMON_UI_ATTACH_H

#include <stdbool.h>

#include "screen.h"
#include "tui.h"

/* `poolmon attach NAME`: returns the exit status (1 if the pool cannot
 * be reached or the server goes away). */
int pm_attach_run(const char *name, const pm_tui_opts *opts);

/* The screen's loop (tui.c) on a loop of its own: e and cli NULL, the
 * model from snap, the socket fd watched with fn. */
int ui_tui_run(pm_loop *loop, pm_engine *e, pm_cli *cli,
	       struct ui_attach *a, ui_snap *snap, const pm_tui_opts *opts,
	       int fd, pm_fd_fn fn);

/* A typed line or a key's command (already echoed): the screen's own
 * commands (view, suspend, search, filter, sort) run here, `detach`
 * detaches, `quit` asks first, the others go to the server. */
void ui_attach_line(tui *t, const char *line);
/* A typed line: after the typed lines before it have finished (as a
 * typed line queues behind a waiting command), echoed as it runs. */
void ui_attach_typed(tui *t, const char *line);
/* A request of ours has not finished (a join waits). */
bool ui_attach_busy(const tui *t);
/* Ctrl-C: stop our request's wait. */
void ui_attach_interrupt(tui *t);
/* The quit question's answers: stop the pool, or leave it running. */
void ui_attach_stop_pool(tui *t);
void ui_attach_detach(tui *t);
/* Completion's candidates for prefix after before, asked of the server
 * (waits for the answer, at most 5 s): a NULL-ended malloc'd list. */
char **ui_attach_complete(tui *t, const char *before, const char *prefix);

#endif
