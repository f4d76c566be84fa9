// SPDX-License-Identifier: GPL-3.0-or-later
/* The poolmon module (plugins/python/module*.c) in an embedded interpreter,
 * on real shared objects: this program maps the arena as the manager does,
 * gives the module a pm_ctx of its own (pypm_ctx) backed by it, and runs
 * Python snippets whose asserts state the exact outcomes: values, arrays,
 * queue order and queue.Empty / queue.Full, JoinableQueue, locks between
 * threads, Event, Condition, Barrier, Pipe, the errors' types and words,
 * cancellation and Ctrl-C in a long wait, and a forked child's put. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "module.h"
#include "pypm.h"
#include "shared.h"
#include "value.h"

/* Under LeakSanitizer (build-asan): CPython 3.11 never frees what
 * PyType_Ready makes for static types (its own and the module's).  The
 * suppression needs whole stacks: libpython has no frame pointers. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:PyType_Ready\n";
}

static pm_shared *g_shared;
static const struct pm_shared_api *api;
static char err[512];
static int g_cancel;
static pm_ctx g_ctx;
static pm_ctx *g_running; /* what pypm_ctx says: NULL between tasks */
static char g_last_log[256];

pm_ctx *pypm_ctx(void)
{
	return g_running;
}

static int ctx_cancelled(pm_ctx *ctx)
{
	(void)ctx;
	return __atomic_load_n(&g_cancel, __ATOMIC_RELAXED);
}

static void ctx_progress(pm_ctx *ctx, double f)
{
	(void)ctx;
	(void)f;
}

static void ctx_log(pm_ctx *ctx, const char *fmt, ...)
{
	(void)ctx;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g_last_log, sizeof g_last_log, fmt, ap);
	va_end(ap);
}

static int ctx_fail(pm_ctx *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
	return -1;
}

static void *ctx_shared(pm_ctx *ctx, const char *name)
{
	(void)ctx;
	return pm_shared_find(g_shared, name);
}

/* pmtest.set_cancel(n): what ctx->cancelled says from now on. */
static PyObject *set_cancel(PyObject *self, PyObject *arg)
{
	(void)self;
	__atomic_store_n(&g_cancel, (int)PyLong_AsLong(arg), __ATOMIC_RELAXED);
	Py_RETURN_NONE;
}

static PyMethodDef pmtest_methods[] = {
	{ "set_cancel", set_cancel, METH_O, NULL },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef pmtest_def = { PyModuleDef_HEAD_INIT,
					 .m_name = "pmtest",
					 .m_size = -1,
					 .m_methods = pmtest_methods };

static PyObject *init_pmtest(void)
{
	return PyModule_Create(&pmtest_def);
}

/* Helpers every snippet sees. */
static const char prelude[] =
	"import os, queue, threading, time, poolmon\n"
	"from pmtest import set_cancel\n"
	"def raises(exc, msg, f, *a, **k):\n"
	"    try:\n"
	"        f(*a, **k)\n"
	"    except BaseException as e:\n"
	"        assert type(e) is exc, (type(e), e)\n"
	"        if msg is not None:\n"
	"            got = e.args[0] if e.args else None\n"
	"            assert got == msg, repr(got)\n"
	"        return e\n"
	"    raise AssertionError('no ' + exc.__name__)\n"
	"def run(*fns):\n"
	"    ts = [threading.Thread(target=f) for f in fns]\n"
	"    for t in ts: t.start()\n"
	"    for t in ts: t.join(10)\n"
	"    assert not any(t.is_alive() for t in ts), 'a thread hangs'\n";

/* Runs code in a fresh namespace; fails the test with Python's traceback
 * if it raises. */
static void py(const char *code)
{
	PyGILState_STATE st = PyGILState_Ensure();
	PyObject *g = PyDict_New();
	PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins());
	PyObject *r = PyRun_String(prelude, Py_file_input, g, g);
	if (r) {
		Py_DECREF(r);
		r = PyRun_String(code, Py_file_input, g, g);
	}
	int ok = r != NULL;
	if (!ok)
		PyErr_Print();
	Py_XDECREF(r);
	Py_DECREF(g);
	PyGILState_Release(st);
	if (!ok)
		fail_msg("the snippet raised (traceback above)");
}

