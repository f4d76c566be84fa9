// SPDX-License-Identifier: GPL-3.0-or-later
/* The `poolmon` module in a worker's interpreter: proxies onto poolmon's
 * shared objects found by name (ctx->shared of the task running now,
 * pypm_ctx()), operated through ctx->shm with multiprocessing's names and
 * semantics.  This file: the module, lookup, errors, waiting in slices with
 * the GIL released, Value and Array.  The queues and Pipe are in
 * module_queue.c, the locks and the rest in module_sync.c. */
#include "module_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "convert.h"
#include "module.h"
#include "pypm.h"

PyObject *pypm_Empty, *pypm_Full, *pypm_Broken, *pypm_Cancelled;

/* ---- errors, time, waiting -------------------------------------------- */

const char *pypm_cls(const pypm_obj *o)
{
	const char *n = Py_TYPE(o)->tp_name, *dot = strrchr(n, '.');
	return dot ? dot + 1 : n;
}

PyObject *pypm_raise(const pypm_obj *o, int rc, PyObject *type)
{
	if (!type)
		switch (rc) {
		case PM_SHM_EMPTY: type = pypm_Empty; break;
		case PM_SHM_FULL: type = pypm_Full; break;
		case PM_SHM_BROKEN: type = pypm_Broken; break;
		case PM_SHM_TYPE: type = PyExc_TypeError; break;
		case PM_SHM_RANGE: type = PyExc_OverflowError; break;
		case PM_SHM_CLOSED:
		case PM_SHM_TOO_MANY:
		case PM_SHM_TOO_BIG: type = PyExc_ValueError; break;
		default: type = PyExc_RuntimeError; break;
		}
	PyErr_Format(type, "%s '%s': %s", pypm_cls(o), o->name,
		     o->api->strerror(rc));
	return NULL;
}

