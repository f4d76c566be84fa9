#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The timeline view in tmux: `view timeline` and the v key switch to it;
# `map sleep 200,200,200,200` on two workers shows each worker's two spans
# labelled with their tasks, side by side; a crash is marked X; +/- change
# the scale, [ and ] scroll back and forward; Left selects a span and Enter
# shows its task; rows scroll with 40 workers; without colours (NO_COLOR,
# TERM=vt100) the same characters say the same.  Every wait polls the
# screen with a deadline.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

# expect WIN ERE MESSAGE [SECONDS] — one test: the screen comes to match.
type_line() { tmux_keys "$1" -l "$2" && tmux_keys "$1" Enter; }
# row WIN ID — the timeline row of ID, trailing blanks removed.
row() { tmux_screen "$1" | grep -E "^$2( |$)" | head -n1 | sed 's/ *$//'; }
# strip WIN ID — from the row's first span to its last cell.
strip() { row "$1" "$2" | cut -c7- | sed 's/^ *//'; }
# first_col SCREEN ID — the column of the row's first span in a capture.
first_col() { printf '%s\n' "$1" | grep -E "^$2( |$)" | head -n1 | awk '{ print index(substr($0, 7), "t") }'; }
screen_keys() { tmux_keys "$1" Escape && tmux_wait "$1" 'EscCommand' 5; }

