# SPDX-License-Identifier: GPL-3.0-or-later
# seed 001 part 2 (完整的应用代码, if __name__=='__main__'): the seed's main program.
load python:examples/seeds/004_process_job.py
spawn 004_process_job.job 1 2
join p1
