# Quoted from a seed tutorial (not poolmon code; not under its licence: see ../README).
# Seed 002 (002_ff6b01755155d8c7.txt) §1 "使用os.fork()创建", verbatim below.
import os

# 注意,fork函数,只在Unix/Linux/Mac上运行,windows不可以
pid = os.fork()
# 子进程永远返回0,而父进程返回子进程的ID。
if pid == 0:
    print('子进程')
else:
    print('父进程')
