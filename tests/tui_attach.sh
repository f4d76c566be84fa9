#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tui_attach.sh — screens attached to a served pool (#17, poolmon attach
# NAME): two screens show the same worker pids, the server's; a pause
# typed in one shows T in the other; a command's output and errors go to
# the log of the screen that typed it, and the pool's events to both;
# completion asks the server; the detach key D and the `detach` command
# leave the pool running; kill -9 of a screen changes nothing for the pool
# or the other screen; quit asks whether to stop the pool or detach; the
# server going away ends a screen with a message and status 1.  Every
# wait polls the screen or the socket, with a bound.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
. "$srcdir/tests/serve_lib.sh"
export XDG_STATE_HOME="$TEST_TMPDIR/state"
mkdir -p "$XDG_STATE_HOME/poolmon"

serve pool -w 2 || bail_out "no server: $(cat "$TEST_TMPDIR/pool.err")"
# the server's workers, as its status says: "w1 PID ..."
pids=$("$poolmon" -c pool -x status | awk '$1 ~ /^w[0-9]+$/ { print $1, $2 }')
is "$(printf '%s\n' "$pids" | wc -l)" 2 "the server has two workers"

attach() { tmux_start "$1" 120 40 "'$POOLMON' attach pool -d 2"; }
attach a
attach b
# rows NAME — the workers table's ids and pids on NAME's screen
rows() { tmux_screen "$1" | awk '$1 ~ /^w[0-9]+$/ && $2 ~ /^[0-9]+$/ { print $1, $2 }'; }
same_pids() { [ "$(rows "$1")" = "$pids" ]; }
for s in a b; do
	if wait_for 15 same_pids $s; then pass "screen $s shows the server's worker pids"; else
		fail "screen $s shows the server's worker pids" "$pids / $(tmux_screen $s)"
	fi
done

# A command typed in a: its output in a's log only, its effect on both.
tmux_keys a 'pause w1' Enter
paused() { tmux_has "$1" '^w1 +[0-9]+ paused +T '; }
for s in a b; do
	if wait_for 10 paused $s; then pass "pause w1 typed in a: $s shows w1 paused, kernel T"; else
		fail "pause w1 typed in a: $s shows w1 paused, kernel T" "$(tmux_screen $s)"
	fi
done
tmux_keys a 'submit square 7' Enter 'echo from-a' Enter 'frobnicate' Enter
expect a '^poolmon> submit square 7$' "a: the typed line echoed"
expect a '^  t1$' "a: submit's answer under it"
expect a '^  from-a$' "a: echo's line"
expect a "^! error: frobnicate: unknown command \(try 'help'\)$" "a: an error line, as the local screen's"
expect a '^  t1 demo\.square\(7\) done: 49 \[w2 pid [0-9]+\]$' "a: the task's event line"
expect b '^  t1 demo\.square\(7\) done: 49 \[w2 pid [0-9]+\]$' "b: the pool's event in the other screen too"
expect b '^t1 +demo\.square\(7\) +done +w2 ' "b: t1 in the tasks panel"
if tmux_has b 'from-a|frobnicate'; then fail "b: a's answers are a's only" "$(tmux_screen b)"; else
	pass "b: a's answers are a's only"; fi
# As on the local screen: a long list's head and tail; apply prints its
# result, not also the task's event; a join prints the event once.
tmux_keys a 'map square 1..100' Enter
expect a '^  \[1, 4, 9, 16, 25, 36, 49, 64, 81, 100, … 80 more …, 8281, ' \
	"a: a map's long list shows its head and tail"
tmux_keys a 'apply square 6' Enter 'echo after-apply' Enter
expect a '^  after-apply$' "a: apply, then echo"
is "$(tmux_screen a | grep -cE '^  t[0-9]+ demo\.square\(6\)')" 0 "a: apply's task shows no event line, only its result"
tmux_keys a 'submit sleep 300' Enter 'join' Enter 'echo after-join' Enter
expect a '^  after-join$' "a: a join, then echo"
is "$(tmux_screen a | grep -cE '^  t[0-9]+ demo\.sleep\(300\) done: 300')" 1 "a: the joined task's event line, once"

