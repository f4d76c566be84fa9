# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 5.3 (利用map()方法获取返回值), as a poolmon task module.

Changed from the seed: none."""

import time
from random import random


def proc_func(num):
    time.sleep(random())
    return num*num
