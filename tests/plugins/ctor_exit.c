/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused: its constructor calls exit(3) as soon as it is loaded; the table
 * itself is well-formed. */
#include "noop.h"

#include <stdlib.h>

__attribute__((constructor)) static void leave(void)
{
	exit(3);
}

NOOP_PLUGIN("ctor_exit", POOLMON_ABI_VERSION, "", "does nothing", NULL);
