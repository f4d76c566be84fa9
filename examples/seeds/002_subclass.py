# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 002 §3: the Process subclass MyProcess, unchanged (its comment lines
# but the advertisement kept).  Added: run(), a task that runs one
# MyProcess's run() in the process poolmon spawns (poolmon runs functions,
# not Process objects: MyProcess is made but never started).  Its "父进程"
# is poolmon's pid.
from multiprocessing import Process
import time
import os


class MyProcess(Process):

    def __init__(self):
        # 如果子类要重写__init__是必须要先调用父类的__init__否则会报错
        # Process.__init__(self)
        super(MyProcess,self).__init__()
    # 重写Porcess的run()方法
    def run(self):
        print("子进程(%s)开始执行,父进程(%s)" % (os.getpid(), os.getppid()))
        for i in range(5):
            print("--1--")
            time.sleep(1)


def run():
    MyProcess().run()
