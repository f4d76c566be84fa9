# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 001 part 2 ("完整的线程和进程创建使用对比代码"): job(a, d) run by a thread
# and by a process.  job is the seed's (straight quotes for its curly ones);
# the seed's module-level code is main(), a task: it starts the thread in
# the worker, and the process is poolmon's (the script spawns it).
import multiprocessing as mp
import threading as td

def job(a,d):
    print('aaaaa')

def main():
    t1 = td.Thread(target=job,args=(1,2))
    t1.start()
    t1.join()
