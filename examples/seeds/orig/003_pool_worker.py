# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 5.1 "使用Pool创建进程池".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import os
import time
import random
from multiprocessing import Pool
def worker(proc_name,*args,**kwargs):
    p_start=time.time()
    print(f'{proc_name}开始执行,进程号为:{os.getpid()}')
    print('任务接收到的args不定长参数为:',args)
    print('任务接收到的kw不定长参数为:',kwargs)
    # random.random():随机生成0~1之间的浮点数
    time.sleep(random.random()*2)
    p_stop=time.time()
    print(f'{proc_name}执行完毕,子进程耗时为:{p_stop - p_start:.2f}')
if __name__ == '__main__':
    # 主程序启动计时
    main_start=time.time()
    # 定义一个进程池,最大进程数3
    pool=Pool(3)
    for item in range(1,11):
        # apply_async(要调用的目标,(传递给目标的参数,))
        # 每次循环将会用空闲出来的子进程去调用目标
        pool.apply_async(worker,(item,'测试参数-1','测试参数-2'),kwds={'proc_kw':'proc_attr'})
        # 同步执行 执行该方法会导致主进程堵塞
        # pool.apply(worker,(item,))
    # 关闭进程池,关闭后pool不再接收新的请求
    pool.close()
    # 等待pool中所有子进程执行完成,必须放在close语句之后
    pool.join()
    main_stop=time.time()
    print(f'主程序耗时:{main_stop - main_start:.2f}')
