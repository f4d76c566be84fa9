# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 2.2 (并行执行两个循环任务): the seed's main program.
load python:examples/seeds/017_two_loops.py
spawn 017_two_loops.proc
spawn 017_two_loops.main_loop
# both loop for ever: stop them after 3 s (Ctrl-C in the seed)
sleep 3
terminate p1
terminate p2
join p1 p2
