# SPDX-License-Identifier: GPL-3.0-or-later
# seed 002 §2 (使用Process类创建): the seed's main program.
load python:examples/seeds/011_process_args.py
spawn 011_process_args.test aaa 18
join p1
echo "主进程结束"
