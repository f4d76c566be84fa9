/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused: a plugin named 'demo' is loaded already (the bundled one). */
#include "noop.h"

NOOP_PLUGIN("demo", POOLMON_ABI_VERSION, "", "does nothing", NULL);