# 0. Without a screen, and a view that does not exist: refused, said why.
out=$(printf 'view timeline\nview bogus\n' | "$POOLMON" --batch -w 1 2>&1)
[ "$out" = "<stdin>:1: error: view: no screen to show it on (views are the TUI's)
<stdin>:2: error: view: unknown view 'bogus' (main, timeline)" ] && pass "view: refused in --batch, an unknown view named" ||
	fail "view: refused in --batch, an unknown view named" "$out"

# 1. Two workers, four 200 ms sleeps, then a crash.
tmux_start tl 100 30 "'$POOLMON' -w 2"
tmux_wait tl '^w2 +[0-9]+ ' 15 || bail_out "poolmon did not start: $(tmux_screen tl)"
type_line tl 'view nope'
expect tl "error: view: unknown view 'nope' \\(main, timeline\\)" "view nope: an error in the log"
expect tl '^ID +PID +STATE' "... and the panels stay"
type_line tl 'view timeline'
expect tl '^ TIMELINE  10s across, live' "view timeline shows the timeline"
expect tl '^ = ran  > running  ~ paused  ! failed  X crashed' "the legend names every mark"
screen_keys tl
tmux_keys tl +
expect tl '^ TIMELINE  5s across, live' "+ zooms in: 5s across"
type_line tl 'map sleep 200,200,200,200 chunksize=1'
expect tl '^ +\[200, 200, 200, 200\]$' "the map ends"
spans_each() { [[ $(strip tl w1) =~ ^t[1-4]=+t[1-4]=+$ && $(strip tl w2) =~ ^t[1-4]=+t[1-4]=+$ ]]; }
if wait_for 5 spans_each; then pass "each worker shows its two spans, labelled"; else
	fail "each worker shows its two spans, labelled" "$(tmux_screen tl)"
fi
# Both from one capture: the live strip moves left between two captures.
screen=$(tmux_screen tl)
a=$(first_col "$screen" w1) b=$(first_col "$screen" w2)
if [ -n "$a" ] && [ -n "$b" ] && [ $((a - b)) -le 1 ] && [ $((b - a)) -le 1 ]; then
	pass "the two workers' first spans start side by side ($a, $b)"
else
	fail "the two workers' first spans start side by side" "w1 at '$a', w2 at '$b': $(tmux_screen tl)"
fi
ids=$( (strip tl w1; strip tl w2) | grep -oE 't[0-9]+' | sort | tr '\n' ' ')
[ "$ids" = "t1 t2 t3 t4 " ] && pass "the spans are t1..t4, once each" ||
	fail "the spans are t1..t4, once each" "got '$ids'"
# map_cols WIN — how many columns w1's two map spans take.
map_cols() { strip "$1" w1 | grep -oE '^t[1-4]=*t[1-4]=*' | tr -d '\n' | wc -c; }
wide5=$(map_cols tl)
type_line tl 'submit crash'
crash_row() { [[ $(strip tl w1)$(strip tl w2) =~ X ]]; }
if wait_for 10 crash_row; then pass "the crash is marked X on its worker's row"; else
	fail "the crash is marked X on its worker's row" "$(tmux_screen tl)"
fi
screen_keys tl
tmux_keys tl -
expect tl '^ TIMELINE  10s across, live' "- zooms out: 10s across"
wide10=$(map_cols tl)
[ "$wide10" -lt "$wide5" ] && pass "zoomed out, w1's spans take fewer columns ($wide5 -> $wide10)" ||
	fail "zoomed out, w1's spans take fewer columns" "$wide5 -> $wide10: $(tmux_screen tl)"
tmux_keys tl [
expect tl '^ TIMELINE  10s across, 5s back' "[ scrolls back half the strip"
expect tl '^ +\|-15s .* -5s\|$' "the axis says how far back"
tmux_keys tl ]
expect tl '^ TIMELINE  10s across, live' "] scrolls forward to now"
tmux_keys tl Left
tmux_keys tl Enter
expect tl 'task +t[1-5] *│' "Left selects w1's last span, Enter shows its task"
expect tl 'worker +w1 ' "... the task that w1 ran"
tmux_keys tl Escape
tmux_keys tl v
expect tl '^ID +PID +STATE' "v goes back to the panels"
tmux_keys tl v
expect tl '^ TIMELINE ' "v shows the timeline again"

# 1b. Paused time: ~ inside the task's span, drawn over it.
tmux_start pz 100 30 "'$POOLMON' -w 1"
tmux_wait pz '^w1 +[0-9]+ ' 15
type_line pz 'view timeline; submit sleep 800; sleep 0.3; pause t1; sleep 0.5; resume t1'
expect pz '^ +t1 demo\.sleep\(800\) done: 800' "the paused sleep ends"
paused_span() { [[ $(strip pz w1) =~ ^t1=*~+=+$ ]]; }
if wait_for 5 paused_span; then pass "t1's paused time is ~ inside its span ($(strip pz w1))"; else
	fail "t1's paused time is ~ inside its span" "$(tmux_screen pz)"
fi

# 2. Rows scroll: 40 workers on 30 lines.
tmux_start many 100 30 "'$POOLMON' -w 40"
tmux_wait many '^w40 +[0-9]+ ' 30 || tmux_wait many 'workers:40' 30
type_line many 'view timeline'
expect many '^w1( |$)' "40 workers: the first rows are on screen"
screen_keys many
tmux_keys many G
expect many '^w40( |$)' "End (G) scrolls to the last row, w40"
if ! tmux_has many '^w1( |$)'; then pass "... and w1 scrolled off"; else
	fail "... and w1 scrolled off" "$(tmux_screen many)"
fi

# 3. Without colours: the same characters, no colour codes.
mono() {
	local win=$1
	shift
	tmux_start "$win" 100 30 "$* '$POOLMON' -w 1"
	tmux_wait "$win" '^w1 +[0-9]+ ' 15
	type_line "$win" 'view timeline; submit sleep 300; submit crash'
	local what="$*"
	mono_marks() { [[ $(strip "$win" w1) =~ ^t1=+\ ?X$ ]]; }
	if wait_for 10 mono_marks; then pass "$what: t1's span and the crash's X"; else
		fail "$what: t1's span and the crash's X" "$(tmux_screen "$win")"
	fi
	if ! tmx capture-pane -e -p -t "main:$win" | grep -qE $'\e\\[[0-9;]*(3[0-7]|4[0-7]|38;5)[;m]'; then
		pass "$what: no colour codes"
	else
		fail "$what: no colour codes" "$(tmx capture-pane -e -p -t "main:$win" | sed -n 3,6p | cat -v)"
	fi
}
mono nocolor NO_COLOR=1
mono vt100 TERM=vt100

done_testing
