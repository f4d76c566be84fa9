# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 001 (001_ff90072d14e8cdae.txt) part 3 "queue", verbatim below this
# line but for the seed's curly quotes (‘ ’), straight here.
import multiprocessing as mp

def job(q):
    res = 0
    for i in range(1000):
        res += i+i**2+i**3
    q.put(res) # queue

if __name__ == '__main__':
    q = mp.Queue()
    p1 = mp.Process(target=job, args=(q,))
    p2 = mp.Process(target=job, args=(q,))
    p1.start()
    p2.start()
    p1.join()
    p2.join()
    res1 = q.get()
    res2 = q.get()
    print(res1+res2)
