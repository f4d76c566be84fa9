#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Readline inside the screen survives every key and key sequence it accepts:
# incremental search (typed into, C-g, Enter, Esc, an arrow, C-c), C-x
# prefixes, C-d on an empty line and mid-line, keyboard macros, Meta keys
# and vi mode.  Each case runs its own poolmon in tmux, sends the keys, and
# then checks that poolmon is alive, that the command line shows what
# readline leaves there, and that a command still runs.  C-r C-x C-d
# crashed poolmon (readline's abort longjmp into a dead frame).
. "${srcdir:-.}/tests/lib.sh"
tmux_setup

export XDG_STATE_HOME="$TEST_TMPDIR/state"
mkdir -p "$XDG_STATE_HOME/poolmon"
H=30
emacs_rc="$TEST_TMPDIR/inputrc.emacs"
vi_rc="$TEST_TMPDIR/inputrc.vi"
echo 'set editing-mode emacs' >"$emacs_rc"
printf 'set editing-mode vi\n' >"$vi_rc"

# The command line is the row above the key bar.
cmdline() { tmux_row "$1" $((H - 1)); }
cmdline_is() { [ "$(cmdline "$1")" = "$2" ]; }
alive() { kill -0 "$(cat "$TEST_TMPDIR/$1.pid")" 2>/dev/null; }

# begin NAME [INPUTRC] — a fresh poolmon whose history is two commands.
begin() {
	printf 'echo hello\nsubmit square 7\n' >"$XDG_STATE_HOME/poolmon/history"
	tmux_start "$1" 100 "$H" "INPUTRC='${2:-$emacs_rc}' '$POOLMON' -w 1"
	if ! tmux_wait "$1" '^w1 +[0-9]+ ' 15; then
		diag "$(tmux_screen "$1")"
		return 1
	fi
	tmux_poolmon_pid "$1" >"$TEST_TMPDIR/$1.pid"
}

# sync NAME — every key sent before has been handled: F1 (which leaves
# readline alone) opens the help overlay once they have, any key closes it.
lacks_help() { ! tmux_has "$1" 'poolmon help'; }
sync() {
	tmux_keys "$1" F1
	tmux_wait "$1" 'poolmon help' 5 && tmux_keys "$1" Escape &&
		wait_for 5 lacks_help "$1"
}

# expect NAME LINE WHAT — once the keys are handled, the command line is
# LINE and poolmon is alive.
expect() {
	if sync "$1" && cmdline_is "$1" "$2"; then
		pass "$3: the command line shows '$2'"
	else
		fail "$3: the command line shows '$2'" "$(tmux_screen "$1")"
	fi
	if alive "$1"; then pass "$3: poolmon is alive"; else
		fail "$3: poolmon is alive" "$(tmux_screen "$1")"
	fi
}

# still_runs NAME WHAT — a typed command runs after the keys.
still_runs() {
	tmux_keys "$1" C-a C-k 'echo ran-after' Enter
	if tmux_wait "$1" '^ +ran-after$' 5; then pass "$2: a command runs afterwards"; else
		fail "$2: a command runs afterwards" "$(tmux_screen "$1")"
	fi
}

# 1. The reproduction: C-r, C-x, C-d.
begin cxcd && {
	tmux_keys cxcd C-r C-x C-d
	expect cxcd 'poolmon>' "C-r C-x C-d"
	still_runs cxcd "C-r C-x C-d"
}

# 2. Search, typed into, then Enter runs the line found.
begin isearch && {
	tmux_keys isearch C-r squ
	expect isearch "(reverse-i-search)\`squ': submit square 7" "C-r squ"
	tmux_keys isearch Enter
	tmux_wait isearch 't1 demo\.square\(7\) done: 49' 10 &&
		pass "C-r squ Enter runs the line found" ||
		fail "C-r squ Enter runs the line found" "$(tmux_screen isearch)"
}

# 3. C-g abandons the search and restores the line.
begin cg && {
	tmux_keys cg 'ec' C-r squ C-g
	expect cg 'poolmon> ec' "C-r squ C-g"
	still_runs cg "C-r squ C-g"
}

# 4. Esc ends the search, keeps the line found and the keys.
begin esc && {
	tmux_keys esc C-r squ Escape
	expect esc 'poolmon> submit square 7' "C-r squ Esc"
	tmux_keys esc 'x'
	expect esc 'poolmon> submit xsquare 7' "C-r squ Esc x (typed where the search stopped)"
}

# 5. An arrow ends the search and then moves in the history.
begin up && {
	tmux_keys up C-r squ Up
	expect up 'poolmon> echo hello' "C-r squ Up"
}

# 6. C-c ends the search and drops the line.
begin cc && {
	tmux_keys cc C-r squ C-c
	expect cc 'poolmon>' "C-r squ C-c"
	tmux_keys cc 'x'
	expect cc 'poolmon> x' "C-r squ C-c x"
}

