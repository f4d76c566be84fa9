#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A key that acts on the pool runs a command of the command language with
# the selection filled in, through the interpreter, as a typed line does:
# the log shows the command it ran ("poolmon> pause t1"), its errors come
# as a typed command's ("error: pause: ..."), and it runs at once even
# while a typed join waits.  The help overlay shows what each key runs.
# (Before, keys called the engine and logged "pause t1" on their own path.)
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

lacks() { ! tmux_has "$1" "$2"; }
# to_screen WIN — a lone Esc (sent on its own: an Esc followed by more keys
# is a Meta prefix) gives the keys to the screen.
to_screen() {
	tmux_keys "$1" Escape
	tmux_wait "$1" 'EscCommand' 5
}

tmux_start k 100 30 "'$POOLMON' -w 2"
if ! tmux_wait k '^w2 +[0-9]+ ' 15; then
	fail "the screen comes up" "$(tmux_screen k)"
	done_testing
fi

# p on the selected task pauses it, p again resumes it.
tmux_keys k 'submit sleep 60000' Enter
expect k '^t1 +demo\.sleep\(60000\) +running' "t1 runs"
to_screen k
expect k 'EscCommand' "Esc gives the keys to the screen"
tmux_keys k Tab p
expect k '^poolmon> pause t1$' "p on t1 runs 'pause t1', echoed as a typed command"
expect k '^t1 +demo\.sleep\(60000\) +paused' "p paused t1"
tmux_keys k p
expect k '^poolmon> resume t1$' "p on the paused t1 runs 'resume t1'"
expect k '^t1 +demo\.sleep\(60000\) +running' "p resumed t1"

# While a typed join waits, t y on the task it waits for runs at once
# (not after the join), and so ends the join.
tmux_keys k : 'join' Enter
expect k 'waiting - Ctrl-C stops' "join waits for t1"
to_screen k
tmux_keys k t
expect k 'Terminate t1\? \[y/N\]' "t asks before terminating t1"
tmux_keys k y
expect k '^poolmon> terminate t1$' "y runs 'terminate t1' while join waits"
expect k '^t1 +demo\.sleep\(60000\) +terminated' "t1 is terminated"
if wait_for 10 lacks k 'waiting - Ctrl-C stops'; then
	pass "the join ends with t1"
else
	fail "the join ends with t1" "$(tmux_screen k)"
fi

# + and - run `workers N`.
tmux_keys k +
expect k '^poolmon> workers 3$' "+ runs 'workers 3'"
expect k '^w3 +[0-9]+ ' "+ grew the pool to three workers"
tmux_keys k -
expect k '^poolmon> workers 2$' "- runs 'workers 2'"
expect k 'workers:2 ' "- shrank the pool to two workers"

# An error is the interpreter's, as for a typed command.
tmux_keys k : 'spawn sleep 1' Enter
expect k '^p1 +exit 0' "p1 has exited"
to_screen k
tmux_keys k Tab Tab G p
expect k '^poolmon> pause p1$' "p on the exited p1 runs 'pause p1'"
expect k '^! error: pause: process p1 has already exited$' \
	"its error is the interpreter's, as for a typed 'pause p1'"

# The help overlay says what a key runs.
tmux_keys k F1
expect k 'runs: pause ID, or resume ID if it is paused' "the help shows what p runs"
like "$(tmux_screen k)" 'runs: terminate ID' "the help shows what t runs"
tmux_keys k Escape

tmux_keys k : quit Enter
expect k '^exit=0' "quit exits with status 0"

done_testing
