#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# faults.sh — issue 3: crashes, external kills, timeouts, terminate, pause,
# close/join, terminate pool; every task ends in exactly one final state;
# no worker outlives poolmon, even after kill -9.
. "${srcdir:-.}/tests/lib.sh"

. "${srcdir:-.}/tests/live.sh"

all_json=()

# --- a segfault among 100 good tasks ---------------------------------------
out=$TEST_TMPDIR/segv.json; all_json+=("$out")
"$poolmon" --batch --json -w 4 -x 'submit crash; map square 1..50; submit crash segv; map square 51..100; join' \
	>"$out" 2>"$TEST_TMPDIR/segv.err"
is "$(q "$out" '[(e["state"], e.get("signal")) for e in tasks("t1") if e["state"] in FINAL]')" \
	"[('crashed', 'SIGSEGV')]" "submit crash: t1 crashed with SIGSEGV"
is "$(q "$out" '[(e["state"], e.get("signal")) for e in tasks("t52") if e["state"] in FINAL]')" \
	"[('crashed', 'SIGSEGV')]" "submit crash segv: t52 crashed with SIGSEGV"
is "$(q "$out" 'len([e for e in tasks(state="done") if e["task"] == "demo.square"])')" 100 \
	"all 100 square tasks end done"
is "$(q "$out" 'sorted(s for i in ids() for s in final(i)).count("done")')" 100 "final states: 100 done"
is "$(q "$out" '[e["results"] for e in ev if e["event"] == "result"] == [[i*i for i in range(1,51)], [i*i for i in range(51,101)]]')" \
	True "both maps return their ordered results"
is "$(q "$out" 'len([w for w in workers("exited") if w.get("signal") == "SIGSEGV"]), len(workers("started")) >= 2')" \
	"(2, True)" "two workers exited by SIGSEGV and were replaced (started events)"

# --- other ways to die -----------------------------------------------------
out=$TEST_TMPDIR/die.json; all_json+=("$out")
"$poolmon" --batch --json -w 2 -x 'submit crash abort; submit crash exit; submit crash fpe; submit fail boom; join; apply square 5' \
	>"$out" 2>"$TEST_TMPDIR/die.err"
is "$(q "$out" '[(e["state"], e.get("signal")) for e in tasks("t1") if e["state"] in FINAL]')" \
	"[('crashed', 'SIGABRT')]" "crash abort: crashed with SIGABRT"
is "$(q "$out" 'final("t2")')" "['failed']" "crash exit: failed"
like "$(q "$out" '[e.get("error") for e in tasks("t2", "failed")]')" 'status 3' "crash exit: error says 'status 3'"
is "$(q "$out" '[(e["state"], e.get("signal")) for e in tasks("t3") if e["state"] in FINAL]')" \
	"[('crashed', 'SIGFPE')]" "crash fpe: crashed with SIGFPE"
is "$(q "$out" '[(e["state"], e.get("error")) for e in tasks("t4") if e["state"] in FINAL]')" \
	"[('failed', 'boom')]" "fail boom: failed with error 'boom'"
is "$(q "$out" '[e["result"] for e in ev if e["event"] == "result"]')" "[25]" "the pool still works after the crashes"

# result of a crashed task reports it
txt=$("$poolmon" --batch -w 1 -x 'submit crash; result t1; apply square 6' 2>"$TEST_TMPDIR/res.err")
like "$txt$(cat "$TEST_TMPDIR/res.err")" 'SIGSEGV' "result of a crashed task names SIGSEGV"
is "$(printf '%s\n' "$txt" | tail -n 1)" 36 "then apply square 6 = 36"

