// SPDX-License-Identifier: GPL-3.0-or-later
/* What the python plugin (plugin.c) gives the poolmon module (module.c):
 * the pm_ctx of the task running now in this worker.  The plugin defines
 * it; tests/test_pymodule.c defines its own. */
#ifndef POOLMON_PYPM_H
#define POOLMON_PYPM_H

#include "poolmon/plugin.h"

/* The running task's context, NULL when no task runs. */
pm_ctx *pypm_ctx(void);

#endif