static int group_setup(void **state)
{
	(void)state;
	api = pm_shared_api();
	g_shared = pm_shared_new(err, sizeof err);
	assert_non_null(g_shared);
	g_ctx = (pm_ctx){ .size = sizeof g_ctx, .task_id = "t1",
			  .worker_id = "w1", .cancelled = ctx_cancelled,
			  .progress = ctx_progress, .log = ctx_log,
			  .fail = ctx_fail, .shared = ctx_shared,
			  .shm = api };
	g_running = &g_ctx;
	PyImport_AppendInittab("poolmon", PyInit_poolmon);
	PyImport_AppendInittab("pmtest", init_pmtest);
	Py_InitializeEx(0);
	/* The snippets run with the GIL taken by py(). */
	PyEval_SaveThread();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	PyGILState_Ensure();
	Py_FinalizeEx();
	pm_shared_free(g_shared);
	return 0;
}

/* Each test starts inside a task that is not cancelled, whatever the last
 * one left. */
static int reset(void **state)
{
	(void)state;
	g_running = &g_ctx;
	g_cancel = 0;
	return 0;
}

#define NEW(call) assert_int_equal((call), 0)

/* ---- Value and Array ---------------------------------------------------- */

static void test_value(void **state)
{
	(void)state;
	pm_value five = pm_int(5), half = pm_float(0.5);
	NEW(pm_shared_value_new(g_shared, "counter", 'i', &five, true, err,
				sizeof err));
	NEW(pm_shared_value_new(g_shared, "ratio", 'd', &half, true, err,
				sizeof err));
	NEW(pm_shared_value_new(g_shared, "raw", 'q', NULL, false, err,
				sizeof err));
	NEW(pm_shared_value_new(g_shared, "big", 'Q', NULL, true, err,
				sizeof err));
	pm_value minus1 = pm_int(-1); /* wraps to 2**64-1, as C does */
	assert_int_equal(api->value_add(pm_shared_find(g_shared, "big"), 0,
					&minus1, NULL),
			 PM_SHM_OK);
	py("v = poolmon.Value('counter')\n"
	   "assert v.value == 5 and v.typecode == 'i' and v.name == 'counter'\n"
	   "v.value = 7\n"
	   "with v.get_lock():\n"
	   "    v.value += 1\n"
	   "assert v.value == 8\n"
	   "assert v.get_lock() is v.get_lock()\n"
	   "raises(OverflowError, \"Value 'counter': value out of range for the "
	   "type code, or index out of range\", setattr, v, 'value', 2**40)\n"
	   "raises(TypeError, None, setattr, v, 'value', 'x')\n"
	   /* Beyond int64 too (Python's ctypes would wrap it silently). */
	   "raises(OverflowError, \"Value 'counter': value out of range for the "
	   "type code, or index out of range\", setattr, v, 'value', 2**64)\n"
	   "assert v.value == 8\n"
	   "r = poolmon.Value('ratio')\n"
	   "r.value = 3\n"
	   "assert r.value == 3.0 and type(r.value) is float\n"
	   "raw = poolmon.Value('raw')\n"
	   "raw.value = -2**63\n"
	   "assert raw.value == -2**63\n"
	   "raises(OverflowError, None, setattr, raw, 'value', 2**63)\n"
	   "raises(OverflowError, None, setattr, raw, 'value', -2**63 - 1)\n"
	   "assert raw.value == -2**63\n"
	   "big = poolmon.Value('big')\n"
	   "assert big.value == 2**64 - 1 and type(big.value) is int\n"
	   "big.value = 2**63\n"
	   "assert big.value == 2**63\n"
	   "raises(OverflowError, None, setattr, big, 'value', 2**64)\n"
	   "raises(OverflowError, None, setattr, big, 'value', -1)\n"
	   "assert big.value == 2**63\n"
	   "r.value = 2**100\n"
	   "assert r.value == 2.0**100\n"
	   "r.value = 3\n"
	   "raises(AttributeError, \"Value 'raw' was made with lock=0: it has "
	   "no lock\", raw.get_lock)\n"
	   /* Two threads, 2000 increments under the lock: none lost. */
	   "def add():\n"
	   "    for _ in range(1000):\n"
	   "        with v.get_lock():\n"
	   "            v.value += 1\n"
	   "run(add, add)\n"
	   "assert v.value == 2008, v.value\n");
	pm_value got;
	assert_int_equal(api->value_get(pm_shared_find(g_shared, "counter"), 0,
					&got),
			 PM_SHM_OK);
	assert_int_equal(got.u.i, 2008);
}

