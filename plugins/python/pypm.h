// SPDX-License-Identifier: GPL-3.0-or-later
/* plugins/python/pypm.h — what the parts of the bundled `python` plugin
 * share: the ctx of the task running now, the conversions between poolmon
 * values and Python objects, the helper that reads a module's signatures,
 * and the `poolmon` module's init (plugins/python/module.c). */
#ifndef POOLMON_PYPM_H
#define POOLMON_PYPM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <poolmon/plugin.h>
#include <stdbool.h>

/* The ctx of the Python task running now in this worker (set, with the
 * GIL held, just before the call and cleared just after it), or NULL
 * between tasks. */
pm_ctx *pypm_ctx(void);

/* A poolmon value as a new Python object (a **kwargs list is not turned
 * into a dict here), or NULL with a Python exception set. */
PyObject *pypm_to_py(const pm_value *v);
/* A Python object as a poolmon value (*out is malloc'ed, see pm_value):
 * None bool int float str bytes bytearray list tuple, and dict as a list
 * of [key, value]; an int beyond 64 bits becomes a PM_BIGINT.  -1 and
 * a message ("cannot convert set to a poolmon value") for anything else;
 * no Python exception is left set. */
int pypm_from_py(PyObject *o, pm_value *out, char *why, size_t whylen);

/* Frees what pypm_from_py made (strings, bytes, list items). */
void pypm_value_free(pm_value *v);
/* Logs the partial lines left in sys.stdout / sys.stderr through ctx (a
 * task's end), or drops them if ctx is NULL. */
void pypm_flush_output(pm_ctx *ctx);

/* The Python source run in every interpreter the plugin starts (import by
 * path, inspect a module, describe an exception, the stdout/stderr that
 * become log lines). */
extern const char pypm_boot_source[];
/* Starts Python in this process (once): libpython's symbols made global
 * for extension modules, `poolmon` and `_pypm` registered, Python
 * initialised without signal handlers, the boot source run.  Returns its
 * globals (borrowed) with the GIL held, or NULL with a message. */
PyObject *pypm_start(char *err, size_t errlen);

/* In a short-lived child process (the caller never starts Python): imports
 * arg (a file PATH.py, or a module name on PYTHONPATH) and describes its
 * public functions, one "name\tsignature\thelp" line each after a first
 * "module\tpath" line.  *out is malloc'ed text; -1 with the Python error
 * (or why the child ended) in err. */
int pypm_inspect(const char *arg, char **out, char *err, size_t errlen);

/* The `poolmon` module (plugins/python/module.c). */
PyObject *PyInit_poolmon(void);

#endif
