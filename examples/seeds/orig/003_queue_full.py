# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) "5.Queue的使用".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
from multiprocessing import Queue
queue=Queue(3) # 初始化一个Queue对象,最多可接收三条put消息
queue.put('消息1')
queue.put('消息2')
print(queue.full()) # 判断当前队列是否已满:False
queue.put('消息3')
print(queue.full())
# 如果队列已满put_nowait会立即抛出异常,put等待两秒会抛出异常
# queue.put('消息4',True,2)
# queue.put_nowait()
# 推荐的方式,先判断消息队列是否已满,再写入
if not queue.full():
    queue.put_nowait('消息4')
# 读取消息时,先判断消息队列是否为空,再读取
if not queue.empty():
    for i in range(queue.qsize()):
        print(queue.get_nowait())
