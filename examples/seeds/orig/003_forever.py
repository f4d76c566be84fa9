# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 2.2 "并行执行两个循环任务" (runs until
# it is killed).
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import time
from multiprocessing import Process
def proc():
    while True:
        print("当前任务被子进行运行...")
        time.sleep(1)
if __name__=='__main__':
    p = Process(target=proc)
    p.start()
    while True:
        print("当前任务被主进程运行...")
        time.sleep(1)
