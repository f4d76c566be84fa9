/* Internals shared by the interpreter (cli.c) and the command table
 * (commands.c). */
#ifndef POOLMON_COMMANDS_H
#define POOLMON_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "util.h"
#include "value.h"

#define PM_MAX_ARGS 256
/* The most items a range FIRST..LAST may have (the man page says so). */
#define PM_RANGE_MAX 10000000ULL

typedef struct pm_option {
	char *key;
	pm_value value;
} pm_option;

/* One parsed command: its words, their typed values and its options. */
typedef struct pm_args {
	char *text;     /* the command as typed, for error events */
	char *error;    /* bad input: why; the command is not run */
	char *name;     /* first word (NULL if it was bad) */
	size_t argc;    /* positional arguments after the name */
	char **words;   /* as typed */
	pm_value *vals; /* typed */
	size_t nopts;
	pm_option *opts;
} pm_args;

typedef enum pm_status { CMD_OK, CMD_ERROR, CMD_WAIT, CMD_QUIT } pm_status;

typedef enum wait_kind {
	WAIT_NONE,
	WAIT_TASKS,  /* join ids / join (all tasks) */
	WAIT_POOL,   /* join after close/terminate: tasks and workers */
	WAIT_RESULT, /* result / apply: print one result */
	WAIT_MAP,    /* map: print the ordered results */
	WAIT_IMAP,   /* imap: print each result once it and those before are in */
	WAIT_SLEEP,
	WAIT_SHARED, /* get/put/acquire: re-tried each tick (cmd_shared.c) */
} wait_kind;

typedef struct pm_wait {
	wait_kind kind;
	uint64_t *ids; /* WAIT_TASKS / WAIT_RESULT: the ids; NULL = all */
	size_t nids;
	uint64_t first; /* WAIT_MAP: ids first .. first+count-1 */
	size_t count;
	size_t next;    /* WAIT_MAP/IMAP: items before it are all final */
	double deadline; /* 0 = none */
	bool timeout_is_error; /* result: a timeout is an error */
	char *text;
	unsigned char *data; /* WAIT_SHARED put: the encoded item */
	size_t datalen;
} pm_wait;

typedef struct pm_range {
	uint64_t first, count;
} pm_range;

struct pm_cli {
	pm_engine *e;
	pm_loop *loop;
	pm_out_mode mode;
	pm_line_fn out;
	void *ud;
	pm_args *pending; /* commands waiting to run */
	size_t npending, pending_at;
	pm_wait wait;
	bool quit;
	unsigned errors;
	pm_range *quiet; /* tasks of apply/map: their results print there */
	size_t nquiet;
};

typedef pm_status (*pm_exec_fn)(pm_cli *c, pm_args *a);

struct pm_command {
	const char *name;
	const char *usage;
	const char *help;
	int min_args, max_args; /* max -1: any */
	const char *options;    /* allowed key=value options, comma separated;
				 * "*" passes any other key to exec (a task's
				 * named arguments and **kwargs) */
	pm_complete_kind complete_first, complete_rest;
	pm_exec_fn exec;
};

extern const struct pm_command pm_commands[];
extern const size_t pm_ncommands;

const struct pm_command *pm_command_find(const char *name);

/* Output helpers. */
void pm_cli_info(pm_cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A JSON event line (under --json) built by the caller. */
void pm_cli_json(pm_cli *c, const char *json);
pm_status pm_cli_error(pm_cli *c, const pm_args *a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const pm_value *pm_args_opt(const pm_args *a, const char *key);
void pm_cli_task_json(pm_buf *b, pm_engine *e, const pm_task_info *ti);
void pm_cli_mark_quiet(pm_cli *c, uint64_t first, uint64_t count);

/* Parsing, exposed for the unit tests. */
/* Splits a line into commands at ';' (and a '#' comment); returns the
 * count.  Each command is parsed on its own: bad input in one sets its
 * error (it then reports that instead of running) and leaves the others
 * as they are. */
size_t pm_parse_line(const char *line, pm_args **out);
void pm_args_free(pm_args *a);
/* One word to a typed value: 7, -2.5, "text", 1..10, 1,2,3, word. */
int pm_parse_value(const char *word, bool quoted, pm_value *out, char *err,
		   size_t errlen);

#endif
