#!/usr/bin/env bash
# lifecycle.sh — issue 19's loops and lost tasks: an initializer that
# crashes, aborts or exits stops the pool after three tries (backing off),
# every task ends in exactly one final state (a daemon's at quit too), and
# what a task forks dies with its worker.
. "${srcdir:-.}/tests/lib.sh"

# q FILE PYEXPR — evaluate PYEXPR over the JSON events of FILE (`ev`).
q() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def finals(id):
    return [e["state"] for e in ev if e["event"] == "task" and e["id"] == id
            and e["state"] not in ("queued", "running", "paused")]
print(eval(sys.argv[2]))' "$1" "$2"
}

# --- an initializer that dies -----------------------------------------------
for how in segv abort exit; do
	out=$TEST_TMPDIR/init-$how.json
	timeout 20 "$poolmon" --batch --json -w 1 -x "initializer crash $how; map square 1..3" \
		>"$out" 2>"$TEST_TMPDIR/init-$how.err"
	rc=$?
	isnt "$rc" 124 "initializer crash $how: poolmon ends (no restart loop)"
	is "$(q "$out" 'sum(e["event"] == "worker" and e["state"] == "started" for e in ev)')" 4 \
		"initializer crash $how: the first worker, then three tries, then no more"
	is "$(q "$out" '[(e["id"], e["state"]) for e in ev if e["event"] == "result"]')" \
		"[('t1', 'failed')]" "initializer crash $how: the map is answered: failed"
	is "$(q "$out" 'sorted({s for i in ("t1", "t2", "t3") for s in finals(i)}) + [len(finals(i)) for i in ("t1", "t2", "t3")]')" \
		"['failed', 1, 1, 1]" "initializer crash $how: each item ends once, failed"
done
like "$(q "$TEST_TMPDIR/init-segv.json" '[e["message"] for e in ev if e["event"] == "log"][-1]')" \
	'failed 3 times in a row.*worker killed by SIGSEGV' "the log says why: killed by SIGSEGV"
like "$(q "$TEST_TMPDIR/init-exit.json" '[e["message"] for e in ev if e["event"] == "log"][-1]')" \
	'failed 3 times in a row.*worker exited with status' "the log says why: exited with a status"
# Backing off: the three tries are not back to back (the first worker,
# started before the initializer was set, is replaced at once).
is "$(q "$TEST_TMPDIR/init-segv.json" '(lambda t: [t[2] - t[1] >= 0.05, t[3] - t[2] >= 0.1])([e["time"] for e in ev if e["event"] == "worker" and e["state"] == "started"])')" "[True, True]" \
	"restarts back off (50 ms, then 100 ms, between tries)"

# --- a daemon process's task ends at quit ----------------------------------------
out=$TEST_TMPDIR/daemon.json
timeout 20 "$poolmon" --batch --json -w 1 -x 'spawn daemon=1 sleep 100000; sleep 0.2; quit' >"$out"
is "$?" 0 "daemon at quit: exit 0"
is "$(q "$out" 'finals("t1")')" "['terminated']" "daemon at quit: its task ends once, terminated"
is "$(q "$out" '[(e["id"], e["state"], e["exitcode"]) for e in ev if e["event"] == "process"]')" \
	"[('p1', 'exited', -15)]" "daemon at quit: a process event, exited by SIGTERM"

done_testing
