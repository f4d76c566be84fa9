# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 5.4 "使用 concurrent 模块创建进程池".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import os
import time
from random import randint
from multiprocessing import Manager
from concurrent.futures import ProcessPoolExecutor
def reader(queue):
    print(f'读取任务启动,进程的pid为:{os.getpid()}')
    while True:
        message=queue.get()
        if message is not None:
            print(f'读取任务从队列中获取到消息为:{message}')
        else:
            print('读取任务结束.')
            break
def writer(queue):
    print(f'写入任务启动,进程的pid为:{os.getpid()}')
    url_list=['https://www.baidu.com','https://www.google.com','https://www.facebook.com','https://www.yahoo.com','https://www.linkedin.com','https://www.github.com','https://www.bing.com']
    for item in url_list:
        queue.put(item)
        time.sleep(randint(1,2)) # 模拟IO延迟
    queue.put(None) # 任务退出前传递哨兵信号
def main():
    print('主程序启动...')
    with Manager() as manager:
        q=manager.Queue()
        with ProcessPoolExecutor() as executor:
            executor.submit(writer,q)
            executor.submit(reader,q)
    print('主程序即将退出...')
if __name__ == '__main__':
    main()
