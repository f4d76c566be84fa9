# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 2.3 (给子进程指定的函数传递参数, terminate), as a poolmon task module.

Changed from the seed: none."""

import os
import time


def proc_1(name, age, **kwargs):
    for i in range(10):
        print(f'子进程运行中:{name},{age},{os.getpid()}')
        print(f'传递的不定长kw参数为:{kwargs}')
        time.sleep(0.5)
