#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A seeded, grammar-aware fuzz of poolmon's command language.

Run by tests/fuzz_cmds.sh (which gives it the TAP plumbing); by hand:

    POOLMON=build/src/poolmon POOLMON_PLUGIN_PATH=build/plugins \
        python3 tests/fuzz_cmds.py [--seconds N] [--seed S] [--session K]

Each session starts the real binary, `poolmon --batch --json -w N`, feeds it
a generated script on stdin and checks the oracle:

  * the exit status is 0, 1 or 3 (a command error, a task not done; never a
    signal), within the session timeout;
  * no sanitizer (or glibc heap) report on stderr;
  * every stdout line is one valid JSON object with an "event" field
    (strict: no NaN/Infinity, UTF-8 only);
  * every task that had a "queued" event has exactly one final-state event
    (done failed crashed timeout terminated cancelled) and no task has two;
  * no process is left: poolmon runs as a session leader (setsid) and the
    driver is a child subreaper, so after poolmon exits no process may
    remain in that session (checked for up to 3 s, then killed and counted);
  * no fd growth: the manager's open fds (/proc/PID/fd) are read after the
    reply to `echo fuzz-begin` (the prologue has loaded the shared plugin
    and touched every lazily opened resource: `workers`, `status`) and
    after the reply to `echo fuzz-end`, the last command of the body.  Batch
    mode runs commands one after another, so when the echo's reply is out
    every earlier command has finished and the manager sits in poll(); the
    manager holds no per-worker or per-object fds, so the two sets must be
    equal (a difference must persist for 1 s to count, to rule out a
    transient open).

Every generated waiting command is bounded: waits carry timeout= or
nowait=1, tasks that may run long get timeout= (or, spawned, daemon=1), and
once a session has done anything that can stall the pool (pause, acquire, a
slow initializer, a daemon), commands that wait without a timeout are no
longer generated.  Mutations (quotes, NUL, control bytes, invalid UTF-8,
';', '#', dropped and swapped words) are applied so that they can only turn
a bounded command into an error, never into an unbounded wait.

