# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 6 (哨兵模式): the seed's main program.
load python:examples/seeds/028_sentinel.py
queue q
spawn 028_sentinel.producer 小明
spawn 028_sentinel.consumer 小红
join p1
put q None
join p2
echo 程序结束
