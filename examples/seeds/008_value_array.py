# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 001 part 6 (共享内存: Value, Array), as a poolmon task module.

Changed from the seed: the objects made by the script, looked up by name in show()."""

import poolmon


def show():
    value1 = poolmon.Value('value1')  # poolmon: was mp.Value('i', 0)
    value2 = poolmon.Value('value2')  # poolmon: was mp.Value('d', 3.14)
    array = poolmon.Array('array')    # poolmon: was mp.Array('i', [1, 2, 3, 4])
    print(value1.value, value2.value, array[:])
