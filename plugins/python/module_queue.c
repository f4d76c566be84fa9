// SPDX-License-Identifier: GPL-3.0-or-later
/* The poolmon module's Queue, JoinableQueue, SimpleQueue, Pipe and
 * Connection: items converted by convert.c, every wait in slices with the
 * GIL released (pypm_wait), queue.Empty / queue.Full as Python raises
 * them. */
#include "module_int.h"

#include <string.h>

#include "convert.h"
#include "pypm.h"

static const char *const k_queue[] = { "queue", "joinable_queue", NULL };
static const char *const k_jqueue[] = { "joinable_queue", NULL };
static const char *const k_squeue[] = { "simple_queue", NULL };
static const char *const k_pipe[] = { "pipe", NULL };

/* ---- queues ------------------------------------------------------------- */

static int try_put(const struct pm_shared_api *api, void *h, void *arg,
		   double t)
{
	return api->queue_put(h, arg, t);
}

static int try_get(const struct pm_shared_api *api, void *h, void *arg,
		   double t)
{
	return api->queue_get(h, arg, t);
}

static int try_join(const struct pm_shared_api *api, void *h, void *arg,
		    double t)
{
	(void)arg;
	return api->join(h, t);
}

static int not_closed(pypm_obj *o)
{
	if (!o->closed)
		return 0;
	PyErr_Format(PyExc_ValueError, "%s '%s' is closed", pypm_cls(o),
		     o->name);
	return -1;
}

static PyObject *do_put(pypm_obj *o, PyObject *item, double timeout)
{
	if (not_closed(o) < 0)
		return NULL;
	pm_value v;
	char err[256];
	int c = pypm_shared_from_py(item, &v, err, sizeof err);
	if (c < 0)
		return PyErr_Format(pypm_convert_error_type(c), "%s '%s': %s",
				    pypm_cls(o), o->name, err);
	int rc = pypm_wait(o->api, o->h, &v, try_put, timeout, PM_SHM_FULL);
	pypm_shared_value_free(&v);
	if (rc < 0)
		return NULL;
	if (rc == PM_SHM_FULL) {
		PyErr_SetNone(pypm_Full); /* as Python: no message */
		return NULL;
	}
	if (rc != PM_SHM_OK)
		return pypm_raise(o, rc, NULL);
	Py_RETURN_NONE;
}

static PyObject *do_get(pypm_obj *o, double timeout)
{
	if (not_closed(o) < 0)
		return NULL;
	pm_value v = pm_none();
	int rc = pypm_wait(o->api, o->h, &v, try_get, timeout, PM_SHM_EMPTY);
	if (rc < 0)
		return NULL;
	if (rc == PM_SHM_EMPTY) {
		PyErr_SetNone(pypm_Empty);
		return NULL;
	}
	if (rc != PM_SHM_OK) {
		pypm_shared_value_free(&v);
		return pypm_raise(o, rc, NULL);
	}
	PyObject *r = pypm_shared_to_py(&v);
	pypm_shared_value_free(&v);
	return r;
}

static PyObject *q_put(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "obj", "block", "timeout", NULL };
	PyObject *item, *block = NULL, *timeout = NULL;
	double t;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO", kwlist, &item,
					 &block, &timeout) ||
	    pypm_timeout(block, timeout, TO_ERROR, &t) < 0)
		return NULL;
	return do_put((pypm_obj *)self, item, t);
}

static PyObject *q_get(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "block", "timeout", NULL };
	PyObject *block = NULL, *timeout = NULL;
	double t;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO", kwlist, &block,
					 &timeout) ||
	    pypm_timeout(block, timeout, TO_ERROR, &t) < 0)
		return NULL;
	return do_get((pypm_obj *)self, t);
}

static PyObject *q_put_nowait(PyObject *self, PyObject *item)
{
	return do_put((pypm_obj *)self, item, 0);
}

static PyObject *q_get_nowait(PyObject *self, PyObject *unused)
{
	(void)unused;
	return do_get((pypm_obj *)self, 0);
}

