# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 001 part 4 ("comparison"): serial, two threads, two processes.
# normal() and multithread() are the seed's (the threads run inside one
# worker, under its GIL: no faster than serial).  Changed: job(q) takes
# poolmon's queue by name from the script (and the seed's mp.Queue from
# multithread); multicore() keeps the two q.get() and the print, its two
# processes are spawned by the script (they run in parallel).
import multiprocessing as mp
import threading as td
import time
import poolmon

def job(q):
    if isinstance(q, str):
        q = poolmon.Queue(q)
    res = 0
    for i in range(1000000):
        res += i+i**2+i**3
    q.put(res) # queue

def multicore(q):
    q = poolmon.Queue(q)
    res1 = q.get()
    res2 = q.get()
    print('multicore:' , res1+res2)

def normal():
    res = 0
    for _ in range(2):
        for i in range(1000000):
            res += i+i**2+i**3
    print('normal:', res)

def multithread():
    q = mp.Queue()
    t1 = td.Thread(target=job, args=(q,))
    t2 = td.Thread(target=job, args=(q,))
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    res1 = q.get()
    res2 = q.get()
    print('multithread:', res1+res2)
