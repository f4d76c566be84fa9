# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 2.3 (进程间不共享全局变量): the seed's main program.
load python:examples/seeds/020_globals.py
spawn 020_globals.work_1
join p1
spawn 020_globals.work_2
join p2
