#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# batch.sh — the issue-2 acceptance through the non-interactive front ends:
# --batch (stdin), --script FILE and -x CMDS, text and --json output,
# --help/--version, and no worker left behind after the run.
. "${srcdir:-.}/tests/lib.sh"

# json_get FILE PYEXPR — evaluate PYEXPR with `ev` = list of the JSON events.
json_get() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(eval(sys.argv[2]))' "$1" "$2"
}

# --- the acceptance line -------------------------------------------------
out=$TEST_TMPDIR/accept.json
echo 'submit square 7; join; status' | "$poolmon" --batch --json -w 2 >"$out" 2>"$TEST_TMPDIR/accept.err"
is "$?" 0 "acceptance line exits 0"
ok "every output line is a JSON object with an event" \
	python3 -c 'import json,sys; [json.loads(l)["event"] for l in open(sys.argv[1])]' "$out"
is "$(json_get "$out" '[(e["id"], e["task"], e["result"]) for e in ev if e["event"]=="task" and e["state"]=="done"]')" \
	"[('t1', 'demo.square', 49)]" "task event: t1 demo.square done, result 49"
is "$(json_get "$out" '[e["state"] for e in ev if e["event"]=="task"]')" \
	"['queued', 'running', 'done']" "t1 goes queued -> running -> done"
is "$(json_get "$out" '[(e["pool"]["workers"], len(e["workers"])) for e in ev if e["event"]=="status"]')" \
	"[(2, 2)]" "one status event, pool of 2 workers, 2 listed"
is "$(json_get "$out" '[(e["tasks"]["done"], e["tasks"]["queued"], e["tasks"]["running"], e["pool"]["state"]) for e in ev if e["event"]=="status"]')" \
	"[(1, 0, 0, 'running')]" "status counts: 1 done, 0 queued, 0 running; pool running"
is "$(json_get "$out" 'sorted(set(w["id"] for e in ev if e["event"]=="status" for w in e["workers"]))')" \
	"['w1', 'w2']" "status lists workers w1 and w2"
is "$(cat "$TEST_TMPDIR/accept.err")" "" "nothing on stderr"

# --- text mode results ---------------------------------------------------
cmds='map square 1..10; apply job 1000; apply job 1000000; map cube 1,2,3; apply add 2 3'
txt=$("$poolmon" --batch -w 2 -x "$cmds" 2>"$TEST_TMPDIR/x.err")
is "$?" 0 "-x run exits 0"
expected="[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]
249833583000
'249999833333583333000000'
[1, 8, 27]
5"
is "$txt" "$expected" "-x: map square 1..10, job(1000), job(1000000), map cube list, add"

# --script FILE and --batch on stdin give the same output
printf '%s\n' 'map square 1..10' 'apply job 1000' \
	'apply job 1000000   # trailing comment' 'map cube 1,2,3' 'apply add 2 3' >"$TEST_TMPDIR/s.pm"
is "$("$poolmon" -w 2 --script "$TEST_TMPDIR/s.pm")" "$expected" "--script FILE gives the same results"
is "$("$poolmon" --batch -w 2 <"$TEST_TMPDIR/s.pm")" "$expected" "--batch on stdin gives the same results"

# JSON results of the same commands
"$poolmon" --batch --json -w 2 -x "$cmds" >"$TEST_TMPDIR/r.json"
is "$(json_get "$TEST_TMPDIR/r.json" '[e["results"] for e in ev if e["event"]=="result" and "results" in e][0]')" \
	"[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]" "--json map result event: results in order"
is "$(json_get "$TEST_TMPDIR/r.json" '[e["ids"] for e in ev if e["event"]=="result" and "results" in e][0]')" \
	"t1..t10" "--json map result event names ids t1..t10"
is "$(json_get "$TEST_TMPDIR/r.json" '[e["result"] for e in ev if e["event"]=="result" and "id" in e]')" \
	"[249833583000, '249999833333583333000000', 5]" "--json apply results: job(1000), job(1000000) as a string, add"

