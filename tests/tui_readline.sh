#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Readline done right, in tmux: vi mode (Esc is readline's; Esc in command
# mode leaves the line), the user's inputrc bindings on the editing keys
# (Up, Ctrl/Shift/Alt arrows), the screen's keys while the line has them,
# two sessions at once keeping their history lines (appended, truncated),
# completion of ended task ids and p ids, and the candidates laid out in
# columns by word.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup

export XDG_STATE_HOME="$TEST_TMPDIR/state"
hist="$XDG_STATE_HOME/poolmon/history"
mkdir -p "$XDG_STATE_HOME/poolmon"
H=30
vi_rc="$TEST_TMPDIR/inputrc.vi"
keys_rc="$TEST_TMPDIR/inputrc.keys"
plain_rc="$TEST_TMPDIR/inputrc.plain"
printf 'set editing-mode vi\n' >"$vi_rc"
cat >"$keys_rc" <<'EOF'
"\e[A": history-search-backward
"\e[1;5D": beginning-of-line
"\e[1;2C": end-of-line
EOF
: >"$plain_rc"

cmdline() { tmux_row "$1" $((H - 1)); }
# completions NAME — the rows of the last candidate list in the log.
completions() {
	tmux_screen "$1" | tac | sed -n '3,/^  completions:$/p' | tac | sed '1d'
}
keybar() { tmux_row "$1" "$H"; }

# begin NAME INPUTRC [W] — a fresh poolmon with one worker.
begin() {
	tmux_start "$1" "${3:-100}" "$H" "INPUTRC='$2' '$POOLMON' -w 1"
	if ! tmux_wait "$1" '^w1 +[0-9]+ ' 15; then
		diag "$(tmux_screen "$1")"
		return 1
	fi
}

# sync NAME — every key sent before has been handled (F1 opens the help
# once they have; Esc closes it).
lacks_help() { ! tmux_has "$1" 'poolmon help'; }
sync() {
	tmux_keys "$1" F1
	tmux_wait "$1" 'poolmon help' 5 && tmux_keys "$1" Escape &&
		wait_for 5 lacks_help "$1"
}

# line_is NAME LINE WHAT — once the keys are handled, the command line.
line_is() {
	sync "$1"
	is "$(cmdline "$1")" "$2" "$3"
}
# focus_is NAME command|screen WHAT — who has the keys (the key bar says).
focus_is() {
	local want='F2Keys>screen'
	[ "$2" = screen ] && want='EscCommand'
	sync "$1"
	like "$(keybar "$1")" "$want" "$3"
}

# 1. vi mode: the issue's reproduction, then Esc in command mode leaves
# the line and i comes back, and an Esc that ends a pending vi command
# (d, r) stays with readline.
begin vi "$vi_rc" && {
	tmux_keys vi 'echo one two' Escape
	sync vi
	tmux_keys vi b d w
	line_is vi 'poolmon> echo one' "vi: echo one two, Esc, b, dw"
	tmux_keys vi Enter
	tmux_wait vi '^  one$' 5 && pass "vi: Enter runs it: one" ||
		fail "vi: Enter runs it: one" "$(tmux_screen vi)"
	tmux_keys vi 'echo ab' Escape
	focus_is vi command "vi: Esc from insert mode goes to command mode, not the screen"
	tmux_keys vi d Escape
	focus_is vi command "vi: Esc after d (a pending motion) stays with readline"
	tmux_keys vi r Escape
	focus_is vi command "vi: Esc after r (a pending character) stays with readline"
	line_is vi 'poolmon> echo ab' "vi: d Esc and r Esc leave the line as it was"
	tmux_keys vi Escape
	focus_is vi screen "vi: Esc in command mode gives the keys to the screen"
	tmux_keys vi i Z
	focus_is vi command "vi: i on the screen goes back to the command line"
	line_is vi 'poolmon> echo aZb' "vi: ... and inserts, as vi's i"
	tmux_keys vi Escape Escape
	focus_is vi screen "vi: Esc Esc from insert mode leaves the line"
	tmux_keys vi F2
	focus_is vi command "vi: F2 also toggles the keys"
}

