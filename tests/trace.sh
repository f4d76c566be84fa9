#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/trace.sh — the trace export (issue 14 item 2): `trace FILE`,
# `trace off` and --trace FILE write Chrome trace-event JSON (the Object
# Format): valid JSON, a named track per worker and process, one complete
# slice per task with the task's own times, its call and result or error;
# instants for crashes, terminates, pauses and cancels; counters.
. "${srcdir:-.}/tests/lib.sh"
tr=$TEST_TMPDIR/trace.json

# check.py TRACE [EVENTS] — the trace's structure, then every task's slice
# against the task's times in EVENTS (the --json stream of the same run:
# the last "show tN" object or task event of each id).  Prints findings.
cat > "$TEST_TMPDIR/check.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
out = []
if not isinstance(d, dict) or not isinstance(d.get("traceEvents"), list):
    print("not the JSON Object Format"); sys.exit()
evs = d["traceEvents"]
for e in evs:
    ph = e.get("ph")
    if ph not in ("M", "X", "i", "C") or not isinstance(e.get("pid"), int) \
       or not isinstance(e.get("tid"), int) or not isinstance(e.get("name"), str):
        out.append("bad event %r" % e)
    if ph in ("X", "i", "C") and not (isinstance(e.get("ts"), (int, float)) and e["ts"] >= 0):
        out.append("bad ts %r" % e)
    if ph == "X" and not (isinstance(e.get("dur"), (int, float)) and e["dur"] >= 0):
        out.append("bad dur %r" % e)
    if ph == "i" and e.get("s") not in ("t", "p", "g"):
        out.append("bad scope %r" % e)
names = {(e["pid"], e["tid"]): e["args"]["name"] for e in evs
         if e["ph"] == "M" and e["name"] == "thread_name"}
procs = {e["pid"]: e["args"]["name"] for e in evs
         if e["ph"] == "M" and e["name"] == "process_name"}
tracks = sorted(v for (p, t), v in names.items() if t)
# Every event sits on a named track.
for e in evs:
    if e["ph"] in ("X", "i") and (e["pid"], e["tid"]) not in names:
        out.append("unnamed track %r" % e)
# Tasks: each exactly once (a slice, or an instant if it never ran).
seen = {}
for e in evs:
    a = e.get("args", {})
    if e["ph"] in ("X", "i") and "call" in a:
        seen.setdefault(a["id"], []).append(e)
dup = sorted(k for k, v in seen.items() if len(v) != 1)
if dup:
    out.append("more than once: %s" % dup)
print("procs", sorted(procs.values()))
print("tracks", " ".join(tracks))
print("slices", sum(1 for e in evs if e["ph"] == "X"))
if len(sys.argv) > 2:
    want = {}
    for l in open(sys.argv[2]):
        ev = json.loads(l)
        o = ev.get("object") if ev.get("event") == "shown" else ev
        if ev.get("event") == "task":
            want[ev["id"]] = ev
    for tid, ev in sorted(want.items()):
        if tid not in seen:
            out.append("%s missing" % tid); continue
        e = seen[tid][0]
        if e["ph"] != "X":
            if "started" in ev:
                out.append("%s ran but has no slice: %r" % (tid, e))
            continue
        if abs(e["ts"] - ev["started"] * 1e6) > 1.5 or \
           abs(e["ts"] + e["dur"] - ev["ended"] * 1e6) > 1.5:
            out.append("%s times %s+%s, task %s..%s" % (tid, e["ts"], e["dur"], ev["started"], ev["ended"]))
        wk = names[(e["pid"], e["tid"])]
        if wk != ev.get("worker"):
            out.append("%s on %s, ran on %s" % (tid, wk, ev.get("worker")))
        if e["args"]["state"] != ev["state"] or e["args"].get("result") != ev.get("result"):
            out.append("%s args %r vs %r" % (tid, e["args"], ev))
    print("tasks", len(want), "checked")
for l in out:
    print(l)
PY
check() { python3 "$TEST_TMPDIR/check.py" "$@" 2>&1; }

# The seeds' pool_close_join example: valid, two worker tracks, ten
# slices, each with the times the task's own events give.
"$poolmon" --trace "$tr" --json --script "$srcdir/examples/pool_close_join.poolmon" > "$TEST_TMPDIR/ev.json" 2>&1
is "$(check "$tr" "$TEST_TMPDIR/ev.json")" "procs ['pool', 'processes']
tracks w1 w2
slices 10
tasks 10 checked" "pool_close_join: a valid trace, 2 worker tracks, every task once at its own times"

