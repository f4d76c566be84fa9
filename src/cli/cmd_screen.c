/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_screen.c — the screen's commands (suspend, search, filter, sort):
 * checked here like every command, then handed to the screen through the
 * hook it set (pm_cli_set_screen).  Without a screen (--batch, --script,
 * -x) they are refused: there is no table to sort and no terminal to
 * leave.  Also `serve NAME|off`, handed to the front end's serve hook
 * (pm_cli_set_serve: the screen's, which calls src/serve/). */
#include <string.h>

#include "commands.h"
#include "output.h"
#include "state.h"

pm_status pm_cmd_screen(pm_cli *c, pm_args *a)
{
	if (!c->screen)
		return pm_cli_error(c, a, "only on the screen (not in --batch, --script or -x)");
	const pm_value *table = pm_args_opt(a, "table");
	const pm_value *order = pm_args_opt(a, "order");
	pm_screen_cmd cmd = {
		.name = a->name,
		.argc = a->argc,
		.words = a->words,
		.table = table ? pm_opt_string(a, "table") : NULL,
		.order = order ? pm_opt_string(a, "order") : NULL,
	};
	char msg[512] = "";
	if (!c->screen(c->screen_ud, &cmd, msg, sizeof msg))
		return pm_cli_error(c, a, "%s", msg);
	if (msg[0])
		pm_cli_info(c, "%s", msg);
	return CMD_OK;
}

pm_status pm_cmd_serve(pm_cli *c, pm_args *a)
{
	if (!c->serve)
		return pm_cli_error(c, a, "only on the screen (a pool without one: poolmon --serve NAME)");
	const char *w = a->words[0];
	char msg[512] = "";
	if (!c->serve(c->serve_ud, strcmp(w, "off") ? w : NULL, msg, sizeof msg))
		return pm_cli_error(c, a, "%s", msg);
	if (msg[0])
		pm_cli_info(c, "%s", msg);
	return CMD_OK;
}

pm_status pm_cmd_detach(pm_cli *c, pm_args *a)
{
	return pm_cli_error(c, a, "only on a screen attached to a served pool (poolmon attach NAME)");
}
