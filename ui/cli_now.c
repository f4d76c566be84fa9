/* cli_now.c — ui_cli_run_now (cli_now.h).  The interpreter offers no
 * "run this line now" of its own yet: this sets its wait and pending
 * commands (struct pm_cli, commands.h) aside around pm_cli_feed.  It
 * belongs in src/cli.c as pm_cli_run_now; this file goes when it is there. */
#include "cli_now.h"

#include <string.h>

#include "commands.h"

bool ui_cli_run_now(pm_cli *c, const char *line)
{
	if (!pm_cli_busy(c))
		return pm_cli_feed(c, line);
	pm_wait wait = c->wait;
	pm_args *pending = c->pending;
	size_t npending = c->npending, pending_at = c->pending_at;
	memset(&c->wait, 0, sizeof c->wait);
	c->pending = NULL;
	c->npending = c->pending_at = 0;
	bool ok = pm_cli_feed(c, line);
	if (pm_cli_busy(c))
		pm_cli_interrupt(c);
	c->wait = wait;
	c->pending = pending;
	c->npending = npending;
	c->pending_at = pending_at;
	return ok;
}
