# SPDX-License-Identifier: GPL-3.0-or-later
# seed 000 §2.3 (进程间通信: Queue): the seed's main program.
load python:examples/seeds/002_producer_consumer.py
queue q
spawn 002_producer_consumer.producer
spawn 002_producer_consumer.consumer
join p1
# The seed never puts the None its consumer waits for (its text is cut off
# there, and p2.join() would wait for ever): put it after p1 ends.
put q None
join p2
