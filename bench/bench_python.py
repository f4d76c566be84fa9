#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Python's side of bench/run: the same work with multiprocessing (fork
context).  Prints "name value unit" lines like bench_engine."""
import multiprocessing as mp
import sys
import time


def square(x):
    return x * x


def job(n):
    res = 0
    for i in range(n):
        res += i + i**2 + i**3
    return res


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        pool.map(square, range(100))  # warm up
        if only in ("", "apply_async"):
            n = int(sys.argv[2]) if len(sys.argv) > 2 else 50000
            t0 = time.perf_counter()
            rs = [pool.apply_async(square, (i,)) for i in range(n)]
            for r in rs:
                r.get()
            dt = time.perf_counter() - t0
            print(f"apply_async_rate {n / dt:.0f} tasks/s", flush=True)
        if only in ("", "map"):
            t0 = time.perf_counter()
            pool.map(square, range(1000000))
            print(f"map_1m_seconds {time.perf_counter() - t0:.4f} s", flush=True)
        if only in ("", "apply"):
            n = 5000
            t0 = time.perf_counter()
            for i in range(n):
                pool.apply(square, (i,))
            dt = time.perf_counter() - t0
            print(f"apply_sync_us {dt / n * 1e6:.2f} us", flush=True)
        if only in ("", "job"):
            t0 = time.perf_counter()
            job(1000000)
            job(1000000)
            serial = time.perf_counter() - t0
            t0 = time.perf_counter()
            rs = [pool.apply_async(job, (1000000,)) for _ in range(2)]
            for r in rs:
                r.get()
            par = time.perf_counter() - t0
            print(f"job_serial_s {serial:.4f} s", flush=True)
            print(f"job_parallel_s {par:.4f} s", flush=True)
            pids = [p.pid for p in pool._pool]
            print(f"worker_rss_kb {rss_kb(pids[0])} kB", flush=True)
    if only in ("", "start64"):
        t0 = time.perf_counter()
        with ctx.Pool(64) as p64:
            p64.apply(square, (3,))
            print(f"start64_ms {(time.perf_counter() - t0) * 1e3:.3f} ms", flush=True)


if __name__ == "__main__":
    main()
