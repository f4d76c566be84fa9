#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The rest of Pool/Process/AsyncResult: imap (in order, as they come),
# starmap, kill (SIGKILL, no grace), show of a task (ready/successful), a
# worker and a process.
. "${srcdir:-.}/tests/lib.sh"

out=$("$poolmon" --batch -w 2 -x 'imap square 1..5' 2>&1)
is "$out" "1
4
9
16
25" "imap prints each result in order"

json=$("$poolmon" --batch --json -w 2 -x 'imap square 1..4 chunksize=2')
is "$(printf '%s\n' "$json" | python3 -c 'import json,sys; print([e["result"] for e in map(json.loads, sys.stdin) if e["event"] == "result"])')" \
	"[1, 4, 9, 16]" "imap --json: one result event per item, in order"

out=$("$poolmon" --batch -w 2 -x 'starmap add 1,2 3,4 10,20; starmap square 3 4' 2>&1)
is "$out" "[3, 7, 30]
[9, 16]" "starmap: each word is one call's arguments"
out=$("$poolmon" --batch -w 1 -x 'starmap add 1; apply square 2' 2>&1)
like "$out" "error: starmap: item 1: demo.add\(a:int, b:int\): takes 2 arguments, got 1" "starmap: a wrong item is refused before anything runs"
like "$out" "^4$" "starmap error: the session goes on"

# kill: SIGKILL at once; the task ends terminated, the worker is replaced.
json=$("$poolmon" --batch --json -w 1 -x 'submit sleep 30000; join t1 timeout=0.3; kill t1; join t1; apply square 3')
is "$(printf '%s\n' "$json" | python3 -c 'import json,sys
ev=[json.loads(l) for l in sys.stdin]
print([e["state"] for e in ev if e["event"]=="task" and e["id"]=="t1"][-1],
      [e.get("signal") for e in ev if e["event"]=="worker" and e["state"]=="exited"][0],
      [e["result"] for e in ev if e["event"]=="result"])')" \
	"terminated SIGKILL [9]" "kill t1: terminated, its worker died by SIGKILL, the pool goes on"
out=$("$poolmon" --batch -w 1 -x 'spawn hang; join p1 timeout=0.2; kill p1; join p1; show p1' 2>&1)
like "$out" "p1 Process-1 exited, exitcode -9, task t1" "kill p1: exitcode -9, as Process.kill"
out=$("$poolmon" --batch -w 1 -x 'kill t5; kill w7; kill pool' 2>&1)
like "$out" "error: kill: no task t5" "kill of an unknown task"
like "$out" "error: kill: no worker w7" "kill of an unknown worker"
like "$out" "error: kill: kill what\?" "kill pool is refused (terminate pool)"

# show: AsyncResult's ready() and successful().
out=$("$poolmon" --batch -w 1 -x 'submit square 4; submit fail no; join; show t1; show t2; show w1' 2>&1)
like "$out" "t1 demo.square\(4\) done, ready yes, successful yes, w1 pid [0-9]+, [0-9.]+ s: 16" "show t1: done, ready, successful, result"
like "$out" "t2 demo.fail\('no'\) failed, ready yes, successful no, .*: no" "show t2: failed, not successful, the error"
like "$out" "w1 pid [0-9]+ idle, task -, done 1, restarts 0" "show w1: the worker"
json=$("$poolmon" --batch --json -w 1 -x 'submit sleep 2000; join t1 timeout=0.2; show t1; terminate t1')
is "$(printf '%s\n' "$json" | python3 -c 'import json,sys
e=[e for e in map(json.loads, sys.stdin) if "ready" in e][0]
print(e["state"], e["ready"], e["successful"])')" "running False None" "show --json: a running task is not ready, successful null"

# A task's log line names where it ran: a process as p1, a worker as w1.
json=$("$poolmon" --batch --json -w 1 -x 'spawn job_timed 10; join p1; apply job_timed 10')
is "$(printf '%s\n' "$json" | python3 -c 'import json,sys
print([e["worker"] for e in map(json.loads, sys.stdin) if e["event"]=="log"])')" \
	"['p1', 'w1']" "log events name the process (p1) or the worker (w1) they came from"

# Nothing is left in /dev/shm: all shared memory is anonymous, whatever the
# way out (quit, a crash, kill -9 of poolmon itself).
before=$(ls -A /dev/shm | sort)
"$poolmon" --batch -w 2 -x 'value v i 1; array a d 4; queue q 3; lock l; load shared; apply incr v 10 1; submit crash; join' >/dev/null 2>&1
"$poolmon" --batch -w 2 -x 'value v i 1; queue q; submit sleep 30000; sleep 30' >/dev/null 2>&1 &
pm=$!
has_children() { [ -n "$(pgrep -P "$1")" ]; }
wait_for 10 has_children $pm
kill -9 $pm
wait $pm 2>/dev/null
is "$(ls -A /dev/shm | sort)" "$before" "nothing added to /dev/shm by a run, a crash or kill -9 of poolmon"
done_testing
