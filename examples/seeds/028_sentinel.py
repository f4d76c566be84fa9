# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 6 (哨兵模式), as a poolmon task module.

Changed from the seed: the queue by name."""

import time

import poolmon


# 定义生产者函数
def producer(name):
    queue = poolmon.Queue('q')  # poolmon: was the argument queue
    for i in range(1, 6):
        item = f'产品{i}'
        queue.put(item)  # 将项放入队列中


# 定义消费者函数
def consumer(name):
    queue = poolmon.Queue('q')  # poolmon: was the argument queue
    while True:
        item = queue.get()  # 从队列中获取项
        if item is None:
            queue.put(item)  # 为了让其他消费者也能停止,重新放入哨兵对象。
            break  # 如果为None则停止循环
        print(f'消费者{name}消费了{item}')
        time.sleep(2)  # 假设消费需要更多时间
