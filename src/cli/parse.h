/* SPDX-License-Identifier: GPL-3.0-or-later */
/* parse.h — the command language's words: lines to commands, words to
 * typed values (parse.c).  The lowest layer of src/cli/: it knows no
 * command. */
#ifndef POOLMON_CLI_PARSE_H
#define POOLMON_CLI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"
#include "value.h"

#define PM_MAX_ARGS 256
/* The most items a range FIRST..LAST may have when it is built as a list
 * (the man page says so); map and imap take a range as its two ends. */
#define PM_RANGE_MAX 10000000ULL

struct pm_cmd_entry;

typedef struct pm_option {
	char *key;
	pm_value value;
} pm_option;

/* One parsed command: its words, their typed values and its options. */
/* A positional word FIRST..LAST, kept as its ends until a command needs
 * its values (is: it is one, not built yet). */
typedef struct pm_lazy_range {
	bool is;
	int64_t lo, hi;
} pm_lazy_range;

typedef struct pm_args {
	char *text;     /* the command as typed, for error events */
	char *error;    /* bad input: why; the command is not run */
	char *name;     /* first word (NULL if it was bad) */
	size_t argc;    /* positional arguments after the name */
	char **words;   /* as typed */
	pm_value *vals; /* typed; a range's is None until built */
	pm_lazy_range *ranges; /* per positional word */
	size_t nopts;
	pm_option *opts;
	/* The command's entry, set by the dispatcher before it runs (NULL
	 * for an unknown name). */
	const struct pm_cmd_entry *entry;
	/* How many `source` files deep it comes from (0: a line fed). */
	unsigned depth;
	/* The sourced file and line it comes from, for "FILE:LINE:" (NULL:
	 * the origin of the line fed). */
	char *origin;
	unsigned long origin_line;
} pm_args;

/* Splits a line into commands at ';' (and a '#' comment); returns the
 * count.  Each command is parsed on its own: bad input in one sets its
 * error (it then reports that instead of running) and leaves the others
 * as they are. */
size_t pm_parse_line(const char *line, pm_args **out);
void pm_args_free(pm_args *a);
/* One word to a typed value: 7, -2.5, "text", 1..10, 1,2,3, word. */
int pm_parse_value(const char *word, bool quoted, pm_value *out, char *err,
		   size_t errlen);
/* Builds the lists of the ranges among the words (for every command but
 * those that take ranges as they are); -1 with a message if one has more
 * than PM_RANGE_MAX items. */
int pm_args_build_ranges(pm_args *a, char *err, size_t errlen);
/* Its items (saturated at 2^64 - 1). */
uint64_t pm_lazy_range_count(const pm_lazy_range *r);
/* The value of option key (the first one given), or NULL. */
const pm_value *pm_args_opt(const pm_args *a, const char *key);

#endif
