#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# resize.sh — `workers N` at run time: grow at once, shrink by retiring idle
# workers first and never killing a running task; nothing is lost.
. "${srcdir:-.}/tests/lib.sh"
. "${srcdir:-.}/tests/live.sh"
nchildren() { pgrep -P "$live_pid" | wc -l; }

# --- grow ------------------------------------------------------------------
live_start -w 2
send 'apply square 2'
await 10 '[e for e in ev if e["event"] == "result"]' "grow: pool of 2 answers"
is "$(nchildren)" 2 "grow: 2 worker children before"
send 'workers 4'
await 10 'len(new_workers("started")) == 2' "workers 4: two worker started events"
is "$(q "$live" 'sorted(w["id"] for w in new_workers("started"))')" "['w3', 'w4']" "workers 4: the new workers are w3 and w4"
send 'status'
await 10 'status()' "workers 4: status answers"
is "$(q "$live" '[(s["pool"]["workers"], len(s["workers"])) for s in status()]')" "[(4, 4)]" \
	"workers 4: status shows 4 workers"
is "$(nchildren)" 4 "workers 4: poolmon has 4 worker children"
is "$(q "$live" 'sorted(w["pid"] for w in status()[0]["workers"])')" \
	"[$(pgrep -P "$live_pid" | sort -n | paste -sd, | sed 's/,/, /g')]" "workers 4: status pids are poolmon's children"
send 'map square 1..8'
await 10 '[e for e in ev if e.get("results") == [i*i for i in range(1, 9)]]' "workers 4: map square 1..8 in order"
live_stop
is "$?" 0 "grow session exits 0"

# grow while tasks are queued: the new workers take them at once
live_start -w 1
send 'submit sleep 2500; submit sleep 2500; submit sleep 2500'
await 10 'tasks("t1", "running")' "grow while busy: t1 running on the one worker"
send 'workers 3'
await 10 'len(tasks(state="running")) == 3' "workers 3: the queued tasks start on the new workers"
is "$(q "$live" 'len([e for e in ev[:ev.index(tasks(state="running")[2])] if e.get("state") == "done"])')" 0 \
	"workers 3: all three ran together (the third started before any was done)"
is "$(q "$live" '[e["id"] for e in ev[:ev.index(new_workers("started")[0])] if e.get("state") == "running"]')" "['t1']" \
	"grow while busy: until the new workers started, only t1 ran (t2, t3 waited)"
send 'join'
await 10 'all(final(i) for i in ids())' "grow while busy: every task final"
is "$(q "$live" '[final(i) for i in ids()]')" "[['done'], ['done'], ['done']]" "grow while busy: all done"
live_stop

# --- shrink while busy --------------------------------------------------------
live_start -w 4
send 'submit sleep 2500; submit sleep 2500; submit sleep 2500'
await 10 'len(tasks(state="running")) == 3' "shrink: three tasks running on a pool of 4"
busy=$(q "$live" 'sorted(e["worker"] for e in tasks(state="running"))')
busypids=$(q "$live" '" ".join(str(e["pid"]) for e in tasks(state="running"))')
send 'workers 1'
await 10 'new_workers("exited")' "workers 1: a worker exits"
is "$(q "$live" '[w["id"] not in '"$busy"' for w in new_workers("exited")][0]')" True \
	"workers 1: the idle worker is retired first"
is "$(q "$live" 'len([e for e in ev[:ev.index(new_workers("exited")[0])] if e.get("event") == "task" and e["state"] in FINAL])')" 0 \
	"workers 1: the idle worker exits before any task ends (no task cut short)"
send 'join'
await 15 'all(final(i) for i in ids())' "shrink: every task reaches a final state"
is "$(q "$live" '[(final(i), [e["result"] for e in tasks(i, "done")]) for i in ids()]')" \
	"[(['done'], [2500]), (['done'], [2500]), (['done'], [2500])]" "shrink: all three sleep 2500 done, results kept"
await 10 'len(new_workers("exited")) == 3' "shrink: three workers retired in all"
is "$(q "$live" 'sorted((w.get("status"), w.get("signal")) for w in new_workers("exited"))')" \
	"[(0, None), (0, None), (0, None)]" "shrink: retired workers exit with status 0, not by a signal"
send 'status'
await 10 'status()' "shrink: status answers"
is "$(q "$live" '[(s["pool"]["workers"], len(s["workers"])) for s in status()]')" "[(1, 1)]" \
	"workers 1: status shows 1 worker"
is "$(nchildren)" 1 "workers 1: poolmon has 1 worker child"
retired=$(q "$live" '" ".join(str(w["pid"]) for w in new_workers("exited"))')
ok "shrink: the retired worker processes are gone" gone $retired
# the queue still drains through the one worker, and the pool grows again
send 'map square 1..5'
await 10 '[e for e in ev if e.get("results") == [1, 4, 9, 16, 25]]' "after shrink: map square 1..5 works"
send 'workers 2'
await 10 'len(new_workers("started")) == 1' "workers 2: grows back by one worker"
live_stop
is "$?" 0 "shrink session exits 0"

# shrink with queued work: nothing queued is dropped
out=$TEST_TMPDIR/shrinkq.json
"$poolmon" --batch --json -w 3 -x 'submit sleep 300; submit sleep 300; submit sleep 300; submit sleep 100; submit sleep 100; submit square 7; workers 1; join; status' \
	>"$out" 2>"$TEST_TMPDIR/shrinkq.err"
is "$?" 0 "shrink with a queue: exit 0"
is "$(q "$out" '[final(i) for i in ids()]')" "[['done'], ['done'], ['done'], ['done'], ['done'], ['done']]" \
	"shrink with a queue: all 6 tasks done"
is "$(q "$out" '[(s["pool"]["workers"], s["tasks"]["done"]) for s in status()]')" "[(1, 6)]" \
	"shrink with a queue: status 1 worker, 6 done"

# workers with no argument lists them
txt=$("$poolmon" --batch -w 3 -x 'workers')
is "$(printf '%s\n' "$txt" | grep -cE '^w[0-9]+ ')" 3 "workers (no N) lists 3 workers"

done_testing
