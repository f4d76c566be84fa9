# SPDX-License-Identifier: GPL-3.0-or-later
# seed 004 §3 (进程池的使用: terminate): the seed's main program.
load python:examples/seeds/030_pool_terminate.py
workers 2
submit 030_pool_terminate.func 0
submit 030_pool_terminate.func 1
submit 030_pool_terminate.func 2
submit 030_pool_terminate.func 3
submit 030_pool_terminate.func 4
submit 030_pool_terminate.func 5
submit 030_pool_terminate.func 6
submit 030_pool_terminate.func 7
submit 030_pool_terminate.func 8
submit 030_pool_terminate.func 9
close
sleep 2
terminate pool
join
echo ending
