# SPDX-License-Identifier: GPL-3.0-or-later
# seed 002 §3 (使用Process子类创建): the seed's main program.
load python:examples/seeds/013_process_subclass.py
spawn 013_process_subclass.run
spawn 013_process_subclass.main_loop
join p1 p2