int pypm_check(void)
{
	if (PyErr_CheckSignals() < 0)
		return -1;
	pm_ctx *ctx = pypm_ctx();
	if (ctx && ctx->cancelled && ctx->cancelled(ctx)) {
		PyErr_SetString(pypm_Cancelled,
				"the task was cancelled (terminate or timeout)");
		return -1;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int pypm_wait(const struct pm_shared_api *api, void *h, void *arg,
	      pypm_try_fn fn, double timeout, int again)
{
	double end = timeout > 0 ? now() + timeout : 0;
	for (;;) {
		double t = timeout == 0 ? 0 : PYPM_SLICE;
		if (timeout > 0) {
			double left = end - now();
			t = left < t ? (left > 0 ? left : 0) : t;
		}
		int rc;
		Py_BEGIN_ALLOW_THREADS
		rc = fn(api, h, arg, t);
		Py_END_ALLOW_THREADS
		if (rc != again || timeout == 0 ||
		    (timeout > 0 && now() >= end))
			return rc;
		if (pypm_check() < 0)
			return -1;
	}
}

int pypm_timeout(PyObject *block, PyObject *timeout, int neg, double *out)
{
	int blocking = block ? PyObject_IsTrue(block) : 1;
	if (blocking <= 0) {
		*out = 0;
		return blocking;
	}
	if (!timeout || timeout == Py_None) {
		*out = -1;
		return 0;
	}
	double t = PyFloat_AsDouble(timeout);
	if (t == -1 && PyErr_Occurred())
		return -1;
	if (isnan(t)) {
		PyErr_SetString(PyExc_ValueError, "timeout is NaN");
		return -1;
	}
	if (t < 0 && neg == TO_ZERO)
		t = 0;
	else if (t < 0 && !(neg == TO_LOCK && t == -1)) {
		PyErr_SetString(PyExc_ValueError,
				neg == TO_LOCK
					? "timeout value must be a non-negative number or -1"
					: "'timeout' must be a non-negative number");
		return -1;
	}
	*out = t < 0 ? -1 : t;
	return 0;
}

/* ---- lookup ------------------------------------------------------------ */

static const char *const k_value[] = { "value", NULL };
static const char *const k_array[] = { "array", NULL };

PyObject *pypm_wrap(PyTypeObject *t, void *h,
		    const struct pm_shared_api *api, const char *name)
{
	pypm_obj *o = (pypm_obj *)t->tp_alloc(t, 0);
	if (!o)
		return NULL;
	o->h = h;
	o->api = api;
	snprintf(o->name, sizeof o->name, "%s", name);
	return (PyObject *)o;
}

void *pypm_find(const char *name, const char *const *kinds, const char *cls,
		const struct pm_shared_api **api)
{
	pm_ctx *ctx = pypm_ctx();
	if (!ctx || !ctx->shared || !PM_CTX_HAS_SHM(ctx)) {
		PyErr_Format(PyExc_RuntimeError,
			     "poolmon.%s('%s'): shared objects are found only "
			     "while a task runs",
			     cls, name);
		return NULL;
	}
	void *h = ctx->shared(ctx, name);
	if (!h) {
		PyErr_Format(PyExc_KeyError, "no shared object '%s'", name);
		return NULL;
	}
	const char *kind = ctx->shm->kind(h);
	for (size_t i = 0; kind && kinds[i]; i++)
		if (!strcmp(kind, kinds[i])) {
			*api = ctx->shm;
			return h;
		}
	PyErr_Format(PyExc_TypeError, "shared object '%s' is a %s, not a %s",
		     name, kind ? kind : "bad handle", cls);
	return NULL;
}

/* The kinds each class takes, found along the type's bases (a subclass
 * made in Python takes what its poolmon base takes). */
static PyTypeObject pypm_ValueType, pypm_ArrayType;

static const struct {
	PyTypeObject *t;
	const char *const *kinds;
} class_kinds[] = {
	{ &pypm_ValueType, k_value },
	{ &pypm_ArrayType, k_array },
};

static const char *const *kinds_of(PyTypeObject *t, const char **cls)
{
	for (; t; t = t->tp_base) {
		for (size_t i = 0; i < sizeof class_kinds / sizeof *class_kinds;
		     i++)
			if (class_kinds[i].t == t) {
				*cls = strrchr(t->tp_name, '.') + 1;
				return class_kinds[i].kinds;
			}
		const char *const *k = pypm_sync_kinds(t);
		if (!k)
			k = pypm_queue_kinds(t);
		if (k) {
			*cls = strrchr(t->tp_name, '.') + 1;
			return k;
		}
	}
	return NULL;
}

PyObject *pypm_new_by_name(PyTypeObject *t, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "name", NULL };
	const char *name;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "s", kwlist, &name))
		return NULL;
	const char *cls = "object";
	const char *const *kinds = kinds_of(t, &cls);
	if (!kinds) {
		PyErr_SetString(PyExc_TypeError, "not a poolmon class");
		return NULL;
	}
	if (!pypm_ctx()) /* found at its first use */
		return pypm_wrap(t, NULL, NULL, name);
	const struct pm_shared_api *api;
	void *h = pypm_find(name, kinds, cls, &api);
	return h ? pypm_wrap(t, h, api, name) : NULL;
}

int pypm_resolve(pypm_obj *o)
{
	if (o->h)
		return 0;
	const struct pm_shared_api *api = NULL;
	void *h;
	if (PyObject_TypeCheck(o, &pypm_ConnectionType)) {
		h = pypm_conn_find(o->name, o->end, &api);
	} else {
		const char *cls = "object";
		const char *const *kinds = kinds_of(Py_TYPE(o), &cls);
		h = kinds ? pypm_find(o->name, kinds, cls, &api) : NULL;
	}
	if (!h)
		return -1;
	o->api = api;
	o->h = h;
	return 0;
}

/* Attributes whose use needs the object: all but .name and _private. */
static int needs_object(pypm_obj *o, PyObject *attr)
{
	if (o->h || !PyUnicode_Check(attr))
		return 0;
	const char *a = PyUnicode_AsUTF8(attr);
	return a && a[0] != '_' && strcmp(a, "name") != 0;
}

PyObject *pypm_getattro(PyObject *self, PyObject *attr)
{
	pypm_obj *o = (pypm_obj *)self;
	if (needs_object(o, attr) && pypm_resolve(o) < 0)
		return NULL;
	return PyObject_GenericGetAttr(self, attr);
}

