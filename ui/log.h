/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log.h — the log ring: every line the interpreter prints, the echoed
 * command lines and the completions, kept for the log pane.  Lines may
 * arrive before the screen starts. */
#ifndef POOLMON_UI_LOG_H
#define POOLMON_UI_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

#define LOG_MAX 500

typedef struct log_line {
	pm_line_kind kind;
	bool command; /* an echoed command line */
	char *text;
} log_line;

void log_add(pm_line_kind kind, bool command, const char *text);
size_t log_count(void);
const log_line *log_get(size_t i); /* 0 = oldest */

#endif
