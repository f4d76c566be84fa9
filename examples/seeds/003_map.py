# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 003 5.3 "利用map()方法获取返回值": proc_func(num), unchanged (re-indented: the seed prints it on long lines);
# the __main__ block is the script.
import time
from random import random
from multiprocessing import Pool
def proc_func(num):
    time.sleep(random())
    return num*num
