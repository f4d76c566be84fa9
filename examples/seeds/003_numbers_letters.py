# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 003 1.4: print_numbers() and print_letters(), unchanged (re-indented: the seed prints it on long lines);
# the seed's module-level code is the script.
from multiprocessing import Process
def print_numbers():
    for i in range(5):
        print(i)
def print_letters():
    for letter in 'abcde':
        print(letter)
