# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 002 §2: test(name, age), unchanged; the __main__ block is the script.
from multiprocessing import Process
import time

def test(name, age):
    for i in range(5):
        print("--test--%s\t%d" % (name, age))
        time.sleep(1)
    print("子进程结束")