static PyObject *sq_get(PyObject *self, PyObject *unused)
{
	(void)unused;
	return do_get((pypm_obj *)self, -1);
}

static PyObject *q_qsize(PyObject *self, PyObject *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	return PyLong_FromSize_t(o->api->qsize(o->h));
}

static PyObject *q_bool(pypm_obj *o, int r)
{
	return r < 0 ? pypm_raise(o, -r, NULL) : PyBool_FromLong(r);
}

static PyObject *q_empty(PyObject *self, PyObject *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	return q_bool(o, o->api->queue_empty(o->h));
}

static PyObject *q_full(PyObject *self, PyObject *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	return q_bool(o, o->api->queue_full(o->h));
}

/* As Python's: this proxy puts and gets no more; the queue stays open for
 * everyone else (poolmon's `close` of the object closes it for all). */
static PyObject *q_close(PyObject *self, PyObject *unused)
{
	(void)unused;
	((pypm_obj *)self)->closed = 1;
	Py_RETURN_NONE;
}

static PyObject *q_nothing(PyObject *self, PyObject *unused)
{
	(void)self;
	(void)unused;
	Py_RETURN_NONE;
}

static PyObject *q_task_done(PyObject *self, PyObject *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	int rc = o->api->task_done(o->h);
	if (rc == PM_SHM_TOO_MANY) {
		PyErr_SetString(PyExc_ValueError,
				"task_done() called too many times");
		return NULL;
	}
	if (rc != PM_SHM_OK)
		return pypm_raise(o, rc, NULL);
	Py_RETURN_NONE;
}

static PyObject *q_join(PyObject *self, PyObject *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	int rc = pypm_wait(o->api, o->h, NULL, try_join, -1, PM_SHM_TIMEOUT);
	if (rc < 0)
		return NULL;
	if (rc != PM_SHM_OK)
		return pypm_raise(o, rc, NULL);
	Py_RETURN_NONE;
}

#define QUEUE_METHODS                                                        \
	{ "put", (PyCFunction)(void (*)(void))q_put,                         \
	  METH_VARARGS | METH_KEYWORDS, "put(obj, block=True, timeout=None)" }, \
	{ "get", (PyCFunction)(void (*)(void))q_get,                         \
	  METH_VARARGS | METH_KEYWORDS, "get(block=True, timeout=None)" },    \
	{ "put_nowait", q_put_nowait, METH_O, "put(obj, False)" },             \
	{ "get_nowait", q_get_nowait, METH_NOARGS, "get(False)" },             \
	{ "qsize", q_qsize, METH_NOARGS, "how many items it holds" },         \
	{ "empty", q_empty, METH_NOARGS, "whether it holds none" },           \
	{ "full", q_full, METH_NOARGS, "whether it holds maxsize" },          \
	{ "close", q_close, METH_NOARGS, "no more puts or gets here" },       \
	{ "join_thread", q_nothing, METH_NOARGS, "nothing to do" },           \
	{ "cancel_join_thread", q_nothing, METH_NOARGS, "nothing to do" }

static PyMethodDef queue_methods[] = {
	QUEUE_METHODS,
	{ NULL, NULL, 0, NULL },
};

static PyMethodDef jqueue_methods[] = {
	{ "task_done", q_task_done, METH_NOARGS, "an item got is done" },
	{ "join", q_join, METH_NOARGS, "wait until every item is done" },
	{ NULL, NULL, 0, NULL },
};