# map keeps order with chunking and a bigger range
"$poolmon" --batch --json -w 3 -x 'map square 1..200 chunksize=7' >"$TEST_TMPDIR/m.json"
is "$(json_get "$TEST_TMPDIR/m.json" '[e["results"] for e in ev if e["event"]=="result"][0] == [i*i for i in range(1,201)]')" \
	True "map square 1..200 chunksize=7: 200 ordered results"

# submit prints the id; result ID waits for it
sub=$("$poolmon" --batch -w 2 -x 'submit square 5; submit square 6; result t2; result t1')
is "$(printf '%s\n' "$sub" | grep -v ' done: ')" \
	"t1
t2
36
25" "submit prints t<id>; result ID prints each result"
like "$sub" '^t1 demo\.square\(5\) done: 25 ' "text mode reports t1 done with its result"

# blank lines and comment-only lines are no-ops, not errors
out=$(printf '\n# only a comment\n   \napply square 2\n' | "$poolmon" --batch -w 1 2>"$TEST_TMPDIR/blank.err")
rc=$?
is "$out" 4 "blank and comment-only lines are skipped; the next command runs"
is "$rc" 0 "blank and comment-only lines: exit 0"
is "$(cat "$TEST_TMPDIR/blank.err")" "" "blank and comment-only lines: nothing on stderr"

# --- options -------------------------------------------------------------
help=$("$poolmon" --help 2>&1)
is "$?" 0 "--help exits 0"
like "$help" '--batch' "--help mentions --batch"
ver=$("$poolmon" --version 2>&1)
is "$?" 0 "--version exits 0"
like "$ver" '^poolmon ' "--version prints 'poolmon VERSION'"

# --- no worker survives the run -------------------------------------------
"$poolmon" --batch --json -w 3 -x 'submit sleep 100; submit square 4; join; status; quit' \
	>"$TEST_TMPDIR/w.json"
pids=$(json_get "$TEST_TMPDIR/w.json" '" ".join(str(w["pid"]) for e in ev if e["event"]=="status" for w in e["workers"])')
is "$(echo $pids | wc -w)" 3 "status listed 3 worker pids"
alive() { # alive PID... : true if any is a live (non-zombie) process
	local p s
	for p in "$@"; do
		s=$(ps -o stat= -p "$p" 2>/dev/null) || continue
		case $s in Z*) ;; *) return 0 ;; esac
	done
	return 1
}
gone() { ! alive "$@"; }
ok "all worker pids gone after poolmon exited" gone $pids

# every worker state change is an event: the start of the first workers and
# their exit at quit too, not only replacements
"$poolmon" --batch --json -w 2 -x 'map square 1..4; quit' >"$TEST_TMPDIR/we.json"
is "$(json_get "$TEST_TMPDIR/we.json" 'sorted(e["id"] for e in ev if e["event"]=="worker" and e["state"]=="started")')" \
	"['w1', 'w2']" "--json: a worker started event for each initial worker"
is "$(json_get "$TEST_TMPDIR/we.json" 'sorted(e["id"] for e in ev if e["event"]=="worker" and e["state"]=="exited")')" \
	"['w1', 'w2']" "--json: a worker exited event for each worker at quit"
is "$(json_get "$TEST_TMPDIR/we.json" 'set(e["pid"] for e in ev if e["event"]=="task" and "pid" in e) <= set(e["pid"] for e in ev if e["event"]=="worker" and e["state"]=="started")')" \
	True "--json: tasks ran on the pids the started events announced"

# children of a running poolmon, then none after quit through stdin
fifo=$TEST_TMPDIR/in
mkfifo "$fifo"
"$poolmon" --batch -w 2 <"$fifo" >"$TEST_TMPDIR/p.out" 2>&1 &
pm=$!
exec 3>"$fifo"
echo 'apply square 9' >&3
wait_for 10 grep -q '^81$' "$TEST_TMPDIR/p.out"
kids=$(pgrep -P "$pm" | tr '\n' ' ')
is "$(echo $kids | wc -w)" 2 "a running poolmon -w 2 has 2 child processes"
echo quit >&3
exec 3>&-
wait "$pm"
is "$?" 0 "poolmon exits 0 after quit"
ok "its former children are gone" gone $kids
is "$(pgrep -P "$pm" | wc -l)" 0 "pgrep -P finds no child of poolmon"

done_testing
