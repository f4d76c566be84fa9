# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 7 (进程队列代码示例): the seed's main program.
load python:examples/seeds/022_write_read.py
queue q
spawn 022_write_read.write
spawn 022_write_read.read
join p1
put q None
join p2
echo 主程序即将退出...
