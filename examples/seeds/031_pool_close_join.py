# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 004 §4 (修改程序,使程序能够执行全部的任务), as a poolmon task module.

Changed from the seed: none."""

import time


def func(args):
    time.sleep(1)  # 休眠1s
    print("%s------>%s" % (args, time.ctime()))  # 打印传递的参数及时间
