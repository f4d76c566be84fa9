# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 5.2 (进程池中的Queue: Manager().Queue()): the seed's main program.
load python:examples/seeds/024_pool_queue.py
echo 主程序启动...
queue q
submit 024_pool_queue.writer
submit 024_pool_queue.reader
close
join
echo 主程序即将退出...
