# SPDX-License-Identifier: GPL-3.0-or-later
# seed 004 §4 (修改程序,使程序能够执行全部的任务): the seed's main program.
load python:examples/seeds/031_pool_close_join.py
workers 2
submit 031_pool_close_join.func 0
submit 031_pool_close_join.func 1
submit 031_pool_close_join.func 2
submit 031_pool_close_join.func 3
submit 031_pool_close_join.func 4
submit 031_pool_close_join.func 5
submit 031_pool_close_join.func 6
submit 031_pool_close_join.func 7
submit 031_pool_close_join.func 8
submit 031_pool_close_join.func 9
close
join
echo ending
