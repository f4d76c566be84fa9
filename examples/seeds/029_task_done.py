# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 6 (task_done: JoinableQueue), as a poolmon task module.

Changed from the seed: the queue by name; the main's q.join() in join_queue()."""

import time

import poolmon


# 定义生产者函数
def producer(name):
    queue = poolmon.JoinableQueue('q')  # poolmon: was the argument queue
    for i in range(1, 6):
        item = f'产品{i}'
        queue.put(item)  # 将项放入队列中
        print(f'生产者{name}生产了{item}')
        time.sleep(1)  # 假设生产需要一些时间


# 定义消费者函数
def consumer(name):
    queue = poolmon.JoinableQueue('q')  # poolmon: was the argument queue
    while True:
        item = queue.get()  # 从队列中获取项
        print(f'消费者{name}消费了{item}')
        time.sleep(2)  # 假设消费需要更多时间
        queue.task_done()  # 指示队列中的任务已经处理完成


def join_queue():
    # poolmon: q.join() of the main (poolmon's join waits for tasks)
    poolmon.JoinableQueue('q').join()
