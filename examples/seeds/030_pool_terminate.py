# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 004 §3 (进程池的使用: terminate), as a poolmon task module.

Changed from the seed: none."""

import time


def func(args):
    time.sleep(1)  # 程序休眠1s
    print("%s------>%s" % (args, time.ctime()))  # 打印参数及时间
