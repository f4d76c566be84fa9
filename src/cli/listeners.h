/* SPDX-License-Identifier: GPL-3.0-or-later */
/* listeners.h — the engine's one listener fanned out to its interpreters
 * (listeners.c): pm_cli_new adds one, pm_cli_free removes it. */
#ifndef POOLMON_CLI_LISTENERS_H
#define POOLMON_CLI_LISTENERS_H

#include "cli.h"

void pm_listeners_add(pm_cli *c);
void pm_listeners_remove(pm_cli *c);

#endif
