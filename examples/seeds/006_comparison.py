# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 001 part 4 (comparison: normal / multithread / multicore), as a poolmon task module.

Changed from the seed: q by name; multicore()'s processes are spawns; timing in timed(what)."""

import threading as td
import time

import poolmon


def job():
    q = poolmon.Queue('q')  # poolmon: was the argument q
    res = 0
    for i in range(1000000):
        res += i+i**2+i**3
    q.put(res)  # queue


def normal():
    res = 0
    for _ in range(2):
        for i in range(1000000):
            res += i+i**2+i**3
    print('normal:', res)


def multithread():
    q = poolmon.Queue('q')  # poolmon: was mp.Queue()
    t1 = td.Thread(target=job)
    t2 = td.Thread(target=job)
    t1.start()
    t2.start()
    t1.join()
    t2.join()
    res1 = q.get()
    res2 = q.get()
    print('multithread:', res1+res2)


def multicore_after_join():
    # poolmon: multicore()'s end; its two processes are the script's spawns
    q = poolmon.Queue('q')
    res1 = q.get()
    res2 = q.get()
    print('multicore:', res1+res2)


def timed(what):
    # poolmon: the seed's st/st1/st2 timing around one of them
    st = time.time()
    globals()[what]()
    print(what + ' time:', time.time() - st)