# --- kill -9 of a busy worker from outside ----------------------------------
live_start -w 2
all_json+=("$live")
send 'submit sleep 30000'
await 10 'tasks("t1", "running")' "kill -9 worker: t1 is running"
wpid=$(q "$live" 'tasks("t1", "running")[0]["pid"]')
wid=$(q "$live" 'tasks("t1", "running")[0]["worker"]')
kill -9 "$wpid"
await 10 'final("t1")' "kill -9 worker: t1 reaches a final state"
is "$(q "$live" '[(e["state"], e.get("signal")) for e in tasks("t1") if e["state"] in FINAL]')" \
	"[('crashed', 'SIGKILL')]" "kill -9 worker: t1 crashed with SIGKILL"
await 10 "[w for w in workers('started') if w['id'] == '$wid' and w['pid'] != $wpid]" \
	"kill -9 worker: a replacement $wid is started"
send 'apply square 3'
await 10 '[e for e in ev if e["event"] == "result" and e.get("result") == 9]' "kill -9 worker: apply square 3 = 9 afterwards"
live_stop
is "$?" 3 "kill -9 worker: poolmon exits 3 (t1 crashed)"

# --- timeouts --------------------------------------------------------------
out=$TEST_TMPDIR/timeout.json; all_json+=("$out")
"$poolmon" --batch --json -w 2 -x 'submit hang timeout=0.5; submit sleep 30000 timeout=0.3; submit sleep 50 timeout=10; join; apply square 4' \
	>"$out" 2>"$TEST_TMPDIR/timeout.err"
is "$(q "$out" 'final("t1")')" "['timeout']" "hang timeout=0.5: timeout"
is "$(q "$out" 'final("t2")')" "['timeout']" "sleep 30000 timeout=0.3: timeout"
is "$(q "$out" 'final("t3")')" "['done']" "sleep 50 timeout=10: done"
is "$(q "$out" '0.4 < [e["elapsed"] for e in tasks("t1", "timeout")][0] < 5')" True "hang timed out after about 0.5 s"
is "$(q "$out" '[e["result"] for e in ev if e["event"] == "result"]')" "[16]" "the pool works after timeouts"

# paused time does not count against the timeout
out=$TEST_TMPDIR/ptimeout.json; all_json+=("$out")
"$poolmon" --batch --json -w 1 -x 'submit sleep 800 timeout=1; sleep 0.1; pause t1; sleep 1.5; resume t1; join' \
	>"$out" 2>"$TEST_TMPDIR/ptimeout.err"
is "$(q "$out" '[e["state"] for e in tasks("t1")]')" "['queued', 'running', 'paused', 'running', 'done']" \
	"a task paused longer than its timeout, then resumed, ends done"

# --- terminate: queued, running, paused -------------------------------------
live_start -w 2
all_json+=("$live")
send 'submit sleep 30000; submit sleep 30000; submit sleep 30000'
await 10 'tasks("t1", "running") and tasks("t2", "running")' "terminate: t1 and t2 running, t3 queued"
is "$(q "$live" 'final("t3"), [e["state"] for e in tasks("t3")]')" "([], ['queued'])" "terminate: t3 is still queued"
send 'terminate t3'
await 10 'final("t3")' "terminate queued: t3 final"
is "$(q "$live" 'final("t3")')" "['cancelled']" "terminate queued task: cancelled"
p1=$(q "$live" 'tasks("t1", "running")[0]["pid"]')
send 'terminate t1'
await 10 'final("t1")' "terminate running: t1 final"
is "$(q "$live" 'final("t1")')" "['terminated']" "terminate running task: terminated"
wait_for 5 gone "$p1"
ok "terminate running task: its worker process is gone" gone "$p1"
send 'pause t2'
await 10 'tasks("t2", "paused")' "pause running task: t2 paused"
p2=$(q "$live" 'tasks("t2", "running")[0]["pid"]')
send 'terminate t2'
await 10 'final("t2")' "terminate paused: t2 final"
is "$(q "$live" 'final("t2")')" "['terminated']" "terminate paused task: terminated"
wait_for 5 gone "$p2"
ok "terminate paused task: its stopped worker is gone" gone "$p2"
await 10 'len([w for w in workers("started") if w["pid"] not in ('"$p1, $p2"')]) >= 2' \
	"terminate: both killed workers were replaced"
