// SPDX-License-Identifier: GPL-3.0-or-later
/* The poolmon module's synchronisation proxies: Lock, RLock, Semaphore,
 * BoundedSemaphore, Event, Condition, Barrier.  A lock is held by a thread
 * (src/shared/mutex.c keeps the holding thread), so threads inside a task
 * use them as Python's threading locks; every wait releases the GIL. */
#include "module_int.h"

#include <string.h>
#include <time.h>

#include "pypm.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int try_acquire(const struct pm_shared_api *api, void *h, void *arg,
		       double t)
{
	(void)arg;
	return api->acquire(h, t);
}

static int try_sleep(const struct pm_shared_api *api, void *h, void *arg,
		     double t)
{
	(void)api;
	(void)h;
	(void)arg;
	struct timespec ts = { (time_t)t, (long)((t - (double)(time_t)t) * 1e9) };
	nanosleep(&ts, NULL);
	return PM_SHM_TIMEOUT;
}

static void note_owner_died(const pypm_obj *o)
{
	pm_ctx *ctx = pypm_ctx();
	if (ctx && ctx->log)
		ctx->log(ctx, "%s '%s': %s", pypm_cls(o), o->name,
			 o->api->strerror(PM_SHM_OWNER_DIED));
}

/* acquire() of a Lock, an RLock, a Condition, a Semaphore: 1, 0 (not
 * within timeout), -1 (exception). */
static int do_acquire(pypm_obj *o, double timeout)
{
	double end = timeout > 0 ? now() + timeout : 0;
	int rc = pypm_wait(o->api, o->h, NULL, try_acquire, timeout,
			   PM_SHM_TIMEOUT);
	if (rc == PM_SHM_DEADLOCK && timeout >= 0) {
		/* A Lock taken again by its thread: Python waits out the
		 * timeout, then says False. */
		double left = timeout > 0 ? end - now() : 0;
		if (left > 0 && pypm_wait(o->api, o->h, NULL, try_sleep, left,
					  PM_SHM_TIMEOUT) < 0)
			return -1;
		return 0;
	}
	if (rc < 0)
		return -1;
	if (rc == PM_SHM_OWNER_DIED)
		note_owner_died(o);
	if (rc == PM_SHM_OK || rc == PM_SHM_OWNER_DIED)
		return 1;
	if (rc == PM_SHM_TIMEOUT)
		return 0;
	pypm_raise(o, rc, NULL);
	return -1;
}

/* ---- Lock, RLock, Condition's lock ----------------------------------- */

static PyObject *lock_acquire(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "block", "timeout", NULL };
	PyObject *block = NULL, *timeout = NULL;
	double t;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO", kwlist, &block,
					 &timeout) ||
	    pypm_timeout(block, timeout, TO_LOCK, &t) < 0)
		return NULL;
	int r = do_acquire((pypm_obj *)self, t);
	return r < 0 ? NULL : PyBool_FromLong(r);
}

/* Python's exception and words for a release by a thread that does not
 * hold it: multiprocessing's Lock says ValueError, threading's RLock and
 * Condition RuntimeError. */
static PyObject *lock_release(PyObject *self, PyObject *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	int rc = o->api->release(o->h);
	if (rc == PM_SHM_NOT_HELD) {
		int lock = PyObject_TypeCheck(self, &pypm_LockType);
		PyErr_Format(lock ? PyExc_ValueError : PyExc_RuntimeError,
			     "%s '%s': %s", pypm_cls(o), o->name,
			     lock ? "released but not held by this thread"
				  : "cannot release un-acquired lock");
		return NULL;
	}
	if (rc != PM_SHM_OK)
		return pypm_raise(o, rc, NULL);
	Py_RETURN_NONE;
}

static PyObject *lock_enter(PyObject *self, PyObject *unused)
{
	(void)unused;
	if (pypm_resolve((pypm_obj *)self) < 0)
		return NULL;
	int r = do_acquire((pypm_obj *)self, -1);
	return r < 0 ? NULL : PyBool_FromLong(r);
}

static PyObject *lock_exit(PyObject *self, PyObject *args)
{
	(void)args;
	if (pypm_resolve((pypm_obj *)self) < 0)
		return NULL;
	return lock_release(self, NULL);
}

