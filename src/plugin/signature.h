/* SPDX-License-Identifier: GPL-3.0-or-later */
/* src/plugin/signature.h — a task's argument signature ("a:int,
 * b:float, *rest, **kw"): parsed, checked, and bound to arguments. */
#ifndef POOLMON_PLUGIN_SIGNATURE_H
#define POOLMON_PLUGIN_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>

#include "poolmon/plugin.h"

#define PM_MAX_PARAMS 16

typedef struct pm_param {
	char name[32];
	pm_type type;     /* PM_NONE means any type */
	bool variadic;    /* *rest: any number of trailing arguments */
	bool kwargs;      /* **kw, last: the task gets the key=value options
			   * as its last argument, a list of [key, value] */
	bool optional;    /* "b:int=2": may be left out (from the end) */
	char dflt[32];    /* its default's text, for messages */
} pm_param;

typedef struct pm_signature {
	pm_param params[PM_MAX_PARAMS];
	size_t n;
} pm_signature;

/* Parses "a:int, b:float=1.5, *rest, **kw"; -1 with a message if
 * malformed.  "=TEXT" (up to the next ',') makes a parameter optional: the
 * task gets fewer arguments and applies its own default. */
int pm_signature_parse(const char *text, pm_signature *sig, char *err,
		       size_t errlen);
/* Checks (and converts int to float where a float is expected, bool to
 * int or float where one is) arguments
 * against a signature. */
int pm_signature_check(const pm_signature *sig, pm_value *args, size_t nargs,
		       char *err, size_t errlen);

/* A key=value given to a task: binds a declared parameter by name, else
 * goes to its **kw. */
typedef struct pm_kwarg {
	const char *key;
	const pm_value *value;
} pm_kwarg;
/* True if the signature ends in **kw. */
bool pm_signature_has_kwargs(const pm_signature *sig);
/* Binds positional arguments and key=value options to a signature, as
 * Python binds a call: options naming a parameter fill its slot, the rest
 * go to **kw (a list of [key, value], always present when declared) or are
 * refused.  *out (nout values) is a fresh copy; -1 with a message. */
int pm_signature_bind(const pm_signature *sig, const pm_value *args,
		      size_t nargs, const pm_kwarg *kw, size_t nkw,
		      pm_value **out, size_t *nout, char *err, size_t errlen);

#endif