# 2. inputrc bindings on the editing keys; the screen's keys still work.
printf 'echo apple\necho banana\nsubmit square 3\n' >"$hist"
begin keys "$keys_rc" && {
	tmux_keys keys 'echo a' Up
	line_is keys 'poolmon> echo apple' 'Up bound to history-search-backward searches by prefix'
	tmux_keys keys C-a C-k 'echo one two' C-Left X
	line_is keys 'poolmon> Xecho one two' 'Ctrl-Left ("\e[1;5D") bound to beginning-of-line'
	tmux_keys keys S-Right Y
	line_is keys 'poolmon> Xecho one twoY' 'Shift-Right ("\e[1;2C") bound to end-of-line'
	tmux_keys keys M-Left M-Left Z
	line_is keys 'poolmon> Xecho Zone twoY' "Alt-Left: readline's own backward-word"
	tmux_keys keys C-Up F12 S-Up
	line_is keys 'poolmon> Xecho Zone twoY' 'keys bound to nothing (Ctrl-Up, F12, Shift-Up) insert nothing'
	tmux_keys keys C-c
	line_is keys 'poolmon>' 'Ctrl-C still clears the line'
	focus_is keys command 'the command line has the keys'
	tmux_keys keys F2
	focus_is keys screen 'F2 still gives the keys to the screen'
	tmux_keys keys Escape
	focus_is keys command 'Esc gives them back'
	tmux_keys keys 'echo x' Escape
	focus_is keys screen 'in emacs mode a lone Esc leaves the line'
}

# 3. Two sessions at once, the same history file: both keep their lines.
wait_exit() { tmux_wait "$1" '^modes: ' 10 && tmux_has "$1" '^exit=0'; }
printf 'echo old\n' >"$hist"
begin h1 "$plain_rc" && begin h2 "$plain_rc" && {
	for w in one two; do
		tmux_keys h1 "echo h1-$w" Enter
		tmux_wait h1 "^  h1-$w\$" 5 || fail "h1 runs echo h1-$w" "$(tmux_screen h1)"
		tmux_keys h2 "echo h2-$w" Enter
		tmux_wait h2 "^  h2-$w\$" 5 || fail "h2 runs echo h2-$w" "$(tmux_screen h2)"
	done
	tmux_keys h1 C-d
	wait_exit h1 && pass "the first session quits" || fail "the first session quits" "$(tmux_screen h1)"
	tmux_keys h2 C-d
	wait_exit h2 && pass "the second session quits" || fail "the second session quits" "$(tmux_screen h2)"
	is "$(cat "$hist")" "$(printf 'echo old\necho h1-one\necho h1-two\necho h2-one\necho h2-two')" \
		"the history file has the old line and both sessions' lines"
}

# ... and it is cut to its last 1000 lines.
seq -f 'echo n%g' 1000 >"$hist"
begin trunc "$plain_rc" && {
	tmux_keys trunc 'echo last' Enter
	tmux_wait trunc '^  last$' 5
	tmux_keys trunc C-d
	wait_exit trunc
	is "$(wc -l <"$hist")" 1000 "the history file keeps 1000 lines"
	is "$(head -n1 "$hist") / $(tail -n1 "$hist")" "echo n2 / echo last" \
		"the oldest line went, the new one is last"
}

# 4. Completion offers ended tasks and processes where they are taken.
: >"$hist"
begin ids "$plain_rc" && {
	tmux_keys ids 'submit square 2' Enter
	tmux_wait ids 't1 demo\.square\(2\) done: 4' 10
	tmux_keys ids 'result t' Tab
	line_is ids 'poolmon> result t1' 'result t<Tab> completes the finished t1'
	# A standalone process p1, which runs as task t2.
	tmux_keys ids C-a C-k 'spawn sleep 60000' Enter
	tmux_wait ids '^p1 ' 10
	tmux_keys ids 'join p' Tab Tab
	sync ids
	is "$(completions ids)" '  p1    pool' 'join p<Tab><Tab> offers p1 and pool'
	tmux_keys ids C-a C-k 'result t' Tab Tab
	sync ids
	is "$(completions ids)" '  t1  t2' 'result t<Tab><Tab> offers t1 and t2'
	# Only tasks: their common prefix "t" is inserted (w1, p1, all or
	# pool would leave none).
	tmux_keys ids C-a C-k 'result ' Tab
	line_is ids 'poolmon> result t' 'result <Tab> offers only tasks (no w1, p1, all, pool)'
	tmux_keys ids C-a C-k 'kill p1' Enter
}

# 5. The candidates in columns, each a whole word.
begin cols "$plain_rc" 60 && {
	tmux_keys cols 'help ' Tab Tab
	sync cols
	shown=$(completions cols)
	words=$(printf '%s\n' "$shown" | tr -s ' ' '\n' | sed '/^$/d' | sort)
	names=$("$POOLMON" -x help | awk '$1 ~ /^[a-z]+$/ {print $1}' | sort)
	is "$words" "$names" "every command name is shown once, whole"
	widths=$(printf '%s\n' "$shown" | awk '{ if (length($0) > 60) bad++ } END { print bad + 0 }')
	is "$widths" 0 "no row is wider than the pane"
	rows=$(printf '%s\n' "$shown" | wc -l)
	ok "the candidates take several rows ($rows)" [ "$rows" -gt 1 ]
	first=$(printf '%s\n' "$shown" | head -n1 | awk '{print $1 " " $2}')
	is "$first" "acquire $(printf '%s\n' "$names" | sed -n "$((rows + 1))p")" \
		"sorted down the columns, as readline shows them"
}

done_testing
