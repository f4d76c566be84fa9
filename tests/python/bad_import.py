# SPDX-License-Identifier: GPL-3.0-or-later
import poolmon_no_such_module


def never():
    pass
