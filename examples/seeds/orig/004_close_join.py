# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 004 (004_889f2079cbd92311.txt) §4 "修改程序,使程序能够执行全部的任务",
# verbatim below.
from multiprocessing import Pool
import time

def func(args):
    time.sleep(1)   #休眠1s
    print("%s------>%s"%(args,time.ctime()))    #打印传递的参数及时间 

if __name__=="__main__":
    p1=Pool(2)  #定义2个进程池
    for i in range(10): #定义循环10次
        p1.apply_async(func=func,args=(i,)) #异步执行任务

    p1.close()      #等待所有的任务都完成才关闭进程池
    p1.join()
    print("ending")
