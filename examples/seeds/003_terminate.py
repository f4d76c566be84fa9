# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 003 2.3 "给子进程指定的函数传递参数": proc_1(name, age, **kwargs),
# unchanged (re-indented: the seed prints it on long lines); the __main__ block is the script.
import os
import time
from multiprocessing import Process
def proc_1(name,age,**kwargs):
    for i in range(10):
        print(f'子进程运行中:{name},{age},{os.getpid()}')
        print(f'传递的不定长kw参数为:{kwargs}')
        time.sleep(0.5)
