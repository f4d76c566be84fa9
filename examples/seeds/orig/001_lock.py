# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 001 (001_ff90072d14e8cdae.txt) part 7 "lock", verbatim below this
# line but for the seed's curly quotes (‘ ’), straight here.
import multiprocessing as mp
import time

def job(v, num, l):
    l.acquire()
    for _ in range(10):
        time.sleep(0.1)
        v.value += num
        print(v.value)
    l.release()

def multicore():
    l = mp.Lock()
    v = mp.Value('i', 0)
    p1 = mp.Process(target=job, args=(v, 1, l))
    p2 = mp.Process(target=job, args=(v, 3, l))
    p1.start()
    p2.start()
    p1.join()
    p2.join()

if __name__ == '__main__':
    multicore()
