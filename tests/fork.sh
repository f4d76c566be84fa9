#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# fork.sh — issue 15 item 4: what a task forks (tests/plugins/forker.c; the
# same for Python tasks through tests/python_fork.sh, which sets FORK_KIND).
# A child that returns from the task function ends there (0, or 1 if the
# task failed), never running a second worker loop; a child is listed under
# its worker (`workers --json`: children) while it runs, and dies with its
# worker (terminate); children left running when the task returns are
# killed, said in the task's log.
. "${srcdir:-.}/tests/lib.sh"
kind=${FORK_KIND:-c}
if [ "$kind" = c ]; then
	so=$builddir/tests/plugins/forker.so
	[ -f "$so" ] || bail_out "$so not built (make check builds it)"
	ld="load $so"
	p=forker
	no=0 yes=1
else
	if [ "${POOLMON_PYTHON_PLUGIN:-}" = no ] ||
		[ ! -e "$POOLMON_PLUGIN_PATH/python.so" ]; then
		skip_all "the python plugin is not built (configure found no python3-embed >= 3.11, or --without-python)"
	fi
	ld="load python:$srcdir/tests/python/forks.py"
	p=forks
	no=0 yes=1
	export PYTHONDONTWRITEBYTECODE=1
fi
. "${srcdir:-.}/tests/live.sh"

pids=$TEST_TMPDIR/pids
: >"$pids"
on_exit 'xargs -r kill -9 <"$pids" 2>/dev/null'
if [ "$kind" = c ]; then ret="apply $p.child_returns $pids "; else ret="apply $p.child_returns $pids fail="; fi

# --- a child that returns from the task function --------------------------
out=$TEST_TMPDIR/ret.json
"$poolmon" --batch --json -w 1 -x "$ld; ${ret}$no; ${ret}$yes; apply $p.leave 0 $pids; workers" \
	>"$out" 2>"$TEST_TMPDIR/ret.err"
is "$?" 0 "the session ends with status 0"
is "$(q "$out" '[e["result"] for e in ev if e["event"] == "result"]')" "[0, 1, 0]" \
	"the child that returns exits 0, the one that fails 1; the next task runs"
is "$(q "$out" 'sum(e["event"] == "task" and e["state"] in ("done", "failed") for e in ev)')" 3 \
	"each task ends once (the child sent no result)"
is "$(q "$out" '[e["event"] for e in ev if e["event"] in ("corrupt", "crashed")] + [w["state"] for e in ev if e["event"] == "worker" for w in [e]]')" \
	"['started', 'exited']" "one worker, started once, no corruption"
is "$(wc -l <"$pids")" 2 "two children forked"
wpid=$(q "$out" '[e["pid"] for e in ev if e["event"] == "worker"][0]')
nok "each child is a process of its own" grep -qx "$wpid" "$pids"
ok "no child is left running (none became a second worker)" wait_for 10 gone $(cat "$pids")

# --- children left running when the task returns --------------------------
: >"$pids"
out=$TEST_TMPDIR/leave.json
"$poolmon" --batch --json -w 1 -x "$ld; apply $p.leave 2 $pids" >"$out" 2>"$TEST_TMPDIR/leave.err"
is "$(q "$out" '[e["result"] for e in ev if e["event"] == "result"]')" "[2]" "the task that leaves 2 children is done"
is "$(q "$out" '[e["message"] for e in ev if e["event"] == "log"]')" "['killed 2 child processes left running']" \
	"their killing is said in the task's log"
is "$(wc -l <"$pids")" 2 "both children noted their pid"
ok "both are gone once the task ended" gone $(cat "$pids")

# --- a child listed under its worker, killed with it ----------------------
: >"$pids"
live_start -w 1
send "$ld"
send "submit $p.child_sleeps $pids"
ok "the child started" wait_for 10 test -s "$pids"
child=$(head -1 "$pids")
[ -n "$child" ] || bail_out "the child wrote no pid"
send "workers"
await 10 "any($child in w['children'] for e in ev if e['event'] == 'workers' for w in e['workers'])" \
	"workers --json: the child's pid in its worker's children"
send "terminate t1"
ok "terminating the task kills the child" wait_for 10 gone "$child"
await 10 "any(e['event'] == 'task' and e['state'] == 'terminated' for e in ev)" "the task ends terminated"
send "workers"
await 10 "[w['children'] for e in ev if e['event'] == 'workers' for w in e['workers']][-1:] == [[]]" \
	"the new worker has no children"
live_stop >/dev/null

done_testing