The master seed S and the session number K determine a session's text, so
`--seed S --session K` replays one session; a failing session's stdin is
saved to a file and printed.  Output: TAP-ish lines for tests/fuzz_cmds.sh:
"PASS\\tNAME", "FAIL\\tNAME" and "# ..." diagnostics.
"""

import argparse
import ctypes
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

POOLMON = os.environ.get("POOLMON", "src/poolmon")
FINAL = {"done", "failed", "crashed", "timeout", "terminated", "cancelled"}
SANITIZER = re.compile(
    rb"ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|"
    rb"runtime error:|SUMMARY: \w+Sanitizer|stack smashing detected|"
    rb"(malloc|free|realloc|double free)\(\)?:? .*corrupt|double free or corruption")

# Commands that wait, or that can make later commands wait: a mutated
# command must never turn into one of these.
DANGEROUS = {"apply", "map", "imap", "starmap", "result", "join", "sleep",
             "get", "put", "acquire", "quit", "submit", "spawn",
             "initializer", "pause", "workers", "load", "barrier", "errexit",
             # and those that open or write a file named by a word
             "trace", "record", "save", "source"}

# ---- edge values -----------------------------------------------------------
IDS = ["t0", "t1", "t2", "t3", "t5", "t99999999999", "t18446744073709551615",
       "t18446744073709551616", "t-1", "t+1", "t01", "t", "w0", "w1", "w2",
       "w9", "w18446744073709551616", "p-1", "p0", "p1", "p2", "p99999999999",
       "p18446744073709551616", "all", "pool", '""', "x", "T1", "t1.5",
       "t1e3", "w-1", "p+1"]
NUMS = ["0", "1", "-1", "2", "7", "-0", "+5", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "1e308", "1e309",
        "-1e309", "1e-400", "nan", "inf", "-inf", "NaN", "Infinity", "0.1",
        "-0.0", "1.5", ".5", "5.", "0x10", "1e3", "007", "1_000"]
RANGES = ["1..0", "5..5", "1..3", "0..-1", "-3..3", "1..10000001",
          "0..10000000", "-9223372036854775808..9223372036854775807",
          "9223372036854775807..9223372036854775808", "1..", "..5", "1...3",
          "a..b", "1..2..3", "1..1e3", "1..100000", "-1..-5", "..", "1..x"]
MAP_RANGES = ["1..100000001", "0..100000000", "1..1000000000"]
BAD_TIMEOUTS = ["-1", "nan", "inf", "-inf", "1e309", "abc", "1,2", "1..2",
                "1000001", "-9223372036854775809", "-0.5", '""']
BAD_COUNTS = ["0", "-1", "1.5", "nan", "abc", "9223372036854775808",
              "1,2", "1..3", "-9223372036854775809", '""', "inf"]
CODES = list("bBhHiIlLqQfdc") + ["x", "", "ii", "I2", "\"i\"", "0"]
STRINGS = ['"hello"', '"a b"', '"tab\\there"', '"nl\\nx"', '"q\\"q"',
           '"back\\\\"', '""', '"\\"', 'héllo', '"日本語"', '"\U0001F600"',
           'None', '"None"', 'a=b', '=5', '1=2', '"x=1"', 'key=', '_k=1']
SHARED_NAMES = ["v", "a", "q", "l", "s", "e", "c", "b", "pp", "nosuch",
                "x" * 300, "v[0]", "a[1]", "a[-1]", "a[99999999999]",
                "a[18446744073709551616]", "a[", "a[]", "a[x]", "q.0", "pp[0]",
                "Ünï", '""', "v v"]


def plugin_paths():
    d = os.environ.get("POOLMON_PLUGIN_PATH", "plugins").split(":")[0]
    tp = os.path.join(os.path.dirname(os.path.abspath(d)), "tests", "plugins")
    return ["demo", "shared", "nosuch", "/nonexistent/x.so", "/dev/null",
            "/etc/passwd", ".", "", "x" * 5000, "../plugins/demo.so",
            os.path.join(tp, "extra.so"), os.path.join(tp, "nosym.so"),
            os.path.join(tp, "bad_abi.so"), os.path.join(tp, "dup_name.so"),
            os.path.join(tp, "dup_task.so"), os.path.join(tp, "bad_sig.so"),
            os.path.join(tp, "bad_init.so"), "libm.so.6",
            "/lib/x86_64-linux-gnu/libm.so.6", os.path.abspath(d) + "/demo.so"]


def strict_json(line):
    def no_constant(name):
        raise ValueError("non-JSON constant " + name)
    return json.loads(line, parse_constant=no_constant)


# ---- the generator ---------------------------------------------------------
class Tasks:
    """The tasks the plugins export, read from `tasks` (so new ones are
    fuzzed too), and which of their calls are sure to end soon."""

    def __init__(self, tasks):
        self.tasks = tasks  # [(name, [(param, type)], kwargs?)]

    @staticmethod
    def load():
        out = subprocess.run([POOLMON, "--batch", "--json", "-w", "1", "-x",
                              "load shared; tasks"], capture_output=True,
                             timeout=60).stdout.decode()
        tasks = []
        for line in out.splitlines():
            ev = json.loads(line)
            if ev.get("event") != "tasks":
                continue
            for t in ev["tasks"]:
                params, kw = [], False
                for p in filter(None, (x.strip() for x in t["signature"].split(","))):
                    if p.startswith("**"):
                        kw = True
                    elif p.startswith("*"):
                        params.append(("*", "any"))
                    else:
                        n, _, ty = p.partition(":")
                        params.append((n, ty or "any"))
                tasks.append((t["name"], params, kw))
        return Tasks(tasks)

    # Calls that surely end within a fraction of a second: these tasks
    # always, these others when the arguments at these places are small
    # numbers.  Any other task (a new one too) may run long.
    QUICK = {"square", "cube", "add", "echo", "fail", "crash", "counter",
             "nums", "chaos", "person", "typecode", "full", "empty"}
    BOUNDED = {"sleep": {0: 300}, "spin": {0: 300}, "job": {0: 200000},
               "job_timed": {0: 200000}, "incr": {1: 1000, 2: 1},
               "job_threads": {0: 20000, 1: 8}}

    def quick(self, name, args):
        short = name.split(".")[-1]
        if short in self.QUICK:
            return True
        limits = self.BOUNDED.get(short)
        if not limits:
            return False
        return all(i < len(args) and re.fullmatch(r"\d{1,7}", args[i]) and
                   int(args[i]) <= hi for i, hi in limits.items())


class Session:
    def __init__(self, rng, tasks, limits):
        self.r = rng
        self.tasks = tasks
        self.workers = rng.choice([1, 1, 2, 2, 3, 4])
        self.maxtasks = rng.choice([None] * 6 + [1, 2, 3])
        self.risky = False   # something may stall the pool: no unbounded waits
        self.names = {}      # shared objects made: name -> kind
        self.ntasks = 0      # task ids possibly handed out
        self.nprocs = 0
        self.has_quit = False
        self.closed = False
        self.used = set()    # command names generated
        self.files_open = False  # record/trace FILE may hold an fd
        self.big = limits["big"]

    # -- values
    def num(self):
        r = self.r
        return r.choice(NUMS) if r.random() < 0.5 else str(r.randint(-3, 12))

    def small_int(self, hi=10):
        return str(self.r.randint(0, hi))

    def task_id(self):
        r = self.r
        if r.random() < 0.6 and self.ntasks:
            return "t%d" % r.randint(1, self.ntasks + 1)
        if r.random() < 0.3 and self.nprocs:
            return "p%d" % r.randint(1, self.nprocs)
        if r.random() < 0.3:
            return "w%d" % r.randint(1, self.workers + 1)
        return r.choice(IDS)

    def shared_name(self, kinds=None):
        r = self.r
        have = [n for n, k in self.names.items() if not kinds or k in kinds]
        if have and r.random() < 0.7:
            return r.choice(have)
        return r.choice(SHARED_NAMES)

    def new_name(self):
        r = self.r
        if r.random() < 0.15:
            return r.choice(SHARED_NAMES + ["", '"sp ace"', "9lives", "a" * 70])
        return r.choice("vaqlsecbp") + str(r.randint(0, 3))

    def big_list(self):
        n = self.r.choice([2, 10, 1000, 10000])
        return ",".join(str(i) for i in range(n))

    def value(self):
        r = self.r
        k = r.random()
        if k < 0.35:
            return self.num()
        if k < 0.5:
            return r.choice(RANGES[:5])
        if k < 0.65:
            return ",".join(self.num() for _ in range(r.randint(1, 4)))
        if k < 0.9:
            return r.choice(STRINGS)
        return r.choice(["1,,2", ",", "1,", ",1", "1,nan,inf", "1,2..3"])

    def arg_for(self, name, ty):
        r = self.r
        if r.random() < 0.12:
            return self.value()
        if ty == "int":
            return self.small_int(20)
        if ty == "float":
            return r.choice(["0.05", "0.1", "0", "1"])
        if ty == "str":
            if name in ("queue",):
                return self.shared_name({"queue"})
            if name in ("pipe",):
                return self.shared_name({"pipe"})
            if name in ("array",):
                return self.shared_name({"array"})
            if name in ("lock",):
                return self.shared_name({"lock", "value"})
            if name in ("name", "v"):
                return self.shared_name()
            return r.choice(['"x"', "bob", '"a b"', "segv", "abort", "exit"])
        return self.value()

    def call(self, allow_kw=True, quick_only=False):
        """TASK ARGS... [k=v]: the words and whether it surely ends soon."""
        r = self.r
        if quick_only:
            for _ in range(20):
                words, quick = self.call(allow_kw)
                if quick:
                    return words, quick
            return words, quick
        if r.random() < 0.06:
            name = r.choice(["nosuch", "demo.nosuch", "demo.", ".square",
                             "DEMO.SQUARE", "extra.pid", '"square"', "squ"])
            params, kw = [("*", "any")], False
        else:
            name, params, kw = r.choice(self.tasks.tasks)
            if r.random() < 0.6 and name.count(".") == 1:
                name = name.split(".")[1]  # short names when unique
        args = []
        for p, ty in params:
            if p == "*":
                args += [self.value() for _ in range(r.randint(0, 3))]
            else:
                args.append(self.arg_for(p, ty))
        if r.random() < 0.1 and args:
            args.pop()  # too few
        if r.random() < 0.08:
            args.append(self.num())  # too many
        quick = self.tasks.quick(name, args)
        if allow_kw and (kw or r.random() < 0.05):
            args += ["%s=%s" % (r.choice(["city", "k", "age", "name", "x_1"]),
                                self.value()) for _ in range(r.randint(0, 2))]
        return [name] + args, quick

    def timeout_opt(self, key="timeout"):
        """A bounding option, or (sometimes) a bad one: an error, no wait."""
        r = self.r
        if r.random() < 0.2:
            return "%s=%s" % (key, r.choice(BAD_TIMEOUTS))
        return "%s=%s" % (key, r.choice(["0.05", "0.1", "0.2", "0.3"]))

    # -- commands: one generator per command of the table
    def g_submit(self):
        words, quick = self.call(quick_only=self.r.random() < 0.4)
        if not quick or self.r.random() < 0.3:
            words.append(self.timeout_opt())
        self.ntasks += 1
        return ["submit"] + words

    def g_spawn(self):
        r = self.r
        words, quick = self.call(quick_only=r.random() < 0.7)
        pre = []
        if r.random() < 0.3:
            pre.append("name=%s" % r.choice(['"worker-x"', "n1", "1", '""',
                                             "1,2", "x" * 200]))
        if not quick or self.risky:
            pre.append("daemon=1")  # terminated at quit
            self.risky = True
        elif r.random() < 0.2:
            pre.append("daemon=%s" % r.choice(["2", "-1", "x", "1.0"]))
        self.nprocs += 1
        self.ntasks += 1
        return ["spawn"] + pre + words

    def g_initializer(self):
        words, quick = self.call(allow_kw=False)
        if not quick:
            self.risky = True
        return ["initializer"] + words

    def g_apply(self):
        words, quick = self.call(quick_only=self.r.random() < 0.5)
        if not quick or self.risky:
            if self.risky:
                # A stalled pool never starts it: no timeout helps.
                return ["apply", "demo.nosuch"] + words[1:]
            words.append(self.timeout_opt())
        self.ntasks += 1
        return ["apply"] + words

    def _map(self, cmd):
        r = self.r
        words, quick = self.call(allow_kw=False, quick_only=r.random() < 0.8)
        name = words[0]
        if self.risky or not quick:
            name = r.choice(["demo.nosuch", "hang"])
            items = r.choice(["1..0", "1..100000001", "1,,2", "a..b"])
        else:
            k = r.random()
            if k < 0.4:
                items = r.choice(["1..3", "1..10", "0..0", "5,6,7", "1"])
            elif k < 0.5 and self.big:
                items = r.choice(["1..100000", self.big_list()])
            elif k < 0.8:
                # A map takes a range as its ends, up to 10^8 items: the
                # built-range edges past 10^7 would run; past 10^8 refused.
                items = r.choice([x for x in RANGES + MAP_RANGES
                                  if (self.big or x != "1..100000")
                                  and x not in ("1..10000001", "0..10000000")])
            else:
                items = self.value()
            # The items are the calls' arguments: a task quick only for
            # small arguments gets a few small ones.
            if name.split(".")[-1] not in Tasks.QUICK:
                items = r.choice(["1..3", "0,1,2", "5"])
        out = [cmd, name, items]
        if cmd != "starmap" and r.random() < 0.3:
            out.append("chunksize=%s" % r.choice(BAD_COUNTS + ["1", "3", "1000"]))
        self.ntasks += 10
        return out

    def g_map(self):
        return self._map("map")

    def g_imap(self):
        return self._map("imap")

    def g_starmap(self):
        r = self.r
        if self.risky:
            return ["starmap", "demo.nosuch", "1,2"]
        name = r.choice(["add", "demo.add", "square", "echo", "person", "fail"])
        calls = [",".join(self.small_int() for _ in range(r.randint(1, 3)))
                 for _ in range(r.randint(1, 5))]
        if r.random() < 0.2:
            calls.append(r.choice(["1,,2", '"x"', "nan", "1..3", "a=1"]))
        if r.random() < 0.2:
            calls.append("chunksize=%s" % r.choice(BAD_COUNTS + ["2"]))
        self.ntasks += len(calls)
        return ["starmap", name] + calls

    def g_result(self):
        words = ["result", self.task_id()]
        if self.risky or self.r.random() < 0.7:
            words.append(self.timeout_opt())
        return words

    def g_save(self):
        r = self.r
        if r.random() < 0.4 and self.ntasks:
            a = r.randint(1, self.ntasks + 1)
            ids = "t%d..t%d" % (a, a + r.choice([0, 1, 5, -1, 10 ** 9]))
        else:
            ids = self.task_id()
        d = os.environ.get("TEST_TMPDIR") or tempfile.gettempdir()
        path = r.choice([os.path.join(d, "fuzz-save-%d.txt" % r.randint(1, 3)),
                         '""', d, "/nonexistent-dir/x"])
        return ["save", ids, path] if r.random() < 0.9 else ["save", ids]

    def g_join(self):
        r = self.r
        k = r.random()
        if k < 0.3:
            ids = []
        elif k < 0.4:
            ids = ["pool"]
        else:
            ids = [self.task_id() for _ in range(r.randint(1, 4))]
        words = ["join"] + ids
        if self.risky or r.random() < 0.6 or ids == ["pool"] or \
                any(i in ("pool", "all") or i.startswith("p") for i in ids):
            words.append(self.timeout_opt())
        return words

    def g_pause(self):
        self.risky = True
        return ["pause"] + ([self.task_id()] if self.r.random() < 0.7 else [])

    def g_resume(self):
        return ["resume"] + ([self.task_id()] if self.r.random() < 0.6 else [])

    def g_step(self):
        r = self.r
        if r.random() < 0.7:
            return ["step"] + ([str(r.randint(1, 3))] if r.random() < 0.5 else [])
        return ["step", r.choice(BAD_COUNTS + ["1000001", "x"])]

    def g_pool(self):
        # Waits for the old workers (as join does): only once nothing can
        # stall them, and then there is no timeout to give.
        r = self.r
        if self.risky or r.random() < 0.3:
            return ["pool", r.choice(BAD_COUNTS + ["1025"])]
        self.closed = False
        return ["pool"] + ([str(r.randint(1, 3))] if r.random() < 0.5 else [])

    def fuzz_file(self, stem):
        d = os.environ.get("TEST_TMPDIR", "/tmp")
        return "%s/fuzz-%s-%d" % (d, stem, self.r.randint(0, 3))

    def g_source(self):
        r = self.r
        # Files that are not scripts (a recording of this session may
        # source itself, over and over).
        return ["source", r.choice(["/dev/null", "/nonexistent/x", POOLMON,
                                    '""'])]

    def g_record(self):
        r = self.r
        k = r.random()
        if k < 0.4:
            self.files_open = True
            return ["record", self.fuzz_file("rec")]
        if k < 0.8:
            return ["record", "off"]
        return ["record"] + ([r.choice(["/nonexistent/x", '""'])] if k < 0.9 else [])

    def g_trace(self):
        r = self.r
        k = r.random()
        if k < 0.4:
            self.files_open = True
            return ["trace", self.fuzz_file("trace")]
        if k < 0.8:
            return ["trace", "off"]
        return ["trace"] + ([r.choice(["/nonexistent/x", '""'])] if k < 0.9 else [])

    def g_del(self):
        name = self.shared_name()
        self.names.pop(name, None)
        return ["del", name]

    def g_terminate(self):
        r = self.r
        if r.random() < 0.1:
            self.closed = True
            return ["terminate", "pool"]
        return ["terminate"] + [self.task_id() for _ in range(r.choice([1, 1, 1, 0, 2]))]

    def g_kill(self):
        return ["kill"] + [self.task_id() for _ in range(self.r.choice([1, 1, 1, 0, 2]))]

    def g_close(self):
        if self.r.random() < 0.5:
            self.closed = True
            return ["close"]
        return ["close", self.num()]

    def g_workers(self):
        r = self.r
        if r.random() < 0.4:
            return ["workers"]
        if r.random() < 0.5:
            return ["workers", str(r.randint(1, 4))]
        return ["workers", r.choice(BAD_COUNTS + ["1025", "18446744073709551616"])]

    def g_status(self):
        return ["status"] if self.r.random() < 0.9 else ["status", self.num()]

    def g_tasks(self):
        return ["tasks"] if self.r.random() < 0.9 else ["tasks", "x"]

    def g_plugins(self):
        return ["plugins"] if self.r.random() < 0.9 else ["plugins", "x"]

    def g_load(self):
        r = self.r
        p = r.choice(plugin_paths())
        return ["load", p if p == "" or not re.search(r'[\s"]', p) else '"%s"' % p] \
            if r.random() < 0.9 else ["load"]

    def g_sleep(self):
        r = self.r
        if r.random() < 0.6:
            return ["sleep", r.choice(["0", "0.01", "0.05", "0.1", "0.2"])]
        return ["sleep", r.choice(BAD_TIMEOUTS + ["1..3", "x", "1e6x", "2000000"])]

    def g_echo(self):
        r = self.r
        return ["echo"] + [r.choice([self.value(), self.num(), r.choice(IDS),
                                     r.choice(STRINGS)])
                           for _ in range(r.randint(0, 5))]

    def g_view(self):
        # Without a screen every view is refused; the words still go
        # through the table's checks (counts, an unknown view).
        return ["view"] + self.r.choice([["main"], ["timeline"], [],
                                         ["nosuch"], ["main", "x"]])

    def g_serve(self):
        # Without a screen serve is refused (--serve serves a pool
        # headless); the words still go through the table's checks.
        return ["serve"] + self.r.choice([["fz"], ["off"], [], ["a", "b"],
                                          ['""'], ["a/b"]])

    def g_events(self):
        r = self.r
        if r.random() < 0.4:
            return ["events"]
        return ["events", r.choice(["ranges", "items", "x", '""', "1"])]

    def g_help(self):
        r = self.r
        if r.random() < 0.3:
            return ["help"]
        return ["help", r.choice(COMMANDS + ["nosuch", '""', "HELP", "x" * 100])]

    def g_value(self):
        r = self.r
        n = self.new_name()
        out = ["value", n, r.choice(CODES)]
        if r.random() < 0.7:
            out.append(r.choice([self.num(), self.value(), "65", "-129", "255",
                                 "256", "32768", "4294967296", '"c"', '"ab"']))
        if r.random() < 0.2:
            out.append("lock=%s" % r.choice(["0", "1", "2", "x"]))
        self.names[n] = "value"
        return out

    def g_array(self):
        r = self.r
        n = self.new_name()
        size = r.choice(["3", "0", "-1", "1000", "100000000", "9223372036854775807",
                         "1,2,3", "1..5", "1.5", '"abc"', "nan", "1,x"]
                        + (["1..100000"] if self.big else []))
        out = ["array", n, r.choice(CODES), size]
        if r.random() < 0.2:
            out.append("lock=%s" % r.choice(["0", "1", "2"]))
        self.names[n] = "array"
        return out

    def g_queue(self):
        r = self.r
        n = self.new_name()
        out = ["queue", n]
        if r.random() < 0.5:
            out.append(r.choice(["0", "1", "2", "5", "-1", "nan", "1.5",
                                 "9223372036854775807", "x"]))
        if r.random() < 0.3:
            out.append(r.choice(["joinable=1", "simple=1", "joinable=2",
                                 "simple=0", "joinable=x"]))
        self.names[n] = "queue"
        return out

    def g_put(self):
        r = self.r
        item = r.choice([self.value(), "None", self.num()] +
                        (["1..100000", self.big_list()] if self.big else []))
        out = ["put", self.shared_name({"queue"}), item]
        if r.random() < 0.3:
            out.append(r.choice(["nowait=1", "nowait=2", "nowait=x"]))
            if out[-1] != "nowait=1":
                out.append(self.timeout_opt())
        else:
            out.append(self.timeout_opt())
        return out

    def g_get(self):
        r = self.r
        out = ["get", self.shared_name({"queue"})]
        if r.random() < 0.3:
            out.append(r.choice(["nowait=1", "nowait=2", "nowait=-1"]))
            if out[-1] != "nowait=1":
                out.append(self.timeout_opt())
        else:
            out.append(self.timeout_opt())
        return out

    def g_lock(self):
        r = self.r
        n = self.new_name()
        out = ["lock", n]
        if r.random() < 0.3:
            out.append("kind=%s" % r.choice(["rlock", "lock", "x", "1", '""']))
        self.names[n] = "lock"
        return out

    def g_semaphore(self):
        r = self.r
        n = self.new_name()
        out = ["semaphore", n]
        if r.random() < 0.6:
            out.append(r.choice(["0", "1", "3", "-1", "9223372036854775807",
                                 "4294967296", "nan", "x"]))
        if r.random() < 0.3:
            out.append("bounded=%s" % r.choice(["1", "0", "2"]))
        self.names[n] = "lock"
        return out

    def g_event(self):
        n = self.new_name()
        self.names[n] = "event"
        return ["event", n]

    def g_condition(self):
        n = self.new_name()
        self.names[n] = "lock"
        return ["condition", n]

    def g_barrier(self):
        n = self.new_name()
        self.names[n] = "barrier"
        return ["barrier", n, self.r.choice(["1", "2", "3", "0", "-1", "100000",
                                             "9223372036854775808", "x"])]

    def g_pipe(self):
        r = self.r
        n = self.new_name()
        self.names[n] = "pipe"
        out = ["pipe", n]
        if r.random() < 0.3:
            out.append("duplex=%s" % r.choice(["0", "1", "2", "x"]))
        return out

    def g_set(self):
        r = self.r
        n = self.shared_name()
        if r.random() < 0.4:
            n += r.choice(["[0]", "[1]", "[2]", "[-1]", "[99999999999]",
                           "[18446744073709551616]", "[", "[]", "[x]", "[0][0]"])
        return ["set", n, r.choice([self.num(), self.value(), "1", "0", "None",
                                    "1,2,3", '"abc"'])]

    def g_show(self):
        r = self.r
        return ["show", self.shared_name() if r.random() < 0.5 else self.task_id()]

    def g_acquire(self):
        self.risky = True
        return ["acquire", self.shared_name({"lock", "value"}), self.timeout_opt()]

    def g_release(self):
        return ["release", self.shared_name({"lock", "value"})]

    def g_errexit(self):
        # never "on": the first error would end the session
        return ["errexit"] + self.r.choice([[], ["off"], ["yes"], ["on", "1"], ['""']])

    # -- the screen's commands: refused outside the screen, whatever the words
    def g_suspend(self):
        return ["suspend"] + ([self.num()] if self.r.random() < 0.2 else [])

    def g_detach(self):
        # only on a screen attached to a served pool: refused here
        return ["detach"] + ([self.num()] if self.r.random() < 0.2 else [])

    def _table_opt(self):
        return self.r.choice([[], ["table=workers"], ["table=tasks"],
                              ["table=log"], ["order=desc"]])

    def g_search(self):
        r = self.r
        return ["search"] + [r.choice([r.choice(IDS), r.choice(STRINGS)])
                             for _ in range(r.randint(0, 2))] + self._table_opt()

    def g_filter(self):
        r = self.r
        return ["filter"] + [r.choice([r.choice(IDS), r.choice(STRINGS)])
                             for _ in range(r.randint(0, 2))] + self._table_opt()

    def g_sort(self):
        r = self.r
        col = r.choice([[], ["id"], ["cpu"], ["result"], ["invert"], ["none"],
                        ["bogus"], ["id", "pid"]])
        return ["sort"] + col + self._table_opt() + (
            [r.choice(["order=asc", "order=desc", "order=up"])]
            if r.random() < 0.3 else [])

    def g_quit(self):
        if self.r.random() < 0.5:
            return ["quit", self.r.choice(["now", "1", '""'])]
        self.has_quit = True
        return ["quit"]

    # -- mutations
    def mutate(self, words):
        """A mutated command text, and whether it may be joined with others
        on a line (a quote mutation may swallow what follows)."""
        r = self.r
        text = " ".join(words)
        k = r.random()
        waiting = words[0] in DANGEROUS
        if k < 0.2:
            pos = r.randint(0, len(text))
            junk = r.choice([b"\x00", b"\x01", b"\x1b", b"\x7f", b"\xff",
                             b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80",
                             b"\xf4\x90\x80\x80", b"\xe2\x82"])
            return text.encode()[:pos] + junk + text.encode()[pos:], True
        if k < 0.3 and '"' not in text:
            pos = r.randint(len(words[0]), len(text))
            return (text[:pos] + '"' + text[pos:]).encode(), False
        if waiting:
            # Only what makes the whole command an error.
            return text.encode() + r.choice([b' "unterminated', b"\x02", b"\xff"]), False
        for _ in range(3):
            w = list(words)
            k = r.random()
            if k < 0.25 and len(w) > 1:
                del w[r.randrange(len(w))]
            elif k < 0.45 and len(w) > 2:
                i = r.randrange(1, len(w) - 1)
                w[i], w[i + 1] = w[i + 1], w[i]
            elif k < 0.6:
                w.insert(r.randint(1, len(w)), r.choice(["#", ";", ";;", "# x"]))
            elif k < 0.8:
                w[r.randrange(len(w))] = r.choice(IDS + NUMS + RANGES + STRINGS)
            else:
                w[0] = r.choice([w[0].upper(), w[0][:-1], w[0] + "x", "", ";",
                                 "#" + w[0], "\\" + w[0]])
            t = " ".join(w)
            heads = [re.sub(r'["\s\\]', " ", seg).split() for seg in t.split(";")]
            if not any(h and h[0] in DANGEROUS for h in heads):
                return t.encode(), True
        return text.encode(), True

    def line(self):
        """One input line: 1..4 commands joined by ';' or chaos."""
        r = self.r
        k = r.random()
        if k < 0.03:
            return r.choice([b"", b"   ", b"# just a comment", b";", b";;;",
                             b"\t;\t", b'"', b"\\", b"=", b"\x00" * 3,
                             b"\xff\xfe", "é".encode()])
        if k < 0.05 and self.big:
            # A 1 MB word (the line limit is 64 KiB: refused as a whole).
            return b"echo " + b"x" * (1 << 20)
        if k < 0.06:
            return b"echo " + b"y" * r.choice([60000, 65530, 65536, 70000])
        if k < 0.07:
            return b"echo " + b" ".join(b"w" for _ in range(r.choice([255, 256, 257, 1000])))
        cmds = []
        for _ in range(r.choice([1, 1, 1, 2, 2, 3, 4])):
            name = r.choices(COMMANDS, [WEIGHTS.get(c, 2) for c in COMMANDS])[0]
            words = getattr(self, "g_" + name)()
            self.used.add(name)
            if r.random() < 0.1:
                text, joinable = self.mutate(words)
                if not joinable:
                    cmds.append(text)
                    break
                cmds.append(text)
            else:
                cmds.append(" ".join(words).encode())
            if self.has_quit:
                break
        sep = r.choice([b"; ", b";", b" ; ", b";;"])
        out = sep.join(cmds)
        if r.random() < 0.05:
            out += r.choice([b";", b" # trailing comment", b"  "])
        return out

    def script(self, nlines):
        r = self.r
        body = []
        # Some well-formed objects first, so that later commands find them.
        for make in r.sample(MAKE, r.randint(0, 4)):
            body.append(make.encode())
            w = make.split()
            self.names[w[1]] = {"value": "value", "array": "array",
                                "queue": "queue", "pipe": "pipe",
                                "event": "event", "barrier": "barrier"}.get(w[0], "lock")
        for _ in range(nlines):
            body.append(self.line())
            if self.has_quit:
                break
        return body


COMMANDS = []  # filled from `help`
# How often each command comes up (2 unless said here).
WEIGHTS = {"submit": 8, "map": 5, "apply": 4, "imap": 3, "starmap": 3,
           "result": 4, "join": 3, "put": 4, "get": 4, "set": 4, "show": 4,
           "value": 3, "array": 3, "queue": 3, "status": 3, "echo": 3,
           "spawn": 3, "pause": 1, "acquire": 1, "quit": 0.3, "help": 1,
           "plugins": 1, "tasks": 1, "load": 1, "initializer": 1,
           "workers": 2, "close": 0.5, "suspend": 0.3, "detach": 0.3, "search": 0.5,
           "filter": 0.5, "sort": 0.5}
MAKE = ["value v i 0", "value f d 1.5", "array a i 10", "queue q 5",
        "queue jq joinable=1", "lock l", "lock rl kind=rlock",
        "semaphore s 2", "event e", "condition c", "barrier b 2", "pipe pp"]


def command_table():
    out = subprocess.run([POOLMON, "--batch", "-w", "1", "-x", "help"],
                         capture_output=True, timeout=60).stdout.decode()
    names = []
    for line in out.splitlines():
        if line.startswith("Words split"):
            break
        names.append(line.split()[0])
    return names


# ---- the driver and the oracle ---------------------------------------------
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except OSError:
        pass


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def in_session(sid):
    """Live (non-zombie) processes whose session is sid."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(d))
    return pids


