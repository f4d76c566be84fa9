# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 2.2 (并行执行两个循环任务), as a poolmon task module.

Changed from the seed: the main's loop as main_loop(); both terminated after 3 s."""

import time


def proc():
    while True:
        print("当前任务被子进行运行...")
        time.sleep(1)


def main_loop():
    # poolmon: the main's endless loop, in a process beside it
    while True:
        print("当前任务被主进程运行...")
        time.sleep(1)