# A map's items: their chunks' times, as show tN gives them once the map
# is over (the trace waits for a chunk's end before it writes its items).
cmds="trace $tr; map sleep 150,150,150,150,150,150,150,150 chunksize=3; trace off"
for i in 1 2 3 4 5 6 7 8; do cmds="$cmds; show t$i"; done
"$poolmon" -w 2 --json -x "$cmds" > "$TEST_TMPDIR/ev.json" 2>&1
grep '"event":"task"' "$TEST_TMPDIR/ev.json" | tail -8 > "$TEST_TMPDIR/shown.json"
is "$(check "$tr" "$TEST_TMPDIR/shown.json" | sed -n '3,$p')" "slices 8
tasks 8 checked" "map items in chunks: one slice each, at show's times"

# Crash, terminate, pause, cancel, failure and a process.
"$poolmon" -w 1 -x "trace $tr; submit crash; join; submit fail oops; join; pause pool; submit sleep 10; terminate t3; resume pool; submit sleep 5000 timeout=0.2; join; pause w1; resume w1; spawn sleep 10; join; spawn sleep 5000; terminate p2; join; trace off" > "$TEST_TMPDIR/out" 2>&1
got=$(python3 -c '
import json, sys
evs = json.load(open(sys.argv[1]))["traceEvents"]
for e in evs:
    a = e.get("args", {})
    if e["ph"] == "X":
        print("X", e["name"], a["state"], a.get("error", a.get("result")), "pid=%d" % e["pid"])
    elif e["ph"] == "i" and e["name"] not in ("exited", "started", "pool running") and not e["name"].startswith("killed"):
        print("i", e["name"])
' "$tr")
like "$got" "^X t1 demo.crash\(\) crashed .*SIGSEGV" "a crash: its slice, state crashed, the error"
like "$got" "^i crash t1 SIGSEGV$" "a crash: an instant"
like "$got" "^X t2 demo.fail\('oops'\) failed oops pid=1$" "a failure: its slice with the error"
like "$got" "^i t3 cancelled$" "a task cancelled in the queue: an instant, once"
like "$got" "^i timeout t4$" "a timeout: an instant"
like "$got" "^X t4 demo.sleep\(5000\) timeout timed out pid=1$" "the timed-out task's slice"
like "$got" "^i paused$" "a worker paused: an instant"
like "$got" "^i resumed$" "... and resumed"
like "$got" "^X t5 demo.sleep\(10\) done 10 pid=2$" "a process's task: on the processes' track"
like "$got" "^i terminate t6$" "a terminate: an instant"
like "$got" "^i pool paused$" "the pool's pause: an instant"
is "$(check "$tr" | sed -n 2p)" "tracks p1 p2 w1" "the processes p1 and p2 have tracks"
like "$(cat "$TEST_TMPDIR/out")" "^tracing to $tr" "trace FILE says so"
like "$(cat "$TEST_TMPDIR/out")" "^trace written to $tr" "trace off says where"

# Counters: the task queue, a queue's depth, a value.
"$poolmon" -w 1 -x "value v i 0; queue q; trace $tr; put q a; put q b; set v 7; sleep 0.3; get q; sleep 0.3; trace off" > /dev/null 2>&1
got=$(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["traceEvents"]:
    if e["ph"] == "C" and e["name"] != "tasks":
        print(e["name"], json.dumps(e["args"]))
' "$tr")
is "$got" 'value v {"value": 0}
queue q {"depth": 0}
value v {"value": 7}
queue q {"depth": 2}
queue q {"depth": 1}' "counters: a queue's depth and a value, when they change"

# A task still running when the trace ends: written up to then.
"$poolmon" -w 1 -x "trace $tr; submit sleep 3000; sleep 0.3; trace off; terminate t1" > /dev/null 2>&1
got=$(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["traceEvents"]:
    if e["ph"] == "X": print(e["name"], e["args"]["state"], e["dur"] > 250000)
' "$tr")
is "$got" "t1 demo.sleep(3000) running True" "a running task at trace off: its slice so far"

# Without trace off: the file is whole when poolmon ends.
"$poolmon" -w 1 -x "trace $tr; apply square 3" > /dev/null 2>&1
is "$(check "$tr" | sed -n 3p)" "slices 1" "the trace is finished when poolmon ends"

# Bad input: a clear message, nothing changed.
out=$("$poolmon" -w 1 -x "trace off; trace $TEST_TMPDIR/no/such/dir.json; trace" 2>&1)
is "$out" "-x:1: error: trace: not tracing
-x:1: error: trace: cannot write $TEST_TMPDIR/no/such/dir.json: No such file or directory
not tracing" "trace off without a trace, an unwritable file: errors"
out=$("$poolmon" --trace "$TEST_TMPDIR/no/such/dir.json" -x 'echo hi' 2>&1)
is "$? $out" "2 poolmon: cannot write trace $TEST_TMPDIR/no/such/dir.json: No such file or directory" "--trace to an unwritable file: exit 2"

done_testing
