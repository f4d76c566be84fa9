# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 001 part 2 ("完整的应用代码"): job(a, d), the seed's but for its curly
# quotes; the __main__ block is the script.
import multiprocessing as mp

def job(a,d):
    print('aaaaa')
