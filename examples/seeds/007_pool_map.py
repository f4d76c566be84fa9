# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 001 part 5 (pool), as a poolmon task module.

Changed from the seed: none (multicore()'s pool calls are the script)."""

def job(x):
    return x*x
