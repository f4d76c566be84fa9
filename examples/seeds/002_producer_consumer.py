# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 000 §2.3 (进程间通信: Queue), as a poolmon task module.

Changed from the seed: q by name; the None sentinel put by the script after the producer ends."""

import poolmon


def producer():
    q = poolmon.Queue('q')  # poolmon: was the argument q
    for i in range(5):
        item = f"Item {i}"
        q.put(item)
        print(f"Produced: {item}")


def consumer():
    q = poolmon.Queue('q')  # poolmon: was the argument q
    while True:
        item = q.get()
        if item is None:
            break
        print(f"Consumed: {item}")
