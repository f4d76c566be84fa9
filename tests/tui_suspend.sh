#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Ctrl-Z suspends poolmon as vim, less and htop do: the terminal restored
# (normal screen, cursor shown), poolmon stopped as the shell's job, its
# workers going on (each in its own process group: the terminal's job
# control does not stop them, and a task submitted before the stop ends
# while poolmon is stopped); `fg` brings the whole screen back with the
# task's result.  The `suspend` command and a SIGTSTP from elsewhere do
# the same.  Before, Ctrl-Z did nothing.  poolmon runs in an interactive
# bash in the pane, so that job control exists.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

# The state letter of a pid (R, S, T...), from /proc.
pstate() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }
# Its CPU time so far in clock ticks (utime + stime).
pticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
is_state() { [ "$(pstate "$1")" = "$2" ]; }
# The worker ran on: idle again (S) with more CPU time than at the stop.
worker_done() { is_state "$1" S && [ "$(pticks "$1")" -gt "$2" ]; }

tmux_start z 100 30 "PS1='$ ' bash --norc --noprofile -i"
expect z '^\$ ?$' "an interactive shell in the pane" 10
tmux_keys z "'$POOLMON' -w 1" Enter
if ! tmux_wait z '^w1 +[0-9]+ ' 15; then
	fail "the screen comes up" "$(tmux_screen z)"
	done_testing
fi
sh_pid=$(pgrep -P "$(tmx display-message -p -t main:z '#{pane_pid}')" -x bash | head -n1)
pid=$(pgrep -P "$sh_pid" -x poolmon | head -n1)
worker=$(pgrep -P "$pid" -x poolmon | head -n1)
ok "poolmon and its worker are found" test -n "$pid" -a -n "$worker"

# A task that burns 1.5 s of CPU, running when poolmon stops.
tmux_keys z 'submit spin 1500' Enter
expect z '^t1 +demo\.spin\(1500\) +running' "t1 runs"
tmux_keys z C-z
if wait_for 10 is_state "$pid" T; then pass "Ctrl-Z stops poolmon"; else
	fail "Ctrl-Z stops poolmon" "state $(pstate "$pid")"
fi
ticks=$(pticks "$worker")
expect z '^\[1\]\+ +Stopped +.*poolmon.? -w 1$' "the shell reports the job stopped"
is "$(tmux_flag z alternate_on)" 0 "the normal screen is back while stopped"
is "$(tmux_flag z cursor_flag)" 1 "the cursor is visible while stopped"
isnt "$(pstate "$worker")" T "the worker is not stopped with poolmon"
if wait_for 20 worker_done "$worker" "$ticks"; then
	pass "the worker finishes t1 while poolmon is stopped"
else
	fail "the worker finishes t1 while poolmon is stopped" \
		"worker state $(pstate "$worker"), ticks $(pticks "$worker") (were $ticks)"
fi
is "$(pstate "$pid")" T "poolmon stayed stopped meanwhile"

tmux_keys z fg Enter
expect z '^poolmon  pool:running' "after fg the whole screen is drawn again"
expect z '^t1 +demo\.spin\(1500\) +done +w1 +[0-9.]+s [0-9]+' "t1's result is shown after fg"
is "$(tmux_flag z alternate_on)" 1 "the alternate screen is back"
lacks_stopped() { ! tmux_has z 'Stopped'; }
ok "the shell's lines are gone from the screen" lacks_stopped

# The command does the same, and a SIGTSTP from elsewhere.
tmux_keys z 'suspend' Enter
if wait_for 10 is_state "$pid" T; then pass "'suspend' stops poolmon"; else
	fail "'suspend' stops poolmon" "state $(pstate "$pid")"
fi
expect z '^\[1\]\+ +Stopped' "the shell reports it stopped"
tmux_keys z fg Enter
expect z '^poolmon> suspend$' "after fg the screen is back with the log"
kill -TSTP "$pid"
if wait_for 10 is_state "$pid" T; then pass "SIGTSTP stops poolmon"; else
	fail "SIGTSTP stops poolmon" "state $(pstate "$pid")"
fi
is "$(tmux_flag z alternate_on)" 0 "the terminal was restored first"
tmux_keys z fg Enter
expect z '^poolmon  pool:running' "after fg the screen is back"

# Ctrl-Z also works while F3's search line is open, which then comes back.
tmux_keys z F3
expect z '^Search: ' "F3 opens the search line"
tmux_keys z C-z
if wait_for 10 is_state "$pid" T; then pass "Ctrl-Z on the search line stops poolmon"; else
	fail "Ctrl-Z on the search line stops poolmon" "state $(pstate "$pid")"
fi
tmux_keys z fg Enter
expect z '^Search: ' "after fg the search line is back"
tmux_keys z Escape

# Without job control (a pane's sh -c: an orphaned process group, where
# the kernel discards SIGTSTP) Ctrl-Z says so and the screen stays.
tmux_start n 100 30 "'$POOLMON' -w 1"
expect n '^w1 +[0-9]+ ' "poolmon without job control" 15
tmux_keys n C-z
expect n '^! error: suspend: no job control here: nothing could resume poolmon' \
	"Ctrl-Z without job control says why it cannot suspend"
is "$(tmux_flag n alternate_on)" 1 "and the screen stays"
tmux_keys n 'echo still here' Enter
expect n '^  still here$' "poolmon goes on"
tmux_keys n 'quit' Enter
expect n '^exit=0$' "quit"

# The screen's commands need the screen.
out=$("$POOLMON" -x 'suspend' 2>&1)
is "$out" "-x:1: error: suspend: only on the screen (not in --batch, --script or -x)" \
	"suspend is refused without a screen"

tmux_keys z 'quit' Enter
gone() { ! kill -0 "$pid" 2>/dev/null; }
ok "quit ends poolmon" wait_for 10 gone
done_testing
