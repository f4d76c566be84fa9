# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 2.2 "获取进程的pid".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
import os
from multiprocessing import Process
def proc():
    print(f'子进程运行中,pid={os.getpid()}')
    print('子进行即将退出...')
if __name__ == '__main__':
    print(f'父进程pid:{os.getpid()}')
    p=Process(target=proc)
    p.start()
