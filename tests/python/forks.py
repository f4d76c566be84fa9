# SPDX-License-Identifier: GPL-3.0-or-later
# tests/python_fork.sh: Python tasks that fork, as seed 002's os.fork does.
# Each child writes its pid to the file named, one a line.
import os
import signal
import time


def _note(path):
    with open(path, "a") as f:
        f.write("%d\n" % os.getpid())


def child_returns(path, fail=False):
    """fork; the child returns (or raises); the parent waits: its status"""
    pid = os.fork()
    if pid == 0:
        _note(path)
        print("child", flush=False)
        if fail:
            raise ValueError("raised in the child")
        return "child"
    _, st = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(st)


def child_sleeps(path):
    """fork a child that sleeps for ever; sleep for ever"""
    if os.fork() == 0:
        _note(path)
    signal.alarm(3600)
    while True:
        time.sleep(1)


def leave(count, path):
    """fork count children that sleep; return once each noted its pid"""
    for _ in range(count):
        r, w = os.pipe()
        if os.fork() == 0:
            _note(path)
            os.close(w)
            signal.alarm(3600)
            while True:
                time.sleep(1)
        os.close(w)
        os.read(r, 1)
        os.close(r)
    return count
