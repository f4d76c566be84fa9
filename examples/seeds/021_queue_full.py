# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 5 (Queue的使用: Queue(3)), as a poolmon task module.

Changed from the seed: the main's code in main(); Queue(3) made by the script."""

import poolmon


def main():
    queue = poolmon.Queue('queue')  # poolmon: was Queue(3)
    queue.put('消息1')
    queue.put('消息2')
    print(queue.full())  # 判断当前队列是否已满:False
    queue.put('消息3')
    print(queue.full())
    # 如果队列已满put_nowait会立即抛出异常,put等待两秒会抛出异常
    # queue.put('消息4',True,2)
    # queue.put_nowait()
    # 推荐的方式,先判断消息队列是否已满,再写入
    if not queue.full():
        queue.put_nowait('消息4')
    # 读取消息时,先判断消息队列是否为空,再读取
    if not queue.empty():
        for i in range(queue.qsize()):
            print(queue.get_nowait())
