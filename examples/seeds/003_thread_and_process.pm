# SPDX-License-Identifier: GPL-3.0-or-later
# seed 001 part 2 (添加进程 Process: 线程和进程创建使用对比): the seed's main program.
load python:examples/seeds/003_thread_and_process.py
# t1 = td.Thread(target=job, args=(1,2)); t1.start(); t1.join()
apply 003_thread_and_process.threads
# p1 = mp.Process(target=job, args=(1,2)); p1.start(); p1.join()
spawn 003_thread_and_process.job 1 2
join p1
