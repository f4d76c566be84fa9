# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 002 §4: worker(num), unchanged; the __main__ block is the script.
from multiprocessing import Pool
import os
import time


def worker(num):
    # for i in range(3):
    print("----pid=%d  num=%d---" % (os.getpid(), num))
    time.sleep(1)
