// SPDX-License-Identifier: GPL-3.0-or-later
/* plugins/python/interp.c — starting Python in a process (a worker at its
 * first Python task, or the short-lived helper that reads a module's
 * signatures at load time), the `_pypm` module through which sys.stdout
 * and sys.stderr become the running task's log lines, and that helper. */
#define _GNU_SOURCE
#include "pypm.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char pypm_boot_source[] =
#include "boot.inc"
	;

/* ---- stdout / stderr: complete lines to ctx->log ------------------------- */

typedef struct line_buf {
	char *s;
	size_t len, cap;
} line_buf;

static line_buf g_out[3]; /* [1] stdout, [2] stderr */

static void log_line(pm_ctx *ctx, const char *s, size_t n)
{
	ctx->log(ctx, "%.*s", (int)n, s);
}

void pypm_flush_output(pm_ctx *ctx)
{
	for (int k = 1; k <= 2; k++) {
		if (g_out[k].len && ctx)
			log_line(ctx, g_out[k].s, g_out[k].len);
		g_out[k].len = 0;
	}
}

/* _pypm.write(which, text): the lines of a print(); with no task running
 * (a thread a task left behind) they are dropped. */
static PyObject *py_write(PyObject *self, PyObject *args)
{
	int which;
	const char *s;
	Py_ssize_t n;
	(void)self;
	if (!PyArg_ParseTuple(args, "is#", &which, &s, &n))
		return NULL;
	if (which != 1 && which != 2)
		which = 2;
	pm_ctx *ctx = pypm_ctx();
	line_buf *b = &g_out[which];
	const char *end = s + n;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t take = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (b->len + take + 1 > b->cap) {
			size_t cap = (b->len + take + 1) * 2;
			char *p = realloc(b->s, cap);
			if (!p)
				return PyErr_NoMemory();
			b->s = p;
			b->cap = cap;
		}
		memcpy(b->s + b->len, s, take);
		b->len += take;
		s += take;
		if (!nl)
			break;
		if (ctx)
			log_line(ctx, b->s, b->len);
		b->len = 0;
		s++;
	}
	if (!ctx && b->len > 65536)
		b->len = 0;
	Py_RETURN_NONE;
}

static PyMethodDef pypm_methods[] = {
	{ "write", py_write, METH_VARARGS, "write(which, text): log lines" },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef pypm_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "_pypm",
	.m_doc = "the python plugin's private half",
	.m_size = -1,
	.m_methods = pypm_methods,
};

static PyObject *init_pypm(void)
{
	return PyModule_Create(&pypm_module);
}

/* ---- starting Python ---------------------------------------------------- */

static PyObject *g_globals;

PyObject *pypm_start(char *err, size_t errlen)
{
	if (g_globals)
		return g_globals;
	/* The plugin was loaded RTLD_LOCAL: extension modules (math,
	 * _socket…) look for libpython's symbols globally. */
	Dl_info di;
	if (dladdr((void *)Py_InitializeEx, &di) && di.dli_fname &&
	    !dlopen(di.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD)) {
		snprintf(err, errlen, "python: cannot make %s global: %s",
			 di.dli_fname, dlerror());
		return NULL;
	}
	if (PyImport_AppendInittab("_pypm", init_pypm) < 0 ||
	    PyImport_AppendInittab("poolmon", PyInit_poolmon) < 0) {
		snprintf(err, errlen, "python: cannot register its modules");
		return NULL;
	}
	Py_InitializeEx(0); /* no signal handlers: SIGTERM ends the worker */
	PyObject *g = PyDict_New();
	if (g)
		PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins());
	PyObject *r = g ? PyRun_String(pypm_boot_source, Py_file_input, g, g)
			: NULL;
	if (!r) {
		PyObject *t, *v, *tb;
		PyErr_Fetch(&t, &v, &tb);
		PyObject *s = v ? PyObject_Str(v) : NULL;
		snprintf(err, errlen, "python: its start-up code failed: %s",
			 s && PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : "?");
		Py_XDECREF(s);
		Py_XDECREF(t);
		Py_XDECREF(v);
		Py_XDECREF(tb);
		Py_XDECREF(g);
		return NULL;
	}
	Py_DECREF(r);
	g_globals = g;
	return g;
}

/* ---- the helper that reads signatures ----------------------------------- */

#define INSPECT_TIMEOUT_S 10

static void put_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t k = write(fd, s, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

/* In the child: '+' and the description, or '-' and the error (then a
 * newline and the traceback). */
static __attribute__((noreturn)) void inspect_child(const char *arg, int out)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (int s = 1; s < SIGRTMIN; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* What the module prints while imported goes nowhere (not onto the
	 * manager's screen). */
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	char err[1024];
	PyObject *g = pypm_start(err, sizeof err);
	if (!g) {
		put_all(out, "-", 1);
		put_all(out, err, strlen(err));
		_exit(0);
	}
	PyObject *f = PyDict_GetItemString(g, "_pm_inspect");
	PyObject *r = f ? PyObject_CallFunction(f, "s", arg) : NULL;
	const char *text;
	Py_ssize_t n;
	if (r && (text = PyUnicode_AsUTF8AndSize(r, &n))) {
		put_all(out, "+", 1);
		put_all(out, text, (size_t)n);
		_exit(0);
	}
	PyObject *t, *v, *tb;
	PyErr_Fetch(&t, &v, &tb);
	PyErr_NormalizeException(&t, &v, &tb);
	if (v && tb)
		PyException_SetTraceback(v, tb);
	PyObject *fail = PyDict_GetItemString(g, "_pm_failure");
	PyObject *d = v && fail ? PyObject_CallFunctionObjArgs(fail, v, NULL)
				: NULL;
	put_all(out, "-", 1);
	const char *msg;
	if (d && PyTuple_Check(d) && PyTuple_Size(d) == 2 &&
	    (msg = PyUnicode_AsUTF8(PyTuple_GetItem(d, 0))))
		put_all(out, msg, strlen(msg));
	else
		put_all(out, "the module failed to import", 27);
	_exit(0);
}

int pypm_inspect(const char *arg, char **out, char *err, size_t errlen)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		inspect_child(arg, pfd[1]);
	}
	close(pfd[1]);
	setpgid(pid, pid);
	struct timespec now, end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += INSPECT_TIMEOUT_S;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool timed_out = false;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (end.tv_sec - now.tv_sec) * 1000 +
			  (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd pf = { pfd[0], POLLIN, 0 };
		int k = poll(&pf, 1, (int)ms);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			continue;
		if (len + 4096 + 1 > cap) {
			cap = (len + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			if (!buf) {
				snprintf(err, errlen, "out of memory");
				break;
			}
		}
		ssize_t got = read(pfd[0], buf + len, cap - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(pfd[0]);
	kill(-pid, SIGKILL); /* it, and what the module's import started */
	kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf)
		buf[len] = '\0';
	if (timed_out) {
		snprintf(err, errlen,
			 "importing it did not finish within %d s",
			 INSPECT_TIMEOUT_S);
	} else if (buf && len && buf[0] == '+') {
		memmove(buf, buf + 1, len);
		*out = buf;
		return 0;
	} else if (buf && len && buf[0] == '-') {
		snprintf(err, errlen, "%s", buf + 1);
	} else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
		snprintf(err, errlen, "importing it crashed (signal %d)",
			 WTERMSIG(status));
	} else {
		snprintf(err, errlen,
			 "importing it ended the process without a word");
	}
	free(buf);
	return -1;
}
