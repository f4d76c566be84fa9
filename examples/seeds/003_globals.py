# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 003 2.3 "进程间不共享全局变量": nums, work_1() and work_2(), unchanged
# (re-indented: the seed prints it on long lines); the __main__ block is the script.  Each process
# imports the module afresh, so work_2 sees [11, 22] as in the seed.
import os
import time
from multiprocessing import Process
nums=[11,22]
def work_1():
    print('子进程-1的pid为:%d,初始列表=%s'%(os.getpid(),nums))
    for i in range(1,4):
        nums.append(i)
        time.sleep(1)
        print('子进程-1的pid为:%d,操作后的列表=%s'%(os.getpid(),nums))
def work_2():
    print('子进程-2的pid为:%d,全局列表=%s'%(os.getpid(),nums))
