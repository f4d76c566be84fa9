# SPDX-License-Identifier: GPL-3.0-or-later
# seed 001 part 6 (共享内存: Value, Array): the seed's main program.
load python:examples/seeds/008_value_array.py
value value1 i 0
value value2 d 3.14
array array i 1,2,3,4
apply 008_value_array.show
# the seed's error form: a 2-D list (TypeError in Python, an error line here)
array array2 i "[[1,2],[3,4]]"
