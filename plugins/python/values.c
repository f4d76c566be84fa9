// SPDX-License-Identifier: GPL-3.0-or-later
/* plugins/python/values.c — poolmon values to Python objects and back:
 * None bool int float str bytes list both ways, an int beyond 64 bits as
 * PM_BIGINT both ways; tuple, bytearray and dict (as a list of [key,
 * value]) from Python; anything else refused with its type's name.  The
 * int conversion and the free are convert.c's (the poolmon module's). */
#include "pypm.h"

#include "convert.h"

#include <stdio.h>

#define MAX_DEPTH 64

PyObject *pypm_to_py(const pm_value *v)
{
	switch (v->type) {
	case PM_NONE:
		Py_RETURN_NONE;
	case PM_INT:
		return PyLong_FromLongLong((long long)v->u.i);
	case PM_FLOAT:
		return PyFloat_FromDouble(v->u.f);
	case PM_BOOL:
		return PyBool_FromLong((long)v->u.i);
	case PM_STR:
		return PyUnicode_DecodeUTF8(v->u.s.ptr, (Py_ssize_t)v->u.s.len,
					    "surrogateescape");
	case PM_BIGINT:
		return pypm_bigint_to_py(v);
	case PM_BYTES:
		return PyBytes_FromStringAndSize(v->u.s.ptr,
						 (Py_ssize_t)v->u.s.len);
	case PM_LIST: {
		PyObject *l = PyList_New((Py_ssize_t)v->u.list.len);
		for (size_t i = 0; l && i < v->u.list.len; i++) {
			PyObject *o = pypm_to_py(&v->u.list.items[i]);
			if (!o) {
				Py_DECREF(l);
				return NULL;
			}
			PyList_SET_ITEM(l, (Py_ssize_t)i, o);
		}
		return l;
	}
	}
	PyErr_Format(PyExc_TypeError, "unknown poolmon value type %d",
		     (int)v->type);
	return NULL;
}

static void free_items(pm_value *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pypm_value_free(&items[i]);
	free(items);
}

void pypm_value_free(pm_value *v)
{
	pypm_shared_value_free(v);
}

static int refuse(PyObject *o, char *why, size_t whylen)
{
	snprintf(why, whylen, "cannot convert %s to a poolmon value",
		 Py_TYPE(o)->tp_name);
	return -1;
}

static int bytes_value(const char *s, size_t n, pm_type type, pm_value *out)
{
	char *p = malloc(n + 1);
	if (!p)
		return -1;
	memcpy(p, s, n);
	p[n] = '\0';
	*out = pm_none();
	out->type = type;
	out->u.s.ptr = p;
	out->u.s.len = n;
	return 0;
}

static int from_py(PyObject *o, pm_value *out, int depth, char *why,
		   size_t whylen);

/* A list of n items, each made by item(k). */
static int list_value(PyObject *seq, Py_ssize_t n, pm_value *out, int depth,
		      char *why, size_t whylen, bool pairs)
{
	pm_value *items = calloc(n ? (size_t)n : 1, sizeof *items);
	if (!items)
		return snprintf(why, whylen, "out of memory"), -1;
	Py_ssize_t pos = 0, k = 0;
	PyObject *key, *val;
	for (; k < n; k++) {
		int rc;
		if (pairs) {
			if (!PyDict_Next(seq, &pos, &key, &val))
				break;
			pm_value *pair = calloc(2, sizeof *pair);
			rc = pair ? 0 : -1;
			if (!rc)
				rc = from_py(key, &pair[0], depth + 1, why,
					     whylen);
			if (!rc && (rc = from_py(val, &pair[1], depth + 1, why,
						 whylen)) < 0)
				pypm_value_free(&pair[0]);
			if (rc < 0) {
				free(pair);
			} else {
				items[k] = pm_none();
				items[k].type = PM_LIST;
				items[k].u.list.items = pair;
				items[k].u.list.len = 2;
			}
		} else {
			rc = from_py(PySequence_Fast_GET_ITEM(seq, k), &items[k],
				     depth + 1, why, whylen);
		}
		if (rc < 0) {
			free_items(items, (size_t)k);
			return -1;
		}
	}
	*out = pm_none();
	out->type = PM_LIST;
	out->u.list.items = items;
	out->u.list.len = (size_t)k;
	return 0;
}

static int from_py(PyObject *o, pm_value *out, int depth, char *why,
		   size_t whylen)
{
	if (depth > MAX_DEPTH) {
		snprintf(why, whylen, "nested more than %d deep", MAX_DEPTH);
		return -1;
	}
	*out = pm_none();
	if (o == Py_None)
		return 0;
	if (PyBool_Check(o)) {
		*out = pm_bool(o == Py_True);
		return 0;
	}
	if (PyLong_Check(o))
		return pypm_int_from_py(o, out, why, whylen) < 0 ? -1 : 0;
	if (PyFloat_Check(o)) {
		*out = pm_float(PyFloat_AS_DOUBLE(o));
		return 0;
	}
	if (PyUnicode_Check(o)) {
		Py_ssize_t n;
		const char *t = PyUnicode_AsUTF8AndSize(o, &n);
		if (!t) {
			PyErr_Clear();
			snprintf(why, whylen,
				 "cannot convert a str that is not valid UTF-8 (a lone surrogate)");
			return -1;
		}
		return bytes_value(t, (size_t)n, PM_STR, out);
	}
	if (PyBytes_Check(o))
		return bytes_value(PyBytes_AS_STRING(o),
				   (size_t)PyBytes_GET_SIZE(o), PM_BYTES, out);
	if (PyByteArray_Check(o))
		return bytes_value(PyByteArray_AS_STRING(o),
				   (size_t)PyByteArray_GET_SIZE(o), PM_BYTES,
				   out);
	if (PyList_Check(o) || PyTuple_Check(o)) {
		PyObject *seq = PySequence_Fast(o, "");
		if (!seq) {
			PyErr_Clear();
			return refuse(o, why, whylen);
		}
		int rc = list_value(seq, PySequence_Fast_GET_SIZE(seq), out,
				    depth, why, whylen, false);
		Py_DECREF(seq);
		return rc;
	}
	if (PyDict_Check(o))
		return list_value(o, PyDict_Size(o), out, depth, why, whylen,
				  true);
	return refuse(o, why, whylen);
}

int pypm_from_py(PyObject *o, pm_value *out, char *why, size_t whylen)
{
	return from_py(o, out, 0, why, whylen);
}
