// SPDX-License-Identifier: GPL-3.0-or-later
/* plugins/python/plugin.c — the bundled `python` plugin: `load
 * python:PATH.py` (or python:MODULE, found on PYTHONPATH) makes each
 * public function of the module a task MODULE.func.  Its signatures are
 * read by a short-lived helper process (interp.c); poolmon itself never
 * starts Python.  A worker starts its interpreter at its first Python task
 * and keeps it, with the module imported, for the tasks that follow. */
#include "pypm.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pymod {
	char *name; /* to import: "mod" or "pkg.mod" */
	char *path; /* the file (realpath), or NULL: a module name */
	PyObject *mod;
} pymod;

typedef struct pyfunc {
	pymod *m;
	char *name; /* "func" */
	char *full; /* "mod.func" */
	bool kw;    /* its signature ends in **: the last argument is the
		     * key=value list */
	PyObject *fn;
} pyfunc;

/* ---- the running task --------------------------------------------------- */

static pm_ctx *g_ctx;
/* Between tasks the GIL is released if a thread other than this one
 * exists (one a task started and left running), else kept: taking and
 * releasing it per task costs a map of small items dearly, and no one else
 * could want it. */
static PyThreadState *g_ts; /* non-NULL: released */
static int g_state;         /* 0 not started, 1 running, -1 failed */
static char g_start_err[512];

pm_ctx *pypm_ctx(void)
{
	return g_ctx;
}

static PyObject *boot(const char *name)
{
	PyObject *g = pypm_start(g_start_err, sizeof g_start_err);
	return g ? PyDict_GetItemString(g, name) : NULL;
}

/* The interpreter, started at the first Python task; the GIL held. */
static int enter_python(pm_ctx *ctx)
{
	if (g_state > 0) {
		if (g_ts)
			PyEval_RestoreThread(g_ts);
		g_ts = NULL;
		return 0;
	}
	if (g_state == 0) {
		PyObject *streams = boot("_pm_streams");
		PyObject *r = streams ? PyObject_CallNoArgs(streams) : NULL;
		if (r) {
			Py_DECREF(r);
			g_state = 1;
			return 0;
		}
		if (Py_IsInitialized()) {
			PyErr_Clear();
			g_ts = PyEval_SaveThread();
		}
		g_state = -1;
	}
	return ctx->fail(ctx, "%s", *g_start_err ? g_start_err
						 : "python: could not start");
}

/* Another Python thread than this one exists (the GIL held). */
static bool other_threads(void)
{
	PyThreadState *me = PyThreadState_Get();
	for (PyThreadState *t = PyInterpreterState_ThreadHead(me->interp); t;
	     t = PyThreadState_Next(t))
		if (t != me)
			return true;
	return false;
}

/* The exception set now fails the task: its type and message; the
 * traceback as the task's log lines. */
static int fail_exception(pm_ctx *ctx, const char *what)
{
	PyObject *t, *v, *tb;
	PyErr_Fetch(&t, &v, &tb);
	PyErr_NormalizeException(&t, &v, &tb);
	if (v && tb)
		PyException_SetTraceback(v, tb);
	PyObject *f = boot("_pm_failure");
	PyObject *d = f && v ? PyObject_CallFunctionObjArgs(f, v, NULL) : NULL;
	int rc;
	if (d && PyTuple_Check(d) && PyTuple_GET_SIZE(d) == 2 &&
	    PyUnicode_Check(PyTuple_GET_ITEM(d, 0)) &&
	    PyList_Check(PyTuple_GET_ITEM(d, 1))) {
		PyObject *lines = PyTuple_GET_ITEM(d, 1);
		for (Py_ssize_t i = 0; i < PyList_GET_SIZE(lines); i++) {
			const char *l = PyUnicode_AsUTF8(PyList_GET_ITEM(lines, i));
			if (l)
				ctx->log(ctx, "%s", l);
		}
		const char *msg = PyUnicode_AsUTF8(PyTuple_GET_ITEM(d, 0));
		rc = what ? ctx->fail(ctx, "%s: %s", what, msg ? msg : "?")
			  : ctx->fail(ctx, "%s", msg ? msg : "?");
	} else {
		rc = ctx->fail(ctx, "%s%san exception that cannot be shown",
			       what ? what : "", what ? ": " : "");
	}
	PyErr_Clear();
	Py_XDECREF(d);
	Py_XDECREF(t);
	Py_XDECREF(v);
	Py_XDECREF(tb);
	return rc;
}

