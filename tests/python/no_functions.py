# SPDX-License-Identifier: GPL-3.0-or-later
from os.path import join
X = 1