int pypm_setattro(PyObject *self, PyObject *attr, PyObject *v)
{
	pypm_obj *o = (pypm_obj *)self;
	if (needs_object(o, attr) && pypm_resolve(o) < 0)
		return -1;
	return PyObject_GenericSetAttr(self, attr, v);
}

void pypm_obj_dealloc(PyObject *self)
{
	Py_CLEAR(((pypm_obj *)self)->lock);
	Py_TYPE(self)->tp_free(self);
}

PyObject *pypm_obj_repr(PyObject *self)
{
	return PyUnicode_FromFormat("<%s '%s'>", Py_TYPE(self)->tp_name,
				    ((pypm_obj *)self)->name);
}

PyObject *pypm_obj_name(PyObject *self, void *unused)
{
	(void)unused;
	return PyUnicode_FromString(((pypm_obj *)self)->name);
}

/* ---- Value and Array ---------------------------------------------------- */

/* The element at i as Python's (a 'Q' or 'L' above 2**63-1 is a PM_BIGINT,
 * an int). */
static PyObject *elem_to_py(pypm_obj *o, const pm_value *v)
{
	(void)o;
	return pypm_shared_to_py(v);
}

static PyObject *elem_get(pypm_obj *o, size_t i)
{
	pm_value v = pm_none();
	int rc;
	Py_BEGIN_ALLOW_THREADS
	rc = o->api->value_get(o->h, i, &v);
	Py_END_ALLOW_THREADS
	if (rc != PM_SHM_OK) {
		pypm_shared_value_free(&v);
		return pypm_raise(o, rc, NULL);
	}
	PyObject *r = elem_to_py(o, &v);
	pypm_shared_value_free(&v);
	return r;
}

static int elem_set(pypm_obj *o, size_t i, PyObject *x)
{
	if (!x) {
		PyErr_Format(PyExc_TypeError, "%s '%s': items cannot be deleted",
			     pypm_cls(o), o->name);
		return -1;
	}
	pm_value v;
	char err[256];
	int c = pypm_shared_from_py(x, &v, err, sizeof err);
	if (c < 0) {
		PyErr_Format(pypm_convert_error_type(c), "%s '%s': %s",
			     pypm_cls(o), o->name, err);
		return -1;
	}
	int rc;
	Py_BEGIN_ALLOW_THREADS
	rc = o->api->value_set(o->h, i, &v);
	Py_END_ALLOW_THREADS
	pypm_shared_value_free(&v);
	if (rc != PM_SHM_OK) {
		pypm_raise(o, rc, NULL);
		return -1;
	}
	return 0;
}

static PyObject *value_get(PyObject *self, void *unused)
{
	(void)unused;
	return elem_get((pypm_obj *)self, 0);
}

static int value_set(PyObject *self, PyObject *x, void *unused)
{
	(void)unused;
	return elem_set((pypm_obj *)self, 0, x);
}

static PyObject *typecode(PyObject *self, void *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	char c = o->api->code(o->h);
	return PyUnicode_FromStringAndSize(&c, 1);
}

/* get_lock(): the object's RLock, as multiprocessing's synchronized
 * wrappers; a RawValue / RawArray (lock=0) has none. */
static PyObject *get_lock(PyObject *self, PyObject *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	if (!o->lock) {
		void *lk = o->api->get_lock(o->h);
		if (!lk) {
			PyErr_Format(PyExc_AttributeError,
				     "%s '%s' was made with lock=0: it has no lock",
				     pypm_cls(o), o->name);
			return NULL;
		}
		o->lock = pypm_wrap(&pypm_RLockType, lk, o->api, o->name);
		if (!o->lock)
			return NULL;
	}
	Py_INCREF(o->lock);
	return o->lock;
}

