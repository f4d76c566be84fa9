/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused: built for a different ABI major (2.0). */
#include "noop.h"

NOOP_PLUGIN("bad_abi", (POOLMON_ABI_MAJOR + 1) << 16, "", "does nothing", NULL);
