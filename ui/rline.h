/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rline.h — readline behind its own small module (as cgdb's rline.h): the
 * rest of the screen never calls readline directly. */
#ifndef POOLMON_UI_RLINE_H
#define POOLMON_UI_RLINE_H

#include <stdbool.h>

#include "screen.h"

void rline_start(tui *t);
void rline_stop(tui *t);
/* A key while the command line has the focus: editing keys as the
 * sequences readline binds, other bytes as they are. */
void rline_feed_key(tui *t, int k);
/* One byte of text (a key typed on the screen that starts a command). */
void rline_feed_byte(tui *t, int byte);
/* The command line: readline's prompt and line, the cursor kept visible. */
void rline_draw(tui *t);
/* Ctrl-C on the command line: end any search or key sequence, drop the
 * line. */
void rline_clear_line(void);
/* Readline does not need a lone Esc now (no search or key sequence under
 * way; emacs mode, or vi command mode): the screen may take it. */
bool rline_esc_is_free(void);
/* The line is empty and readline reads no more keys for a command: `?`
 * may open the help. */
bool rline_help_key_is_free(void);
/* After a resize: readline's idea of the line's width. */
void rline_set_width(void);

#endif
