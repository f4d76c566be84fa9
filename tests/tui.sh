#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The TUI driven through tmux: real worker pids, a command and its result,
# history, completion, help, live kernel states, resize, refusals, a clean
# quit, and the terminal restored after a crash.  Every wait polls the
# screen with a deadline; nothing relies on a bare sleep.
. "${srcdir:-.}/tests/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
export TERM=xterm-256color # the tmux client needs one; panes get their own

sock="poolmon-test-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
on_exit "tmux -L '$sock' kill-server 2>/dev/null"
export XDG_STATE_HOME="$TEST_TMPDIR/state"

# start NAME W H CMD — a window running CMD; the pane stays after CMD ends
# (its exit status is printed as "exit=N").
start() {
	local name=$1 w=$2 h=$3
	shift 3
	local cmd="cd '$PWD'; $*; echo exit=\$?; exec sleep 600"
	if tm has-session -t main 2>/dev/null; then
		tm new-window -d -t main -n "$name" "$cmd"
		tm resize-window -t "main:$name" -x "$w" -y "$h" 2>/dev/null
	else
		tm new-session -d -s main -n "$name" -x "$w" -y "$h" "$cmd"
	fi
}
screen() { tm capture-pane -t "main:$1" -p; }
has() { screen "$1" | grep -Eq -- "$2"; }
# wait_screen WIN ERE [SECONDS]
wait_screen() { wait_for "${3:-10}" has "$1" "$2"; }
lacks() { ! has "$1" "$2"; }
pane_pid() { tm display-message -p -t "main:$1" '#{pane_pid}'; }
poolmon_pid() { pgrep -P "$(pane_pid "$1")" -x poolmon | head -n1; }
tmux_flag() { tm display-message -p -t "main:$1" "#{$2}"; }
cmdline() { screen "$1" | grep -E '^poolmon> ' | tail -n1; }

start ui 100 30 "'$POOLMON' -w 2 -d 5"

if ! wait_screen ui '^w2 +[0-9]+ ' 15; then
	fail "the screen shows two workers" "$(screen ui)"
	done_testing
fi
pass "the screen shows two workers"
pid=$(poolmon_pid ui)
diag "poolmon pid $pid"

# The table's pids are exactly poolmon's children.
real=$(pgrep -P "$pid" | sort -n | tr '\n' ' ')
shown=$(screen ui | awk '/^w[0-9]+ +[0-9]+ /{print $2}' | sort -n | tr '\n' ' ')
is "$shown" "$real" "the workers table shows the pids of pgrep -P"
like "$(screen ui)" '^poolmon  pool:running  workers:2' "header shows pool state and size"
like "$(screen ui)" 'F1Help .*F10Quit' "key bar at the bottom"

# A command and its result in the log pane.
tm send-keys -t main:ui 'submit square 7' Enter
if wait_screen ui 't1 demo.square\(7\) done: 49'; then
	pass "submit square 7 shows 49 in the log pane"
else
	fail "submit square 7 shows 49 in the log pane" "$(screen ui)"
fi
like "$(screen ui)" '^t1 +demo\.square\(7\) +done .* 49' "the tasks panel shows t1 done with 49"

# History: Up recalls the last command on the command line.
tm send-keys -t main:ui Up
if wait_for 5 sh -c "tmux -L '$sock' capture-pane -t main:ui -p | grep -q '^poolmon> submit square 7'"; then
	pass "Up recalls the previous command"
else
	fail "Up recalls the previous command" "$(cmdline ui)"
fi
tm send-keys -t main:ui C-u

# Completion of a task name.
tm send-keys -t main:ui 'submit squ' Tab
if wait_for 5 sh -c "tmux -L '$sock' capture-pane -t main:ui -p | grep -q '^poolmon> submit square *$'"; then
	pass "Tab completes a task name"
else
	fail "Tab completes a task name" "$(cmdline ui)"
fi
tm send-keys -t main:ui C-u

# The help overlay lists keys and every command of the table.
tm send-keys -t main:ui '?'
if wait_screen ui 'poolmon help'; then
	pass "? on an empty line opens the help overlay"
else
	fail "? on an empty line opens the help overlay" "$(screen ui)"
fi
tm send-keys -t main:ui Escape
wait_for 5 lacks ui 'poolmon help' && pass "Esc closes the help overlay" ||
	fail "Esc closes the help overlay" "$(screen ui)"

# Live kernel states: a spinning worker is R, a paused one T.
tm send-keys -t main:ui 'submit spin 20000' Enter
if wait_screen ui '^w[0-9]+ +[0-9]+ busy +R +t2 demo\.spin' 10; then
	pass "a busy worker shows kernel state R"
