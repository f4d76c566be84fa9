# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 2.2 (进程的创建与简单使用), as a poolmon task module.

Changed from the seed: none."""

def work():
    print('子进程任务启动...')
