# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 6 "哨兵模式".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import time
import queue
from multiprocessing import Process,Queue
# 定义生产者函数
def producer(name,queue):
    for i in range(1,6):
        item=f'产品{i}'
        queue.put(item) # 将项放入队列中
# 定义消费者函数
def consumer(name,queue):
    while True:
        item=queue.get() # 从队列中获取项
        if item is None:
            queue.put(item) # 为了让其他消费者也能停止,重新放入哨兵对象。
            break # 如果为None则停止循环
        print(f'消费者{name}消费了{item}')
        time.sleep(2) # 假设消费需要更多时间
if __name__ == '__main__':
    # 创建队列对象
    q= Queue()
    # 创建和启动生产者进程
    producer_process=Process(target=producer,args=('小明',q))
    producer_process.start()
    # 创建和启动消费者线程
    consumer_process=Process(target=consumer,args=('小红',q))
    consumer_process.start()
    # 等待生产者进行执行完毕
    producer_process.join()
    # 使用主程序往队列中添加哨兵信号:None
    q.put(None)
    # 等待消费者进程完成
    consumer_process.join()
    # 主程序退出
    print('程序结束')
