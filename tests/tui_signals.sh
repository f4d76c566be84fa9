#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# SIGQUIT, SIGTERM and SIGHUP end the TUI as `quit` does: the terminal
# restored (normal screen, cursor shown, echo and canonical input back on),
# no worker left, and the status a shell gives a process the signal ended
# (128 + N).  SIGQUIT used to leave the terminal raw on the alternate screen.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

for sig in QUIT TERM HUP; do
	num=$(kill -l "$sig")
	win=$(echo "$sig" | tr 'A-Z' 'a-z')
	tmux_start "$win" 100 30 "'$POOLMON' -w 2"
	if ! tmux_wait "$win" '^w2 +[0-9]+ ' 15; then
		fail "SIG$sig: the screen comes up" "$(tmux_screen "$win")"
		continue
	fi
	pid=$(tmux_poolmon_pid "$win")
	workers=$(pgrep -P "$pid" | tr '\n' ' ')
	kill "-$sig" "$pid"
	if tmux_wait "$win" '^modes: ' 10; then
		like "$(tmux_screen "$win")" "^exit=$((128 + num))\$" "SIG$sig: exit status $((128 + num))"
	else
		fail "SIG$sig: exit status $((128 + num))" "$(tmux_screen "$win")"
	fi
	like "$(tmux_screen "$win")" '^modes: icanon echo$' "SIG$sig: echo and canonical input are back on"
	is "$(tmux_flag "$win" alternate_on)" 0 "SIG$sig: the alternate screen is left"
	is "$(tmux_flag "$win" cursor_flag)" 1 "SIG$sig: the cursor is visible"
	unlike "$(tmux_screen "$win")" 'fatal signal' "SIG$sig: a clean quit, not the crash handler"
	left=
	for w in $workers; do kill -0 "$w" 2>/dev/null && left="$left $w"; done
	is "$left" "" "SIG$sig: no worker is left"
done

done_testing
