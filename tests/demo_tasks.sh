#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/demo_tasks.sh — the configurable demo tasks the seeds need (issue
# 14 item 8): rsleep (fixed or random), say (text with the pid), worker
# (*args and **kwargs together, seed 003), qwriter/qreader (seed 003's
# random-sleep Queue pair).
. "${srcdir:-.}/tests/lib.sh"

out=$("$poolmon" -w 1 --batch -x 'apply rsleep 60 60' 2>&1)
is "$out" "60" "rsleep 60 60 sleeps the fixed 60 ms"

out=$("$poolmon" -w 1 --batch --json -x 'apply rsleep 20 80' 2>&1)
ms=$(printf '%s\n' "$out" | python3 -c '
import json, sys
for l in sys.stdin:
    ev = json.loads(l)
    if ev.get("event") == "task" and ev.get("state") == "done":
        r, el = ev["result"], ev["elapsed"]
        print(r if 20 <= r <= 80 and el >= r / 1000 - 0.002 else "bad %s %s" % (r, el))
')
like "$ms" '^[0-9]+$' "rsleep 20 80 sleeps a time in the range, and that long"

out=$("$poolmon" -w 1 --batch -x 'apply rsleep 5 1' 2>&1)
like "$out" 'need 0 <= min_ms <= max_ms' "rsleep refuses max < min"

out=$("$poolmon" -w 1 --batch --json -x 'apply say hello 0' 2>&1)
got=$(printf '%s\n' "$out" | python3 -c '
import json, sys
log = pid = None
for l in sys.stdin:
    ev = json.loads(l)
    if ev.get("event") == "log": log = ev["message"]
    if ev.get("event") == "task" and ev.get("state") == "done": pid = ev["pid"]; res = ev["result"]
print(log == "hello (pid %d)" % pid and res == pid)
')
is "$got" "True" "say logs its text with its worker's pid and returns the pid"

out=$("$poolmon" -w 1 --batch -x 'apply worker 1 测试参数-1 测试参数-2 proc_kw=proc_attr max_ms=0' 2>&1 |
	sed 's/pid [0-9]*/pid N/')
is "$out" "t1 worker: 1 start, pid N
t1 worker: args: ('测试参数-1', '测试参数-2')
t1 worker: kwargs: {'proc_kw': 'proc_attr', 'max_ms': 0}
t1 worker: 1 done after 0 ms
'1 done'" "worker(name, *args, **kwargs): the seed's lines, args a tuple, kwargs a dict"

out=$("$poolmon" -w 1 --batch -x 'apply worker solo one max_ms=0' 2>&1 | sed -n 2p)
is "$out" "t1 worker: args: ('one',)" "one extra argument prints as a 1-tuple"

out=$("$poolmon" -w 1 --batch -x 'apply worker' 2>&1)
like "$out" "error: apply: demo.worker\(name:any, \*args, \*\*kwargs\): missing argument 'name'" "worker needs its name"

out=$("$poolmon" -w 2 --batch -x 'load shared; queue q; submit qwriter q 30 A B C; submit qreader q 30; join t1; put q None; join; result t2' 2>&1 |
	grep -v '^loaded' | sed 's/pid [0-9]*/pid N/')
puts=$(printf '%s\n' "$out" | grep -c '^t1 qwriter: put [ABC] (pid N)$')
gets=$(printf '%s\n' "$out" | grep '^t2 qreader: got' | tr '\n' ' ')
is "$puts" 3 "qwriter puts each item, logging it with its pid"
is "$gets" "t2 qreader: got A (pid N) t2 qreader: got B (pid N) t2 qreader: got C (pid N) " \
	"qreader gets them in order until the None"
like "$out" "^t1 shared.qwriter\('q', 30, 'A', 'B', 'C'\) done: 3" "qwriter returns how many it put"
is "$(printf '%s\n' "$out" | tail -1)" "3" "qreader returns how many it got"

out=$("$poolmon" -w 1 --batch -x 'load shared; queue q; apply qwriter q 0 99999999999999999999 -18446744073709551616; put q None; apply qreader q 0' 2>&1 |
	grep 'q[a-z]*: ' | sed 's/pid [0-9]*/pid N/')
is "$out" "t1 qwriter: put 99999999999999999999 (pid N)
t1 qwriter: put -18446744073709551616 (pid N)
t2 qreader: got 99999999999999999999 (pid N)
t2 qreader: got -18446744073709551616 (pid N)" "bigints through a queue: logged as the bare number"

out=$("$poolmon" -w 1 --batch -x 'load shared; apply qreader nope 0' 2>&1)
like "$out" "no shared object 'nope'" "qreader on a missing queue fails clearly"

done_testing
