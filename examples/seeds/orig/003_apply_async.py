# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 5.3 "同步/并发 获取返回值" (the
# seed's trailing second "if __name__ == '__main__': pool = Pool(5)" kept).
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import time
from random import random
from multiprocessing import Pool
# 返回值从进程池获取,父子进程没有返回值
def proc_func(num):
    # 模拟随机延迟
    time.sleep(random())
    # 任务函数使用return将计算结果返回
    return num * num
if __name__ == '__main__':
    pool = Pool(5)
    # 存放future对象
    result_list = list()
    for item in range(1, 11):
        result = pool.apply_async(proc_func, args=(item,))
        # 将future对象添加到列表中
        result_list.append(result)
    for item in result_list:
        # 使用进程池结果对象中的get方法获取结果
        print(item.get())
if __name__ == '__main__':
    pool = Pool(5)
