# SPDX-License-Identifier: GPL-3.0-or-later
# seed 001 part 7 (lock): the seed's main program.
load python:examples/seeds/009_lock.py
value v i 0
lock l
spawn 009_lock.job 1
spawn 009_lock.job 3
join p1 p2
show v