# 7. C-x prefixes: undo, re-read the init file, an unbound one, C-x C-g.
begin cx && {
	tmux_keys cx 'echo ab' C-x C-u
	expect cx 'poolmon>' "C-x C-u undoes the typing"
	tmux_keys cx 'abc' C-x C-r
	expect cx 'poolmon> abc' "C-x C-r"
	tmux_keys cx C-x C-d
	expect cx 'poolmon> abc' "C-x C-d (unbound)"
	tmux_keys cx C-x C-g
	expect cx 'poolmon> abc' "C-x C-g"
	still_runs cx "C-x prefixes"
}

# 8. C-d mid-line deletes the character under the cursor.
begin cdmid && {
	tmux_keys cdmid 'abc' Left Left C-d
	expect cdmid 'poolmon> ac' "C-d mid-line"
	tmux_keys cdmid End C-d
	expect cdmid 'poolmon> ac' "C-d at the end of a line"
	tmux_keys cdmid Home DC
	expect cdmid 'poolmon> c' "Home, Delete"
}

# 9. Keyboard macros: record, replay; C-x e and C-x ) with none.
begin macro && {
	tmux_keys macro C-x e
	expect macro 'poolmon>' "C-x e with no macro"
	tmux_keys macro C-x ')'
	expect macro 'poolmon>' "C-x ) with no macro being defined"
	tmux_keys macro C-x '(' 'echo m1' C-x ')' C-u
	expect macro 'poolmon>' "C-x ( echo m1 C-x ) C-u"
	tmux_keys macro C-x e
	expect macro 'poolmon> echo m1' "C-x e replays the macro"
	tmux_keys macro Enter
	tmux_wait macro '^ +m1$' 5 && pass "the replayed line runs" ||
		fail "the replayed line runs" "$(tmux_screen macro)"
}

# 10. Meta keys and a search within a search's line.
begin meta && {
	tmux_keys meta 'echo abc' M-b Z
	expect meta 'poolmon> echo Zabc' "M-b moves back a word"
	tmux_keys meta C-a M-d
	expect meta 'poolmon>  Zabc' "M-d kills a word"
	tmux_keys meta M-x
	expect meta 'poolmon>  Zabc' "M-x (unbound)"
	still_runs meta "Meta keys"
}

# 11. vi mode: Esc goes to readline (command mode), not to the screen.
begin vi "$vi_rc" && {
	tmux_keys vi 'echo abcd'
	expect vi 'poolmon> echo abcd' "vi: typed text"
	# A lone Esc, as a person types it: seen when the cursor moves back
	# onto the last character (vi command mode) or the screen takes the
	# keys (as it did before: then x would be typed into the line).
	x0=$(tmux_flag vi cursor_x)
	tmux_keys vi Escape
	esc_seen() { [ "$(tmux_flag vi cursor_x)" != "$x0" ] || tmux_has vi 'EscCommand'; }
	wait_for 5 esc_seen
	if tmux_has vi 'F2Keys>screen'; then pass "vi: a lone Esc stays on the command line"; else
		fail "vi: a lone Esc stays on the command line" "$(tmux_screen vi)"
	fi
	tmux_keys vi x
	expect vi 'poolmon> echo abc' "vi: Esc x deletes a character"
	tmux_keys vi 0 i Z Left Escape
	expect vi 'poolmon> Zecho abc' "vi: 0 i Z, an arrow, Esc"
	if tmux_has vi 'F2Keys>screen'; then pass "vi: the command line keeps the keys"; else
		fail "vi: the command line keeps the keys" "$(tmux_screen vi)"
	fi
	tmux_keys vi d d i 'echo vi-ran' Enter
	tmux_wait vi '^ +vi-ran$' 5 && pass "vi: dd, i and Enter run a command" ||
		fail "vi: dd, i and Enter run a command" "$(tmux_screen vi)"
	tmux_keys vi C-r squ Escape
	expect vi 'poolmon> submit square 7' "vi: C-r squ Esc"
	tmux_keys vi Escape k
	expect vi 'poolmon> echo hello' "vi: Esc k goes back in the history from the line found"
}

# 12. C-d on an empty line quits an idle poolmon; the terminal is restored.
begin cdquit && {
	tmux_keys cdquit C-r squ C-g C-d
	# The pane prints exit=N, then the modes: wait for the last.
	if tmux_wait cdquit '^modes: ' 10 && tmux_has cdquit '^exit=0'; then
		pass "C-d on an empty line quits with status 0"
	else
		fail "C-d on an empty line quits with status 0" "$(tmux_screen cdquit)"
	fi
	like "$(tmux_screen cdquit)" '^modes: icanon echo' "after C-d the terminal is cooked again"
	is "$(tmux_flag cdquit alternate_on)" "0" "after C-d the alternate screen is left"
}

done_testing
