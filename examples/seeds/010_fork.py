# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 002 §1 (使用os.fork()创建), as a poolmon task module.

Changed from the seed: the code in main(); the child _exit()s, the parent reaps it."""

import os


def main():
    # poolmon: the seed's module-level code, in a task
    # 注意,fork函数,只在Unix/Linux/Mac上运行,windows不可以
    pid = os.fork()
    # 子进程永远返回0,而父进程返回子进程的ID。
    if pid == 0:
        print('子进程')
    else:
        print('父进程')
    if pid == 0:
        os._exit(0)  # poolmon: the child ends here, as the seed's script did
    os.waitpid(pid, 0)  # poolmon: reaped by the task that forked it
