// SPDX-License-Identifier: GPL-3.0-or-later
/* pm_value <-> Python objects for the poolmon module: what a queue, a pipe
 * or a value carries (see convert.h for the table of types). */
#define PY_SSIZE_T_CLEAN
#include "convert.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pypm_shared_value_free(pm_value *v)
{
	if (!v)
		return;
	switch (v->type) {
	case PM_STR:
	case PM_BIGINT:
	case PM_BYTES:
		free(v->u.s.ptr);
		break;
	case PM_LIST:
		for (size_t i = 0; i < v->u.list.len; i++)
			pypm_shared_value_free(&v->u.list.items[i]);
		free(v->u.list.items);
		break;
	default:
		break;
	}
	*v = pm_none();
}

PyObject *pypm_convert_error_type(int code)
{
	switch (code) {
	case PYPM_OVERFLOW:
		return PyExc_OverflowError;
	case PYPM_NOMEM:
		return PyExc_MemoryError;
	default:
		return PyExc_TypeError;
	}
}

/* ---- to Python --------------------------------------------------------- */

PyObject *pypm_bigint_to_py(const pm_value *v)
{
	return PyLong_FromString(v->u.s.ptr ? v->u.s.ptr : "", NULL, 10);
}

static PyObject *list_to_py(const pm_value *v, int depth);

static PyObject *to_py(const pm_value *v, int depth)
{
	switch (v->type) {
	case PM_NONE:
		Py_RETURN_NONE;
	case PM_BOOL:
		return PyBool_FromLong(v->u.i != 0);
	case PM_INT:
		return PyLong_FromLongLong(v->u.i);
	case PM_FLOAT:
		return PyFloat_FromDouble(v->u.f);
	case PM_STR:
		/* What C plugins put may not be UTF-8: keep its bytes. */
		return PyUnicode_DecodeUTF8(v->u.s.ptr ? v->u.s.ptr : "",
					    (Py_ssize_t)v->u.s.len,
					    "surrogateescape");
	case PM_BIGINT:
		return pypm_bigint_to_py(v);
	case PM_BYTES:
		return PyBytes_FromStringAndSize(v->u.s.ptr,
						 (Py_ssize_t)v->u.s.len);
	case PM_LIST:
		return list_to_py(v, depth);
	}
	PyErr_Format(PyExc_TypeError, "poolmon value of unknown type %d",
		     (int)v->type);
	return NULL;
}

static PyObject *list_to_py(const pm_value *v, int depth)
{
	if (depth >= PYPM_MAX_DEPTH) {
		PyErr_Format(PyExc_ValueError,
			     "poolmon value nested deeper than %d",
			     PYPM_MAX_DEPTH);
		return NULL;
	}
	PyObject *l = PyList_New((Py_ssize_t)v->u.list.len);
	if (!l)
		return NULL;
	for (size_t i = 0; i < v->u.list.len; i++) {
		PyObject *item = to_py(&v->u.list.items[i], depth + 1);
		if (!item) {
			Py_DECREF(l);
			return NULL;
		}
		PyList_SET_ITEM(l, (Py_ssize_t)i, item);
	}
	return l;
}

PyObject *pypm_shared_to_py(const pm_value *v)
{
	return to_py(v, 0);
}

/* ---- from Python ------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t len,
						      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int bytes_copy(const char *p, size_t n, pm_type t, pm_value *out,
		      char *err, size_t len)
{
	char *c = malloc(n + 1);
	if (!c) {
		fail(err, len, "out of memory for %zu bytes", n);
		return PYPM_NOMEM;
	}
	memcpy(c, p, n);
	c[n] = 0;
	out->type = t;
	out->u.s.ptr = c;
	out->u.s.len = n;
	return PYPM_OK;
}

static int from_py(PyObject *o, pm_value *out, char *err, size_t len,
		   int depth);

int pypm_int_from_py(PyObject *o, pm_value *out, char *err, size_t len)
{
	int overflow = 0;
	long long i = PyLong_AsLongLongAndOverflow(o, &overflow);
	if (!overflow && i == -1 && PyErr_Occurred()) {
		PyErr_Clear();
		fail(err, len, "int cannot be read");
		return PYPM_BADTYPE;
	}
	if (!overflow) {
		*out = pm_int(i);
		return PYPM_OK;
	}
	/* Beyond int64: a PM_BIGINT of its decimal digits. */
	PyObject *s = PyObject_Str(o);
	Py_ssize_t n = 0;
	const char *t = s ? PyUnicode_AsUTF8AndSize(s, &n) : NULL;
	int rc = t ? bytes_copy(t, (size_t)n, PM_BIGINT, out, err, len)
		   : PYPM_NOMEM;
	if (!t) { /* Python's reason: more than sys.get_int_max_str_digits() */
		PyObject *et, *ev, *tb;
		PyErr_Fetch(&et, &ev, &tb);
		PyObject *m = ev ? PyObject_Str(ev) : NULL;
		const char *why = m ? PyUnicode_AsUTF8(m) : NULL;
		fail(err, len, "cannot write a large int's digits: %s",
		     why ? why : "?");
		Py_XDECREF(m);
		Py_XDECREF(et);
		Py_XDECREF(ev);
		Py_XDECREF(tb);
		PyErr_Clear();
	}
	Py_XDECREF(s);
	return rc;
}

