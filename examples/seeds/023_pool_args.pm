# SPDX-License-Identifier: GPL-3.0-or-later
# seed 003 5.1 (使用Pool创建进程池): the seed's main program.
load python:examples/seeds/023_pool_args.py
workers 3
submit 023_pool_args.worker 1 测试参数-1 测试参数-2 proc_kw=proc_attr
submit 023_pool_args.worker 2 测试参数-1 测试参数-2 proc_kw=proc_attr
submit 023_pool_args.worker 3 测试参数-1 测试参数-2 proc_kw=proc_attr
submit 023_pool_args.worker 4 测试参数-1 测试参数-2 proc_kw=proc_attr
submit 023_pool_args.worker 5 测试参数-1 测试参数-2 proc_kw=proc_attr
submit 023_pool_args.worker 6 测试参数-1 测试参数-2 proc_kw=proc_attr
submit 023_pool_args.worker 7 测试参数-1 测试参数-2 proc_kw=proc_attr
submit 023_pool_args.worker 8 测试参数-1 测试参数-2 proc_kw=proc_attr
submit 023_pool_args.worker 9 测试参数-1 测试参数-2 proc_kw=proc_attr
submit 023_pool_args.worker 10 测试参数-1 测试参数-2 proc_kw=proc_attr
close
join
