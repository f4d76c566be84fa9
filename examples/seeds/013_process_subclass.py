# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 002 §3 (使用Process子类创建), as a poolmon task module.

Changed from the seed: MyProcess.run() as run(); the main's loop as main_loop()."""

import os
import time


def run():
    # poolmon: MyProcess.run(); a task is a function, not a Process subclass
    print("子进程(%s)开始执行,父进程(%s)" % (os.getpid(), os.getppid()))
    for i in range(5):
        print("--1--")
        time.sleep(1)


def main_loop():
    # poolmon: the main's loop, in a task beside it
    print("main")
    for i in range(5):
        print("--main--")
        time.sleep(1)