send 'map square 1..4'
await 10 '[e for e in ev if e["event"] == "result" and e.get("results") == [1, 4, 9, 16]]' \
	"terminate: the pool works afterwards"
live_stop

# terminate of a held (paused while queued) task
out=$TEST_TMPDIR/held.json; all_json+=("$out")
"$poolmon" --batch --json -w 1 -x 'pause; submit square 3; pause t1; resume; terminate t1; join; apply square 2' \
	>"$out" 2>"$TEST_TMPDIR/held.err"
is "$(q "$out" 'final("t1")')" "['cancelled']" "terminate of a held queued task: cancelled"
is "$(q "$out" '[e["result"] for e in ev if e["event"] == "result"]')" "[4]" "then apply square 2 = 4"

# --- pause/resume of a running task -----------------------------------------
live_start -w 1
all_json+=("$live")
send 'submit sleep 2500'
await 10 'tasks("t1", "running")' "pause/resume: t1 running"
wpid=$(q "$live" 'tasks("t1", "running")[0]["pid"]')
send 'pause t1'
await 10 'tasks("t1", "paused") and workers("paused")' "pause t1: task paused and worker paused events"
ok "pause t1: the worker process is stopped (ps state T)" wait_for 5 stopped "$wpid"
send 'resume t1'
await 10 'workers("resumed")' "resume t1: worker resumed event"
ok "resume t1: the worker process runs again (not T)" wait_for 5 eval "! stopped $wpid"
send 'join'
await 10 'final("t1")' "pause/resume: t1 final"
is "$(q "$live" 'final("t1"), [e["result"] for e in tasks("t1", "done")]')" "(['done'], [2500])" \
	"pause/resume: t1 done with result 2500"
is "$(q "$live" '[e["state"] for e in tasks("t1")]')" "['queued', 'running', 'paused', 'running', 'done']" \
	"pause/resume: states queued, running, paused, running, done"
live_stop

# --- pause/resume of a worker: kernel state T, then back --------------------
live_start -w 2
all_json+=("$live")
send 'submit sleep 2500'
await 10 'tasks("t1", "running")' "pause worker: t1 running"
wid=$(q "$live" 'tasks("t1", "running")[0]["worker"]')
wpid=$(q "$live" 'tasks("t1", "running")[0]["pid"]')
send "pause $wid; echo paused-mark; status"
await 10 '[e for e in ev if e["event"] == "status"]' "pause $wid: status answers"
is "$(q "$live" '[w["state"] for w in workers("paused")]')" "['paused']" "pause $wid: one worker paused event"
is "$(q "$live" '[w["state"] for e in ev if e["event"] == "status" for w in e["workers"] if w["id"] == "'"$wid"'"]')" \
	"['paused']" "pause $wid: status shows the worker paused"
ok "pause $wid: its process is stopped (ps state T)" wait_for 5 stopped "$wpid"
# kernel_state comes from libproc2; a build without it reports "?".  The
# stop is asynchronous, so poll with status until it shows (5 s at most).
nstatus=1
kstate() { # kstate: send status, wait for it, print $wid's kernel_state
	nstatus=$((nstatus + 1))
	send status
	python3 "$TEST_TMPDIR/q.py" --wait 5 "$live_pid" "$live" "len([e for e in ev if e['event'] == 'status']) >= $nstatus" >/dev/null
	q "$live" '[w["kernel_state"] for e in ev if e["event"] == "status" for w in e["workers"] if w["id"] == "'"$wid"'"][-1]'
}
ks_until() { # ks_until STATE-ERE: poll kstate until it matches
	local i
	for i in $(seq 1 25); do
		ks=$(kstate)
		[[ $ks =~ $1 ]] && return 0
		sleep 0.2
	done
	return 1
}
ks=$(kstate)
if [ "$ks" = "?" ]; then
	skip "needs real procstat (kernel_state is '?')"
