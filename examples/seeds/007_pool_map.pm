# SPDX-License-Identifier: GPL-3.0-or-later
# seed 001 part 5 (pool): the seed's main program.
load python:examples/seeds/007_pool_map.py
workers 2
map 007_pool_map.job 0..9
apply 007_pool_map.job 2
submit 007_pool_map.job 0
submit 007_pool_map.job 1
submit 007_pool_map.job 2
submit 007_pool_map.job 3
submit 007_pool_map.job 4
submit 007_pool_map.job 5
submit 007_pool_map.job 6
submit 007_pool_map.job 7
submit 007_pool_map.job 8
submit 007_pool_map.job 9
result t12..t21
