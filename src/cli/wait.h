/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wait.h — the wait machinery (wait.c).  A command that waits hands it its
 * own check and state (tmux's CMD_RETURN_WAIT and continue): the machinery
 * looks again on every loop tick and at the deadline, and knows nothing of
 * what is waited for. */
#ifndef POOLMON_CLI_WAIT_H
#define POOLMON_CLI_WAIT_H

#include <stdbool.h>

#include "cli.h"
#include "entry.h"

typedef struct pm_wait_ops {
	/* One look: true when the wait is over (whatever it prints printed,
	 * its errors reported). */
	bool (*check)(pm_cli *c, void *state);
	/* The deadline came first.  NULL: an info line "<command>: timed
	 * out". */
	void (*timed_out)(pm_cli *c, void *state, const char *text);
	void (*free_state)(void *state);
	/* > 0: look again this often even when nothing happens (a queue or
	 * a lock has no fd to wake the loop). */
	int poll_ms;
	/* Look once at the start: the condition may already hold. */
	bool check_at_start;
} pm_wait_ops;

typedef struct pm_wait {
	const pm_wait_ops *ops; /* NULL: no wait */
	void *state;
	double deadline; /* 0: none */
	char *text;      /* the command, for "timed out" / "interrupted" */
} pm_wait;

/* Starts a wait for command a (state is the wait's, freed with it;
 * timeout <= 0: none).  Returns CMD_WAIT, or CMD_OK if it is over at once. */
pm_status pm_wait_start(pm_cli *c, const pm_args *a, const pm_wait_ops *ops,
			void *state, double timeout);
bool pm_wait_active(const pm_cli *c);
/* One look at the wait: true (and the wait cleared) when it is over. */
bool pm_wait_poll(pm_cli *c, double now);
/* How long the loop may sleep for the wait's sake (-1: no limit). */
int pm_wait_timeout_ms(const pm_cli *c, double now);
/* The command waited for (NULL if none). */
const char *pm_wait_text(const pm_cli *c);
void pm_wait_clear(pm_cli *c);

#endif