static void test_array(void **state)
{
	(void)state;
	pm_value items[5];
	for (int i = 0; i < 5; i++)
		items[i] = pm_int(i + 1);
	pm_value init = pm_none();
	init.type = PM_LIST;
	init.u.list.items = items;
	init.u.list.len = 5;
	NEW(pm_shared_array_new(g_shared, "arr", 'i', 5, &init, true, err,
				sizeof err));
	pm_value hi = pm_str("hi");
	NEW(pm_shared_array_new(g_shared, "chars", 'c', 2, &hi, true, err,
				sizeof err));
	pm_value_free(&hi);
	py("a = poolmon.Array('arr')\n"
	   "assert len(a) == 5 and a[0] == 1 and a[-1] == 5\n"
	   "assert a[1:3] == [2, 3] and a[::2] == [1, 3, 5] and a[:] == [1, 2, 3, 4, 5]\n"
	   "a[2] = 10\n"
	   "a[-1] = 50\n"
	   "a[0:2] = [20, 30]\n"
	   "assert list(a) == [20, 30, 10, 4, 50], list(a)\n"
	   "raises(IndexError, \"Array 'arr': index out of range\", a.__getitem__, 5)\n"
	   "raises(IndexError, \"Array 'arr': index out of range\", a.__setitem__, -6, 1)\n"
	   "raises(ValueError, 'Can only assign sequence of same size', a.__setitem__, slice(0, 2), [1])\n"
	   "with a.get_lock():\n"
	   "    a[3] += 1\n"
	   "assert a[3] == 5\n"
	   "c = poolmon.Array('chars')\n"
	   "assert c[:] == [b'h', b'i']\n"
	   "c[1] = b'o'\n"
	   "assert c[1] == b'o'\n");
	pm_value got;
	api->value_get(pm_shared_find(g_shared, "arr"), 4, &got);
	assert_int_equal(got.u.i, 50);
}

/* ---- queues ------------------------------------------------------------- */

