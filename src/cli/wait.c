/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wait.c — the wait machinery: one wait at a time, its deadline, and how
 * long the loop may sleep for it.  What is waited for is the command's
 * own (its pm_wait_ops and state). */
#include "wait.h"

#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "state.h"

void pm_wait_clear(pm_cli *c)
{
	pm_wait *w = &c->wait;
	if (w->ops && w->ops->free_state)
		w->ops->free_state(w->state);
	free(w->text);
	memset(w, 0, sizeof *w);
}

pm_status pm_wait_start(pm_cli *c, const pm_args *a, const pm_wait_ops *ops,
			void *state, double timeout)
{
	pm_wait *w = &c->wait;
	w->ops = ops;
	w->state = state;
	w->deadline = timeout > 0 ? pm_now() + timeout : 0;
	w->text = xstrdup(a->text ? a->text : a->name);
	if (ops->check_at_start) {
		pm_engine_poll(c->e);
		if (ops->check(c, state)) {
			pm_wait_clear(c);
			return CMD_OK;
		}
	}
	return CMD_WAIT;
}

bool pm_wait_active(const pm_cli *c)
{
	return c->wait.ops != NULL;
}

const char *pm_wait_text(const pm_cli *c)
{
	return c->wait.ops ? c->wait.text : NULL;
}

bool pm_wait_poll(pm_cli *c, double now)
{
	pm_wait *w = &c->wait;
	if (!w->ops)
		return true;
	bool over = w->ops->check(c, w->state);
	if (!over && w->deadline > 0 && now >= w->deadline) {
		if (w->ops->timed_out)
			w->ops->timed_out(c, w->state, w->text);
		else
			pm_cli_info(c, "%s: timed out", w->text);
		over = true;
	}
	if (over)
		pm_wait_clear(c);
	return over;
}

int pm_wait_timeout_ms(const pm_cli *c, double now)
{
	const pm_wait *w = &c->wait;
	if (!w->ops)
		return -1;
	int poll_ms = w->ops->poll_ms > 0 ? w->ops->poll_ms : -1;
	if (w->deadline <= 0)
		return poll_ms;
	double ms = (w->deadline - now) * 1000.0;
	int left = ms <= 0 ? 0 : (int)ms + 1;
	return poll_ms >= 0 && poll_ms < left ? poll_ms : left;
}
