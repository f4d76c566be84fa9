# SPDX-License-Identifier: GPL-3.0-or-later
# Seed 001 part 6 ("Shared Value", "Shared Array"): the seed makes three
# shared objects at module level and prints nothing.  Here the script makes
# them (value, array); main() is the seed's three lines, each a lookup by
# name instead of a creation: a task sees them as the seed's workers would.
import multiprocessing as mp
import poolmon

def main():
    value1 = poolmon.Value('value1')
    value2 = poolmon.Value('value2')

    array = poolmon.Array('array')
