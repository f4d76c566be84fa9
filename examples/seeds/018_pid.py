# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 2.2 (获取进程的pid), as a poolmon task module.

Changed from the seed: the parent's pid line is poolmon's status."""

import os


def proc():
    print(f'子进程运行中,pid={os.getpid()}')
    print('子进行即将退出...')
