#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What the panels say (issue 14, item 7), in tmux: the tasks panel names
# the worker of each task; the header counts terminated and cancelled
# apart; a time under a second is in milliseconds; keys act only on the
# row highlighted in the focused panel (none in the log).  And a task's log
# line names its task (`t1 job_timed: …`), in batch mode.  Every wait polls
# the screen with a deadline.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

type_line() { tmux_keys "$1" -l "$2" && tmux_keys "$1" Enter; }
# sync WIN — the keys sent before are handled: F1 opens the help once
# they are, Esc closes it.
sync() {
	tmux_keys "$1" F1 && tmux_wait "$1" 'poolmon help' 5 &&
		tmux_keys "$1" Escape && wait_for 5 eval "! tmux_has '$1' 'poolmon help'"
}

# 0. A log line names its task.
out=$(printf 'submit job_timed 10\njoin\n' | "$POOLMON" --batch -w 1 2>&1)
if grep -Eq '^t1 job_timed: job\(10\) in pid [0-9]+: ' <<<"$out"; then
	pass "a task's log line names its task: t1 job_timed: …"
else
	fail "a task's log line names its task: t1 job_timed: …" "$out"
fi

tmux_start p 100 30 "'$POOLMON' -w 1"
tmux_wait p '^w1 +[0-9]+ ' 15 || bail_out "poolmon did not start: $(tmux_screen p)"

# 1. terminated and cancelled apart; the worker column.
type_line p 'submit hang; submit sleep 100'
expect p '^t2 +demo\.sleep\(100\) +queued$' "t2 waits behind the hang"
type_line p 'terminate t2; terminate t1'
expect p 'terminated:1 cancelled:1$' "the header counts terminated and cancelled apart"
expect p '^TASK +CALL +STATE +WORKER +TIME +RESULT' "the tasks panel has a WORKER column"
expect p '^t1 +demo\.hang\(\) +terminated +w1 ' "... t1 ran on w1"
expect p '^t2 +demo\.sleep\(100\) +cancelled$' "... t2 never ran: no worker"

# 2. Under a second: milliseconds.
type_line p 'submit sleep 250'
expect p '^t3 +demo\.sleep\(250\) +done +w1 +2[5-9][0-9]ms +250$' "ELAPSED under a second is in ms (250ms, not 0.3s)"
expect p '^w1 .*' "the workers table is there"

# 3. Keys act only on the highlighted row: none in the log panel.
tmux_keys p Escape
tmux_wait p 'EscCommand' 5
tmux_keys p Tab Tab # workers -> tasks -> log
tmux_keys p p
sync p
if ! tmux_has p 'poolmon> pause'; then pass "p in the log panel pauses nothing"; else
	fail "p in the log panel pauses nothing" "$(tmux_screen p)"
fi
tmux_keys p Tab # -> workers
tmux_keys p p
expect p '^poolmon> pause w1$' "p in the workers panel pauses the highlighted w1"

# 4. An empty tasks panel has no highlighted row: p acts on nothing.
tmux_start e 100 30 "'$POOLMON' -w 1"
tmux_wait e '^w1 +[0-9]+ ' 15
tmux_keys e Escape
tmux_wait e 'EscCommand' 5
tmux_keys e Tab # workers -> tasks (empty)
tmux_keys e p
sync e
if ! tmux_has e 'poolmon> pause'; then pass "p in an empty tasks panel pauses nothing"; else
	fail "p in an empty tasks panel pauses nothing" "$(tmux_screen e)"
fi

done_testing