def fds_of(pid):
    # A plugin loaded stays open (workers load the file the manager vetted,
    # by its fd): one fd per plugin, not a leak; they are left out.
    d = "/proc/%d/fd" % pid
    out = {}
    try:
        for f in os.listdir(d):
            try:
                t = os.readlink(d + "/" + f)
            except OSError:
                continue
            if t.endswith(".so") and os.path.isfile(t):
                continue
            out[int(f)] = re.sub(r"\[\d+\]", "", t)
    except OSError:
        return None
    return out


class Run:
    def __init__(self, argv, stdin_prologue, body, epilogue, timeout):
        self.argv = argv
        self.prologue = stdin_prologue
        self.body = body
        self.epilogue = epilogue
        self.timeout = timeout
        self.problems = []
        self.out = b""
        self.err = b""
        self.rc = None
        self.fd_checked = False

    def pump(self, p, data, needle, deadline, bufs):
        """Write data to poolmon's stdin while reading its stdout and stderr
        (a full pipe either way must not block us), until all of data is
        written and a stdout line holds needle (None: until both outputs
        end).  False at the deadline or if the outputs end first."""
        data = memoryview(data)
        w = p.stdin.fileno() if not p.stdin.closed else None
        if w is not None:
            os.set_blocking(w, False)
        while True:
            if not data:
                if needle is not None and bufs[0].find(needle, self.seen) >= 0:
                    return True
                self.seen = max(0, len(bufs[0]) - len(needle or b""))
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            rd = [f for f in (p.stdout, p.stderr) if not f.closed]
            if not rd and (needle is not None or not data):
                return needle is None
            wr = [w] if data and w is not None else []
            r, wok, _ = select.select(rd, wr, [], min(left, 0.5))
            if wok:
                try:
                    n = os.write(w, data[:1 << 16])
                    data = data[n:]
                except BlockingIOError:
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    data = data[:0]
            for f in r:
                chunk = os.read(f.fileno(), 1 << 16)
                i = 0 if f is p.stdout else 1
                if chunk:
                    bufs[i] += chunk
                else:
                    f.close()

    def go(self):
        t0 = time.monotonic()
        deadline = t0 + self.timeout
        p = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        bufs = [bytearray(), bytearray()]
        self.seen = 0
        hung = False
        try:
            begin = b'{"event":"echo","text":"fuzz-begin"}'
            end = b'{"event":"echo","text":"fuzz-end"}'
            if not self.pump(p, self.prologue, begin, deadline, bufs):
                hung = p.poll() is None
                self.problems.append("no reply to the prologue")
            else:
                fd0 = fds_of(p.pid)
                body = b"".join(line + b"\n" for line in self.body)
                if self.pump(p, body + self.epilogue[0], end, deadline, bufs):
                    fd1 = fds_of(p.pid)
                    stop = time.monotonic() + 1.0
                    while fd1 != fd0 and time.monotonic() < stop:
                        time.sleep(0.1)
                        fd1 = fds_of(p.pid)
                    self.fd_checked = True
                    if fd1 != fd0:
                        self.problems.append("fds changed: %r -> %r" % (fd0, fd1))
                elif p.poll() is None and time.monotonic() >= deadline:
                    hung = True
                if not hung and self.epilogue[1]:
                    try:  # a few bytes: the pipe has room
                        os.write(p.stdin.fileno(), self.epilogue[1])
                    except OSError:
                        pass
            try:
                p.stdin.close()
            except OSError:
                pass
            if not hung:
                self.pump(p, b"", None, deadline, bufs)  # to EOF
                try:
                    self.rc = p.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    hung = True
        finally:
            if hung or p.poll() is None:
                self.problems.append("hang: still running after %.0f s" % self.timeout)
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    pass
                p.wait()
                self.rc = "hang"
        self.out, self.err = bytes(bufs[0]), bytes(bufs[1])
        self.elapsed = time.monotonic() - t0
        # Processes left in poolmon's session.
        stop = time.monotonic() + 3.0
        left = in_session(p.pid)
        while left and time.monotonic() < stop:
            time.sleep(0.05)
            reap()
            left = in_session(p.pid)
        if left:
            self.problems.append("processes left after exit: %s" % left)
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        reap()
        return self

    def check(self):
        """The oracle: a dict of oracle name -> problem or None."""
        res = {}
        rc = self.rc
        res["exit"] = None if rc in (0, 1, 3) else "exit status %s" % (
            "hang" if rc == "hang" else
            ("signal %d" % -rc) if isinstance(rc, int) and rc < 0 else rc)
        m = SANITIZER.search(self.err)
        res["sanitizer"] = None if not m else "stderr: " + \
            self.err[max(0, m.start() - 200):m.start() + 1500].decode("utf-8", "replace")
        res["hang"] = next((x for x in self.problems if x.startswith(("hang", "no reply"))), None)
        res["procs"] = next((x for x in self.problems if x.startswith("processes")), None)
        res["fds"] = next((x for x in self.problems if x.startswith("fds")), None)
        bad = None
        states = {}
        queued = set()
        for n, line in enumerate(self.out.split(b"\n")):
            if not line and n == self.out.count(b"\n"):
                break  # after the last newline
            try:
                ev = strict_json(line.decode("utf-8"))
                if not isinstance(ev, dict) or "event" not in ev:
                    raise ValueError("not an object with an event")
            except ValueError as e:
                bad = bad or "line %d: %s: %r" % (n + 1, e, line[:300])
                continue
            # (show's reply is a task event too, with "ready" added; a
            # task_range event stands for each of its items.)
            items = []
            if ev["event"] == "task" and "ready" not in ev:
                items = [ev.get("id")]
            elif ev["event"] == "task_range":
                items = ["t%d" % k for k in range(int(ev["first"][1:]),
                                                   int(ev["last"][1:]) + 1)]
            for i in items:
                s = ev.get("state")
                if s == "queued":
                    queued.add(i)
                elif s in FINAL:
                    states.setdefault(i, []).append(s)
        if self.out and not self.out.endswith(b"\n"):
            bad = bad or "output does not end with a newline"
        res["json"] = bad
        final = None
        if rc != "hang":
            for i in sorted(queued):
                if len(states.get(i, [])) != 1:
                    final = "%s: final states %s" % (i, states.get(i, []))
                    break
            for i, s in states.items():
                if len(s) > 1 and not final:
                    final = "%s: final states %s" % (i, s)
        res["final"] = final
        return res, len(queued)


