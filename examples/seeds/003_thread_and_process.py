# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 001 part 2 (添加进程 Process: 线程和进程创建使用对比), as a poolmon task module.

Changed from the seed: the thread's start/join in a task function (threads()); ASCII quotes."""

import threading as td


def job(a, d):
    print('aaaaa')  # the seed's quotes are typographic (‘aaaaa‘): ASCII here


def threads():
    # poolmon: the seed's thread lines, run inside a task (a thread of a
    # worker's interpreter, for real)
    t1 = td.Thread(target=job, args=(1, 2))
    t1.start()
    t1.join()
