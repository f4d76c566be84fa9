# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 6 "task_done".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import time
from multiprocessing import Process,JoinableQueue as Queue
# 定义生产者函数
def producer(name,queue):
    for i in range(1,6):
        item=f'产品{i}'
        queue.put(item) # 将项放入队列中
        print(f'生产者{name}生产了{item}')
        time.sleep(1) # 假设生产需要一些时间
# 定义消费者函数
def consumer(name,queue):
    while True:
        item = queue.get() # 从队列中获取项
        print(f'消费者{name}消费了{item}')
        time.sleep(2) # 假设消费需要更多时间
        queue.task_done() # 指示队列中的任务已经处理完成
if __name__ == '__main__':
    q= Queue()
    # 创建和启动生产者进程
    producer_process = Process(target=producer, args=('小明', q))
    producer_process.start()
    # 创建和启动消费者线程
    consumer_process = Process(target=consumer, args=('小红', q))
    # 将消费者设置为守护进程后启动
    consumer_process.daemon=True
    consumer_process.start()
    # 等待生产者任务完成
    producer_process.join()
    # 等待队列任务完成,如果队列完成则允许主程序退出
    q.join()
    print('主程序结束...')