#define LOCK_METHODS                                                     \
	{ "acquire", (PyCFunction)(void (*)(void))lock_acquire,          \
	  METH_VARARGS | METH_KEYWORDS,                                  \
	  "acquire(block=True, timeout=None) -> bool" },                 \
	{ "release", lock_release, METH_NOARGS, "release()" },           \
	{ "__enter__", lock_enter, METH_NOARGS, NULL },                  \
	{ "__exit__", lock_exit, METH_VARARGS, NULL }

static PyMethodDef lock_methods[] = { LOCK_METHODS, { NULL, NULL, 0, NULL } };

PYPM_TYPE(pypm_LockType, "Lock", "Lock(name): the shared lock called name.",
	  .tp_methods = lock_methods);
PYPM_TYPE(pypm_RLockType, "RLock",
	  "RLock(name): the shared recursive lock called name.",
	  .tp_methods = lock_methods);

/* ---- Semaphore, BoundedSemaphore ------------------------------------- */

static PyObject *sem_acquire(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "block", "timeout", NULL };
	PyObject *block = NULL, *timeout = NULL;
	double t;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO", kwlist, &block,
					 &timeout) ||
	    pypm_timeout(block, timeout, TO_LOCK, &t) < 0)
		return NULL;
	int r = do_acquire((pypm_obj *)self, t);
	return r < 0 ? NULL : PyBool_FromLong(r);
}

static PyObject *sem_release(PyObject *self, PyObject *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	int rc = o->api->release(o->h);
	if (rc == PM_SHM_TOO_MANY) {
		PyErr_SetString(PyExc_ValueError,
				"Semaphore released too many times");
		return NULL;
	}
	if (rc != PM_SHM_OK)
		return pypm_raise(o, rc, NULL);
	Py_RETURN_NONE;
}

static PyObject *sem_enter(PyObject *self, PyObject *unused)
{
	(void)unused;
	if (pypm_resolve((pypm_obj *)self) < 0)
		return NULL;
	PyObject *no = PyTuple_New(0);
	PyObject *r = no ? sem_acquire(self, no, NULL) : NULL;
	Py_XDECREF(no);
	return r;
}

static PyObject *sem_exit(PyObject *self, PyObject *args)
{
	(void)args;
	if (pypm_resolve((pypm_obj *)self) < 0)
		return NULL;
	return sem_release(self, NULL);
}

static PyMethodDef sem_methods[] = {
	{ "acquire", (PyCFunction)(void (*)(void))sem_acquire,
	  METH_VARARGS | METH_KEYWORDS,
	  "acquire(block=True, timeout=None) -> bool" },
	{ "release", sem_release, METH_NOARGS, "release()" },
	{ "__enter__", sem_enter, METH_NOARGS, NULL },
	{ "__exit__", sem_exit, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

PYPM_TYPE(pypm_SemaphoreType, "Semaphore",
	  "Semaphore(name): the shared semaphore called name.",
	  .tp_methods = sem_methods);
PYPM_TYPE(pypm_BoundedSemaphoreType, "BoundedSemaphore",
	  "BoundedSemaphore(name): a Semaphore that refuses a release above "
	  "its start value.",
	  .tp_base = &pypm_SemaphoreType);

/* ---- Event -------------------------------------------------------------- */

static int try_wait(const struct pm_shared_api *api, void *h, void *arg,
		    double t)
{
	(void)arg;
	return api->wait(h, t);
}

static PyObject *ev_call(PyObject *self, int (*op)(void *))
{
	pypm_obj *o = (pypm_obj *)self;
	int rc = op(o->h);
	if (rc != PM_SHM_OK)
		return pypm_raise(o, rc, NULL);
	Py_RETURN_NONE;
}

static PyObject *ev_set(PyObject *self, PyObject *unused)
{
	(void)unused;
	return ev_call(self, ((pypm_obj *)self)->api->event_set);
}

static PyObject *ev_clear(PyObject *self, PyObject *unused)
{
	(void)unused;
	return ev_call(self, ((pypm_obj *)self)->api->event_clear);
}

static PyObject *ev_is_set(PyObject *self, PyObject *unused)
{
	(void)unused;
	pypm_obj *o = (pypm_obj *)self;
	int r = o->api->event_is_set(o->h);
	return r < 0 ? pypm_raise(o, -r, NULL) : PyBool_FromLong(r);
}

static PyObject *ev_wait(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", NULL };
	PyObject *timeout = NULL;
	double t;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &timeout) ||
	    pypm_timeout(NULL, timeout, TO_ZERO, &t) < 0)
		return NULL;
	pypm_obj *o = (pypm_obj *)self;
	int rc = pypm_wait(o->api, o->h, NULL, try_wait, t, PM_SHM_TIMEOUT);
	if (rc < 0)
		return NULL;
	if (rc == PM_SHM_OK || rc == PM_SHM_TIMEOUT)
		return PyBool_FromLong(rc == PM_SHM_OK);
	return pypm_raise(o, rc, NULL);
}

