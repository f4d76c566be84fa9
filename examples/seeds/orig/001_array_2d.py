# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 001 (001_ff90072d14e8cdae.txt) part 6 "错误形式", verbatim below this
# line but for the seed's curly quotes (‘ ’) and the import the snippet
# takes from the one before it.
import multiprocessing as mp

array = mp.Array('i', [[1, 2], [3, 4]]) # 2维list

"""
TypeError: an integer is required
"""
