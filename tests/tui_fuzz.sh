#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A key fuzz of the screen in tmux: seeded random bursts over the whole
# keyboard (printable text, C-a..C-z and the other control keys, Esc and
# raw escape sequences, function keys, arrows and editing keys, Meta keys,
# mouse reports, invalid UTF-8, Enter with random command lines), resizes
# of the window and pastes of random multi-line text.  After every burst
# the window gets its usual size back, C-g C-g : C-c C-c bring the screen
# to a known state (overlay closed, readline's search or key sequence
# ended, the command line focused and empty, a wait interrupted), and
# `echo fuzz-N` must show on the screen: poolmon answers.  A burst that
# quits poolmon (F10, q, C-d, a typed quit) is fine if it exits with status
# 0 or 1 and the terminal is restored (icanon echo): a new poolmon is then
# started and the fuzz goes on.  At the end poolmon quits and the terminal
# must be restored.  About 20 s under `make check` with seed 1;
# FUZZ_SECONDS=N runs longer, FUZZ_SEED=S replays another seed.  Every burst
# is logged; a failure shows the last bursts and keeps the log
# (fuzz-keys-SEED.txt in the build directory).
. "${srcdir:-.}/tests/lib.sh"
tmux_setup

seed=${FUZZ_SEED:-1}
seconds=${FUZZ_SECONDS:-20}
RANDOM=$seed
W=100
H=30
export XDG_STATE_HOME="$TEST_TMPDIR/state"
mkdir -p "$XDG_STATE_HOME/poolmon"
# emacs mode, and M-C-j (vi-editing-mode) made harmless: the recovery keys
# are emacs keys.
rc="$TEST_TMPDIR/inputrc"
printf 'set editing-mode emacs\n"\\e\\C-j": abort\nset bell-style none\n' >"$rc"
log="$TEST_TMPDIR/fuzz-keys-$seed.txt"
: >"$log"
diag "tui_fuzz: seed $seed, $seconds s (replay: FUZZ_SEED=$seed FUZZ_SECONDS=$seconds)"

