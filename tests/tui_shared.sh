#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The TUI's shared-objects panel and screen keys, driven through tmux at
# 100x30 and 60x15 with resizes between them: a queue's depth going up and
# down, values changed by a command and by a task, a lock's holder and a
# holder that died, terminate from the screen keys only after a [y/N], and
# the help overlay listing every command of the table.  Every wait polls
# the screen with a deadline; nothing relies on a bare sleep.
. "${srcdir:-.}/tests/lib.sh"

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"

export TERM=xterm-256color # tmux's client needs one; panes get tmux's own
sock="poolmon-shared-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
on_exit "tmux -L '$sock' kill-server 2>/dev/null"
export XDG_STATE_HOME="$TEST_TMPDIR/state"

# start NAME W H CMD — a window running CMD; the pane stays after CMD ends
# (its exit status is printed as "exit=N").
start() {
	local name=$1 w=$2 h=$3
	shift 3
	local cmd="cd '$PWD'; TERM=screen-256color $*; echo exit=\$?; exec sleep 600"
	if tm has-session -t main 2>/dev/null; then
		tm new-window -d -t main -n "$name" "$cmd"
		tm resize-window -t "main:$name" -x "$w" -y "$h" 2>/dev/null
	else
		tm new-session -d -s main -n "$name" -x "$w" -y "$h" "$cmd"
	fi
}
screen() { tm capture-pane -t "main:$1" -p; }
has() { screen "$1" | grep -Eq -- "$2"; }
lacks() { ! has "$1" "$2"; }
# wait_screen WIN ERE [SECONDS]
wait_screen() { wait_for "${3:-10}" has "$1" "$2"; }
# expect WIN ERE MESSAGE [SECONDS] — one test: the screen comes to match.
expect() {
	if wait_screen "$1" "$2" "${4:-10}"; then
		pass "$3"
	else
		fail "$3" "$(screen "$1")"
	fi
}
type_line() { tm send-keys -t "main:$1" -l "$2" && tm send-keys -t "main:$1" Enter; }
pane_pid() { tm display-message -p -t "main:$1" '#{pane_pid}'; }
poolmon_pid() { pgrep -P "$(pane_pid "$1")" -x poolmon | head -n1; }
# at WIN — "100x30": where a shared step runs, for the test names.
at() { tm display-message -p -t "main:$1" '#{window_width}x#{window_height}'; }
width_at_most() { [ "$(screen "$1" | wc -L)" -le "$2" ]; }
# row_pid WIN ID — the PID column of the workers table's row ID.
row_pid() { screen "$1" | awk -v id="$2" '$1 == id && $2 ~ /^[0-9]+$/ {print $2}'; }

# queue_up_and_down WIN Q SIZE — depth 0, two puts: 2, one get: 1.
queue_up_and_down() {
	local win=$1 q=$2 size=$3
	type_line "$win" "put $q 1"
	type_line "$win" "put $q 2"
	expect "$win" "^$q +queue +2/$size items" "$(at "$win"): two puts, the panel shows depth 2/$size"
	type_line "$win" "get $q"
	expect "$win" "^$q +queue +1/$size items" "$(at "$win"): a get, the panel shows depth 1/$size"
}

# confirm_terminate WIN ROWKEYS TARGET_ERE DONE_ERE — on the screen (Esc),
# ROWKEYS select the row; t asks, n leaves it alone, t y terminates.
confirm_terminate() {
	local win=$1 keys=$2 target=$3 done_re=$4
	tm send-keys -t "main:$win" Escape
	expect "$win" 'Esc.?Command' "$(at "$win"): Esc gives the keys to the screen"
	# shellcheck disable=SC2086
	[ -n "$keys" ] && tm send-keys -t "main:$win" $keys
	tm send-keys -t "main:$win" t
	expect "$win" "Terminate $target\\? \\[y/N\\]" "$(at "$win"): t asks before terminating $target"
	tm send-keys -t "main:$win" n
	if wait_for 5 lacks "$win" 'Terminate .*\[y/N\]'; then
		pass "$(at "$win"): n closes the question"
	else
		fail "$(at "$win"): n closes the question" "$(screen "$win")"
	fi
	if has "$win" "$done_re"; then
		fail "$(at "$win"): after n nothing is terminated" "$(screen "$win")"
	else
		pass "$(at "$win"): after n nothing is terminated"
	fi
	tm send-keys -t "main:$win" t
	expect "$win" "Terminate $target\\? \\[y/N\\]" "$(at "$win"): t asks again"
	tm send-keys -t "main:$win" y
	expect "$win" "$done_re" "$(at "$win"): y terminates $target"
	tm send-keys -t "main:$win" :
	expect "$win" 'F2.?Keys>screen' "$(at "$win"): : gives the keys back to the command line"
}

