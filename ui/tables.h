/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tables.h — search, filter and sort in the workers and tasks tables
 * (htop's F3, F4 and F6): the commands `search`, `filter` and `sort` the
 * screen runs for the interpreter, the line typed at the bottom for F3 and
 * F4, and the sort-by chooser of F6. */
#ifndef POOLMON_UI_TABLES_H
#define POOLMON_UI_TABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "screen.h"

enum { PROMPT_NONE, PROMPT_SEARCH, PROMPT_FILTER, PROMPT_SORT };

/* The interpreter's hook for the screen's commands (suspend, search,
 * filter, sort); ud is the tui. */
bool tables_command(void *ud, const pm_screen_cmd *cmd, char *msg, size_t len);
/* F3 / F4 / F6: opens the search or filter line or the sort chooser on the
 * focused table (F3 with a search under way: the next match). */
unsigned tables_open(tui *t, int kind);
/* Keys while a line or the chooser is open: UI_* flags, or -1 if the key
 * is not theirs (nothing is open). */
int tables_key(tui *t, int k);
/* The line at the bottom (row y), the chooser over the table. */
void tables_draw_prompt(tui *t, int y, int w);
/* The cursor on the line, when it is open. */
void tables_place_cursor(tui *t, int y);
/* The title line's note of a table's filter and sort ("" if none) into
 * buf. */
const char *tables_note(const tui *t, panel p, char *buf, size_t len);
/* The workers rows must all be sampled (the sort is by a sampled column). */
bool tables_sample_all(const tui *t);

#endif
