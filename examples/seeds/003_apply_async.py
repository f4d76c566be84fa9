# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 003 5.3 "同步/并发 获取返回值": proc_func(num), unchanged (re-indented: the seed prints it on long lines);
# the __main__ block is the script.
import time
from random import random
from multiprocessing import Pool
# 返回值从进程池获取,父子进程没有返回值
def proc_func(num):
    # 模拟随机延迟
    time.sleep(random())
    # 任务函数使用return将计算结果返回
    return num * num
