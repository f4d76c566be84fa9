#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# python_fork.sh — issue 15 item 4 for Python tasks (tests/python/forks.py,
# as seed 002's os.fork): tests/fork.sh's checks with FORK_KIND=python,
# skipped there when configure did not build the plugin.
FORK_KIND=python exec bash "${srcdir:-.}/tests/fork.sh"
