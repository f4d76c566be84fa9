# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 002 §2 (把join()方法注释掉的结果), as a poolmon task module.

Changed from the seed: none."""

import time


def test(name, age):
    for i in range(5):
        print("--test--%s\t%d" % (name, age))
        time.sleep(1)
    print("子进程结束")
