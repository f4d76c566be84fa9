#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The shared-objects panel, focused (issue 14, item 4), in tmux: Tab
# reaches it and its selected row is highlighted; Enter on a queue lists
# its items in order (the first 20, and how many there are), Enter again
# hides them; the panel scrolls to its last object; a queue's depth is
# also a sparkline, in ASCII when the locale is not UTF-8; screen keys
# that act on an id do nothing there.  Every wait polls the screen.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

type_line() { tmux_keys "$1" -l "$2" && tmux_keys "$1" Enter; }
screen_keys() { tmux_keys "$1" Escape && tmux_wait "$1" 'EscCommand' 5; }
puts=$(for i in $(seq 1 25); do printf 'put q %d; ' "$i"; done)

# 1. Focus, highlight, a queue's items.
tmux_start sp 100 40 "'$POOLMON' -w 1"
tmux_wait sp '^w1 +[0-9]+ ' 15 || bail_out "poolmon did not start: $(tmux_screen sp)"
type_line sp "queue q; value v i 5; ${puts}echo put-done"
expect sp '^ +put-done$' "25 puts"
expect sp '^q +queue +25 items +▁+█+$' "the panel shows q's depth, and as a sparkline: empty, then full"
screen_keys sp
tmux_keys sp Tab Tab # workers -> tasks -> shared
highlighted() { tmx capture-pane -e -p -t main:sp | grep -qE $'^\e\\[[0-9;]*(7|46)m(\e\\[[0-9;]*m)*q +queue'; }
if wait_for 5 highlighted; then pass "Tab focuses the shared panel: q's row is highlighted"; else
	fail "Tab focuses the shared panel: q's row is highlighted" "$(tmx capture-pane -e -p -t main:sp | cat -v | sed -n 8,14p)"
fi
tmux_keys sp Enter
expect sp '^    \[0\] 1$' "Enter on q lists its first item"
items=$(tmux_screen sp | grep -E '^    \[[0-9]+\] ' | tr -s ' ' | tr '\n' '|')
want=$(for i in $(seq 0 19); do printf ' [%d] %d|' "$i" $((i + 1)); done)
[ "$items" = "$want" ] && pass "the first 20 items, in put order" || fail "the first 20 items, in put order" "got '$items'"
expect sp '^    25 items, the first 20 shown$' "... and how many there are"
tmux_keys sp : # the command line (g is a screen key)
type_line sp 'get q'
expect sp '^    \[0\] 2$' "after a get the list starts at 2"
screen_keys sp
tmux_keys sp p
tmux_keys sp t
tmux_keys sp F1
tmux_wait sp 'poolmon help' 5 && tmux_keys sp Escape
if ! tmux_has sp 'poolmon> (pause|terminate)'; then pass "p and t on the shared panel act on nothing"; else
	fail "p and t on the shared panel act on nothing" "$(tmux_screen sp)"
fi
tmux_keys sp Enter
hidden() { ! tmux_has sp '^    \[0\] '; }
if wait_for 5 hidden; then pass "Enter again hides the items"; else
	fail "Enter again hides the items" "$(tmux_screen sp)"
fi

# 2. Scrolling: 14 objects in a panel of fewer rows.
tmux_start many 100 30 "'$POOLMON' -w 1"
tmux_wait many '^w1 +[0-9]+ ' 15
type_line many "$(for i in $(seq 1 14); do printf 'value v%02d i %d; ' "$i" "$i"; done)echo made"
expect many '^ +made$' "14 values made"
expect many ' 1-[0-9]+ of 14$' "the title says which objects are shown"
screen_keys many
tmux_keys many Tab Tab
tmux_keys many G
expect many '^v14 +value i +14 ' "End (G) on the shared panel scrolls to v14"
expect many ' [0-9]+-14 of 14$' "... the title follows"

# 3. Not UTF-8: the sparkline in ASCII.
tmux_start ascii 100 30 "LC_ALL=C LANG=C '$POOLMON' -w 1"
tmux_wait ascii '^w1 +[0-9]+ ' 15
type_line ascii 'queue q; put q 1; put q 2'
expect ascii '^q +queue +2 items +_+.*#$' "LC_ALL=C: the sparkline in ASCII (_ to #)"

done_testing