# ---- 100x30 -------------------------------------------------------------------

start big 100 30 "'$POOLMON' -w 2 -d 5"
if ! wait_screen big '^w2 +[0-9]+ ' 15; then
	fail "the screen shows two workers" "$(screen big)"
	done_testing
fi
pass "the screen shows two workers"
pid=$(poolmon_pid big)
diag "poolmon pid $pid"
lacks big '^NAME +KIND' && pass "no shared objects, no panel" ||
	fail "no shared objects, no panel" "$(screen big)"

type_line big "queue q 10"
expect big '^NAME +KIND +VALUE / DEPTH +LOCK' "a queue brings the shared-objects panel"
expect big '^q +queue +0/10 items' "the new queue shows depth 0/10"
queue_up_and_down big q 10

type_line big "value v i 0"
expect big '^v +value i +0 +free' "value v i 0 shows 0, its lock free"
type_line big "set v 5"
expect big '^v +value i +5 +free' "set v 5: the panel shows 5"

# A task changes a value: the panel follows at the sampling rate.
type_line big "load shared"
type_line big "value c i 0"
type_line big "submit shared.incr c 5000 1"
expect big '^c +value i +5000 ' "a task adds 5000 to c: the panel shows 5000"

type_line big "array a d 50"
expect big '^a +array d\[50\] +\[0\.0, 0\.0, .*(…|~) +free$' "a long array is cut with an ellipsis"

# A lock: its holder by id, and after the holder dies the flag.
type_line big "lock l"
type_line big "spawn shared.hold l 60000"
if wait_screen big '^p1 +[0-9]+ ' 10; then
	expect big "^l +lock +held by p1\$" "the lock shows its holder by id, p1, not its pid"
	type_line big "terminate p1"
	expect big '^p1 +exit ' "p1 killed while holding l"
	type_line big "acquire l timeout=5"
	expect big "^l +lock +p1 died holding it +owner died; held by poolmon\$" \
		"acquired after the holder died: owner died, held by poolmon"
	type_line big "release l"
	expect big "^l +lock +p1 died holding it +owner died; free\$" \
		"released: free, the owner-died flag stays"
else
	fail "spawn shared.hold starts p1" "$(screen big)"
fi

# Terminate from the screen keys: the tasks panel, its newest live task.
type_line big "submit sleep 60000"
expect big '^t[0-9]+ +demo\.sleep\(60000\) +running' "a long task runs"
task=$(screen big | awk '/^t[0-9]+ +demo\.sleep\(60000\) +running/{print $1; exit}')
confirm_terminate big Tab "$task" "^$task +demo\\.sleep\\(60000\\) +terminated"

# Every command of the table is in the help overlay (scrolled page by page).
commands=$("$POOLMON" --no-demo -x help | awk '/^[a-z]/ && !/^Words /{print $1}')
# A page is read only once it is drawn whole: its footer ("more: Down") or,
# on the last page, the table's last command is on the screen.
last=$(printf '%s\n' $commands | tail -n 1)
page_drawn="more: Down|[│|x] +$last( |\$)|^ +$last( |\$)"
tm send-keys -t main:big F1
expect big 'poolmon help' "F1 opens the help overlay"
wait_screen big "$page_drawn" 5
seen=$(screen big)
for _ in $(seq 1 20); do
	has big 'more: Down' || break
	before=$(screen big)
	tm send-keys -t main:big NPage
	wait_for 5 sh -c "[ \"\$(tmux -L '$sock' capture-pane -t main:big -p)\" != \"\$1\" ]" _ "$before"
	wait_screen big "$page_drawn" 5
	seen="$seen
