// SPDX-License-Identifier: GPL-3.0-or-later
/* What the files of the poolmon module share (module.c: the module, the
 * lookup by name, errors, waiting in slices, Value, Array; module_queue.c:
 * the queues, Pipe, Connection; module_sync.c: the locks, Semaphore,
 * Event, Condition, Barrier). */
#ifndef POOLMON_PYMODULE_INT_H
#define POOLMON_PYMODULE_INT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "poolmon/plugin.h"

#define PYPM_NAME_MAX 64
/* The longest sleep in C between two looks at signals and cancellation. */
#define PYPM_SLICE 0.1

/* One proxy: every class of the module has this layout. */
typedef struct pypm_obj {
	PyObject_HEAD
	void *h; /* the object, a pipe's end, or a Value's lock; NULL
		  * until found (pypm_resolve) */
	const struct pm_shared_api *api;
	char name[PYPM_NAME_MAX];
	int end;        /* Connection: 0 or 1 */
	int closed;     /* Queue.close(), Connection.close() here */
	PyObject *lock; /* Value, Array: get_lock()'s proxy, made once */
} pypm_obj;

extern PyObject *pypm_Empty, *pypm_Full, *pypm_Broken, *pypm_Cancelled;

extern PyTypeObject pypm_QueueType, pypm_JoinableQueueType,
	pypm_SimpleQueueType, pypm_ConnectionType;
extern PyTypeObject pypm_LockType, pypm_RLockType, pypm_SemaphoreType,
	pypm_BoundedSemaphoreType, pypm_EventType, pypm_ConditionType,
	pypm_BarrierType;

/* A proxy of type t onto handle h (a new reference), named name. */
PyObject *pypm_wrap(PyTypeObject *t, void *h,
		    const struct pm_shared_api *api, const char *name);
/* The shared object called name, which must be one of kinds (api->kind
 * names; NULL-terminated): its handle and *api, or NULL with KeyError
 * (missing) or TypeError (another kind) set.  cls names the class asked
 * for in the message. */
void *pypm_find(const char *name, const char *const *kinds, const char *cls,
		const struct pm_shared_api **api);
/* tp_new for a class whose proxies take one argument, the name.  While a
 * task runs the object is found at once; otherwise (the module imported
 * by the plugin's signature helper, a module-level q = poolmon.Queue('q'))
 * at the proxy's first use. */
PyObject *pypm_new_by_name(PyTypeObject *t, PyObject *args, PyObject *kw);
/* Finds o's object if it has none yet: 0, or -1 with an exception. */
int pypm_resolve(pypm_obj *o);
/* tp_getattro, tp_setattro: pypm_resolve first (but for .name). */
PyObject *pypm_getattro(PyObject *self, PyObject *attr);
int pypm_setattro(PyObject *self, PyObject *attr, PyObject *v);

/* The class's name for messages: "Queue", "Lock". */
const char *pypm_cls(const pypm_obj *o);
/* Raises the exception for return code rc (type: the class to raise, or
 * NULL for the usual one), its text ctx->shm->strerror's, prefixed with
 * the object.  Returns NULL. */
PyObject *pypm_raise(const pypm_obj *o, int rc, PyObject *type);

/* Signals (KeyboardInterrupt…) and the task's cancellation: 0, or -1 with
 * an exception set.  Called with the GIL. */
int pypm_check(void);

/* One try of a blocking operation for at most t seconds (0: do not
 * block), without the GIL. */
typedef int (*pypm_try_fn)(const struct pm_shared_api *api, void *h,
			   void *arg, double t);
/* Runs fn in slices of PYPM_SLICE with the GIL released until it returns
 * something else than again or timeout (< 0: none) passes, checking
 * pypm_check() between slices.  The last code, or -1 with an exception. */
int pypm_wait(const struct pm_shared_api *api, void *h, void *arg,
	      pypm_try_fn fn, double timeout, int again);

/* Python's (block, timeout) to seconds: < 0 blocks, 0 does not.  neg is
 * what a negative timeout means: TO_ERROR raises ValueError (queues),
 * TO_ZERO waits 0 (wait()), TO_LOCK blocks for -1, else ValueError. */
enum { TO_ERROR, TO_ZERO, TO_LOCK };
int pypm_timeout(PyObject *block, PyObject *timeout, int neg, double *out);

/* What every class shares: tp_dealloc, tp_repr, the `name` getter. */
void pypm_obj_dealloc(PyObject *self);
PyObject *pypm_obj_repr(PyObject *self);
PyObject *pypm_obj_name(PyObject *self, void *unused);
/* PyType_Ready and the module's attribute of the class's name. */
int pypm_add_type(PyObject *m, PyTypeObject *t);

#define PYPM_TYPE(var, pyname, doc, ...)                                  \
	PyTypeObject var = {                                              \
		PyVarObject_HEAD_INIT(NULL, 0).tp_name = "poolmon." pyname, \
		.tp_basicsize = sizeof(pypm_obj),                         \
		.tp_dealloc = pypm_obj_dealloc,                           \
		.tp_repr = pypm_obj_repr,                                 \
		.tp_getattro = pypm_getattro,                             \
		.tp_setattro = pypm_setattro,                             \
		.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,     \
		.tp_doc = doc,                                            \
		.tp_new = pypm_new_by_name,                               \
		__VA_ARGS__                                               \
	}

/* ---- module_queue.c ---- */

PyObject *pypm_pipe(PyObject *self, PyObject *args);
/* End end of pipe name's handle, or NULL with an exception. */
void *pypm_conn_find(const char *name, int end,
		     const struct pm_shared_api **api);
const char *const *pypm_queue_kinds(PyTypeObject *t);
int pypm_add_queue_types(PyObject *m);

/* ---- module_sync.c ---- */

/* The kinds (api->kind names) a class of module_sync.c takes, NULL if
 * it is not one of them. */
const char *const *pypm_sync_kinds(PyTypeObject *t);
int pypm_add_sync_types(PyObject *m);

#endif
