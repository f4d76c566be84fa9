# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 003 2.2 "获取进程的pid": proc(), unchanged (re-indented: the seed prints it on long lines).
# Added: parent(), the __main__ block's print of its pid (poolmon's own pid
# is not a word of the command language; the task prints its parent's
# pid, poolmon's, with the seed's text).
import os
from multiprocessing import Process
def proc():
    print(f'子进程运行中,pid={os.getpid()}')
    print('子进行即将退出...')
def parent():
    print(f'父进程pid:{os.getppid()}')
