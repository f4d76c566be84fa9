#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Python's side of bench_queue: multiprocessing.Queue (fork context), the
parent puts N integers, a child process gets them.  Prints
"queue_rate N items/s" like bench_queue.c.

    python3 bench/bench_queue.py [N]      # default 200000"""
import multiprocessing as mp
import sys
import time


def consume(q, n):
    total = 0
    for _ in range(n):
        total += q.get()
    if total != n * (n - 1) // 2:
        sys.exit(3)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    t0 = time.perf_counter()
    p = ctx.Process(target=consume, args=(q, n))
    p.start()
    for i in range(n):
        q.put(i)
    p.join()
    dt = time.perf_counter() - t0
    if p.exitcode != 0:
        sys.exit("bench_queue.py: consumer failed")
    print(f"queue_rate {n / dt:.0f} items/s")


if __name__ == "__main__":
    main()
