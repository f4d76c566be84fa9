#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# dispatch.sh — the pool hands out work as Python's Pool does: no task waits
# while a worker that could run it is idle, single submits start in the
# order they were submitted, and a process's task never goes to the pool.
# The checks are on order (which task ended before which, on which worker),
# read from the JSON events' times; none of them waits for a time to pass.
. "${srcdir:-.}/tests/lib.sh"

# q FILE PYEXPR — evaluate PYEXPR over the JSON events of FILE (`ev`).
q() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def done():
    return {e["id"]: e for e in ev if e["event"] == "task" and e["state"] == "done"}
def late(slack=0.02):
    # Pairs (a, b), a submitted before b, where a started more than slack
    # seconds after b.
    st = sorted((int(i[1:]), e["started"]) for i, e in done().items())
    return [(a, b) for k, (a, sa) in enumerate(st) for (b, sb) in st[k + 1:] if sa > sb + slack]
print(eval(sys.argv[2]))' "$1" "$2"
}

# --- one long task does not hold up those submitted after it -------------
# The issue's reproduction: t3 runs 3 s; t4..t11 (100 ms each) must all run
# on the other worker meanwhile and end before it.
out=$TEST_TMPDIR/long.json
"$poolmon" -w 2 --batch --json -x 'submit sleep 300; submit sleep 300; submit sleep 3000;
	submit sleep 100; submit sleep 100; submit sleep 100; submit sleep 100; submit sleep 100;
	submit sleep 100; submit sleep 100; submit sleep 100; join' >"$out" 2>"$TEST_TMPDIR/long.err"
is "$? $(cat "$TEST_TMPDIR/long.err")" "0 " "long task run: exit 0, nothing on stderr"
is "$(q "$out" 'len(done())')" 11 "all 11 tasks done"
is "$(q "$out" 'sorted(i for i, e in done().items() if e["ended"] > done()["t3"]["ended"])')" "[]" \
	"the eight 100 ms tasks submitted after the 3 s one all end before it"
is "$(q "$out" 'sorted({e["worker"] for i, e in done().items() if int(i[1:]) >= 4} | {done()["t3"]["worker"]})' | tr -d "[]' ")" "w1,w2" \
	"t4..t11 run on the worker that is not running t3"
is "$(q "$out" 'late()')" "[]" "no task starts after one submitted later"

# --- a stream of submits starts in id order --------------------------------
out=$TEST_TMPDIR/stream.json
cmds=
for ms in 40 10 30 20 50 10 10 40 20 30 10 20; do cmds="$cmds submit sleep $ms;"; done
"$poolmon" -w 2 --batch --json -x "$cmds join" >"$out"
is "$(q "$out" 'len(done())')" 12 "stream: 12 tasks done"
is "$(q "$out" 'late()')" "[]" "stream: tasks of mixed lengths start in the order submitted"

# --- a deep queue of short tasks drains to both workers --------------------
# 400 tasks: after the first few the pool measures them as short and sends
# them in batches; a 1 s task among them must not keep what was batched
# behind it from the other worker.
out=$TEST_TMPDIR/deep.json
cmds=
for i in $(seq 1 200); do cmds="$cmds submit sleep 0;"; done
cmds="$cmds submit sleep 1000;"
for i in $(seq 1 200); do cmds="$cmds submit sleep 0;"; done
"$poolmon" -w 2 --batch --json -x "$cmds join" >"$out"
is "$(q "$out" 'len(done())')" 401 "deep queue: 401 tasks done"
is "$(q "$out" 'sorted(i for i, e in done().items() if e["ended"] > done()["t201"]["ended"])')" "[]" \
	"deep queue: every short task ends before the 1 s one"

# --- every event's time is the time of its change ------------------------------
# Items of a map (a chunk of four: their times come with the chunk's end)
# and a task paused and resumed: each task's events are in time order.
out=$TEST_TMPDIR/times.json
"$poolmon" -w 1 --batch --json -x 'map sleep 20,20,20,20 chunksize=4;
	submit sleep 300; sleep 0.1; pause t5; sleep 0.1; resume t5; join' >"$out"
is "$(python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for e in ev:
    if e["event"] == "task":
        by.setdefault(e["id"], []).append((e["state"], e["time"]))
bad = [i for i, s in by.items() if [t for _, t in s] != sorted(t for _, t in s)]
print(sorted(by), bad, [st for st, _ in by["t5"]])' "$out")" \
	"['t1', 't2', 't3', 't4', 't5'] [] ['queued', 'running', 'paused', 'running', 'done']" \
	"the events of map items and of a resumed task are in time order"

# --- a process's task never goes to the pool ---------------------------------
# kill p1 lands before its process started its task: the task ends with
# the process (terminated), and no pool worker runs it.
bad=0
for i in 1 2 3 4 5; do
	txt=$("$poolmon" -w 2 -x 'spawn sleep 5000; kill p1; join p1; show t1; workers' 2>&1)
	case $txt in
	*"t1 demo.sleep(5000) terminated, ready yes, successful no, p1 pid"*) ;;
	*) bad=$((bad + 1)); diag "run $i: $txt" ;;
	esac
	grep -Eq '^w[12] .* busy ' <<<"$txt" && { bad=$((bad + 1)); diag "run $i: a pool worker is busy: $txt"; }
done
is "$bad" 0 "spawn; kill p1 at once: t1 ends terminated with p1, in 5 of 5 runs, no pool worker runs it"

# --- join waits for processes to exit ------------------------------------------
bad=0
for i in 1 2 3 4 5; do
	txt=$("$poolmon" -x 'spawn echo hi; join; show p1' 2>&1)
	last=$(tail -n 1 <<<"$txt")
	[ "$last" = "p1 Process-1 exited, exitcode 0, task t1" ] || { bad=$((bad + 1)); diag "run $i: $txt"; }
done
is "$bad" 0 "spawn; join: the process has exited when join returns (5 of 5 runs)"

done_testing
