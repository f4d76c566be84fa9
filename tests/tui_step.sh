#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/tui_step.sh — step mode on the screen (issue 14 item 3): with the
# dispatcher paused, each press of s runs `step 1` and exactly one more
# task of a waiting map runs.  Then `show q` typed on the screen lists a
# queue's items in order (item 4).  The session is recorded (`record
# FILE`): typed lines and the keys' commands; `source FILE` runs a script
# on the screen (item 6).
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"


tmux_start s 100 30 "'$POOLMON' -w 2"
if ! tmux_wait s '^w2 +[0-9]+ ' 15; then
	fail "the screen comes up" "$(tmux_screen s)"
	done_testing
fi
tmux_keys s "record $TEST_TMPDIR/rec.pm" Enter
expect s "^ *recording to $TEST_TMPDIR/rec.pm\$" "record FILE in the TUI"
tmux_keys s 'pause pool' Enter
tmux_keys s 'map sleep 200,200,200,200,200' Enter
expect s 'queued:5 running:0 done:0' "the map waits, the dispatcher paused"
tmux_keys s Escape
expect s 'EscCommand' "Esc gives the keys to the screen"
tmux_keys s s
expect s '^poolmon> step 1$' "s runs 'step 1', echoed as a typed command"
expect s 'queued:4 running:0 done:1 ' "one step: exactly one task ran"
tmux_keys s s
expect s 'queued:3 running:0 done:2 ' "the next step: one more"
tmux_keys s s s s
expect s 'queued:0 running:0 done:5 ' "three more steps: the rest"
expect s '^ *\[200, 200, 200, 200, 200\]$' "the map prints its results"

tmux_keys s : 'queue q; put q first; put q second; put q third; show q' Enter
expect s '^ *q queue: 3 items$' "show q in the TUI: the count"
if tmux_screen s | grep -A3 'q queue: 3 items' | sed 's/ *$//' |
	tr '\n' '|' | grep -q "^ *q queue: 3 items| *1: 'first'| *2: 'second'| *3: 'third'|$"; then
	pass "show q in the TUI: the items in order"
else
	fail "show q in the TUI: the items in order" "$(tmux_screen s)"
fi

printf 'echo from the script\napply square 12\n' > "$TEST_TMPDIR/s.pm"
tmux_keys s 'resume pool' Enter
tmux_keys s "source $TEST_TMPDIR/s.pm" Enter
expect s '^ *from the script$' "source FILE in the TUI runs its lines"
expect s '^ *144$' "... the waiting ones too"
tmux_keys s 'record off' Enter
expect s "^ *session written to $TEST_TMPDIR/rec.pm\$" "record off in the TUI"
is "$(sed 1d "$TEST_TMPDIR/rec.pm")" "pause pool
map sleep 200,200,200,200,200
step 1
step 1
step 1
step 1
step 1
queue q; put q first; put q second; put q third; show q
resume pool
source $TEST_TMPDIR/s.pm" "the recording has the typed lines and the keys' commands, in order"
done_testing
