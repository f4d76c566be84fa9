# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 003 6 "task_done": producer(name, queue) and consumer(name, queue)
# (re-indented: the seed prints it on long lines).  Changed: queue is the name of poolmon's joinable
# queue, looked up on the first line.  Added: join_queue(queue), the main
# program's q.join() (poolmon's join command waits for tasks and processes,
# not queues).
import time
import poolmon
# 定义生产者函数
def producer(name,queue):
    queue = poolmon.JoinableQueue(queue)
    for i in range(1,6):
        item=f'产品{i}'
        queue.put(item) # 将项放入队列中
        print(f'生产者{name}生产了{item}')
        time.sleep(1) # 假设生产需要一些时间
# 定义消费者函数
def consumer(name,queue):
    queue = poolmon.JoinableQueue(queue)
    while True:
        item = queue.get() # 从队列中获取项
        print(f'消费者{name}消费了{item}')
        time.sleep(2) # 假设消费需要更多时间
        queue.task_done() # 指示队列中的任务已经处理完成
def join_queue(queue):
    poolmon.JoinableQueue(queue).join()
