# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 5.2 "进程池中的Queue".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import os
import time
from random import randint
from multiprocessing import Manager,Pool
def reader(queue):
    print(f'读取任务启动,进程的pid为:{os.getpid()}')
    while True:
        message=queue.get()
        if message is not None:
            print(f'读取任务从队列中获取到消息为:{message}')
        else:
            break
def writer(queue):
    print(f'写入任务启动,进程的pid为:{os.getpid()}')
    url_list=['https://www.baidu.com','https://www.goole.com','https://www.facebook.com','https://www.yahoo.com','https://www.linkedin.com','https://www.github.com','https://www.bing.com']
    for item in url_list:
        queue.put(item)
        time.sleep(randint(1,2)) # 模拟IO延迟
    queue.put(None) # 任务退出前传递哨兵信号
if __name__ == '__main__':
    print('主程序启动...')
    # 无法使用进程中的Queue队列
    # q=Queue()
    # 使用Manager中的Queue
    q=Manager().Queue()
    pool=Pool()
    pool.apply_async(writer,(q,))
    pool.apply_async(reader,(q,))
    pool.close()
    pool.join()
    print('主程序即将退出...')
