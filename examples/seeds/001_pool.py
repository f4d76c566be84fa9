# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 001 part 5 ("pool"): job(x), unchanged; multicore() is the script.
import multiprocessing as mp

def job(x):
    return x*x
