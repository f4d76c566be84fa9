/* SPDX-License-Identifier: GPL-3.0-or-later */
/* entry.h — what one command declares (tmux's cmd_entry): name, positional
 * synopsis, help, argument counts, its options with their kinds, how its
 * words complete, and its function.  entry.c reads the declaration for
 * everything else: the usage line, the one option matcher, the checks of
 * the options' values, and the typed getters the commands use. */
#ifndef POOLMON_CLI_ENTRY_H
#define POOLMON_CLI_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "parse.h"

typedef enum pm_status { CMD_OK, CMD_ERROR, CMD_WAIT, CMD_QUIT } pm_status;

typedef pm_status (*pm_exec_fn)(pm_cli *c, pm_args *a);

/* What an option's value must be; the one rule for each kind. */
typedef enum pm_opt_kind {
	PM_OPT_SECONDS, /* a number of seconds > 0, at most 10^6 */
	PM_OPT_COUNT,   /* an integer >= 1 (chunksize) */
	PM_OPT_FLAG,    /* 0 or 1 */
	PM_OPT_STRING,  /* a string */
	PM_OPT_CHOICE,  /* one of the words of .choices ("lock|rlock") */
} pm_opt_kind;

struct pm_cmd_option {
	const char *name; /* NULL ends the list */
	pm_opt_kind kind;
	const char *shown; /* the value in the usage: "S" in [timeout=S] */
	const char *choices;
	bool alt; /* an alternative to the option before: [a=1|b=1] */
};

#define PM_CMD_MAX_OPTIONS 4

enum {
	/* Other key=value words go to the task (its named parameters and
	 * **kwargs): the options not declared here are the task's. */
	PM_CMD_KWARGS = 1 << 0,
	/* The words are ids: an empty one ("") is refused. */
	PM_CMD_IDS = 1 << 1,
	/* The usage shows the options before the words (spawn). */
	PM_CMD_OPTIONS_FIRST = 1 << 2,
	/* A range word reaches it as its two ends (a->ranges), not built. */
	PM_CMD_RANGES = 1 << 3,
	/* What an id word may name (with PM_CMD_IDS): completion offers
	 * exactly these.  "all" and "pool" stand alone: only as the first
	 * word. */
	PM_IDS_TASK = 1 << 8,	       /* a task that has not ended */
	PM_IDS_TASK_ENDED = 1 << 9,    /* a task that has ended */
	PM_IDS_WORKER = 1 << 10,       /* a pool worker */
	PM_IDS_PROCESS = 1 << 11,      /* a standalone process still alive */
	PM_IDS_PROCESS_ENDED = 1 << 12, /* one that has exited */
	PM_IDS_ALL = 1 << 13,	       /* the word "all" */
	PM_IDS_POOL = 1 << 14,	       /* the word "pool" */
};

struct pm_cmd_entry {
	const char *name;
	const char *args; /* the positional words for the usage */
	const char *help;
	int min_args, max_args; /* max -1: any */
	struct pm_cmd_option options[PM_CMD_MAX_OPTIONS + 1];
	unsigned flags;
	pm_complete_kind complete_first, complete_rest;
	pm_exec_fn exec;
};

/* The usage line, "name args [opt=V]…", into buf; returns buf. */
char *pm_cmd_usage(const struct pm_cmd_entry *e, char *buf, size_t len);
#define PM_CMD_USAGE_MAX 160

/* The one option matcher: the entry's option named key, or NULL. */
const struct pm_cmd_option *pm_cmd_option_find(const struct pm_cmd_entry *e,
					       const char *key);

/* Everything the entry declares about a parsed command: the argument
 * count, the option names and their values' kinds, empty ids.  Returns
 * false with the message in err. */
bool pm_cmd_check(const struct pm_cmd_entry *e, const pm_args *a, char *err,
		  size_t errlen);

/* Option values, already checked by pm_cmd_check: dflt when absent. */
double pm_opt_seconds(const pm_args *a, const char *key, double dflt);
size_t pm_opt_count(const pm_args *a, const char *key, size_t dflt);
bool pm_opt_flag(const pm_args *a, const char *key, bool dflt);
const char *pm_opt_string(const pm_args *a, const char *key);
/* Whether the i-th word is an integer in lo..hi (into *out): a count the
 * command checks itself, saying its own message when not. */
bool pm_word_count(const pm_args *a, size_t i, int64_t lo, int64_t hi,
		   int64_t *out);

#endif
