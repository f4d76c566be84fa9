/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/plugin_loader.h — kept so that existing includes work: the plugin
 * room is src/plugin/ (loader.h, signature.h). */
#ifndef POOLMON_PLUGIN_LOADER_COMPAT_H
#define POOLMON_PLUGIN_LOADER_COMPAT_H

#include "plugin/loader.h"

#endif