static void test_queue(void **state)
{
	(void)state;
	NEW(pm_shared_queue_new(g_shared, "q2", PM_SK_QUEUE, 2, 0, err,
				sizeof err));
	NEW(pm_shared_queue_new(g_shared, "items", PM_SK_QUEUE, 0, 0, err,
				sizeof err));
	py("q = poolmon.Queue('q2')\n"
	   "assert q.empty() and not q.full() and q.qsize() == 0\n"
	   "q.put(1)\n"
	   "q.put('two', timeout=1)\n"
	   "assert q.full() and q.qsize() == 2\n"
	   "e = raises(queue.Full, None, q.put_nowait, 3)\n"
	   "assert e.args == ()\n"
	   "t0 = time.monotonic()\n"
	   "raises(queue.Full, None, q.put, 3, timeout=0.05)\n"
	   "assert time.monotonic() - t0 >= 0.05\n"
	   "raises(queue.Full, None, q.put, 3, False)\n"
	   "assert q.get() == 1 and q.get_nowait() == 'two'\n"
	   "e = raises(queue.Empty, None, q.get_nowait)\n"
	   "assert e.args == ()\n"
	   "t0 = time.monotonic()\n"
	   "raises(queue.Empty, None, q.get, timeout=0.05)\n"
	   "assert time.monotonic() - t0 >= 0.05\n"
	   "raises(queue.Empty, None, q.get, block=False)\n"
	   "raises(ValueError, \"'timeout' must be a non-negative number\", q.get, timeout=-1)\n"
	   /* block's truth raising: that exception, nothing taken */
	   "class Bad:\n"
	   "    def __bool__(self): raise ZeroDivisionError('bad bool')\n"
	   "q.put('kept')\n"
	   "raises(ZeroDivisionError, 'bad bool', q.get, Bad())\n"
	   "assert q.get_nowait() == 'kept'\n"
	   /* Every type both ways; a tuple comes back a list. */
	   "it = poolmon.Queue('items')\n"
	   "sent = [None, True, False, 2**63 - 1, -2**63, 1.5, 'ü', b'\\x00\\xff',\n"
	   "        [1, [2, 'x']], (3, 4), bytearray(b'ab'), '']\n"
	   "for x in sent:\n"
	   "    it.put(x)\n"
	   "got = [it.get(timeout=1) for _ in sent]\n"
	   "assert got == [None, True, False, 2**63 - 1, -2**63, 1.5, 'ü', b'\\x00\\xff',\n"
	   "               [1, [2, 'x']], [3, 4], b'ab', ''], got\n"
	   "assert type(got[1]) is bool and type(got[3]) is int\n"
	   /* Ints beyond 64 bits: the same int back, an int. */
	   "bigs = [2**63, -2**63 - 1, 2**100, -3**200, [0, 499999666667166666000000]]\n"
	   "for x in bigs:\n"
	   "    it.put(x)\n"
	   "got = [it.get(timeout=1) for _ in bigs]\n"
	   "assert got == bigs, got\n"
	   "assert [type(x) for x in got[:4]] == [int] * 4 and type(got[4][1]) is int\n"
	   "raises(TypeError, \"Queue 'items': cannot carry dict (poolmon's values are "
	   "None, bool, int, float, str, bytes, list and tuple)\", it.put, {1: 2})\n"
	   "l = []\n"
	   "l.append(l)\n"
	   "raises(TypeError, None, it.put, l)\n"
	   "assert it.empty()\n"
	   /* The GIL is released while get waits: a thread puts meanwhile. */
	   "def later():\n"
	   "    time.sleep(0.05)\n"
	   "    it.put('from a thread')\n"
	   "t = threading.Thread(target=later)\n"
	   "t.start()\n"
	   "assert it.get(timeout=5) == 'from a thread'\n"
	   "t.join()\n"
	   "it.close()\n"
	   "raises(ValueError, \"Queue 'items' is closed\", it.put, 1)\n"
	   "poolmon.Queue('items').put(1)\n"
	   "assert poolmon.Queue('items').get() == 1\n");
}

static void test_joinable(void **state)
{
	(void)state;
	NEW(pm_shared_queue_new(g_shared, "jq", PM_SK_JOINABLE_QUEUE, 0, 0,
				err, sizeof err));
	NEW(pm_shared_queue_new(g_shared, "sq", PM_SK_SIMPLE_QUEUE, 0, 0, err,
				sizeof err));
	py("jq = poolmon.JoinableQueue('jq')\n"
	   "assert isinstance(jq, poolmon.Queue)\n"
	   "jq.put('a'); jq.put('b')\n"
	   "done = []\n"
	   "def joiner():\n"
	   "    jq.join()\n"
	   "    done.append(len(seen))\n"
	   "seen = []\n"
	   "def worker():\n"
	   "    for _ in range(2):\n"
	   "        seen.append(jq.get(timeout=5))\n"
	   "        time.sleep(0.02)\n"
	   "        jq.task_done()\n"
	   "run(joiner, worker)\n"
	   "assert seen == ['a', 'b'] and done == [2], (seen, done)\n"
	   "raises(ValueError, 'task_done() called too many times', jq.task_done)\n"
	   "jq.join()\n"
	   "sq = poolmon.SimpleQueue('sq')\n"
	   "assert sq.empty()\n"
	   "sq.put([1])\n"
	   "assert not sq.empty() and sq.get() == [1]\n"
	   "assert not hasattr(sq, 'put_nowait')\n");
}

