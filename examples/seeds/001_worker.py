# SPDX-License-Identifier: GPL-3.0-or-later
"""seed 000 §2.1 (使用multiprocessing模块创建进程), as a poolmon task module.

Changed from the seed: none."""

def worker():
    print("Worker process")
