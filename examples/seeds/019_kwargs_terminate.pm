# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 2.3 (给子进程指定的函数传递参数, terminate): the seed's main program.
load python:examples/seeds/019_kwargs_terminate.py
spawn 019_kwargs_terminate.proc_1 admin 22 address=克州
sleep 1
terminate p1
join p1
# print(p.is_alive()): alive false
show p1
