# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 5 (Queue的使用: Queue(3)): the seed's main program.
load python:examples/seeds/021_queue_full.py
queue queue 3
apply 021_queue_full.main
