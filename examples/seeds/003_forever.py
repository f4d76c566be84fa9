# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 003 2.2 "并行执行两个循环任务": proc(), unchanged (re-indented: the seed prints it on long lines)
# (it loops for ever); the __main__ block is the script.
import time
from multiprocessing import Process
def proc():
    while True:
        print("当前任务被子进行运行...")
        time.sleep(1)
