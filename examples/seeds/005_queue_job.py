# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 001 part 3 (queue), as a poolmon task module.

Changed from the seed: q by name; the main's gets and print in main_after_join()."""

import poolmon


def job():
    q = poolmon.Queue('q')  # poolmon: was the argument q
    res = 0
    for i in range(1000):
        res += i+i**2+i**3
    q.put(res)  # queue


def main_after_join():
    # poolmon: the seed's main after p1.join(); p2.join()
    q = poolmon.Queue('q')
    res1 = q.get()
    res2 = q.get()
    print(res1+res2)
