# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 2.2 (进程的创建与简单使用): the seed's main program.
load python:examples/seeds/016_work.py
spawn 016_work.work
join p1
