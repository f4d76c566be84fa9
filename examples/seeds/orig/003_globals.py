# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 2.3 "进程间不共享全局变量".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
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
if __name__ == '__main__':
    p1=Process(target=work_1)
    p1.start()
    p1.join()
    p2=Process(target=work_2)
    p2.start()