/* The function object, its module imported at the first call. */
static int resolve(pm_ctx *ctx, pyfunc *f)
{
	pymod *m = f->m;
	if (!m->mod) {
		PyObject *imp = boot("_pm_import");
		if (!imp)
			return ctx->fail(ctx, "python: no import function");
		m->mod = PyObject_CallFunction(imp, "sz", m->name, m->path);
		if (!m->mod) {
			char what[600];
			snprintf(what, sizeof what, "importing %s",
				 m->path ? m->path : m->name);
			return fail_exception(ctx, what);
		}
	}
	f->fn = PyObject_GetAttrString(m->mod, f->name);
	if (!f->fn)
		return fail_exception(ctx, f->full);
	if (!PyCallable_Check(f->fn)) {
		Py_CLEAR(f->fn);
		return ctx->fail(ctx, "%s is no longer a function", f->full);
	}
	return 0;
}

static bool is_kw_list(const pm_value *v)
{
	if (v->type != PM_LIST)
		return false;
	for (size_t i = 0; i < v->u.list.len; i++) {
		const pm_value *p = &v->u.list.items[i];
		if (p->type != PM_LIST || p->u.list.len != 2 ||
		    p->u.list.items[0].type != PM_STR)
			return false;
	}
	return true;
}

static PyObject *kw_dict(const pm_value *list)
{
	PyObject *d = PyDict_New();
	for (size_t i = 0; d && i < list->u.list.len; i++) {
		const pm_value *pair = list->u.list.items[i].u.list.items;
		PyObject *k = pypm_to_py(&pair[0]);
		PyObject *v = k ? pypm_to_py(&pair[1]) : NULL;
		if (!v || PyDict_SetItem(d, k, v) < 0)
			Py_CLEAR(d);
		Py_XDECREF(k);
		Py_XDECREF(v);
	}
	return d;
}

static int finish_call(pm_ctx *ctx, pyfunc *f, PyObject *r,
		       pm_value *result);

static int call(pm_ctx *ctx, pyfunc *f, const pm_value *args, size_t nargs,
		pm_value *result)
{
	if (!f->fn && resolve(ctx, f) < 0)
		return -1;
	bool kw = f->kw && nargs && is_kw_list(&args[nargs - 1]);
	size_t npos = kw ? nargs - 1 : nargs;
	PyObject *r;
	if (!kw && npos <= 8) { /* the common case: no tuple, no dict */
		PyObject *stack[8];
		size_t i = 0;
		for (; i < npos; i++)
			if (!(stack[i] = pypm_to_py(&args[i])))
				break;
		r = i == npos ? PyObject_Vectorcall(f->fn, stack, npos, NULL)
			      : NULL;
		while (i-- > 0)
			Py_DECREF(stack[i]);
		return finish_call(ctx, f, r, result);
	}
	PyObject *t = PyTuple_New((Py_ssize_t)npos);
	for (size_t i = 0; t && i < npos; i++) {
		PyObject *o = pypm_to_py(&args[i]);
		if (!o)
			Py_CLEAR(t);
		else
			PyTuple_SET_ITEM(t, (Py_ssize_t)i, o);
	}
	PyObject *d = t && kw ? kw_dict(&args[nargs - 1]) : NULL;
	if (!t || (kw && !d)) {
		Py_XDECREF(t);
		return fail_exception(ctx, "arguments");
	}
	r = PyObject_Call(f->fn, t, d);
	Py_DECREF(t);
	Py_XDECREF(d);
	return finish_call(ctx, f, r, result);
}

/* The call's return r (NULL: an exception) made the task's result. */
static int finish_call(pm_ctx *ctx, pyfunc *f, PyObject *r, pm_value *result)
{
	if (!r)
		return fail_exception(ctx, NULL);
	char why[256];
	int rc = pypm_from_py(r, result, why, sizeof why);
	Py_DECREF(r);
	if (rc < 0) {
		*result = pm_none();
		return ctx->fail(ctx, "result of %s: %s", f->full, why);
	}
	return 0;
}

static int py_task(pm_ctx *ctx, const pm_value *args, size_t nargs,
		   pm_value *result)
{
	pyfunc *f = PM_CTX_HAS_TASK(ctx) ? ctx->task_data : NULL;
	if (!f)
		return ctx->fail(ctx,
				 "python: poolmon did not say which task runs (ABI 1.3 needed)");
	if (enter_python(ctx) < 0)
		return -1;
	g_ctx = ctx;
	int rc = call(ctx, f, args, nargs, result);
	pypm_flush_output(ctx);
	g_ctx = NULL;
	if (other_threads())
		g_ts = PyEval_SaveThread();
	return rc;
}

/* ---- load time: the tasks of a module ----------------------------------- */

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* An ARG that is a description already (no one types a ^A). */
#define REOPEN_MARK '\001'

static char *field(char **at, char sep)
{
	char *s = *at;
	char *e = strchr(s, sep);
	if (e) {
		*e = '\0';
		*at = e + 1;
	} else {
		*at = s + strlen(s);
	}
	return s;
}

/* As poolmon vets a plugin file (sudo's rule): a FILE.py and every
 * directory above it owned by root or this user and writable by no one
 * else (a sticky directory may be); else anyone could change the code the
 * workers run.  file is the realpath, for messages. */
