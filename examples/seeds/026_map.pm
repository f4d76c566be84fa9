# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 5.3 (利用map()方法获取返回值): the seed's main program.
load python:examples/seeds/026_map.py
workers 5
map 026_map.proc_func 1..10
