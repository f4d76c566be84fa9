#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Ids on the screen are whole and name the right kind of process: a task
# run by a standalone process says "process pN" in its details (it said
# "worker w1"), and a seven-digit task id is not cut to another, real id
# ("t1000000" showed as "t100000").
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

# A spawned process's task: Esc gives the keys to the screen, Down selects
# the p1 row under w1, Enter opens its details.
tmux_start spawn 100 30 "'$POOLMON' -w 1"
if tmux_wait spawn '^w1 +[0-9]+ ' 15; then
	tmux_keys spawn 'spawn sleep 60000' Enter
	if tmux_wait spawn '^p1 +[0-9]+ +running' 10; then
		ppid=$(tmux_screen spawn | awk '$1 == "p1" && $3 == "running" {print $2; exit}')
		tmux_keys spawn Escape
		tmux_wait spawn 'EscCommand' 5
		tmux_keys spawn Down Enter
		if tmux_wait spawn "process +p1 \(pid $ppid\)" 5; then
			pass "the details of p1's task say process p1 (pid $ppid)"
		else
			fail "the details of p1's task say process p1 (pid $ppid)" "$(tmux_screen spawn)"
		fi
		unlike "$(tmux_screen spawn)" 'worker +w1 \(pid' "the details do not call it worker w1"
	else
		fail "spawn shows p1 running" "$(tmux_screen spawn)"
		skip "no p1" 1
	fi
else
	fail "the screen comes up" "$(tmux_screen spawn)"
	skip "no screen" 1
fi

# t1000000 in the tasks panel, whole.
tmux_start ids 100 30 "'$POOLMON' -w 2"
if tmux_wait ids '^w2 +[0-9]+ ' 15; then
	tmux_keys ids 'map square 1..999999; submit square 7; join' Enter
	if tmux_wait ids 't1000000 demo\.square\(7\) done: 49' 60; then
		like "$(tmux_screen ids)" '^t1000000 +demo\.square\(7\) +done ' "the tasks panel shows t1000000 whole"
		unlike "$(tmux_screen ids)" '^t100000 ' "no row shows the cut id t100000"
	else
		fail "the tasks panel shows t1000000 whole" "$(tmux_screen ids)"
		skip "no t1000000" 1
	fi
else
	fail "the screen comes up" "$(tmux_screen ids)"
	skip "no screen" 1
fi

done_testing