static PyGetSetDef value_getset[] = {
	{ "value", value_get, value_set, "the value", NULL },
	{ "typecode", typecode, NULL, "the type code", NULL },
	{ "name", pypm_obj_name, NULL, "the shared object's name", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyMethodDef value_methods[] = {
	{ "get_lock", get_lock, METH_NOARGS, "the value's RLock" },
	{ NULL, NULL, 0, NULL },
};

static PYPM_TYPE(pypm_ValueType, "Value",
		 "Value(name): the shared value called name (.value).",
		 .tp_getset = value_getset, .tp_methods = value_methods);

static Py_ssize_t array_len(PyObject *self)
{
	pypm_obj *o = (pypm_obj *)self;
	if (pypm_resolve(o) < 0)
		return -1;
	return (Py_ssize_t)o->api->len(o->h);
}

/* A whole slice under the lock once, as multiprocessing's a[i:j]: 0, or
 * -1 with an exception.  *lk: the lock to give back, NULL if none. */
static int slice_lock(pypm_obj *o, void **lk)
{
	*lk = o->api->get_lock(o->h);
	if (!*lk)
		return 0;
	int rc;
	Py_BEGIN_ALLOW_THREADS
	rc = o->api->acquire(*lk, PM_SHM_FOREVER);
	Py_END_ALLOW_THREADS
	if (rc != PM_SHM_OK && rc != PM_SHM_OWNER_DIED) {
		*lk = NULL;
		pypm_raise(o, rc, NULL);
		return -1;
	}
	return 0;
}

static void slice_unlock(pypm_obj *o, void *lk)
{
	if (lk)
		o->api->release(lk);
}

static int array_index(pypm_obj *o, PyObject *key, size_t *i)
{
	Py_ssize_t n = (Py_ssize_t)o->api->len(o->h);
	Py_ssize_t k = PyNumber_AsSsize_t(key, PyExc_IndexError);
	if (k == -1 && PyErr_Occurred())
		return -1;
	if (k < 0)
		k += n;
	if (k < 0 || k >= n) {
		PyErr_Format(PyExc_IndexError, "Array '%s': index out of range",
			     o->name);
		return -1;
	}
	*i = (size_t)k;
	return 0;
}

static PyObject *array_subscript(PyObject *self, PyObject *key)
{
	pypm_obj *o = (pypm_obj *)self;
	if (pypm_resolve(o) < 0)
		return NULL;
	if (!PySlice_Check(key)) {
		size_t i;
		return array_index(o, key, &i) < 0 ? NULL : elem_get(o, i);
	}
	Py_ssize_t start, stop, step;
	if (PySlice_Unpack(key, &start, &stop, &step) < 0)
		return NULL;
	Py_ssize_t n = PySlice_AdjustIndices((Py_ssize_t)o->api->len(o->h),
					     &start, &stop, step);
	PyObject *l = PyList_New(n);
	void *lk;
	if (!l || slice_lock(o, &lk) < 0) {
		Py_XDECREF(l);
		return NULL;
	}
	for (Py_ssize_t k = 0; k < n; k++) {
		PyObject *x = elem_get(o, (size_t)(start + k * step));
		if (!x) {
			Py_CLEAR(l);
			break;
		}
		PyList_SET_ITEM(l, k, x);
	}
	slice_unlock(o, lk);
	return l;
}

static int array_ass_subscript(PyObject *self, PyObject *key, PyObject *x)
{
	pypm_obj *o = (pypm_obj *)self;
	if (pypm_resolve(o) < 0)
		return -1;
	if (!PySlice_Check(key)) {
		size_t i;
		return array_index(o, key, &i) < 0 ? -1 : elem_set(o, i, x);
	}
	Py_ssize_t start, stop, step;
	if (PySlice_Unpack(key, &start, &stop, &step) < 0)
		return -1;
	Py_ssize_t n = PySlice_AdjustIndices((Py_ssize_t)o->api->len(o->h),
					     &start, &stop, step);
	PyObject *seq = x ? PySequence_Fast(x, "can only assign a sequence")
			  : NULL;
	if (!seq)
		return x ? -1 : elem_set(o, 0, NULL);
	if (PySequence_Fast_GET_SIZE(seq) != n) {
		Py_DECREF(seq);
		PyErr_SetString(PyExc_ValueError,
				"Can only assign sequence of same size");
		return -1;
	}
	void *lk;
	int rc = slice_lock(o, &lk);
	for (Py_ssize_t k = 0; k < n && rc == 0; k++)
		rc = elem_set(o, (size_t)(start + k * step),
			      PySequence_Fast_GET_ITEM(seq, k));
	slice_unlock(o, lk);
	Py_DECREF(seq);
	return rc;
}

static PyObject *array_item(PyObject *self, Py_ssize_t i)
{
	pypm_obj *o = (pypm_obj *)self;
	if (pypm_resolve(o) < 0)
		return NULL;
	if (i < 0 || (size_t)i >= o->api->len(o->h)) {
		PyErr_Format(PyExc_IndexError, "Array '%s': index out of range",
			     o->name);
		return NULL;
	}
	return elem_get(o, (size_t)i);
}

static PySequenceMethods array_seq = { .sq_length = array_len,
				       .sq_item = array_item };
static PyMappingMethods array_map = { .mp_length = array_len,
				      .mp_subscript = array_subscript,
				      .mp_ass_subscript = array_ass_subscript };

static PyGetSetDef array_getset[] = {
	{ "typecode", typecode, NULL, "the type code", NULL },
	{ "name", pypm_obj_name, NULL, "the shared object's name", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PYPM_TYPE(pypm_ArrayType, "Array",
		 "Array(name): the shared array called name (len, a[i], a[i:j]).",
		 .tp_as_sequence = &array_seq, .tp_as_mapping = &array_map,
		 .tp_getset = array_getset, .tp_methods = value_methods);

/* ---- the module --------------------------------------------------------- */

static PyMethodDef module_functions[] = {
	{ "Pipe", pypm_pipe, METH_VARARGS,
	  "Pipe(name) -> (Connection(name, 0), Connection(name, 1))" },
	{ NULL, NULL, 0, NULL },
};

/* At the interpreter's end: its classes are not the next one's. */
static void module_free(void *m)
{
	(void)m;
	Py_CLEAR(pypm_Empty);
	Py_CLEAR(pypm_Full);
	Py_CLEAR(pypm_Broken);
	Py_CLEAR(pypm_Cancelled);
}

static struct PyModuleDef module_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "poolmon",
	.m_doc = "poolmon's shared objects by name, with multiprocessing's "
		 "methods (see docs/plugins.md, \"The poolmon module\").",
	.m_size = -1,
	.m_methods = module_functions,
	.m_free = module_free,
};

static PyObject *import_attr(const char *module, const char *attr)
{
	PyObject *m = PyImport_ImportModule(module);
	if (!m)
		return NULL;
	PyObject *a = PyObject_GetAttrString(m, attr);
	Py_DECREF(m);
	return a;
}

int pypm_add_type(PyObject *m, PyTypeObject *t)
{
	if (PyType_Ready(t) < 0)
		return -1;
	Py_INCREF(t);
	if (PyModule_AddObject(m, strrchr(t->tp_name, '.') + 1,
			       (PyObject *)t) < 0) {
		Py_DECREF(t);
		return -1;
	}
	return 0;
}

PyObject *PyInit_poolmon(void)
{
	/* Each interpreter's own: a fresh one after Py_Finalize must not
	 * raise the classes of the last. */
	Py_XSETREF(pypm_Empty, import_attr("queue", "Empty"));
	Py_XSETREF(pypm_Full, import_attr("queue", "Full"));
	Py_XSETREF(pypm_Broken,
		   import_attr("threading", "BrokenBarrierError"));
	Py_XSETREF(pypm_Cancelled,
		   PyErr_NewExceptionWithDoc(
			   "poolmon.Cancelled",
			   "The task was terminated or timed out while it "
			   "waited on a shared object.",
			   PyExc_BaseException, NULL));
	if (!pypm_Empty || !pypm_Full || !pypm_Broken || !pypm_Cancelled)
		return NULL;
	PyObject *m = PyModule_Create(&module_def);
	if (!m)
		return NULL;
	if (pypm_add_type(m, &pypm_ValueType) < 0 ||
	    pypm_add_type(m, &pypm_ArrayType) < 0 ||
	    pypm_add_queue_types(m) < 0)
		goto fail;
	Py_INCREF(pypm_Cancelled);
	if (PyModule_AddObject(m, "Cancelled", pypm_Cancelled) < 0) {
		Py_DECREF(pypm_Cancelled);
		goto fail;
	}
	if (pypm_add_sync_types(m) < 0)
		goto fail;
	return m;
fail:
	Py_DECREF(m);
	return NULL;
}