/* ---- locks, Event, Condition, Barrier ------------------------------------ */

static void test_locks(void **state)
{
	(void)state;
	NEW(pm_shared_lock_new(g_shared, "l", false, err, sizeof err));
	NEW(pm_shared_lock_new(g_shared, "rl", true, err, sizeof err));
	NEW(pm_shared_semaphore_new(g_shared, "sem", 1, false, err,
				    sizeof err));
	NEW(pm_shared_semaphore_new(g_shared, "bsem", 1, true, err,
				    sizeof err));
	py("l = poolmon.Lock('l')\n"
	   "assert l.acquire() is True\n"
	   "got = []\n"
	   "def other():\n"
	   "    t0 = time.monotonic()\n"
	   "    got.append(l.acquire(timeout=0.05))\n"
	   "    got.append(time.monotonic() - t0 >= 0.05)\n"
	   "    got.append(l.acquire(False))\n"
	   "    raises(ValueError, \"Lock 'l': released but not held by this thread\", l.release)\n"
	   "run(other)\n"
	   "assert got == [False, True, False], got\n"
	   "assert l.acquire(False) is False\n" /* its own thread: False, no hang */
	   "raises(RuntimeError, \"Lock 'l': lock already held by this process "
	   "(would deadlock)\", l.acquire)\n"
	   "l.release()\n"
	   "raises(ValueError, \"Lock 'l': released but not held by this thread\", l.release)\n"
	   /* The lock between two threads: 2000 increments, none lost. */
	   "n = [0]\n"
	   "def add():\n"
	   "    for _ in range(1000):\n"
	   "        with l:\n"
	   "            x = n[0]\n"
	   "            time.sleep(0)\n"
	   "            n[0] = x + 1\n"
	   "run(add, add)\n"
	   "assert n[0] == 2000, n\n"
	   "r = poolmon.RLock('rl')\n"
	   "assert r.acquire() and r.acquire()\n"
	   "got = []\n"
	   "run(lambda: got.append(r.acquire(timeout=0.02)))\n"
	   "r.release()\n"
	   "run(lambda: got.append(r.acquire(False)))\n"
	   "r.release()\n"
	   "def take_give():\n"
	   "    got.append(r.acquire(timeout=5))\n"
	   "    r.release()\n"
	   "run(take_give)\n"
	   "assert got == [False, False, True], got\n"
	   "raises(RuntimeError, \"RLock 'rl': cannot release un-acquired lock\", r.release)\n"
	   "s = poolmon.Semaphore('sem')\n"
	   "assert s.acquire() and not s.acquire(timeout=0.02)\n"
	   "s.release(); s.release()\n"
	   "with s:\n"
	   "    assert s.acquire(False)\n"
	   "assert s.acquire(False) and not s.acquire(False)\n"
	   "b = poolmon.BoundedSemaphore('bsem')\n"
	   "assert isinstance(b, poolmon.Semaphore)\n"
	   "raises(ValueError, 'Semaphore released too many times', b.release)\n");
}

static void test_event(void **state)
{
	(void)state;
	NEW(pm_shared_event_new(g_shared, "ev", err, sizeof err));
	py("e = poolmon.Event('ev')\n"
	   "assert not e.is_set()\n"
	   "t0 = time.monotonic()\n"
	   "assert e.wait(0.05) is False\n"
	   "assert time.monotonic() - t0 >= 0.05\n"
	   "assert e.wait(0) is False\n"
	   "t = threading.Thread(target=e.set)\n"
	   "t.start()\n"
	   "assert e.wait(5) is True\n"
	   "t.join()\n"
	   "assert e.is_set() and e.wait() is True\n"
	   "e.clear()\n"
	   "assert not e.is_set() and e.wait(0.01) is False\n");
}

