# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 002 (002_ff6b01755155d8c7.txt) §3 "使用Process子类创建", verbatim below.
from multiprocessing import Process
import time
import os


class MyProcess(Process):

    def __init__(self):
        # 如果子类要重写__init__是必须要先调用父类的__init__否则会报错
        # Process.__init__(self)  
        super(MyProcess,self).__init__()
     # 学习中遇到问题没人解答?小编创建了一个Python学习交流群:711312441
    # 重写Porcess的run()方法
    def run(self):
        print("子进程(%s)开始执行,父进程(%s)" % (os.getpid(), os.getppid()))
        for i in range(5):
            print("--1--")
            time.sleep(1)


if __name__ == '__main__':
    t_start = time.time()
    p = MyProcess()
    p.start()
    # p.join()
    print("main")
    for i in range(5):
        print("--main--")
        time.sleep(1)
