# SPDX-License-Identifier: GPL-3.0-or-later
# seed 002 §1 (使用os.fork()创建): the seed's main program.
load python:examples/seeds/010_fork.py
spawn 010_fork.main
join p1