ORACLES = [("exit", "exit status 0, 1 or 3 (no signal)"),
           ("sanitizer", "no sanitizer report on stderr"),
           ("hang", "no hang (every session ends within its timeout)"),
           ("json", "every stdout line is one JSON object with an event"),
           ("final", "every queued task reaches exactly one final state"),
           ("procs", "no process left behind"),
           ("fds", "no fd growth in the manager")]


def session_text(argv, lines):
    return b"".join(line + b"\n" for line in lines)


def show(b, limit=4000):
    s = b.decode("utf-8", "backslashreplace")
    s = re.sub(r"(.)\1{200,}", lambda m: "%s…(%d times)" % (m.group(1), len(m.group(0))), s)
    s = "".join(ch if ch.isprintable() or ch == "\n" else "\\x%02x" % ord(ch)
                if ord(ch) < 256 else ch for ch in s)
    return s if len(s) <= limit else s[:limit] + "…"


def probe(keep_dir):
    """Fixed edge commands: each is refused (one error) and queues nothing."""
    cmds = ["map square 1..100000001", "map square 0..100000000",
            "map square 1..1000000000", "echo 1..10000001",
            "map square -9223372036854775808..9223372036854775807",
            "map square 9223372036854775807..9223372036854775808",
            "map square 5..1", "submit square 9223372036854775808",
            "result t18446744073709551616", "result t0", "show t99999999999",
            "show w0", "join p-1", "terminate t18446744073709551616",
            "kill w0", "pause t99999999999", "sleep nan", "sleep inf",
            "sleep -inf", "sleep -1", "apply square 1 timeout=-1",
            "apply square 1 timeout=nan", "map square 1..3 chunksize=0",
            "imap square 1..3 chunksize=-1", "get nosuch timeout=0.1",
            "put q 1 timeout=nan", "workers 0", "workers 1025",
            "value v i 9223372036854775808", "echo \"unterminated",
            "echo a\x00b", "echo \xff", "load /nonexistent/x.so",
            "load /dev/null", "sleep 1..10000001",
            "echo " + "z" * 70000]
    argv = [POOLMON, "--batch", "--json", "-w", "1"]
    # "\xff" here stands for the byte 0xff (invalid UTF-8), not U+00FF.
    data = b"queue q 1\n" + b"".join(c.encode("latin-1" if "\xff" in c else "utf-8")
                                     + b"\n" for c in cmds)
    p = subprocess.run(argv, input=data, capture_output=True, timeout=120)
    evs = [json.loads(line) for line in p.stdout.decode().splitlines()]
    errors = [e for e in evs if e.get("event") == "error"]
    queued = [e for e in evs if e.get("event") in ("task", "task_range")]
    problems = []
    if len(errors) != len(cmds):
        problems.append("%d errors for %d commands" % (len(errors), len(cmds)))
    if queued:
        problems.append("tasks queued: %s" % queued[:3])
    if not any("more than 100000000 items" in e.get("message", "") for e in errors[:1]):
        problems.append("1..100000001 not refused by the map limit: %s" % errors[:1])
    if not any(e.get("command") == "echo" and "more than 10000000 items" in e.get("message", "")
               for e in errors):
        problems.append("echo 1..10000001 not refused by the range limit")
    if p.returncode != 1:
        problems.append("exit status %d" % p.returncode)
    if SANITIZER.search(p.stderr):
        problems.append("sanitizer: " + p.stderr.decode("utf-8", "replace")[:2000])
    return problems, len(cmds), show(p.stdout, 3000)


