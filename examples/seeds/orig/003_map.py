# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 5.3 "利用map()方法获取返回值".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import time
from random import random
from multiprocessing import Pool
def proc_func(num):
    time.sleep(random())
    return num*num
if __name__ == '__main__':
    pool=Pool(5)
    result=pool.map(proc_func,range(1,11))
    print(result)
