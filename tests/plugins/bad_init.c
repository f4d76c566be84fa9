/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Refused: its init reports a failure. */
#include "noop.h"

#include <stdio.h>

static int init(char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "no license server at 127.0.0.1:27000");
	return -1;
}

NOOP_PLUGIN("bad_init", POOLMON_ABI_VERSION, "", "does nothing", init);