STUB = r"""
import os, sys, time, signal
mode = sys.argv[1]
for line in sys.stdin:
    if "fuzz-begin" in line:
        print('{"event":"echo","text":"fuzz-begin"}', flush=True)
        break
if mode == "hang":
    time.sleep(3600)
for line in sys.stdin:
    if "fuzz-end" in line:
        break
print('{"event":"task","id":"t1","state":"queued"}')
print('{"event":"task","id":"t1","state":"done"}')
print('{"event":"task","id":"t1","state":"failed"}')
print('{"event":"task","id":"t2","state":"queued"}')
print('{"event":"x","v":NaN}')
print('not json')
fd = os.open("/dev/null", os.O_RDONLY)
if os.fork() == 0:
    os.setpgid(0, 0)
    time.sleep(30)
    os._exit(0)
print('{"event":"echo","text":"fuzz-end"}', flush=True)
sys.stderr.write("x.c:1:2: runtime error: signed integer overflow\n")
sys.stderr.flush()
time.sleep(0.2)
os.kill(os.getpid(), signal.SIGSEGV)
"""


def selftest():
    """The oracle catches what it is meant to: a stub that breaks every
    rule fails every oracle, and a stub that never answers is a hang."""
    argv = [sys.executable, "-c", STUB]
    res, _ = Run(argv + ["bad"], b"echo fuzz-begin\n", [b"echo x"],
                 (b"echo fuzz-end\n", b""), 20).go().check()
    missed = [o for o, _ in ORACLES if o != "hang" and not res[o]]
    res2, _ = Run(argv + ["hang"], b"echo fuzz-begin\n", [b"echo x"],
                  (b"echo fuzz-end\n", b""), 1.5).go().check()
    if not res2["hang"]:
        missed.append("hang")
    return missed, res, res2