static PyMethodDef squeue_methods[] = {
	{ "put", q_put_nowait, METH_O, "put(obj)" },
	{ "get", sq_get, METH_NOARGS, "get(): blocks" },
	{ "empty", q_empty, METH_NOARGS, "whether it holds none" },
	{ "close", q_close, METH_NOARGS, "no more puts or gets here" },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef named_getset[] = {
	{ "name", pypm_obj_name, NULL, "the shared object's name", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PYPM_TYPE(pypm_QueueType, "Queue",
		 "Queue(name): the shared queue called name.",
		 .tp_methods = queue_methods, .tp_getset = named_getset);
PYPM_TYPE(pypm_JoinableQueueType, "JoinableQueue",
		 "JoinableQueue(name): a Queue with task_done() and join().",
		 .tp_methods = jqueue_methods, .tp_base = &pypm_QueueType);
PYPM_TYPE(pypm_SimpleQueueType, "SimpleQueue",
		 "SimpleQueue(name): put(obj), get(), empty(), close().",
		 .tp_methods = squeue_methods, .tp_getset = named_getset);

/* ---- Pipe and Connection ------------------------------------------------ */


void *pypm_conn_find(const char *name, int end,
		     const struct pm_shared_api **api)
{
	void *p = pypm_find(name, k_pipe, "Pipe", api);
	void *h = p ? (*api)->pipe_end(p, end) : NULL;
	if (p && !h)
		PyErr_Format(PyExc_ValueError,
			     "Pipe '%s' has ends 0 and 1, not %d", name, end);
	return h;
}

/* End 0 or 1 of pipe name; without a task running, found at its first
 * use. */
static PyObject *connection(const char *name, int end)
{
	if (end != 0 && end != 1)
		return PyErr_Format(PyExc_ValueError,
				    "Pipe '%s' has ends 0 and 1, not %d", name,
				    end);
	pypm_obj *o = (pypm_obj *)pypm_wrap(&pypm_ConnectionType, NULL, NULL,
					    name);
	if (!o)
		return NULL;
	o->end = end;
	if (pypm_ctx() && pypm_resolve(o) < 0)
		Py_CLEAR(o);
	return (PyObject *)o;
}

static PyObject *conn_new(PyTypeObject *t, PyObject *args, PyObject *kw)
{
	(void)t;
	static char *kwlist[] = { "name", "end", NULL };
	const char *name;
	int end;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "si", kwlist, &name, &end))
		return NULL;
	return connection(name, end);
}

PyObject *pypm_pipe(PyObject *self, PyObject *args)
{
	(void)self;
	const char *name;
	if (!PyArg_ParseTuple(args, "s", &name))
		return NULL;
	PyObject *a = connection(name, 0), *b = a ? connection(name, 1) : NULL;
	if (!b) {
		Py_XDECREF(a);
		return NULL;
	}
	return Py_BuildValue("(NN)", a, b);
}

static int conn_open(pypm_obj *o)
{
	if (!o->closed)
		return 0;
	PyErr_SetString(PyExc_OSError, "handle is closed");
	return -1;
}

/* A non-duplex pipe's end used the wrong way: Python's OSError. */
static PyObject *conn_raise(pypm_obj *o, int rc, const char *way)
{
	if (rc == PM_SHM_TYPE)
		return PyErr_Format(PyExc_OSError, "connection is %s", way);
	return pypm_raise(o, rc, NULL);
}

static PyObject *conn_send(PyObject *self, PyObject *x)
{
	pypm_obj *o = (pypm_obj *)self;
	if (conn_open(o) < 0)
		return NULL;
	pm_value v;
	char err[256];
	int c = pypm_shared_from_py(x, &v, err, sizeof err);
	if (c < 0)
		return PyErr_Format(pypm_convert_error_type(c),
				    "Connection '%s': %s", o->name, err);
	int rc;
	Py_BEGIN_ALLOW_THREADS
	rc = o->api->send(o->h, &v);
	Py_END_ALLOW_THREADS
	pypm_shared_value_free(&v);
	if (rc != PM_SHM_OK)
		return conn_raise(o, rc, "read-only");
	Py_RETURN_NONE;
}

static int try_recv(const struct pm_shared_api *api, void *h, void *arg,
		    double t)
{
	return api->recv(h, arg, t);
}

static int try_poll(const struct pm_shared_api *api, void *h, void *arg,
		    double t)
{
	(void)arg;
	return api->poll(h, t);
}

static PyObject *conn_recv(PyObject *self, PyObject *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	if (conn_open(o) < 0)
		return NULL;
	pm_value v = pm_none();
	int rc = pypm_wait(o->api, o->h, &v, try_recv, -1, PM_SHM_TIMEOUT);
	if (rc < 0)
		return NULL;
	if (rc != PM_SHM_OK) {
		pypm_shared_value_free(&v);
		return conn_raise(o, rc, "write-only");
	}
	PyObject *r = pypm_shared_to_py(&v);
	pypm_shared_value_free(&v);
	return r;
}

static PyObject *conn_poll(PyObject *self, PyObject *args)
{
	pypm_obj *o = (pypm_obj *)self;
	PyObject *timeout = NULL;
	double t;
	if (!PyArg_ParseTuple(args, "|O", &timeout))
		return NULL;
	if (!timeout) /* Python's default: do not wait */
		t = 0;
	else if (pypm_timeout(NULL, timeout, TO_ZERO, &t) < 0)
		return NULL;
	if (conn_open(o) < 0)
		return NULL;
	int rc = pypm_wait(o->api, o->h, NULL, try_poll, t, PM_SHM_TIMEOUT);
	if (rc < 0)
		return NULL;
	if (rc == PM_SHM_OK || rc == PM_SHM_TIMEOUT)
		return PyBool_FromLong(rc == PM_SHM_OK);
	return conn_raise(o, rc, "write-only");
}

static PyObject *conn_close(PyObject *self, PyObject *unused)
{
	(void)unused;
	((pypm_obj *)self)->closed = 1;
	Py_RETURN_NONE;
}

static PyObject *conn_closed(PyObject *self, void *unused)
{
	(void)unused;
	return PyBool_FromLong(((pypm_obj *)self)->closed);
}

static PyObject *conn_repr(PyObject *self)
{
	pypm_obj *o = (pypm_obj *)self;
	return PyUnicode_FromFormat("<poolmon.Connection '%s' end %d>", o->name,
				    o->end);
}

static PyObject *enter_self(PyObject *self, PyObject *unused)
{
	(void)unused;
	Py_INCREF(self);
	return self;
}

static PyObject *conn_exit(PyObject *self, PyObject *args)
{
	(void)args;
	return conn_close(self, NULL);
}

static PyMethodDef conn_methods[] = {
	{ "send", conn_send, METH_O, "send(obj)" },
	{ "recv", conn_recv, METH_NOARGS, "recv(): blocks" },
	{ "poll", conn_poll, METH_VARARGS, "poll(timeout=0.0) -> bool" },
	{ "close", conn_close, METH_NOARGS, "no more send or recv here" },
	{ "__enter__", enter_self, METH_NOARGS, NULL },
	{ "__exit__", conn_exit, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef conn_getset[] = {
	{ "closed", conn_closed, NULL, "whether close() was called", NULL },
	{ "name", pypm_obj_name, NULL, "the pipe's name", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

PYPM_TYPE(pypm_ConnectionType, "Connection",
	  "Connection(name, end): end 0 or 1 of the pipe called name.",
	  .tp_methods = conn_methods, .tp_getset = conn_getset);

/* ---- the kinds each class takes ----------------------------------------- */

static const struct {
	PyTypeObject *t;
	const char *const *kinds;
} queue_kinds[] = {
	{ &pypm_QueueType, k_queue },
	{ &pypm_JoinableQueueType, k_jqueue },
	{ &pypm_SimpleQueueType, k_squeue },
};

const char *const *pypm_queue_kinds(PyTypeObject *t)
{
	for (size_t i = 0; i < sizeof queue_kinds / sizeof *queue_kinds; i++)
		if (queue_kinds[i].t == t)
			return queue_kinds[i].kinds;
	return NULL;
}

int pypm_add_queue_types(PyObject *m)
{
	pypm_ConnectionType.tp_new = conn_new;
	pypm_ConnectionType.tp_repr = conn_repr;
	for (size_t i = 0; i < sizeof queue_kinds / sizeof *queue_kinds; i++)
		if (pypm_add_type(m, queue_kinds[i].t) < 0)
			return -1;
	return pypm_add_type(m, &pypm_ConnectionType);
}
