# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 001 part 7 ("lock"): job(v, num, l).  Changed: v and l are the names
# of poolmon's value and lock, looked up on the first line; multicore() is
# the script.
import multiprocessing as mp
import time
import poolmon

def job(v, num, l):
    v, l = poolmon.Value(v), poolmon.Lock(l)
    l.acquire()
    for _ in range(10):
        time.sleep(0.1)
        v.value += num
        print(v.value)
    l.release()
