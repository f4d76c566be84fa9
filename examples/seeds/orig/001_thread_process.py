# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 001 (001_ff90072d14e8cdae.txt) part 2, "完整的线程和进程创建使用对比代码",
# verbatim below this line but for the seed's curly quotes (‘ ’), straight here.
import multiprocessing as mp
import threading as td

def job(a,d):
    print('aaaaa')

t1 = td.Thread(target=job,args=(1,2))
p1 = mp.Process(target=job,args=(1,2))
t1.start()
p1.start()
t1.join()
p1.join()
