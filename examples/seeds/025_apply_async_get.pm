# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 5.3 (同步/并发 获取返回值): the seed's main program.
load python:examples/seeds/025_apply_async_get.py
workers 5
submit 025_apply_async_get.proc_func 1
submit 025_apply_async_get.proc_func 2
submit 025_apply_async_get.proc_func 3
submit 025_apply_async_get.proc_func 4
submit 025_apply_async_get.proc_func 5
submit 025_apply_async_get.proc_func 6
submit 025_apply_async_get.proc_func 7
submit 025_apply_async_get.proc_func 8
submit 025_apply_async_get.proc_func 9
submit 025_apply_async_get.proc_func 10
result t1
result t2
result t3
result t4
result t5
result t6
result t7
result t8
result t9
result t10
