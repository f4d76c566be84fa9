# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 000 (000_3e98f20b9dce1639.txt) §2.1, verbatim below this line.
import multiprocessing

def worker():
    print("Worker process")

if __name__ == "__main__":
    p = multiprocessing.Process(target=worker)
    p.start()
    p.join()