static PyMethodDef ev_methods[] = {
	{ "set", ev_set, METH_NOARGS, "set the flag, wake the waiters" },
	{ "clear", ev_clear, METH_NOARGS, "clear the flag" },
	{ "is_set", ev_is_set, METH_NOARGS, "whether the flag is set" },
	{ "wait", (PyCFunction)(void (*)(void))ev_wait,
	  METH_VARARGS | METH_KEYWORDS, "wait(timeout=None) -> bool" },
	{ NULL, NULL, 0, NULL },
};

PYPM_TYPE(pypm_EventType, "Event", "Event(name): the shared event called name.",
	  .tp_methods = ev_methods);

/* ---- Condition ------------------------------------------------------------ */

/* wait(t): 1 notified, 0 timed out, -1 exception. */
static int cond_wait(pypm_obj *o, double t)
{
	/* One wait, not slices: a notify landing between two slices would
	 * be lost (the C side counts notifies while the waiter sleeps). */
	int rc;
	Py_BEGIN_ALLOW_THREADS
	rc = o->api->wait(o->h, t);
	Py_END_ALLOW_THREADS
	if (rc == PM_SHM_OK || rc == PM_SHM_TIMEOUT)
		return rc == PM_SHM_OK;
	if (rc == PM_SHM_NOT_HELD)
		PyErr_SetString(PyExc_RuntimeError,
				"cannot wait on un-acquired lock");
	else
		pypm_raise(o, rc, NULL);
	return -1;
}

static PyObject *cond_wait_py(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", NULL };
	PyObject *timeout = NULL;
	double t;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &timeout) ||
	    pypm_timeout(NULL, timeout, TO_ZERO, &t) < 0)
		return NULL;
	int r = cond_wait((pypm_obj *)self, t);
	return r < 0 ? NULL : PyBool_FromLong(r);
}

/* As threading.Condition.wait_for: the predicate's last value. */
static PyObject *cond_wait_for(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "predicate", "timeout", NULL };
	PyObject *pred, *timeout = NULL;
	double t;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O", kwlist, &pred,
					 &timeout) ||
	    pypm_timeout(NULL, timeout, TO_ZERO, &t) < 0)
		return NULL;
	double end = t >= 0 ? now() + t : 0;
	PyObject *r = PyObject_CallNoArgs(pred);
	while (r) {
		int truth = PyObject_IsTrue(r);
		if (truth)
			return truth < 0 ? (Py_DECREF(r), NULL) : r;
		double left = -1;
		if (t >= 0 && (left = end - now()) <= 0)
			return r;
		Py_DECREF(r);
		if (cond_wait((pypm_obj *)self, left) < 0)
			return NULL;
		r = PyObject_CallNoArgs(pred);
	}
	return NULL;
}

static PyObject *cond_notify_n(pypm_obj *o, int n)
{
	int rc = o->api->notify(o->h, n);
	if (rc == PM_SHM_NOT_HELD) {
		PyErr_SetString(PyExc_RuntimeError,
				"cannot notify on un-acquired lock");
		return NULL;
	}
	if (rc != PM_SHM_OK)
		return pypm_raise(o, rc, NULL);
	Py_RETURN_NONE;
}

