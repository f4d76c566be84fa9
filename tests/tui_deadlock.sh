#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tui_deadlock.sh — issue 14 item 5 on the screen, in tmux at 100x30: a
# two-lock deadlock between two spawned processes (shared.lock_pair A B /
# B A) shown once in the log with its cycle and as DEADLOCK on both locks'
# rows of the shared panel, who waits and how long; terminate of one member
# from the command line breaks it: the other finishes, the mark goes, the
# dead holder is named.  A lock=0 value says "no lock".  Every wait polls
# the screen with a deadline.
. "${srcdir:-.}/tests/lib.sh"

tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

expect() { # expect WIN ERE MESSAGE [SECONDS]
	if tmux_wait "$1" "$2" "${4:-10}"; then
		pass "$3"
	else
		fail "$3" "$(tmux_screen "$1")"
	fi
}
type_line() { tmux_keys "$1" -l "$2" && tmux_keys "$1" Enter; }
count() { tmux_screen "$1" | grep -Ec -- "$2"; }

tmux_start dl 100 30 "TERM=screen-256color '$POOLMON' -w 1 -d 5"
expect dl '^w1 +[0-9]+ ' "the screen shows w1" 15

type_line dl "load shared"
type_line dl "value u i 0 lock=0"
type_line dl "value v i 0"
expect dl '^u +value i +0 +no lock$' "a lock=0 value says no lock"
expect dl '^v +value i +0 +free$' "a value with its lock: free"

type_line dl "lock A"
type_line dl "lock B"
type_line dl "spawn shared.lock_pair A B 300"
type_line dl "spawn shared.lock_pair B A 300"
expect dl '^ +deadlock: p1 waits for B held by p2, p2 waits for A held by p1 \(terminate one to break it\)$' \
	"the log says the deadlock with its cycle"
expect dl '^A +lock +p2 waits [0-9]+\.[0-9]s +DEADLOCK; held by p1$' "A: p2 waits, held by p1, marked DEADLOCK"
expect dl '^B +lock +p1 waits [0-9]+\.[0-9]s +DEADLOCK; held by p2$' "B: p1 waits, held by p2, marked DEADLOCK"
# How long: the panel's figure grows past a second (many of the manager's
# looks later), and the deadlock is still said once.
expect dl '^A +lock +p2 waits [1-9][0-9]*\.[0-9]s ' "the wait shown grows past a second"
is "$(count dl '^ +deadlock: ')" 1 "said exactly once"

type_line dl "terminate p1"
expect dl '^t2 +shared\.lock_pair.* done .*both \(owner died\)' "terminate p1: p2 finishes, told A's owner died"
expect dl '^A +lock +p1 died holding it +owner died; free$' "A: free, p1 died holding it"
expect dl '^B +lock +free$' "B: free"
if tmux_wait dl 'DEADLOCK' 0; then
	fail "the DEADLOCK mark is gone" "$(tmux_screen dl)"
else
	pass "the DEADLOCK mark is gone"
fi
is "$(count dl '^ +deadlock: ')" 1 "still said once"

done_testing
