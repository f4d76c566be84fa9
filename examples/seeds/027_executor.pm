# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 5.4 (使用 concurrent 模块创建进程池): the seed's main program.
load python:examples/seeds/027_executor.py
echo 主程序启动...
queue q
# with ProcessPoolExecutor() as executor: submit, submit, then the with's end
submit 027_executor.writer
submit 027_executor.reader
join
echo 主程序即将退出...
