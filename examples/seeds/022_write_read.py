# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 7 (进程队列代码示例), as a poolmon task module.

Changed from the seed: the queue by name."""

import time, random

import poolmon


# 写数据进程执行的代码:
def write():
    queue = poolmon.Queue('q')  # poolmon: was the argument queue
    for item in ['A', 'B', 'C']:
        print(f'向队列上传的值为:{item}')
        queue.put(item)
        time.sleep(random.random())


# 读数据进程执行的代码
def read():
    queue = poolmon.Queue('q')  # poolmon: was the argument queue
    while True:
        item = queue.get()
        if item is not None:
            print(f'向队列获取的值为:{item}')
            time.sleep(random.random())
        else:
            break
