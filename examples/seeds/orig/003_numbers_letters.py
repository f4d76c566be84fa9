# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 003 (003_52e3d157b8c7727d.txt) 1.4 "进程的创建与使用".
# The seed prints this code on a few long lines (its line breaks and
# indentation lost); here it is re-indented, otherwise verbatim.
from multiprocessing import Process
def print_numbers():
    for i in range(5):
        print(i)
def print_letters():
    for letter in 'abcde':
        print(letter)
# 创建进程
process1=Process(target=print_numbers)
process2=Process(target=print_letters)
# 启动进程
process1.start()
process2.start()
# 等待进程完成
process1.join()
process2.join()
