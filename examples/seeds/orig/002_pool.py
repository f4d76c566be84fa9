# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 002 (002_ff6b01755155d8c7.txt) §4 "使用进程池Pool创建", verbatim below.
from multiprocessing import Pool
import os
import time


def worker(num):
    # for i in range(3):
    print("----pid=%d  num=%d---" % (os.getpid(), num))
    time.sleep(1)

if __name__ == '__main__':
    # 定义一个进程池,最大进程数3
    pool = Pool(3)
    for i in range(10):
        print("---%d--" % i)
        # 使用非阻塞方式调用func(并行执行),一般用这个。
        # apply堵塞方式必须等待上一个进程退出才能执行下一个进程,用的不多。
        pool.apply_async(worker, (i,))
    # 关闭进程池
    pool.close()
    # 等待所有子进程结束,主进程一般用来等待
    pool.join()  # 进程池后面无操作时必须有这句
