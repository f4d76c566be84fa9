#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tui_map.sh — a map in the TUI (issue 13): a long result is shown as its
# head and tail with the count of what is left out (map, result
# FIRST..LAST), a short one whole; a progress line (done/total, rate, ETA)
# while a map runs, gone when it ended; save writes the whole list, the
# same bytes as --batch prints.  Every wait polls the screen with a
# deadline.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup

export XDG_STATE_HOME="$TEST_TMPDIR/state"
W=300 # wide enough for the head/tail line on one row

# squares FIRST LAST — "a, b, …" of the squares, as poolmon prints them.
squares() { seq "$1" "$2" | awk '{ printf "%s%d", (NR > 1 ? ", " : ""), $1 * $1 }'; }
# has_line WIN LINE — the screen has exactly this line (trailing blanks cut).
has_line() { tmux_screen "$1" | sed 's/ *$//' | grep -Fxq -- "$2"; }

frames=$TEST_TMPDIR/frames
tmux_start m $W 40 "POOLMON_FRAME_LOG='$frames' '$POOLMON' -w 2"
tmux_wait m '^w2 +[0-9]+ ' 15 || bail_out "poolmon did not start: $(tmux_screen m)"

# 1. map square 1..1000: the head, "… 980 more …", the tail.
tmux_keys m 'map square 1..1000' Enter
want="  [$(squares 1 10), … 980 more …, $(squares 991 1000)]  (1,000 results; all of them: save t1..t1000 FILE)"
if wait_for 20 has_line m "$want"; then pass "map of 1000: head and tail with the count"; else
	fail "map of 1000: head and tail with the count" "want: $want
$(tmux_screen m)"
fi
unlike "$(tmux_screen m)" ', 250000,' "an item of the middle (500*500) is not shown"

# 2. result FIRST..LAST shows the same list.
tmux_keys m 'result t1..t1000' Enter
if wait_for 10 eval '[ "$(tmux_screen m | sed "s/ *\$//" | grep -Fxc -- "$want")" -ge 2 ]'; then
	pass "result t1..t1000: the same head and tail"
else
	fail "result t1..t1000: the same head and tail" "$(tmux_screen m)"
fi

# 3. 21 items (2 * 10 + 1) are all shown.
tmux_keys m 'map square 1..21' Enter
want21="  [$(squares 1 21)]"
if wait_for 10 has_line m "$want21"; then pass "map of 21: every item"; else
	fail "map of 21: every item" "$(tmux_screen m)"
fi

# 4. save writes every item: the bytes --batch prints for the same map.
tmux_keys m "save t1..t1000 $TEST_TMPDIR/saved.txt" Enter
if tmux_wait m "saved 1,000 results of t1\.\.t1000 to " 10; then
	pass "save t1..t1000 FILE says what it saved"
else
	fail "save t1..t1000 FILE says what it saved" "$(tmux_screen m)"
fi
"$POOLMON" -w 2 --batch -x 'map square 1..1000' >"$TEST_TMPDIR/batch.txt"
ok "the saved file equals the batch output of map square 1..1000" \
	cmp "$TEST_TMPDIR/saved.txt" "$TEST_TMPDIR/batch.txt"

# 5. A map that takes a while: its progress line, then no progress line.
tmux_keys m 'map sleep 300,300,300,300,300,300,300,300,300,300 chunksize=1' Enter
prog='^map t1022\.\.t1031 demo\.sleep: [0-9]+/10 \([0-9]+%\)  [0-9,]+/s  ETA ([0-9.]+s|\?) *$'
if tmux_wait m "$prog" 10; then pass "a running map has a progress line"; else
	fail "a running map has a progress line" "$(tmux_screen m)"
fi
mid='^map t1022\.\.t1031 demo\.sleep: [1-9]/10 \([1-9][0-9]%\)  [0-9,]+/s  ETA [0-9.]+s *$'
if tmux_wait m "$mid" 10; then pass "the progress line counts items done, with a rate and an ETA"; else
	fail "the progress line counts items done, with a rate and an ETA" "$(tmux_screen m)"
fi
if wait_for 15 has_line m "  [300, 300, 300, 300, 300, 300, 300, 300, 300, 300]"; then
	pass "the map's result shows"
else
	fail "the map's result shows" "$(tmux_screen m)"
fi
no_progress() { ! tmux_has m '^map t1022'; }
if wait_for 5 no_progress; then pass "the progress line goes when the map ended"; else
	fail "the progress line goes when the map ended" "$(tmux_screen m)"
fi

# 6. The frame log: a line per frame, "SECONDS BUSY MAPS"; frames were drawn
# while the sleep map waited with its progress line.
ok "\$POOLMON_FRAME_LOG has frames" test -s "$frames"
unlike "$(grep -Evx '[0-9]+\.[0-9]{6} [01] [0-9]+' "$frames")" . \
	"every line of \$POOLMON_FRAME_LOG is 'SECONDS BUSY MAPS'"
like "$(awk '$2 == 1 && $3 == 1' "$frames" | wc -l)" '^[1-9]' \
	"frames were logged while a map ran with its progress line"
tmux_start badlog 100 30 "POOLMON_FRAME_LOG='$TEST_TMPDIR/no/such/dir' '$POOLMON' -w 1"
if tmux_wait badlog "^! POOLMON_FRAME_LOG: cannot write '$TEST_TMPDIR/no/such/dir': No such file or directory" 15; then
	pass "a frame log that cannot be written is said in the log pane"
else
	fail "a frame log that cannot be written is said in the log pane" "$(tmux_screen badlog)"
fi

done_testing