static int str_from_py(PyObject *o, pm_value *out, char *err, size_t len)
{
	Py_ssize_t n;
	const char *s = PyUnicode_AsUTF8AndSize(o, &n);
	if (!s) {
		PyErr_Clear();
		fail(err, len, "str is not valid UTF-8 (a lone surrogate?)");
		return PYPM_BADTYPE;
	}
	return bytes_copy(s, (size_t)n, PM_STR, out, err, len);
}

static int buffer_from_py(PyObject *o, pm_value *out, char *err, size_t len)
{
	Py_buffer b;
	if (PyObject_GetBuffer(o, &b, PyBUF_SIMPLE) < 0) {
		PyErr_Clear();
		fail(err, len, "cannot read %s's bytes", Py_TYPE(o)->tp_name);
		return PYPM_BADTYPE;
	}
	int rc = bytes_copy(b.buf, (size_t)b.len, PM_BYTES, out, err, len);
	PyBuffer_Release(&b);
	return rc;
}

static int seq_from_py(PyObject *o, pm_value *out, char *err, size_t len,
		       int depth)
{
	if (depth >= PYPM_MAX_DEPTH)
		return fail(err, len, "%s nested deeper than %d (does it hold itself?)",
			    Py_TYPE(o)->tp_name, PYPM_MAX_DEPTH);
	PyObject *fast = PySequence_Fast(o, "not a sequence");
	if (!fast) {
		PyErr_Clear();
		return fail(err, len, "cannot read %s", Py_TYPE(o)->tp_name);
	}
	size_t n = (size_t)PySequence_Fast_GET_SIZE(fast);
	pm_value *items = n ? calloc(n, sizeof *items) : NULL;
	if (n && !items) {
		Py_DECREF(fast);
		fail(err, len, "out of memory for %zu items", n);
		return PYPM_NOMEM;
	}
	int rc = PYPM_OK;
	for (size_t i = 0; i < n && rc == PYPM_OK; i++) {
		char sub[200];
		rc = from_py(PySequence_Fast_GET_ITEM(fast, (Py_ssize_t)i),
			     &items[i], sub, sizeof sub, depth + 1);
		if (rc != PYPM_OK)
			fail(err, len, "[%zu]: %s", i, sub);
	}
	Py_DECREF(fast);
	pm_value l = pm_none();
	l.type = PM_LIST;
	l.u.list.items = items;
	l.u.list.len = n;
	if (rc != PYPM_OK) {
		pypm_shared_value_free(&l);
		return rc;
	}
	*out = l;
	return PYPM_OK;
}

static int from_py(PyObject *o, pm_value *out, char *err, size_t len,
		   int depth)
{
	*out = pm_none();
	if (o == Py_None)
		return PYPM_OK;
	if (PyBool_Check(o)) { /* before int: bool is an int */
		*out = pm_bool(o == Py_True);
		return PYPM_OK;
	}
	if (PyLong_Check(o))
		return pypm_int_from_py(o, out, err, len);
	if (PyFloat_Check(o)) {
		*out = pm_float(PyFloat_AS_DOUBLE(o));
		return PYPM_OK;
	}
	if (PyUnicode_Check(o))
		return str_from_py(o, out, err, len);
	if (PyBytes_Check(o) || PyByteArray_Check(o) || PyMemoryView_Check(o))
		return buffer_from_py(o, out, err, len);
	if (PyList_Check(o) || PyTuple_Check(o))
		return seq_from_py(o, out, err, len, depth);
	return fail(err, len,
		    "cannot carry %s (poolmon's values are None, bool, int, "
		    "float, str, bytes, list and tuple)",
		    Py_TYPE(o)->tp_name);
}

int pypm_shared_from_py(PyObject *o, pm_value *out, char *err, size_t len)
{
	return from_py(o, out, err, len, 0);
}
