/* SPDX-License-Identifier: GPL-3.0-or-later */
/* term.h — the terminal: checks before curses starts, set-up and restore
 * (also from a fatal signal in our own code), colours, and the signals the
 * screen turns into events of the loop (SIGWINCH, SIGINT, SIGTERM...),
 * and the stop and return of Ctrl-Z (SIGTSTP, SIGCONT). */
#ifndef POOLMON_UI_TERM_H
#define POOLMON_UI_TERM_H

#include <stdbool.h>

#include "screen.h"

/* 0 if the screen can start here; else prints why (suggesting --batch)
 * and returns 2, the terminal untouched. */
int term_check(void);
/* Saves the terminal's modes and watches the signals (before curses
 * installs handlers of its own).  Returns the curses screen, or NULL
 * (a message printed) for an unknown TERM. */
SCREEN *term_open(pm_loop *loop);
/* Curses modes, colours, and the fatal-signal restore. */
void term_start(tui *t);
void term_stop(SCREEN *scr);
/* Ctrl-Z, `suspend` or SIGTSTP: the terminal restored, poolmon stopped
 * (its workers go on), the screen back when it is continued. */
void term_suspend(tui *t);
/* A shell with job control can continue poolmon if it stops. */
bool term_can_suspend(void);
/* A SIGCONT came: curses' modes again and a whole redraw. */
void term_continued(tui *t);
/* A SIGWINCH came: the new size to curses and readline. */
void term_resize(tui *t);

#endif