static void test_condition(void **state)
{
	(void)state;
	NEW(pm_shared_condition_new(g_shared, "cond", err, sizeof err));
	py("c = poolmon.Condition('cond')\n"
	   "raises(RuntimeError, 'cannot notify on un-acquired lock', c.notify)\n"
	   "raises(RuntimeError, 'cannot wait on un-acquired lock', c.wait, 0.01)\n"
	   "with c:\n"
	   "    assert c.wait(0.02) is False\n"
	   "    assert c.wait_for(lambda: False, timeout=0.02) is False\n"
	   "    with c:\n" /* its lock is an RLock */
	   "        pass\n"
	   "state = []\n"
	   "woke = []\n"
	   "def waiter():\n"
	   "    with c:\n"
	   "        woke.append(c.wait_for(lambda: state, timeout=5))\n"
	   "def notifier():\n"
	   "    time.sleep(0.05)\n"
	   "    with c:\n"
	   "        state.append('ready')\n"
	   "        c.notify()\n"
	   "run(waiter, notifier)\n"
	   "assert woke == [['ready']], woke\n"
	   "woke = []\n"
	   "def waiter2():\n"
	   "    with c:\n"
	   "        woke.append(c.wait(5))\n"
	   "def all_():\n"
	   "    while True:\n"
	   "        with c:\n"
	   "            if len(woke) == 2: return\n"
	   "            c.notify_all()\n"
	   "        time.sleep(0.01)\n"
	   "run(waiter2, waiter2, all_)\n"
	   "assert woke == [True, True], woke\n");
}

static void test_barrier(void **state)
{
	(void)state;
	NEW(pm_shared_barrier_new(g_shared, "bar2", 2, err, sizeof err));
	NEW(pm_shared_barrier_new(g_shared, "bar3", 3, err, sizeof err));
	py("b = poolmon.Barrier('bar2')\n"
	   "out = []\n"
	   "def w(): out.append(b.wait(5))\n"
	   "run(w, w)\n"
	   "assert out == [None, None], out\n"
	   "b3 = poolmon.Barrier('bar3')\n"
	   "raises(threading.BrokenBarrierError, None, b3.wait, 0.05)\n"
	   "raises(threading.BrokenBarrierError, None, b3.wait, 1)\n");
}

/* ---- Pipe ---------------------------------------------------------------- */

static void test_pipe(void **state)
{
	(void)state;
	NEW(pm_shared_pipe_new(g_shared, "p", true, err, sizeof err));
	NEW(pm_shared_pipe_new(g_shared, "p1", false, err, sizeof err));
	py("a, b = poolmon.Pipe('p')\n"
	   "assert repr(a) == \"<poolmon.Connection 'p' end 0>\"\n"
	   "assert not b.poll()\n"
	   "a.send([1, 'x'])\n"
	   "assert b.poll() is True and b.poll(None) is True\n"
	   "assert b.recv() == [1, 'x']\n"
	   "t0 = time.monotonic()\n"
	   "assert b.poll(0.05) is False\n"
	   "assert time.monotonic() - t0 >= 0.05\n"
	   "b.send(b'back')\n"
	   "assert a.recv() == b'back'\n"
	   "c = poolmon.Connection('p', 1)\n"
	   "a.send(7)\n"
	   "assert c.recv() == 7\n"
	   "raises(ValueError, \"Pipe 'p' has ends 0 and 1, not 2\", poolmon.Connection, 'p', 2)\n"
	   "r, w = poolmon.Pipe('p1')\n"
	   "raises(OSError, 'connection is read-only', r.send, 1)\n"
	   "raises(OSError, 'connection is write-only', w.recv)\n"
	   "raises(OSError, 'connection is write-only', w.poll)\n"
	   "a.send(2**100)\n"
	   "x = b.recv()\n"
	   "assert x == 2**100 and type(x) is int\n"
	   "b.send([-2**64])\n"
	   "assert a.recv() == [-2**64]\n"
	   "w.send('one way')\n"
	   "assert r.recv() == 'one way'\n"
	   "r.close()\n"
	   "assert r.closed and not w.closed\n"
	   "raises(OSError, 'handle is closed', r.recv)\n");
}

