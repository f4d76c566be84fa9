# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 002 §1 (os.fork): the seed's module-level code as main(), a task: it
# forks the worker for real.  Added: the parent waits for its child (the
# seed's parent just exits; poolmon kills a child still running when its
# task returns).  The child ends when main returns in it, as poolmon ends a
# task's forked child, instead of running on into the caller.
import os

def main():
    # 注意,fork函数,只在Unix/Linux/Mac上运行,windows不可以
    pid = os.fork()
    # 子进程永远返回0,而父进程返回子进程的ID。
    if pid == 0:
        print('子进程')
    else:
        print('父进程')
        os.waitpid(pid, 0)
