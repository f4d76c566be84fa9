# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 2.3 (进程间不共享全局变量), as a poolmon task module.

Changed from the seed: none."""

import os
import time

nums = [11, 22]


def work_1():
    print('子进程-1的pid为:%d,初始列表=%s' % (os.getpid(), nums))
    for i in range(1, 4):
        nums.append(i)
        time.sleep(1)
    print('子进程-1的pid为:%d,操作后的列表=%s' % (os.getpid(), nums))


def work_2():
    print('子进程-2的pid为:%d,全局列表=%s' % (os.getpid(), nums))
