/* SPDX-License-Identifier: GPL-3.0-or-later */
/* keys.h — the key table: each key's binding, its key bar label, its help
 * note and the command of the command language it runs (tmux's
 * `bind -N NOTE KEY COMMAND`), or the screen action it stands for.  The
 * key bar, the help overlay and dispatch all read this one table. */
#ifndef POOLMON_UI_KEYS_H
#define POOLMON_UI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "screen.h"

/* Handles one key read from curses (an overlay first, then the table, then
 * readline or the screen's own text); returns UI_* flags for the loop.
 * lone_esc: an Esc with nothing after it (not a Meta prefix). */
unsigned keys_dispatch(tui *t, int k, bool lone_esc);
/* Runs a command line a key stands for, as a typed line runs: echoed in
 * the log, through the interpreter, its output and errors in the log. */
unsigned keys_run_command(tui *t, const char *line);
void keys_draw_bar(tui *t, int y, int w);
/* Appends the key table's notes to the help overlay's lines (malloc'd). */
void keys_help(char ***lines, size_t *n);

#endif
