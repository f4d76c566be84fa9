# SPDX-License-Identifier: GPL-3.0-or-later
# seed 001 part 4 (comparison: normal / multithread / multicore): the seed's main program.
load python:examples/seeds/006_comparison.py
queue q
apply 006_comparison.timed normal
apply 006_comparison.timed multithread
# multicore(): two processes, then the gets (the timeline shows the overlap)
spawn 006_comparison.job
spawn 006_comparison.job
join p1 p2
apply 006_comparison.multicore_after_join
