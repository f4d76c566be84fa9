# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 001 part 3 ("queue"): job(q).  Changed: q is the name of poolmon's
# queue, looked up on the first line.
import multiprocessing as mp
import poolmon

def job(q):
    q = poolmon.Queue(q)
    res = 0
    for i in range(1000):
        res += i+i**2+i**3
    q.put(res) # queue

def add(q):
    # Added: print(res1+res2) of the seed's __main__ (the command language
    # has no arithmetic): the two q.get() and the print.
    q = poolmon.Queue(q)
    res1 = q.get()
    res2 = q.get()
    print(res1+res2)