else
	fail "a busy worker shows kernel state R" "$(screen ui)"
fi
tm send-keys -t main:ui 'pause t2' Enter
if wait_screen ui '^w[0-9]+ +[0-9]+ paused +T +t2 demo\.spin' 10; then
	pass "a paused worker shows kernel state T"
else
	fail "a paused worker shows kernel state T" "$(screen ui)"
fi
tm send-keys -t main:ui 'terminate t2' Enter
wait_screen ui 't2 demo\.spin\(20000\) terminated' 10 &&
	pass "terminate t2 ends the task" || fail "terminate t2 ends the task" "$(screen ui)"

# A join waits without freezing the screen, and Ctrl-C stops it.
tm send-keys -t main:ui 'submit sleep 60000' Enter 'join' Enter
if wait_screen ui 'waiting - Ctrl-C stops' 10; then
	pass "join shows that it waits"
else
	fail "join shows that it waits" "$(screen ui)"
fi
tm send-keys -t main:ui C-c
wait_screen ui 'interrupted: join' 5 && pass "Ctrl-C stops the join, poolmon stays" ||
	fail "Ctrl-C stops the join, poolmon stays" "$(screen ui)"

# Resizing: 60x15 still shows the table; smaller the compact view (its
# own test: tui_compact.sh); below 40x6 a notice.
tm resize-window -t main:ui -x 60 -y 15
wait_for 5 sh -c "[ \"\$(tmux -L '$sock' capture-pane -t main:ui -p | wc -L)\" -le 60 ]" &&
	wait_screen ui '^ID +PID STATE' 5 && pass "60x15 redraws the screen" ||
	fail "60x15 redraws the screen" "$(screen ui)"
tm resize-window -t main:ui -x 39 -y 12
wait_screen ui 'terminal too small \(39x12, need 40x6\)' 5 &&
	pass "below 40 columns a notice replaces the screen" ||
	fail "below 40 columns a notice replaces the screen" "$(screen ui)"
tm resize-window -t main:ui -x 100 -y 30
wait_screen ui '^w2 +[0-9]+ ' 5 && pass "back to 100x30 redraws" ||
	fail "back to 100x30 redraws" "$(screen ui)"

# quit: poolmon exits 0, its workers with it, the terminal restored.
workers=$(pgrep -P "$pid" | tr '\n' ' ')
tm send-keys -t main:ui 'quit' Enter
if wait_screen ui '^exit=0' 10; then
	pass "quit exits with status 0"
else
	fail "quit exits with status 0" "$(screen ui)"
fi
gone() { ! kill -0 "$pid" 2>/dev/null; }
wait_for 5 gone && pass "poolmon has exited" || fail "poolmon has exited"
left=
for w in $workers; do kill -0 "$w" 2>/dev/null && left="$left $w"; done
is "$left" "" "no worker is left after quit"
is "$(tmux_flag ui alternate_on)" "0" "the alternate screen is left"
is "$(tmux_flag ui cursor_flag)" "1" "the cursor is visible again"
[ -s "$XDG_STATE_HOME/poolmon/history" ] && grep -q '^submit square 7$' "$XDG_STATE_HOME/poolmon/history" &&
	pass "history saved under \$XDG_STATE_HOME/poolmon" ||
	fail "history saved under \$XDG_STATE_HOME/poolmon"

# Refusals: no terminal and TERM=dumb give a clear message and status 2.
start dumb 80 24 "TERM=dumb '$POOLMON' -w 1"
wait_screen dumb '^exit=' 10
like "$(screen dumb)" '--batch' "TERM=dumb suggests --batch"
like "$(screen dumb)" '^exit=2' "TERM=dumb exits with status 2"
start notty 80 24 "'$POOLMON' -w 1 > '$TEST_TMPDIR/out' 2>&1"
wait_screen notty '^exit=' 10
like "$(screen notty)" '^exit=2' "stdout not a terminal exits with status 2"
like "$(cat "$TEST_TMPDIR/out")" '--batch' "stdout not a terminal suggests --batch"

# A crash in poolmon's own code leaves a usable terminal.
start crash 100 30 "NO_COLOR=1 '$POOLMON' -w 1"
if wait_screen crash '^w1 +[0-9]+ ' 15; then
	cpid=$(poolmon_pid crash)
	kill -SEGV "$cpid"
	wait_screen crash 'terminal restored' 10 &&
		pass "SIGSEGV restores the terminal" ||
		fail "SIGSEGV restores the terminal" "$(screen crash)"
	is "$(tmux_flag crash alternate_on)" "0" "after the crash the alternate screen is left"
else
	fail "SIGSEGV restores the terminal" "$(screen crash)"
	skip "no poolmon to crash"
fi

done_testing
