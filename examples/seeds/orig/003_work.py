# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 2.2 "进程的创建与简单使用".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
from multiprocessing import Process
def work():
    print('子进程任务启动...')
if __name__ =="__main__":
    # 创建进程对象
    p = Process(target=work)
    # 启动进程
    p.start()