$(screen big)"
done
missing=
for c in $commands; do
	printf '%s\n' "$seen" | grep -Eq "│ +$c( |$)|\\| +$c( |$)|x +$c( |$)|^ +$c( |$)" ||
		missing="$missing $c"
done
ncommands=$(printf '%s\n' $commands | wc -l)
is "$missing" "" "the help overlay lists all $ncommands commands of the table"
nousage=
for c in value array queue put get lock set show; do
	printf '%s\n' "$seen" | grep -Eq " $c NAME" || nousage="$nousage $c"
done
is "$nousage" "" "the help shows the shared-object commands with their usage"
tm send-keys -t main:big Escape
wait_for 5 lacks big 'poolmon help' && pass "Esc closes the help overlay" ||
	fail "Esc closes the help overlay" "$(screen big)"

# ---- resize to 60x15: the panel shrinks, keeps updating ------------------------

tm resize-window -t main:big -x 60 -y 15
if wait_for 5 width_at_most big 60 && wait_screen big '^ID +PID STATE' 5; then
	pass "60x15 redraws the screen"
else
	fail "60x15 redraws the screen" "$(screen big)"
fi
expect big '^NAME +KIND +VALUE / DEPTH +LOCK +1-2 of 5$' "60x15: the panel shows objects 1-2 of 5"
expect big '^q +queue +1/10 items' "60x15: q still shows depth 1/10"
type_line big "get q"
expect big '^q +queue +0/10 items' "60x15: a get empties the queue"
queue_up_and_down big q 10
type_line big "set v 42"
expect big '^v +value i +42 +free' "60x15: set v 42 shows 42"

# Terminate a busy worker from its row (the tasks panel is hidden here).
type_line big "submit sleep 60000"
expect big '^w[0-9]+ +[0-9]+ busy ' "60x15: a worker is busy"
busy=$(screen big | awk '/^w[0-9]+ +[0-9]+ busy /{print $1; exit}')
index=$(screen big | awk -v id="$busy" '/^[wp][0-9]+ /{n++} $1 == id {print n - 1; exit}')
keys="g"
for _ in $(seq 1 "$index"); do keys="$keys j"; done
confirm_terminate big "$keys" "$busy" "terminate $busy"

# ---- back to 100x30: everything is there again ---------------------------------

tm resize-window -t main:big -x 100 -y 30
expect big '^w2 +[0-9]+ ' "back to 100x30 redraws"
expect big '^c +value i +5000 ' "100x30: all objects shown again (c)"
lacks big ' of 5($| )' && pass "100x30: no 'of 5' marker" || fail "100x30: no 'of 5' marker" "$(screen big)"

workers=$(pgrep -P "$pid" | tr '\n' ' ')
type_line big "quit"
expect big '^exit=0' "quit exits with status 0"
gone() { ! kill -0 "$pid" 2>/dev/null; }
wait_for 5 gone && pass "poolmon has exited" || fail "poolmon has exited"
left=
for w in $workers; do kill -0 "$w" 2>/dev/null && left="$left $w"; done
is "$left" "" "no worker or process is left after quit"

# ---- started at 60x15 ------------------------------------------------------------

start small 60 15 "'$POOLMON' -w 1 -d 5"
if wait_screen small '^w1 +[0-9]+ ' 15; then
	pass "60x15 from the start shows the worker"
	type_line small "queue q 3"
	type_line small "value v d 0.5"
	expect small '^q +queue +0/3 items' "60x15: the panel shows the new queue"
	queue_up_and_down small q 3
	expect small '^v +value d +0\.5 +free' "60x15: v shows 0.5"
	type_line small "set v 2.5"
	expect small '^v +value d +2\.5 +free' "60x15: set v 2.5 shows 2.5"
	type_line small "submit sleep 60000"
	expect small '^w1 +[0-9]+ busy ' "60x15: w1 is busy"
	confirm_terminate small "" w1 "terminate w1"
	type_line small "quit"
	expect small '^exit=0' "60x15: quit exits with status 0"
else
	fail "60x15 from the start shows the worker" "$(screen small)"
fi

done_testing
