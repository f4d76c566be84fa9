# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 5.3 (同步/并发 获取返回值), as a poolmon task module.

Changed from the seed: none."""

import time
from random import random


def proc_func(num):
    # 模拟随机延迟
    time.sleep(random())
    # 任务函数使用return将计算结果返回
    return num * num