# Completion is the server's interpreter's.
tmux_keys b 'resum' Tab
expect b '^poolmon> resume ?$' "b: Tab completes a command from the server"
tmux_keys b 'w' Tab Tab
expect b '^ *w1 +w2 *$' "b: ... and Tab Tab lists the server's workers' ids"
tmux_keys b C-a C-k

# A key's command: p on the selected worker (w1, paused) resumes it.
tmux_keys b Escape
expect b 'EscCommand' "b: keys to the screen"
tmux_keys b p
expect b '^poolmon> resume w1$' "b: p runs resume w1 (w1 is paused)"
for s in a b; do
	expect $s '^w1 +[0-9]+ idle ' "$s: w1 is idle again"
done

# The detach key, D: b leaves, the pool runs on, a goes on.
tmux_keys b D
expect b '^exit=0' "b: D detaches, status 0"
like "$(tmux_screen b)" "detached from pool" "b: ... and says so"
like "$("$poolmon" -c pool -x status)" "^w1 +" "after the detach the pool still answers"
tmux_keys a 'submit square 8' Enter
expect a '^  t[0-9]+ demo\.square\(8\) done: 64 ' "a goes on after b detached"

# kill -9 of an attached screen: nothing changes for the pool or for a.
attach c
wait_for 15 same_pids c && pass "c attached" || fail "c attached" "$(tmux_screen c)"
cpid=$(tmux_poolmon_pid c)
kill -9 "$cpid"
ok "c killed by SIGKILL" wait_for 10 sh -c "! kill -0 $cpid 2>/dev/null"
is "$("$poolmon" -c pool -x 'apply square 9')" 81 "the pool answers after kill -9 of a screen"
tmux_keys a 'submit square 10' Enter
expect a '^  t[0-9]+ demo\.square\(10\) done: 100 ' "a goes on after c was killed"
if same_pids a; then pass "a shows the same workers"; else fail "a shows the same workers" "$(tmux_screen a)"; fi

# The detach command, then quit: it asks; c cancels, d detaches.
attach d
wait_for 15 same_pids d && pass "d attached" || fail "d attached" "$(tmux_screen d)"
tmux_keys d 'detach' Enter
expect d '^exit=0' "detach: the screen leaves"
like "$("$poolmon" -c pool -x status)" "^w1 +" "after detach the pool still answers"
tmux_keys a 'quit' Enter
expect a '\[s\]top the pool / \[d\]etach / \[c\]ancel' "quit attached asks"
tmux_keys a c
gone_q() { ! tmux_has a '\[s\]top the pool'; }
ok "c cancels" wait_for 5 gone_q
tmux_keys a 'echo still-here' Enter
expect a '^  still-here$' "... and the screen goes on"
tmux_keys a 'quit' Enter
expect a '\[s\]top the pool' "quit asks again"
tmux_keys a d
expect a '^exit=0' "d detaches"
like "$("$poolmon" -c pool -x status)" "^w1 +" "... and the pool runs on"

# quit, s: the pool stops; the server going away ends another screen.
attach e
attach f
wait_for 15 same_pids e && wait_for 15 same_pids f && pass "e and f attached" ||
	fail "e and f attached" "$(tmux_screen e; tmux_screen f)"
tmux_keys e 'quit' Enter
expect e '\[s\]top the pool' "e: quit asks"
tmux_keys e s
expect e '^exit=0' "s: e leaves"
ok "... the server stops" wait_for 10 sh -c "! kill -0 $server 2>/dev/null"
expect f '^exit=1' "f: the server went away: status 1"
like "$(tmux_screen f)" "poolmon: lost the pool pool" "f: ... with a message"

# Bad names and missing pools.
out=$("$poolmon" attach nosuch 2>&1 </dev/null)
is "$?" 1 "attach to no pool: status 1"
like "$out" "^poolmon: " "... with a message"
out=$("$poolmon" attach 2>&1 </dev/null)
is "$?" 2 "attach without NAME: usage error"
done_testing
