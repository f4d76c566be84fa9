/* SPDX-License-Identifier: GPL-3.0-or-later */
/* table.h — THE command table (table.c): one entry per command, in the
 * order `help` lists them. */
#ifndef POOLMON_CLI_TABLE_H
#define POOLMON_CLI_TABLE_H

#include <stddef.h>

#include "entry.h"

extern const struct pm_cmd_entry pm_cmd_table[];
extern const size_t pm_cmd_table_size;

/* The entry named name, or NULL. */
const struct pm_cmd_entry *pm_cmd_find(const char *name);

#endif
