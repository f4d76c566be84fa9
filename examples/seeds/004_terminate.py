# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 004: func(args), unchanged; the __main__ block is the script.
from multiprocessing import Pool
import time

def func(args):
    time.sleep(1)   #程序休眠1s
    print("%s------>%s"%(args,time.ctime()))    #打印参数及时间
