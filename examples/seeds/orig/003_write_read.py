# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) "7.进程队列代码示例".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import time,random
from multiprocessing import Process,Queue
# 写数据进程执行的代码:
def write(queue):
    for item in ['A','B','C']:
        print(f'向队列上传的值为:{item}')
        queue.put(item)
        time.sleep(random.random())
# 读数据进程执行的代码
def read(queue):
    while True:
        item=queue.get()
        if item is not None:
            print(f'向队列获取的值为:{item}')
            time.sleep(random.random())
        else:
            break
if __name__ == '__main__':
    q=Queue()
    p1=Process(target=write,args=(q,)) # 写入
    p2=Process(target=read,args=(q,)) # 读取
    p1.start()
    p2.start()
    # 等待写入任务完成后主进程继续向下执行
    p1.join()
    # 使用主进程向队列传递哨兵
    q.put(None)
    # 等待读取任务完成后主进程继续向下执行
    p2.join()
    print('主程序即将退出...')
