# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 002 §4 (使用进程池Pool创建), as a poolmon task module.

Changed from the seed: none."""

import os
import time


def worker(num):
    # for i in range(3):
    print("----pid=%d  num=%d---" % (os.getpid(), num))
    time.sleep(1)
