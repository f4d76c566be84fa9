# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 001 part 7 (lock), as a poolmon task module.

Changed from the seed: v and l by name."""

import time

import poolmon


def job(num):
    v = poolmon.Value('v')  # poolmon: was the argument v
    l = poolmon.Lock('l')   # poolmon: was the argument l
    l.acquire()
    for _ in range(10):
        time.sleep(0.1)
        v.value += num
        print(v.value)
    l.release()