static PyObject *cond_notify(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "n", NULL };
	int n = 1;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|i", kwlist, &n))
		return NULL;
	if (n <= 0)
		Py_RETURN_NONE; /* as Python: nobody */
	return cond_notify_n((pypm_obj *)self, n);
}

static PyObject *cond_notify_all(PyObject *self, PyObject *unused)
{
	(void)unused;
	return cond_notify_n((pypm_obj *)self, -1);
}

static PyMethodDef cond_methods[] = {
	LOCK_METHODS,
	{ "wait", (PyCFunction)(void (*)(void))cond_wait_py,
	  METH_VARARGS | METH_KEYWORDS, "wait(timeout=None) -> bool" },
	{ "wait_for", (PyCFunction)(void (*)(void))cond_wait_for,
	  METH_VARARGS | METH_KEYWORDS, "wait_for(predicate, timeout=None)" },
	{ "notify", (PyCFunction)(void (*)(void))cond_notify,
	  METH_VARARGS | METH_KEYWORDS, "notify(n=1)" },
	{ "notify_all", cond_notify_all, METH_NOARGS, "notify_all()" },
	{ NULL, NULL, 0, NULL },
};

PYPM_TYPE(pypm_ConditionType, "Condition",
	  "Condition(name): the shared condition called name (its lock is "
	  "an RLock).",
	  .tp_methods = cond_methods);

/* ---- Barrier -------------------------------------------------------------- */

static PyObject *bar_wait(PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "timeout", NULL };
	PyObject *timeout = NULL;
	double t;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &timeout) ||
	    pypm_timeout(NULL, timeout, TO_ZERO, &t) < 0)
		return NULL;
	pypm_obj *o = (pypm_obj *)self;
	/* One wait: a slice that timed out would break the barrier. */
	int rc;
	Py_BEGIN_ALLOW_THREADS
	rc = o->api->wait(o->h, t);
	Py_END_ALLOW_THREADS
	if (rc == PM_SHM_OK)
		Py_RETURN_NONE;
	if (rc == PM_SHM_TIMEOUT || rc == PM_SHM_BROKEN) {
		PyErr_SetNone(pypm_Broken);
		return NULL;
	}
	return pypm_raise(o, rc, NULL);
}

static PyMethodDef bar_methods[] = {
	{ "wait", (PyCFunction)(void (*)(void))bar_wait,
	  METH_VARARGS | METH_KEYWORDS, "wait(timeout=None)" },
	{ NULL, NULL, 0, NULL },
};

PYPM_TYPE(pypm_BarrierType, "Barrier",
	  "Barrier(name): the shared barrier called name.",
	  .tp_methods = bar_methods);

/* ---- the kinds each class takes -------------------------------------------- */

static const char *const k_lock[] = { "lock", NULL };
static const char *const k_rlock[] = { "rlock", NULL };
static const char *const k_sem[] = { "semaphore", "bounded_semaphore", NULL };
static const char *const k_bsem[] = { "bounded_semaphore", NULL };
static const char *const k_event[] = { "event", NULL };
static const char *const k_cond[] = { "condition", NULL };
static const char *const k_barrier[] = { "barrier", NULL };

static const struct {
	PyTypeObject *t;
	const char *const *kinds;
} sync_kinds[] = {
	{ &pypm_LockType, k_lock },
	{ &pypm_RLockType, k_rlock },
	{ &pypm_SemaphoreType, k_sem },
	{ &pypm_BoundedSemaphoreType, k_bsem },
	{ &pypm_EventType, k_event },
	{ &pypm_ConditionType, k_cond },
	{ &pypm_BarrierType, k_barrier },
};

const char *const *pypm_sync_kinds(PyTypeObject *t)
{
	for (size_t i = 0; i < sizeof sync_kinds / sizeof *sync_kinds; i++)
		if (sync_kinds[i].t == t)
			return sync_kinds[i].kinds;
	return NULL;
}

int pypm_add_sync_types(PyObject *m)
{
	for (size_t i = 0; i < sizeof sync_kinds / sizeof *sync_kinds; i++)
		if (pypm_add_type(m, sync_kinds[i].t) < 0)
			return -1;
	return 0;
}
