# SPDX-License-Identifier: GPL-3.0-or-later
# seed 002 §2 (把join()方法注释掉的结果): the seed's main program.
load python:examples/seeds/012_process_no_join.py
spawn 012_process_no_join.test aaa 18
# p.join() commented out: the main's line comes first
echo "主进程结束"
join p1
