# SPDX-License-Identifier: GPL-3.0-or-later
# seed 001 part 3 (queue): the seed's main program.
load python:examples/seeds/005_queue_job.py
queue q
spawn 005_queue_job.job
spawn 005_queue_job.job
join p1 p2
apply 005_queue_job.main_after_join
