# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 5.1 (使用Pool创建进程池), as a poolmon task module.

Changed from the seed: none."""

import os
import time
import random


def worker(proc_name, *args, **kwargs):
    p_start = time.time()
    print(f'{proc_name}开始执行,进程号为:{os.getpid()}')
    print('任务接收到的args不定长参数为:', args)
    print('任务接收到的kw不定长参数为:', kwargs)
    # random.random():随机生成0~1之间的浮点数
    time.sleep(random.random()*2)
    p_stop = time.time()
    print(f'{proc_name}执行完毕,子进程耗时为:{p_stop - p_start:.2f}')