/* ---- errors, cancellation, another process -------------------------------- */

static void test_lookup_errors(void **state)
{
	(void)state;
	NEW(pm_shared_queue_new(g_shared, "plainq", PM_SK_QUEUE, 0, 0, err,
				sizeof err));
	NEW(pm_shared_queue_new(g_shared, "jq2", PM_SK_JOINABLE_QUEUE, 0, 0,
				err, sizeof err));
	py("raises(KeyError, \"no shared object 'nope'\", poolmon.Value, 'nope')\n"
	   "raises(TypeError, \"shared object 'plainq' is a queue, not a Value\", "
	   "poolmon.Value, 'plainq')\n"
	   "raises(TypeError, \"shared object 'plainq' is a queue, not a JoinableQueue\", "
	   "poolmon.JoinableQueue, 'plainq')\n"
	   "raises(TypeError, \"shared object 'plainq' is a queue, not a Lock\", "
	   "poolmon.Lock, 'plainq')\n"
	   "raises(TypeError, \"shared object 'plainq' is a queue, not a Pipe\", "
	   "poolmon.Pipe, 'plainq')\n"
	   "assert type(poolmon.Queue('jq2')) is poolmon.Queue\n"
	   "class Mine(poolmon.Queue): pass\n"
	   "assert type(Mine('plainq')) is Mine\n"
	   "raises(TypeError, None, poolmon.Value)\n"
	   "raises(TypeError, None, poolmon.Value, 3)\n"
	   "assert repr(poolmon.Queue('plainq')) == \"<poolmon.Queue 'plainq'>\"\n");
	/* No task runs (the plugin's signature helper imports the module;
	 * a module-level q = poolmon.Queue('q')): a proxy is made, and finds
	 * its object at its first use. */
	NEW(pm_shared_array_new(g_shared, "arr3", 'i', 3, NULL, true, err,
				sizeof err));
	NEW(pm_shared_pipe_new(g_shared, "pl", true, err, sizeof err));
	g_running = NULL;
	py("import builtins\n"
	   "q = poolmon.Queue('plainq')\n"
	   "assert q.name == 'plainq' and repr(q) == \"<poolmon.Queue 'plainq'>\"\n"
	   "raises(RuntimeError, \"poolmon.Queue('plainq'): shared objects are found "
	   "only while a task runs\", lambda: q.qsize())\n"
	   "raises(ValueError, \"Pipe 'pl' has ends 0 and 1, not 3\", poolmon.Connection, 'pl', 3)\n"
	   "builtins.lazy = (q, poolmon.Value('nope2'), poolmon.Value('plainq'),\n"
	   "                 poolmon.Array('arr3'), poolmon.Lock('l'), poolmon.Pipe('pl'),\n"
	   "                 poolmon.Value('counter'))\n");
	g_running = &g_ctx;
	py("import builtins\n"
	   "q, missing, wrong, a, l, (c0, c1), v = lazy\n"
	   "q.put(5)\n"
	   "assert q.get() == 5\n"
	   "raises(KeyError, \"no shared object 'nope2'\", getattr, missing, 'value')\n"
	   "raises(TypeError, \"shared object 'plainq' is a queue, not a Value\", "
	   "setattr, wrong, 'value', 1)\n"
	   "assert len(a) == 3 and a[:] == [0, 0, 0]\n"
	   "with l:\n"
	   "    assert not l.acquire(False)\n"
	   "c0.send('lazy')\n"
	   "assert c1.recv() == 'lazy'\n"
	   "v.value = 1\n"
	   "assert v.value == 1\n"
	   "del builtins.lazy\n");
}

