# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 5.2 (进程池中的Queue: Manager().Queue()), as a poolmon task module.

Changed from the seed: the queue by name (no Manager() needed: poolmon's queue is shared memory)."""

import os
import time
from random import randint

import poolmon


def reader():
    queue = poolmon.Queue('q')  # poolmon: was the argument queue
    print(f'读取任务启动,进程的pid为:{os.getpid()}')
    while True:
        message = queue.get()
        if message is not None:
            print(f'读取任务从队列中获取到消息为:{message}')
        else:
            break


def writer():
    queue = poolmon.Queue('q')  # poolmon: was the argument queue
    print(f'写入任务启动,进程的pid为:{os.getpid()}')
    url_list = ['https://www.baidu.com', 'https://www.goole.com',
                'https://www.facebook.com', 'https://www.yahoo.com',
                'https://www.linkedin.com', 'https://www.github.com',
                'https://www.bing.com']
    for item in url_list:
        queue.put(item)
        time.sleep(randint(1, 2))  # 模拟IO延迟
    queue.put(None)  # 任务退出前传递哨兵信号
