# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 000 §2.1: worker() as a poolmon task (000_worker.poolmon spawns it).
# Unchanged from the seed but for this header; the __main__ block is the
# script.
import multiprocessing

def worker():
    print("Worker process")