static void test_cancel_and_interrupt(void **state)
{
	(void)state;
	NEW(pm_shared_queue_new(g_shared, "never", PM_SK_QUEUE, 0, 0, err,
				sizeof err));
	NEW(pm_shared_lock_new(g_shared, "held", false, err, sizeof err));
	/* Ctrl-C (a SIGINT Python handles) while get() waits for ever. */
	py("import signal, _thread\n"
	   "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
	   "q = poolmon.Queue('never')\n"
	   "def interrupt():\n"
	   "    time.sleep(0.05)\n"
	   "    _thread.interrupt_main()\n"
	   "t = threading.Thread(target=interrupt)\n"
	   "t.start()\n"
	   "t0 = time.monotonic()\n"
	   "raises(KeyboardInterrupt, None, q.get)\n"
	   "assert time.monotonic() - t0 < 5\n"
	   "t.join()\n"
	   "signal.signal(signal.SIGINT, signal.SIG_DFL)\n");
	/* The task cancelled while it waits: on a queue, a lock another
	 * thread holds, a semaphore at 0. */
	NEW(pm_shared_semaphore_new(g_shared, "sem0", 0, false, err,
				    sizeof err));
	py("assert issubclass(poolmon.Cancelled, BaseException)\n"
	   "assert not issubclass(poolmon.Cancelled, Exception)\n"
	   "held = poolmon.Lock('held')\n"
	   "have, go = threading.Event(), threading.Event()\n"
	   "def holder():\n"
	   "    held.acquire(); have.set(); go.wait(10); held.release()\n"
	   "t = threading.Thread(target=holder)\n"
	   "t.start()\n"
	   "assert have.wait(10)\n"
	   "set_cancel(1)\n"
	   "raises(poolmon.Cancelled, 'the task was cancelled (terminate or timeout)',\n"
	   "       poolmon.Queue('never').get)\n"
	   "raises(poolmon.Cancelled, None, held.acquire)\n"
	   "raises(poolmon.Cancelled, None, poolmon.Semaphore('sem0').acquire)\n"
	   "assert held.acquire(False) is False\n"
	   "set_cancel(0)\n"
	   "go.set(); t.join()\n"
	   "assert held.acquire(timeout=5)\n"
	   "held.release()\n");
	g_cancel = 0;
}

static void test_fork(void **state)
{
	(void)state;
	NEW(pm_shared_queue_new(g_shared, "xq", PM_SK_QUEUE, 0, 0, err,
				sizeof err));
	py("q = poolmon.Queue('xq')\n"
	   "pid = os.fork()\n"
	   "if pid == 0:\n"
	   "    try:\n"
	   "        poolmon.Queue('xq').put([os.getpid(), 'from the child'])\n"
	   "    finally:\n"
	   "        os._exit(0)\n"
	   "got = q.get(timeout=10)\n"
	   "assert got == [pid, 'from the child'], got\n"
	   "assert os.waitpid(pid, 0)[1] == 0\n");
}

/* A fresh interpreter after Py_FinalizeEx (a worker recycled in place
 * would be one): the module raises that interpreter's queue.Empty. */
static void test_reinit(void **state)
{
	(void)state;
	PyGILState_Ensure();
	Py_FinalizeEx();
	Py_InitializeEx(0);
	PyEval_SaveThread();
	py("raises(queue.Empty, None, poolmon.Queue('never').get_nowait)\n"
	   "assert poolmon.Cancelled.__module__ == 'poolmon'\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_value, reset),
		cmocka_unit_test_setup(test_array, reset),
		cmocka_unit_test_setup(test_queue, reset),
		cmocka_unit_test_setup(test_joinable, reset),
		cmocka_unit_test_setup(test_locks, reset),
		cmocka_unit_test_setup(test_event, reset),
		cmocka_unit_test_setup(test_condition, reset),
		cmocka_unit_test_setup(test_barrier, reset),
		cmocka_unit_test_setup(test_pipe, reset),
		cmocka_unit_test_setup(test_lookup_errors, reset),
		cmocka_unit_test_setup(test_cancel_and_interrupt, reset),
		cmocka_unit_test_setup(test_fork, reset),
		cmocka_unit_test_setup(test_reinit, reset),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
