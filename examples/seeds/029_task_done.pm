# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 6 (task_done: JoinableQueue): the seed's main program.
load python:examples/seeds/029_task_done.py
queue q joinable=1
spawn 029_task_done.producer 小明
spawn daemon=1 029_task_done.consumer 小红
join p1
apply 029_task_done.join_queue
echo 主程序结束...