def report(ok, name, diag=""):
    """One assertion for tests/fuzz_cmds.sh: PASS/FAIL NAME, then diag."""
    print("%s\t%s" % ("PASS" if ok else "FAIL", name))
    for line in (diag if not ok else "").splitlines():
        print("# " + line)
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float,
                    default=float(os.environ.get("FUZZ_SECONDS", "45")))
    ap.add_argument("--seed", default=os.environ.get("FUZZ_SEED", "1"))
    ap.add_argument("--session", type=int,
                    default=int(os.environ["FUZZ_SESSION"]) if os.environ.get("FUZZ_SESSION") else None)
    ap.add_argument("--session-timeout", type=float,
                    default=float(os.environ.get("FUZZ_SESSION_TIMEOUT", "60")))
    ap.add_argument("--keep", default=os.environ.get("FUZZ_KEEP",
                                                     os.environ.get("TEST_TMPDIR", ".")))
    ap.add_argument("--no-big", action="store_true",
                    help="no 100k lists and 1 MB words")
    opts = ap.parse_args()
    seed = opts.seed
    become_subreaper()
    print("# fuzz_cmds: seed %s, %g s, POOLMON=%s (replay: FUZZ_SEED=%s; one "
          "session: FUZZ_SESSION=K)" % (seed, opts.seconds, POOLMON, seed), flush=True)

    global COMMANDS
    COMMANDS[:] = command_table()
    missing = [c for c in COMMANDS if not hasattr(Session, "g_" + c)]
    if missing:
        report(False, "every command of the table has a generator",
               "no generator for: %s" % " ".join(missing))
        COMMANDS[:] = [c for c in COMMANDS if c not in missing]
    else:
        report(True, "every command of the table (%d) has a generator" % len(COMMANDS))
    tasks = Tasks.load()
    missed, r1, r2 = selftest()
    report(not missed, "oracle self-test: a stub that breaks every rule "
           "fails every oracle", "missed: %s\n%s\n%s" % (missed, r1, r2))

    problems, n, out = probe(opts.keep)
    report(not problems, "edge probe: %d fixed edge commands each refused, "
           "nothing queued" % n, "; ".join(problems) + "\n" + out if problems else "")

    failures = {k: None for k, _ in ORACLES}
    counts = dict(sessions=0, lines=0, commands=0, bytes=0, queued=0,
                  fd_checked=0, quit=0)
    used = set()
    start = time.monotonic()
    k = opts.session if opts.session is not None else 0
    while True:
        if opts.session is None and k > 0 and time.monotonic() - start >= opts.seconds:
            break
        rng = random.Random("%s:%d" % (seed, k))
        big = not opts.no_big and rng.random() < 0.25
        s = Session(rng, tasks, {"big": big})
        if big:  # 100k tasks, each in a fresh worker, take minutes
            s.maxtasks = None
        body = s.script(rng.randint(3, 14))
        argv = [POOLMON, "--batch", "--json", "-w", str(s.workers)]
        if s.maxtasks:
            argv += ["--maxtasks", str(s.maxtasks)]
        prologue = b"load shared\nworkers\nstatus\necho fuzz-begin\n"
        # A recording or a trace holds its file open: closed before the
        # fd check.
        end = b"record off; trace off; echo fuzz-end\n" if s.files_open \
            else b"echo fuzz-end\n"
        epilogue = (end, b"quit\n" if rng.random() < 0.5 else b"")
        run = Run(argv, prologue, body, epilogue, opts.session_timeout).go()
        res, nq = run.check()
        if not s.has_quit and not run.fd_checked and run.rc != "hang" and not res["fds"]:
            res["fds"] = "exited before the end of the script (no quit was generated)"
        counts["sessions"] += 1
        counts["lines"] += len(body)
        counts["commands"] += sum(1 + line.count(b";") for line in body)
        counts["bytes"] += sum(len(line) for line in body)
        counts["queued"] += nq
        counts["fd_checked"] += run.fd_checked
        counts["quit"] += s.has_quit
        used |= s.used
        bad = {o: p for o, p in res.items() if p}
        if bad:
            text = prologue + session_text(argv, body) + epilogue[0] + epilogue[1]
            path = os.path.join(opts.keep, "fuzz-cmds-%s-%d.txt" % (seed, k))
            with open(path, "wb") as f:
                f.write(text)
            for o, p in bad.items():
                if failures[o] is None:
                    failures[o] = (
                        "session %d of seed %s: %s\nreplay: FUZZ_SEED=%s FUZZ_SESSION=%d, "
                        "or: %s < %s\nstdin:\n%s\nstdout (tail):\n%s\nstderr (tail):\n%s" % (
                            k, seed, p, seed, k, " ".join(argv), path, show(text),
                            show(run.out[-3000:], 3000), show(run.err[-3000:], 3000)))
            print("# session %d: FAILED %s (saved to %s)" % (k, ", ".join(bad), path),
                  flush=True)
        if opts.session is not None:
            break
        k += 1
    elapsed = time.monotonic() - start
    print("# fuzz_cmds: seed %s: %d sessions, %d lines, %d commands, %d bytes, "
          "%d tasks queued, %d fd checks, %d ended by quit, in %.1f s" % (
              seed, counts["sessions"], counts["lines"], counts["commands"],
              counts["bytes"], counts["queued"], counts["fd_checked"],
              counts["quit"], elapsed), flush=True)
    for o, name in ORACLES:
        report(not failures[o], "%s (%d sessions)" % (name, counts["sessions"]),
               failures[o] or "")
    if opts.session is None:
        never = [c for c in COMMANDS if c not in used]
        report(not never, "every command was generated (%d)" % len(COMMANDS),
               "never: %s" % " ".join(never))
        report(counts["fd_checked"] > 0, "the fd check ran in %d sessions"
               % counts["fd_checked"], "no session reached its end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
