# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 2.2 (获取进程的pid): the seed's main program.
load python:examples/seeds/018_pid.py
# print(f'父进程pid:{os.getpid()}'): poolmon's own pid is in `status`
spawn 018_pid.proc
join p1
status