static int check_secure(const char *file, const char *path, bool dir,
			char *err, size_t errlen)
{
	struct stat st;
	char what[PATH_MAX + 32];
	snprintf(what, sizeof what, dir ? "the directory %s on its path" : "it",
		 path);
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen,
			 "refusing %s: %s is owned by uid %u, not by root or you",
			 file, what, (unsigned)st.st_uid);
		return -1;
	}
	if (dir && (st.st_mode & S_ISVTX))
		return 0;
	if (st.st_mode & (S_IWOTH | S_IWGRP)) {
		snprintf(err, errlen, "refusing %s: %s is writable by %s", file,
			 what, st.st_mode & S_IWOTH ? "others" : "its group");
		return -1;
	}
	return 0;
}

static int check_file(const char *arg, char *err, size_t errlen)
{
	size_t n = strlen(arg);
	if (!strchr(arg, '/') && !(n > 3 && !strcmp(arg + n - 3, ".py")))
		return 0; /* a module name: Python's import finds it */
	char *real = realpath(arg, NULL);
	if (!real)
		return 0; /* the helper says FileNotFoundError */
	char *dir = strdup(real);
	int rc = dir ? check_secure(real, real, false, err, errlen) : -1;
	for (char *slash; rc == 0 && (slash = strrchr(dir, '/'));) {
		if (slash == dir) {
			rc = check_secure(real, "/", true, err, errlen);
			break;
		}
		*slash = '\0';
		rc = check_secure(real, dir, true, err, errlen);
	}
	free(dir);
	free(real);
	return rc;
}

/* What open made, reachable for the process's life (the plugin is linked
 * -z nodelete: libpython cannot be unloaded). */
static struct pm_plugin **g_opened;
static size_t g_nopened;

static void keep(struct pm_plugin *pl)
{
	struct pm_plugin **p = realloc(g_opened, (g_nopened + 1) * sizeof *p);
	if (p) {
		g_opened = p;
		g_opened[g_nopened++] = pl;
	}
}

static const struct pm_plugin *py_open(const char *arg, char *err,
				       size_t errlen)
{
	/* A worker running at the load gets the manager's description (see
	 * reopen below): no helper again, the same tasks for certain. */
	char *text = NULL;
	if (arg[0] == REOPEN_MARK)
		text = dup_n(arg + 1, strlen(arg + 1));
	else if (check_file(arg, err, errlen) < 0 ||
		 pypm_inspect(arg, &text, err, errlen) < 0)
		return NULL;
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	char *reopen = malloc(strlen(text) + 2);
	if (reopen) {
		reopen[0] = REOPEN_MARK;
		memcpy(reopen + 1, text, strlen(text) + 1);
	}
	size_t n = 0;
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	/* Lives as long as the process (see pm_plugin.open). */
	struct pm_plugin *pl = calloc(1, sizeof *pl);
	struct pm_task_def *tasks = calloc(n + 1, sizeof *tasks);
	void **data = calloc(n + 1, sizeof *data);
	pymod *m = calloc(1, sizeof *m);
	if (!pl || !tasks || !data || !m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	char *at = text;
	char *line = field(&at, '\n');
	char *mname = field(&line, '\t');
	char *path = line;
	m->name = mname;
	m->path = *path ? path : NULL;
	const char *dot = strrchr(mname, '.');
	size_t k = 0;
	while (*at && k < n) {
		char *l = field(&at, '\n');
		pyfunc *f = calloc(1, sizeof *f);
		if (!f)
			break;
		f->m = m;
		f->name = field(&l, '\t');
		const char *sig = field(&l, '\t');
		f->kw = strstr(sig, "**") != NULL;
		tasks[k] = (struct pm_task_def){
			.name = f->name, .signature = sig, .result = "any",
			.help = l, .fn = py_task,
		};
		data[k++] = f;
	}
	char desc[1200];
	snprintf(desc, sizeof desc, "Python %s module %s", PY_VERSION,
		 m->path ? m->path : m->name);
	*pl = (struct pm_plugin){
		.abi_version = POOLMON_ABI_VERSION,
		.name = dot ? dot + 1 : mname,
		.version = PY_VERSION,
		.description = dup_n(desc, strlen(desc)),
		.tasks = tasks,
		.task_data = data,
		.reopen = reopen,
	};
	for (size_t i = 0; i < k; i++) {
		pyfunc *f = data[i];
		size_t len = strlen(pl->name) + 1 + strlen(f->name);
		f->full = malloc(len + 1);
		if (f->full)
			snprintf(f->full, len + 1, "%s.%s", pl->name, f->name);
	}
	keep(pl);
	return pl;
}

static const struct pm_task_def no_tasks[] = {
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct pm_plugin poolmon_plugin = {
	.abi_version = POOLMON_ABI_VERSION,
	.name = "python",
	.version = PY_VERSION,
	.description = "Python functions as tasks: load python:PATH.py",
	.tasks = no_tasks,
	.open = py_open,
};