else
	ks_until '^T$'
	is "$ks" T "pause $wid: status kernel_state becomes T (needs real procstat)"
fi
send "resume $wid"
await 10 'workers("resumed")' "resume $wid: worker resumed event"
if [ "$ks" = "?" ]; then
	skip "needs real procstat (kernel_state is '?')"
else
	ks_until '^[^T]$'
	like "$ks" '^[RSD]$' "resume $wid: kernel_state back to R/S (needs real procstat)"
fi
ok "resume $wid: its process runs again (not T)" wait_for 5 eval "! stopped $wpid"
send 'join'
await 10 'final("t1")' "pause worker: t1 final"
is "$(q "$live" 'final("t1")')" "['done']" "pause/resume worker: its task still ends done"
live_stop

# --- close; join finishes queued work, and the workers exit -----------------
out=$TEST_TMPDIR/close.json; all_json+=("$out")
"$poolmon" --batch --json -w 2 -x 'submit sleep 100; submit sleep 100; submit sleep 100; submit sleep 100; submit square 9; close; submit square 1; join' \
	>"$out" 2>"$TEST_TMPDIR/close.err"
rc=$?
is "$(q "$out" 'sorted(s for i in ids() for s in final(i))')" "['done', 'done', 'done', 'done', 'done']" \
	"close; join: all 5 queued tasks done"
is "$(q "$out" 'len([e for e in ev if e["event"] == "error" and e["command"] == "submit"])')" 1 \
	"submit after close is an error"
is "$(q "$out" 'len(workers("exited")), ev[-1]["event"]')" "(2, 'worker')" \
	"close; join: both workers exit before join returns"
workerpids=$(q "$out" '" ".join(str(w["pid"]) for w in workers("exited"))')
ok "close; join: the worker processes are gone" gone $workerpids
is "$rc" 1 "close; join: exit status 1 (the refused submit)"

# --- terminate pool cancels queued tasks ------------------------------------
live_start -w 1
all_json+=("$live")
send 'submit sleep 30000; submit square 2; submit square 3; submit sleep 10'
await 10 'tasks("t1", "running")' "terminate pool: t1 running"
wpid=$(q "$live" 'tasks("t1", "running")[0]["pid"]')
send 'terminate pool; join'
await 10 'all(final(i) for i in ids())' "terminate pool: every task reaches a final state"
is "$(q "$live" '[final(i) for i in ids()]')" "[['terminated'], ['cancelled'], ['cancelled'], ['cancelled']]" \
	"terminate pool: running terminated, queued cancelled"
ok "terminate pool: the worker is gone" wait_for 5 gone "$wpid"
send 'submit square 4'
await 10 '[e for e in ev if e["event"] == "error" and e["command"] == "submit"]' \
	"terminate pool: a later submit is refused with an error"
live_stop
is "$?" 1 "terminate pool session: exit status 1 (the refused submit)"

# --- every task ends in exactly one final state -----------------------------
for f in "${all_json[@]}"; do
	like "$(q "$f" 'one_final_each()')" '^ok [0-9]+$' "exactly one final state per task in $(basename "$f")"
done

# --- kill -9 of poolmon: no worker outlives it -------------------------------
live_start -w 3
send 'submit sleep 30000; submit hang; submit spin 30000; submit sleep 30000'
await 10 'len(tasks(state="running")) == 3' "kill -9 poolmon: three tasks running"
pids=$(pgrep -P "$live_pid" | tr '\n' ' ')
is "$(echo $pids | wc -w)" 3 "kill -9 poolmon: it has three worker children"
kill -9 "$live_pid"
wait "$live_pid" 2>/dev/null
exec 3>&-
t0=$(date +%s%N)
while alive $pids && [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 1000 ]; do sleep 0.05; done
ok "kill -9 poolmon: no worker alive within 1 s" gone $pids
for p in $pids; do kill -9 "$p" 2>/dev/null; done

done_testing
