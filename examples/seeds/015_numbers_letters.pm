# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 1.4 (进程的创建与使用): the seed's main program.
load python:examples/seeds/015_numbers_letters.py
spawn 015_numbers_letters.print_numbers
spawn 015_numbers_letters.print_letters
join p1 p2
