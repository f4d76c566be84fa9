# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 003 "7.进程队列代码示例": write(queue) and read(queue) (re-indented: the seed prints it on long lines).
# Changed: queue is the name of poolmon's queue, looked up on the first
# line.
import time,random
from multiprocessing import Process,Queue
import poolmon
# 写数据进程执行的代码:
def write(queue):
    queue = poolmon.Queue(queue)
    for item in ['A','B','C']:
        print(f'向队列上传的值为:{item}')
        queue.put(item)
        time.sleep(random.random())
# 读数据进程执行的代码
def read(queue):
    queue = poolmon.Queue(queue)
    while True:
        item=queue.get()
        if item is not None:
            print(f'向队列获取的值为:{item}')
            time.sleep(random.random())
        else:
            break
