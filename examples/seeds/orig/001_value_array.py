# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 001 (001_ff90072d14e8cdae.txt) part 6 "Shared Value" and "Shared
# Array", verbatim below this line but for the seed's curly quotes (‘ ’).
import multiprocessing as mp

value1 = mp.Value('i', 0)
value2 = mp.Value('d', 3.14)

array = mp.Array('i', [1, 2, 3, 4])
