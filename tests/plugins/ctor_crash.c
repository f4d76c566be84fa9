/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused: its constructor crashes (SIGSEGV) as soon as it is loaded; the
 * table itself is well-formed. */
#include "noop.h"

#include <signal.h>

__attribute__((constructor)) static void crash(void)
{
	raise(SIGSEGV);
}

NOOP_PLUGIN("ctor_crash", POOLMON_ABI_VERSION, "", "does nothing", NULL);