pick() { local -n _a=$1; REPLY=${_a[RANDOM % ${#_a[@]}]}; }

named=(Escape Enter Tab BTab BSpace Space Up Down Left Right Home End
	PageUp PageDown IC DC F1 F2 F3 F4 F5 F6 F7 F8 F9 F10 F11 F12
	C-Up C-Down C-Left C-Right S-Up S-Left M-Up M-Left M-Enter
	C-Space C-[ 'C-\' 'C-]' C-^ C-_ KP0 KP5 KPEnter)
ctrl=()
for c in {a..z}; do ctrl+=("C-$c"); done
meta=()
for c in {a..z} 0 5 9 . '<' '>' '#' '*' '?' _ '{' '~'; do meta+=("M-$c"); done
meta+=(M-C-a M-C-h M-C-j M-C-r M-C-y M-BSpace M-DC)
# Raw bytes (send-keys -H): escape sequences, whole, cut short or absurd;
# mouse reports; invalid UTF-8.
raw=("1b 5b 41" "1b 5b" "1b 4f" "1b 5b 31 3b 35 43" "1b 5b 39 39 39 39 39 39 39 39 7e"
	"1b 5b 3c 30 3b 31 30 3b 35 4d" "1b 5b 3c 30 3b 31 30 3b 35 6d"
	"1b 5b 3c 36 34 3b 32 3b 32 4d" "1b 5b 4d 20 21 21" "1b 5b 32 30 30 7e"
	"1b 5b 32 30 31 7e" "ff" "fe ff" "c3 28" "e2 82" "ed a0 80" "c0 af" "00"
	"1b 1b 1b" "1b 5b 3f 31 3b 32 63" "7f" "08" "1b 5b 35 3b 33 7e")
words=("echo hi" "status" "help" "help map" "submit square 3"
	"map square 1..20" "submit sleep 200" "submit hang timeout=0.5"
	"sleep 0.2" "workers 2" "workers 1" "workers 3" "pause" "resume"
	"pause all" "resume all" "terminate t1" "kill w1" "show t1" "show w1"
	"value v i 3" "set v 5" "show v" "queue q 2" "put q 1 timeout=0.1"
	"get q timeout=0.1" "join timeout=0.2" "result t1 timeout=0.2" "tasks"
	"plugins" "load shared" "imap cube 1..5" "apply crash" "submit chaos 7"
	"spawn sleep 100" "array a d 4" "lock l" "acquire l timeout=0.1"
	"release l" "close" "quit" "bogus" '"unterminated' "map square 5..1"
	"echo 日本語 \"tab\\t\"" "workers 0" "x=1" ";;" "# comment")
texts=(a Z 0 ' ' '?' ':' / q y n p t d + - j k g G Z '!' '~' '"' '\' ';' é 日 '
')

# burst — one burst of random input; prints what it sent (for the log).
burst() {
	local n=$((RANDOM % 25 + 3)) i k what
	for ((i = 0; i < n; i++)); do
		k=$((RANDOM % 100))
		if ((k < 22)); then
			pick texts
			tmx send-keys -t "main:$win" -l -- "$REPLY"
			what="text '$REPLY'"
		elif ((k < 32)); then
			local s="" j
			for ((j = RANDOM % 12; j > 0; j--)); do
				pick texts
				s+=$REPLY
			done
			tmx send-keys -t "main:$win" -l -- "$s"
			what="text '$s'"
		elif ((k < 44)); then
			pick ctrl
			tmx send-keys -t "main:$win" "$REPLY"
			what="key $REPLY"
		elif ((k < 62)); then
			pick named
			tmx send-keys -t "main:$win" "$REPLY"
			what="key $REPLY"
		elif ((k < 70)); then
			pick meta
			tmx send-keys -t "main:$win" "$REPLY"
			what="key $REPLY"
		elif ((k < 78)); then
			pick raw
			# shellcheck disable=SC2086
			tmx send-keys -t "main:$win" -H $REPLY
			what="bytes $REPLY"
		elif ((k < 88)); then
			pick words
			tmx send-keys -t "main:$win" -l -- "$REPLY"
			tmx send-keys -t "main:$win" Enter
			what="line '$REPLY' Enter"
			nlines=$((nlines + 1))
		elif ((k < 94)); then
			local x=$((RANDOM % 220 + 2)) y=$((RANDOM % 70 + 2))
			tmx resize-window -t "main:$win" -x "$x" -y "$y"
			what="resize ${x}x$y"
			nresize=$((nresize + 1))
		else
			local p="" j
			for ((j = RANDOM % 4 + 1; j > 0; j--)); do
				pick words
				p+="$REPLY"$'\n'
			done
			((RANDOM % 2)) && p+="$REPLY"
			tmx set-buffer -b fuzz -- "$p"
			tmx paste-buffer -b fuzz -t "main:$win"
			what="paste $(printf '%q' "$p")"
			npaste=$((npaste + 1))
		fi
		nkeys=$((nkeys + 1))
		echo "$what"
	done
}

screen() { tmx capture-pane -t "main:$win" -p -J -S -300; }
# (keys typed after poolmon exits are echoed: what the shell prints after
# it may not start its line)
exited() { screen | grep -Eq 'exit=[0-9]+$'; }
answered() { tmx capture-pane -t "main:$win" -p 2>/dev/null | grep -Eq "^ +$1\$"; }

# start — a new window running poolmon, as tmux_start does, except that
# what runs after poolmon ignores the keys that send signals (the fuzz may
# type them into the cooked terminal after a quit), so the pane never dies:
# tmux 3.3a's server crashed sending keys to a dead pane kept by
# remain-on-exit.
nwin=0
start() {
	nwin=$((nwin + 1))
	win=fz$nwin
	local cmd="cd '$PWD'; INPUTRC='$rc' '$POOLMON' -w 2; echo exit=\$?;"
	cmd="$cmd trap '' INT QUIT TSTP;"
	cmd="$cmd echo modes: \$(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)\$');"
	cmd="$cmd exec sleep 600"
	if tmx has-session -t main 2>/dev/null; then
		tmx new-window -d -t main -n "$win" "$cmd"
		tmx resize-window -t "main:$win" -x "$W" -y "$H"
	else
		tmx new-session -d -s main -n "$win" -x "$W" -y "$H" "$cmd"
	fi
	if ! tmux_wait "$win" '^w1 +[0-9]+ ' 20; then
		fail "poolmon $nwin starts in tmux" "$(screen)"
		done_testing
	fi
}

# after_exit WHAT — poolmon has exited: status 0 or 1, terminal restored.
after_exit() {
	local s status modes
	s=$(screen)
	status=$(printf '%s\n' "$s" | sed -n 's/.*exit=\([0-9]*\)$/\1/p' | tail -n1)
	has_modes() { screen | grep -q 'modes:'; }
	wait_for 5 has_modes
	modes=$(screen | grep -o 'modes:.*' | tail -n1)
	if [ "$status" != 0 ] && [ "$status" != 1 ]; then
		bad_exit="${bad_exit:-$1: exit status $status}"
	fi
	case $modes in
	'modes: icanon echo') ;;
	*) bad_modes="${bad_modes:-$1: terminal not restored: '$modes'
$(screen | tail -n 40)}" ;;
	esac
}

nkeys=0 nlines=0 nresize=0 npaste=0 nbursts=0 nquits=0 nretries=0
bad_exit='' bad_modes='' bad_answer=''
start
deadline=$(($(date +%s) + seconds))
while [ "$(date +%s)" -lt "$deadline" ]; do
	nbursts=$((nbursts + 1))
	{
		echo "== burst $nbursts (window $win)"
		burst
	} >>"$log"
	if exited; then
		nquits=$((nquits + 1))
		after_exit "burst $nbursts"
		echo "-- poolmon exited; a new one" >>"$log"
		tmx kill-window -t "main:$win"
		start
		continue
	fi
	tmx resize-window -t "main:$win" -x "$W" -y "$H"
	# A burst may end inside an escape sequence (ESC O, ESC [ ...) that
	# the next keys legitimately complete and so eat: once, the recovery
	# and the echo go again.
	answer=
	for try in 1 2; do
		tmx send-keys -t "main:$win" C-g C-g : C-c C-c
		tmx send-keys -t "main:$win" -l "echo fuzz-$nbursts-$try"
		tmx send-keys -t "main:$win" Enter
		if wait_for $((try * 5)) answered "fuzz-$nbursts-$try"; then
			answer=yes
			break
		fi
		nretries=$((nretries + 1))
	done
	if [ -z "$answer" ]; then
		if exited; then # a quit still in the pipe, or a crash
			nquits=$((nquits + 1))
			after_exit "burst $nbursts"
			tmx kill-window -t "main:$win"
			start
			continue
		fi
		if ! tmx has-session -t main 2>/dev/null; then
			bad_answer="burst $nbursts: the tmux server died (a tmux bug: not poolmon's)"
		else
			bad_answer="burst $nbursts: no answer to 'echo fuzz-$nbursts-2'
$(screen | tail -n "$H")"
		fi
		break
	fi
done

# The final quit: C-d on the empty line (after C-c: nothing waits).
tmx send-keys -t "main:$win" C-c C-c
tmx send-keys -t "main:$win" -l quit
tmx send-keys -t "main:$win" Enter
if wait_for 10 exited; then
	after_exit "the final quit"
	pass "the final quit ends poolmon"
else
	fail "the final quit ends poolmon" "$(screen | tail -n "$H")"
fi

diag "tui_fuzz: seed $seed: $nbursts bursts, $nkeys keys/texts ($nlines command lines, $nresize resizes, $npaste pastes), $nquits quits and restarts, $nretries second tries of the echo"
show_log() {
	cp "$log" "$builddir/" 2>/dev/null
	diag "last bursts (the whole log: $builddir/${log##*/}):"
	diag "$(tail -n 80 "$log")"
}
if [ -z "$bad_answer" ]; then pass "poolmon answers after every burst ($nbursts)"; else
	fail "poolmon answers after every burst ($nbursts)" "$bad_answer"
	show_log
fi
if [ -z "$bad_exit" ]; then pass "every exit ($nquits quits, and the last) has status 0 or 1"; else
	fail "every exit has status 0 or 1" "$bad_exit"
	show_log
fi
if [ -z "$bad_modes" ]; then pass "after every exit the terminal is restored (icanon echo)"; else
	fail "after every exit the terminal is restored (icanon echo)" "$bad_modes"
	show_log
fi
if [ "$nkeys" -gt 0 ] && [ "$nbursts" -gt 0 ]; then pass "the fuzz ran ($nkeys keys)"; else
	fail "the fuzz ran"
fi
done_testing
