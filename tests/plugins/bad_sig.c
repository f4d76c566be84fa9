/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused: a task signature with an untyped parameter. */
#include "noop.h"

NOOP_PLUGIN("bad_sig", POOLMON_ABI_VERSION, "n:int, m", "m has no type", NULL);
