#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Below 60x15 the screen is a compact view: the first header line, the
# focused panel alone (Tab goes to the next: workers, tasks, log), the
# command line and the key bar.  It works down to 40x6; below that a
# notice says the terminal is too small.  Before, anything below 60x15
# (an 80x8 tmux split) showed only "terminal too small".
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

row_is() { [ "$(tmux_row "$1" "$2")" = "$3" ]; }
row_like() { tmux_row "$1" "$2" | grep -Eq -- "$3"; }
# expect_row WIN N ERE NAME — line N of the screen comes to match.
expect_row() {
	if wait_for 10 row_like "$1" "$2" "$3"; then pass "$4"; else
		fail "$4" "$(tmux_screen "$1")"
	fi
}

tmux_start c 80 8 "'$POOLMON' -w 2"
expect_row c 1 '^poolmon ' "80x8: the header's first line on top"
expect_row c 2 '^ID +PID STATE' "80x8: the workers table's title under it"
expect_row c 3 '^w1 +[0-9]+ ' "80x8: w1"
expect_row c 4 '^w2 +[0-9]+ ' "80x8: w2"
expect_row c 7 '^poolmon>$' "80x8: the command line"
expect_row c 8 '^F1Help ' "80x8: the key bar"
unlike "$(tmux_screen c)" 'too small|tasks/s' "80x8: no notice, no second header line"

tmux_keys c F1
expect c 'poolmon help - Up/Down scroll' "80x8: F1 shows the help over the panel"
tmux_keys c Escape
expect_row c 2 '^ID +PID STATE' "Esc closes it"

tmux_keys c 'submit square 7' Enter
tmux_keys c Escape
expect c 'EscCommand' "Esc gives the keys to the screen"
tmux_keys c Tab
expect_row c 2 '^TASK +CALL +STATE' "Tab: the tasks panel alone"
expect_row c 3 '^t1 +demo\.square\(7\) +done .* 49$' "its row t1"
tmux_keys c Tab
expect c '^  t1 demo\.square\(7\) done: 49 ' "Tab: the log alone, with t1's line"
unlike "$(tmux_screen c)" '^(TASK|ID) ' "no table's title with the log"
tmux_keys c Tab
expect_row c 2 '^ID +PID STATE' "Tab: the workers again"

tmx resize-window -t main:c -x 40 -y 6
expect_row c 1 '^poolmon ' "40x6: the header"
expect_row c 3 '^w1 +[0-9]+ ' "40x6: the workers table"
expect_row c 5 '^poolmon>$' "40x6: the command line"
tmux_keys c ':'
tmux_keys c 'echo small'
expect_row c 5 '^poolmon> echo small$' "40x6: typing shows on the command line"
tmux_keys c Enter

tmx resize-window -t main:c -x 39 -y 6
expect c 'terminal too small \(39x6, need 40x6\)' "39x6: too small"
tmx resize-window -t main:c -x 40 -y 5
expect c 'terminal too small \(40x5, need 40x6\)' "40x5: too small"
tmx resize-window -t main:c -x 59 -y 20
expect_row c 2 '^ID +PID STATE' "59x20: still the compact view"
tmx resize-window -t main:c -x 60 -y 15
expect_row c 2 '^tasks/s:' "60x15: the full screen, both header lines"
expect c '^TASK +CALL +STATE' "60x15: the tasks panel too"
expect c '^poolmon> echo small$' "60x15: the log too, with what was typed small"

tmux_keys c 'quit' Enter
expect c '^exit=0' "quit"
done_testing
