# SPDX-License-Identifier: GPL-3.0-or-later
# seed 002 §4 (使用进程池Pool创建): the seed's main program.
load python:examples/seeds/014_pool_worker.py
workers 3
echo "---0--"
submit 014_pool_worker.worker 0
echo "---1--"
submit 014_pool_worker.worker 1
echo "---2--"
submit 014_pool_worker.worker 2
echo "---3--"
submit 014_pool_worker.worker 3
echo "---4--"
submit 014_pool_worker.worker 4
echo "---5--"
submit 014_pool_worker.worker 5
echo "---6--"
submit 014_pool_worker.worker 6
echo "---7--"
submit 014_pool_worker.worker 7
echo "---8--"
submit 014_pool_worker.worker 8
echo "---9--"
submit 014_pool_worker.worker 9
close
join
