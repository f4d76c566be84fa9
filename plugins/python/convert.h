// SPDX-License-Identifier: GPL-3.0-or-later
/* pm_value <-> Python object, for what crosses a shared object (queue
 * items, pipe messages, values).  Call with the GIL held.
 *
 *   PM_NONE  <-> None          PM_BOOL  <-> bool
 *   PM_INT   <-> int (int64)   PM_FLOAT <-> float
 *   PM_BIGINT <-> int beyond int64 (its decimal digits)
 *   PM_STR   <-> str (UTF-8)   PM_BYTES <-> bytes (bytearray, memoryview in)
 *   PM_LIST  <-> list          (a tuple goes in as a list, comes out a list)
 *
 * Lone surrogates in a str are refused, and so are a nesting
 * deeper than PYPM_MAX_DEPTH (a list that holds itself), and any other type
 * (dict, set, objects: PYPM_BADTYPE). */
#ifndef POOLMON_PYCONVERT_H
#define POOLMON_PYCONVERT_H

#include <Python.h>
#include <stddef.h>

#include "poolmon/plugin.h"

#define PYPM_MAX_DEPTH 64 /* as PM_VALUE_MAX_DEPTH */

enum { PYPM_OK = 0, PYPM_BADTYPE = -1, PYPM_OVERFLOW = -2, PYPM_NOMEM = -3 };

/* A new reference, or NULL with a Python exception set. */
PyObject *pypm_shared_to_py(const pm_value *v);
/* 0 and *out (the caller's: pypm_shared_value_free), or a PYPM_* code < 0 with
 * err set ("cannot convert dict: …") and *out PM_NONE.  No Python
 * exception is left set. */
int pypm_shared_from_py(PyObject *o, pm_value *out, char *err, size_t len);
/* An int as PM_INT when it fits in int64, else PM_BIGINT: PYPM_OK, or a
 * PYPM_* code with err set.  Shared with the task converter (values.c). */
int pypm_int_from_py(PyObject *o, pm_value *out, char *err, size_t len);
/* A PM_BIGINT as a Python int (a new reference, or NULL and an exception). */
PyObject *pypm_bigint_to_py(const pm_value *v);
/* Frees what pypm_shared_from_py (or a shared object's get) allocated; leaves
 * PM_NONE. */
void pypm_shared_value_free(pm_value *v);
/* The Python exception type for a pypm_shared_from_py code (TypeError,
 * OverflowError, MemoryError). */
PyObject *pypm_convert_error_type(int code);

#endif
