// SPDX-License-Identifier: GPL-3.0-or-later
/* Loads: built for ABI 1.1, before the bool kind (1.2); an older minor is
 * still spoken. */
#include "noop.h"

NOOP_PLUGIN("old_minor", (1 << 16) | 1, "", "does nothing", NULL);
