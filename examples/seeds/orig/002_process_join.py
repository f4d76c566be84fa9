# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 002 (002_ff6b01755155d8c7.txt) §2 "使用Process类类创建", verbatim below.
from multiprocessing import Process
import time

def test(name, age):
    for i in range(5):
        print("--test--%s\t%d" % (name, age))
        time.sleep(1)
    print("子进程结束")


if __name__ == '__main__':
    p = Process(target=test, args=("aaa", 18))
    p.start()
    # 等待进程实例执⾏结束,或等待多少秒;
    p.join() # 等待的最长时间
    print("主进程结束")
