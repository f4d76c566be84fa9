# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 003 2.2: work(), unchanged (re-indented: the seed prints it on long lines); the __main__ block is
# the script.
from multiprocessing import Process
def work():
    print('子进程任务启动...')
