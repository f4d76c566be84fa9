# SPDX-License-Identifier: GPL-3.0-or-later
# seed 000 §2.1 (使用multiprocessing模块创建进程): the seed's main program.
load python:examples/seeds/001_worker.py
spawn 001_worker.worker
join p1
