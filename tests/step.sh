#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/step.sh — step mode (issue 14 item 3): with the dispatcher paused,
# `step [N]` sends exactly the next N tasks, one at a time.
. "${srcdir:-.}/tests/lib.sh"

# How many tasks the JSON stream saw start, and the queued count of the
# status events, in order: "started=N queued=Q" per status.
starts() {
	python3 -c '
import json, sys
started = set()
for l in sys.stdin:
    ev = json.loads(l)
    if ev.get("event") == "task" and ev.get("state") == "running":
        started.add(ev["id"])
    if ev.get("event") == "status":
        print("started=%d queued=%d" % (len(started), ev["tasks"]["queued"]))
'
}

out=$("$poolmon" -w 2 --batch --json -x 'pause pool; submit sleep 50; submit sleep 50; submit sleep 50; submit sleep 50; submit sleep 50; status; step; join t1; status; step 1; join t2; status; step 2; join t3 t4; status; step; join; status' 2>&1 | starts)
is "$out" "started=0 queued=5
started=1 queued=4
started=2 queued=3
started=4 queued=1
started=5 queued=0" "each step starts exactly the next N tasks, in order, and no more"

# Short tasks go out in batches when the queue is deep: a step still sends
# one.  One worker, so a batch would take all of them at once.
out=$("$poolmon" -w 1 --batch --json -x 'apply square 1; apply square 1; pause pool; submit square 2; submit square 3; submit square 4; submit square 5; submit square 6; submit square 7; step; join t3; status; step 2; join t5; status' 2>&1 | starts)
is "$out" "started=3 queued=5
started=5 queued=3" "a step sends one task even where the batch rule would send many"

out=$("$poolmon" -w 1 --batch -x 'step; pause pool; step; submit sleep 10; step 0; step two; resume pool; join; step' 2>&1)
is "$out" "-x:1: error: step: the dispatcher is not paused (pause pool first)
-x:1: error: step: no task is queued
t1
-x:1: error: step: expected a count 1..1000000, got '0'
-x:1: error: step: expected a count 1..1000000, got 'two'
t1 demo.sleep(10) done: 10 [w1 pid $(printf '%s\n' "$out" | sed -n 's/.*\[w1 pid \([0-9]*\)\]/\1/p')]
-x:1: error: step: the dispatcher is not paused (pause pool first)" "step refuses: not paused, nothing queued, a bad count"

# Steps asked for beyond what is queued are not kept for later tasks.
out=$("$poolmon" -w 1 --batch --json -x 'pause pool; submit sleep 10; step 3; join t1; submit sleep 10; sleep 0.3; status' 2>&1 | starts)
is "$out" "started=1 queued=1" "step N with fewer queued sends those, and later submits wait"

# A task cancelled in the queue leaves nothing to step through.
out=$("$poolmon" -w 1 --batch --json -x 'pause pool; submit sleep 10; terminate t1; step; submit sleep 10; sleep 0.3; status' 2>&1)
is "$(printf '%s\n' "$out" | grep '"event":"error"' | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["message"])')" \
	"no task is queued" "step after the only queued task was cancelled: nothing queued"
is "$(printf '%s\n' "$out" | starts)" "started=0 queued=1" "... and no step is kept for the next submit"

done_testing
