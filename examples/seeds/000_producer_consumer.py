# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 000 §2.3: producer(q) and consumer(q) as poolmon tasks.
# Changed: q is the name of poolmon's queue (the script makes it); the
# first line of each function looks it up.
import multiprocessing
import poolmon

def producer(q):
    q = poolmon.Queue(q)
    for i in range(5):
        item = f"Item {i}"
        q.put(item)
        print(f"Produced: {item}")

def consumer(q):
    q = poolmon.Queue(q)
    while True:
        item = q.get()
        if item is None:
            break
        print(f"Consumed: {item}")
