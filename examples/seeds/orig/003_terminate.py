# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 2.3 "给子进程指定的函数传递参数".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import os
import time
from multiprocessing import Process
def proc_1(name,age,**kwargs):
    for i in range(10):
        print(f'子进程运行中:{name},{age},{os.getpid()}')
        print(f'传递的不定长kw参数为:{kwargs}')
        time.sleep(0.5)
if __name__ == '__main__':
    p=Process(target=proc_1,args=('admin',22),kwargs={'address':'克州'})
    p.start()
    time.sleep(1) # 主程序休眠一秒
    p.terminate() # 不管任务是否完成都立即终止子进程
    # 使用join方法确保了子进程已经被操作系统清理,如果没有调用join方法则子进程会成为僵尸进程
    p.join()
    print(p.is_alive()) # 判断子进程对象是否存活
