# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 003 1.4 (进程的创建与使用), as a poolmon task module.

Changed from the seed: none (the seed's lines, flattened in the text, indented again)."""

def print_numbers():
    for i in range(5):
        print(i)


def print_letters():
    for letter in 'abcde':
        print(letter)
