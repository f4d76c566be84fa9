# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 001 part 2 (完整的应用代码, if __name__=='__main__'), as a poolmon task module.

Changed from the seed: ASCII quotes."""

def job(a, d):
    print('aaaaa')  # ASCII quotes (the seed's are ‘ ‘)
