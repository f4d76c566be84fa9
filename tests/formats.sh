#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# formats.sh — issue 11: floats are written as Python's repr writes them
# (20.0, not 2e+01) in text, JSON (numbers and "text" fields) and the TUI;
# a worker killed by a signal the old table did not know (SIGPROF) is named
# by it, not "SIG?".
. "${srcdir:-.}/tests/lib.sh"
. "${srcdir:-.}/tests/live.sh"

# --- floats in text --------------------------------------------------------
out=$("$poolmon" --batch -w 1 -x 'value x d 20; show x; array a d 10,100,0.1; show a; apply echo 2.0 1e16 0.0001 0.00001 123456789012345678.0 -0.0 1.5' 2>&1)
is "$out" "x value 'd': 20.0
a array 'd': [10.0, 100.0, 0.1]
[2.0, 1e+16, 0.0001, 1e-05, 1.2345678901234568e+17, -0.0, 1.5]" \
	"text: value d 20 is 20.0, array d 10,100,0.1 is [10.0, 100.0, 0.1], a task's floats as Python's repr"
out=$("$poolmon" --batch -w 1 -x 'submit echo 20.0; join' 2>&1)
like "$out" '^t1 demo\.echo\(20\.0\) done: 20\.0 ' "text: a task's event line shows its float argument and result as 20.0"

# --- floats in JSON: the numbers as written, and the text fields ---------------
"$poolmon" --batch --json -w 1 -x 'value x d 20; show x; array a d 10,100,0.1; show a; apply echo 20.0 1e16 0.00001' \
	>"$TEST_TMPDIR/o.json" 2>"$TEST_TMPDIR/e"
is "$?" 0 "--json: exit status 0"
ok "--json: every line is JSON" python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TEST_TMPDIR/o.json"
like "$(grep '"name":"x"' "$TEST_TMPDIR/o.json")" '"value":20\.0,.*"text":"20\.0"' \
	"--json: value x: \"value\":20.0 and \"text\":\"20.0\""
like "$(grep '"name":"a"' "$TEST_TMPDIR/o.json")" '"values":\[10\.0,100\.0,0\.1\],.*"text":"\[10\.0, 100\.0, 0\.1\]"' \
	"--json: array a: \"values\":[10.0,100.0,0.1] and its text [10.0, 100.0, 0.1]"
like "$(grep '"event":"result"' "$TEST_TMPDIR/o.json")" '"result":\[20\.0,1e\+16,1e-05\]' \
	"--json: a result's floats written as in text: [20.0,1e+16,1e-05]"

# --- floats in the TUI -----------------------------------------------------
if command -v tmux >/dev/null 2>&1; then
	export TERM=xterm-256color
	sock="poolmon-formats-$$"
	tm() { tmux -L "$sock" -f /dev/null "$@"; }
	on_exit "tmux -L '$sock' kill-server 2>/dev/null"
	export XDG_STATE_HOME="$TEST_TMPDIR/state"
	tm new-session -d -s main -x 120 -y 30 \
		"cd '$PWD'; TERM=screen-256color '$POOLMON' -w 1; exec sleep 600"
	has() { tm capture-pane -t main -p | grep -Eq -- "$1"; }
	wait_for 10 has 'w1 ' || diag "the TUI did not show w1"
	for line in 'value x d 20' 'array a d 10,100,0.1'; do
		tm send-keys -t main -l "$line" && tm send-keys -t main Enter
	done
	if wait_for 10 has '^a +array d\[3\] +\[10\.0, 100\.0, 0\.1\] '; then
		pass "TUI: the shared panel shows array a as [10.0, 100.0, 0.1]"
	else
		fail "TUI: the shared panel shows array a as [10.0, 100.0, 0.1]" "$(tm capture-pane -t main -p)"
	fi
	if has '^x +value d +20\.0 ' && ! has '2e\+01|1e\+01|1e\+02'; then
		pass "TUI: value x shows 20.0, no float in e+ form"
	else
		fail "TUI: value x shows 20.0, no float in e+ form" "$(tm capture-pane -t main -p)"
	fi
	tm kill-server 2>/dev/null
else
	skip "tmux is not installed" 2
fi

# --- a worker killed by SIGPROF --------------------------------------------
live_start -w 1
send 'submit sleep 30000'
await 10 'tasks("t1", "running")' "SIGPROF: t1 is running"
wpid=$(q "$live" 'tasks("t1", "running")[0]["pid"]')
kill -PROF "$wpid"
await 10 'final("t1")' "SIGPROF: t1 reaches a final state"
is "$(q "$live" '[(e["state"], e.get("signal"), e.get("error")) for e in tasks("t1") if e["state"] in FINAL]')" \
	"[('crashed', 'SIGPROF', 'worker killed by SIGPROF')]" "SIGPROF: t1 crashed, signal SIGPROF"
await 10 "[w for w in workers('exited') if w['pid'] == $wpid]" "SIGPROF: the worker's exit is an event"
is "$(q "$live" "[w.get('signal') for w in workers('exited') if w['pid'] == $wpid]")" "['SIGPROF']" \
	"SIGPROF: the worker exited event names SIGPROF"
live_stop >/dev/null
unlike "$(cat "$live")" 'SIG\?' "SIGPROF: no 'SIG?' anywhere in the events"

done_testing
