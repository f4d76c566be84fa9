#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
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

# --- ended tasks are evicted: memory stays bounded ----------------------------
txt=$("$poolmon" --batch --keep 10 -w 2 -x 'map square 1..30; map square 1..30; sleep 1.1;
	result t1; result t31; status' 2>&1)
like "$txt" 'error: result: t1 has ended and was evicted: only the last 10 ended tasks are kept \(--keep\)' \
	"result of an evicted id says so"
like "$txt" $'\n1\n' "result of a kept id still answers"
like "$txt" 'done 60, .*; evicted 30 \(the last 10 ended are kept\)' "status: counts stay, the evicted figure shown"
for i in $(seq 1 5000); do echo "submit square $i"; done >"$TEST_TMPDIR/many"
echo "join; sleep 1.1; result t5; result t4999; status" >>"$TEST_TMPDIR/many"
txt=$("$poolmon" --json --keep 100 -w 2 --script "$TEST_TMPDIR/many" 2>/dev/null |
	python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
r = [(e.get("id"), e.get("result"), e.get("message", "")[:30]) for e in ev if e["event"] in ("result", "error")]
s = [e["tasks"] for e in ev if e["event"] == "status"][-1]
print(r, s["done"], s["evicted"] >= 4096, s["keep"])')
is "$txt" "[(None, None, 't5 has ended and was evicted: '), ('t4999', 24990001, '')] 5000 True 100" \
	"5000 submits, --keep 100: the oldest records are evicted (result says so), the newest kept, counts stay"

# rss_session NAME MAP LAST ARGS... — one poolmon (with ARGS) runs MAP six
# times, each followed by a second for eviction; rss[] gets the manager's
# RSS (VmRSS, /proc, KiB) after each; LAST is its last command; its output
# is in $out.  (Under ASan, freed memory waits in its quarantine before
# reuse: the bound is about poolmon's memory, so that is turned off.)
rss_session() {
	local name=$1 map=$2 last=$3 fifo=$TEST_TMPDIR/$1.in pid i
	shift 3
	out=$TEST_TMPDIR/$name.txt
	mkfifo "$fifo"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
		"$poolmon" --batch -w 2 "$@" <"$fifo" >"$out" 2>&1 &
	pid=$!
	exec 3>"$fifo"
	rss=()
	for i in 1 2 3 4 5 6; do
		echo "$map; sleep 1.1; echo mark$i" >&3
		wait_for 120 grep -qx "mark$i" "$out" || break
		rss+=("$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")")
	done
	echo "$last" >&3
	exec 3>&-
	wait "$pid"
}

# A long session: six maps of 10^5 with the default --keep (100000).  The
# manager's RSS after the sixth is within 1 MiB of what it was after the
# third (without eviction it grows by about 2 MiB a map), and every task
# has ended (the counts add up, nothing left running).
rss_session long 'map square 1..100000' 'status; quit'
diag "manager RSS after each map (KiB): ${rss[*]}"
is "${#rss[@]}" 6 "six maps of 10^5 in one session"
ok "RSS after the 6th map within 1 MiB of after the 3rd (${rss[2]:-?} -> ${rss[5]:-?} KiB)" \
	test "$(( ${rss[5]:-999999} - ${rss[2]:-0} ))" -le 1024
like "$(cat "$out")" 'tasks: queued 0, running 0, paused 0, done 600000, failed 0, crashed 0, timeout 0, terminated 0, cancelled 0; evicted 500000 \(the last 100000 ended are kept\)' \
	"all 600000 ended done, 500000 evicted"

# The same with chunks of one item (a chunk's times go with its map):
# RSS after the last three maps within 8 MiB of the least after the first
# three (without, it grew by 3.3 MiB a map).
rss_session long1 'map square 1..100000 chunksize=1' 'quit' --keep 1000
diag "chunksize=1: manager RSS after each map (KiB): ${rss[*]}"
is "${#rss[@]}" 6 "six maps of 10^5 in chunks of one"
low=$(printf '%s\n' "${rss[@]:0:3}" | sort -n | head -n1)
high=$(printf '%s\n' "${rss[@]:3:3}" | sort -n | tail -n1)
ok "chunks of one: RSS of the last three maps within 8 MiB of the first three's least ($low -> $high KiB)" \
	test "$(( ${high:-999999} - ${low:-0} ))" -le 8192

done_testing
