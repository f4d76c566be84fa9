# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 002 §1 (os.fork): the seed's module-level code as main(), a task: it
# forks the worker for real.  Added: the child flushes and leaves with
# os._exit(0) (returning would run the worker's loop in the child), and the
# parent waits for it (the seed's parent just exits).
import os
import sys

def main():
    # 注意,fork函数,只在Unix/Linux/Mac上运行,windows不可以
    pid = os.fork()
    # 子进程永远返回0,而父进程返回子进程的ID。
    if pid == 0:
        print('子进程')
        sys.stdout.flush()
        os._exit(0)
    else:
        print('父进程')
        os.waitpid(pid, 0)
