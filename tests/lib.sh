# SPDX-License-Identifier: GPL-3.0-or-later
# tests/lib.sh — a tiny TAP library for the shell tests.  Source it first:
#
#     #!/usr/bin/env bash
#     . "${srcdir:-.}/tests/lib.sh"
#     out=$("$poolmon" --batch -x 'apply square 7')
#     like "$out" '49' "apply square 7 prints 49"
#     ok "poolmon --help exits 0" "$poolmon" --help
#     done_testing
#
# Each assertion prints one TAP line; automake's tap-driver.sh counts them.
# Give `plan N` up front, or call `done_testing` at the end (it prints the
# plan then).  If the script dies before its plan is printed, the driver
# reports an ERROR, so a crash is never a silent pass.
#
# Anything else a test prints on stdout is parsed as TAP: capture the
# output of commands ($(...)) or send it to >&2.
#
# Environment (set by `make check`; defaults let you run a test by hand from
# the top build directory):  POOLMON, POOLMON_PLUGIN_PATH, srcdir, builddir.
# Tests run in the build tree; the source tree may be read-only (distcheck):
# write only under "$TEST_TMPDIR", which is removed on exit.

srcdir=${srcdir:-.}
builddir=${builddir:-.}
POOLMON=${POOLMON:-$builddir/src/poolmon}
POOLMON_PLUGIN_PATH=${POOLMON_PLUGIN_PATH:-$builddir/plugins}
export POOLMON POOLMON_PLUGIN_PATH srcdir builddir
poolmon=$POOLMON

_tap_n=0
_tap_failed=0
_tap_planned=

TEST_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/poolmon-test.XXXXXX") || exit 1
export TEST_TMPDIR

# Extra cleanup: tests append commands with `on_exit 'cmd'`.
_tap_on_exit=
on_exit() { _tap_on_exit="$1; $_tap_on_exit"; }
_tap_cleanup() {
	eval "$_tap_on_exit"
	rm -rf "$TEST_TMPDIR"
}
trap _tap_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# plan N — announce N assertions (optional; see done_testing).
plan() {
	_tap_planned=$1
	echo "1..$1"
}

# skip_all REASON — the whole script is skipped (e.g. tmux not installed).
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# diag MSG... — a comment line, shown in the test's .log.
diag() {
	local line
	printf '%s\n' "$*" | while IFS= read -r line; do echo "# $line"; done
}

pass() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

# fail NAME [DIAG...]
fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}

# ok NAME CMD [ARG...] — passes if CMD exits 0.  CMD's stdout goes to
# stderr (the .log) so that it can never be mistaken for TAP.
ok() {
	local name=$1
	shift
	if "$@" >&2; then pass "$name"; else fail "$name" "command failed (exit $?): $*"; fi
}

# nok NAME CMD [ARG...] — passes if CMD exits non-zero.
nok() {
	local name=$1
	shift
	if "$@" >&2; then fail "$name" "command unexpectedly succeeded: $*"; else pass "$name"; fi
}

# is GOT EXPECTED NAME — string equality.
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3" "got:      '$1'" "expected: '$2'"
	fi
}

# isnt GOT UNEXPECTED NAME
isnt() {
	if [ "$1" != "$2" ]; then pass "$3"; else fail "$3" "got unexpected: '$1'"; fi
}

# like GOT ERE NAME — GOT matches the extended regex ERE (grep -E, any line).
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3" "got:      '$1'" "expected to match: $2"
	fi
}

# unlike GOT ERE NAME
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3" "got:      '$1'" "expected not to match: $2"
	else
		pass "$3"
	fi
}

# skip REASON [COUNT] — count assertions as skipped.
skip() {
	local i count=${2:-1}
	for i in $(seq 1 "$count"); do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP $1"
	done
}

# bail_out REASON — stop the whole test run (e.g. the binary is missing).
bail_out() {
	echo "Bail out! $*"
	exit 1
}

# done_testing — print the plan if none was given.  Exit status stays 0 when
# assertions failed (they are already counted); tap-driver.sh flags a
# non-zero exit as an extra ERROR.
done_testing() {
	if [ -z "$_tap_planned" ]; then
		echo "1..$_tap_n"
	elif [ "$_tap_planned" != "$_tap_n" ]; then
		diag "planned $_tap_planned assertions but ran $_tap_n"
	fi
	exit 0
}

# wait_for SECONDS CMD [ARG...] — poll CMD every 0.1 s until it succeeds.
wait_for() {
	local deadline=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

[ -x "$poolmon" ] || bail_out "poolmon binary not found at $poolmon (build first)"

# ---- the TUI in tmux -------------------------------------------------------
# tmux_setup — skip the script without tmux; a private tmux server (killed
# on exit) whose panes get TERM=xterm-256color and the test's environment.
tmux_setup() {
	command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"
	export TERM=xterm-256color # the tmux client needs one; panes get their own
	_tmux_sock="poolmon-test-$$"
	on_exit "_tmux_cleanup"
}
# The server goes, and the poolmons in its panes (which save their history
# under \$TEST_TMPDIR as they quit) are waited for before it is removed.
_tmux_cleanup() {
	local pids="" p
	for p in $(tmx list-panes -a -F '#{pane_pid}' 2>/dev/null); do
		pids="$pids $(pgrep -P "$p" -x poolmon)"
	done
	tmx kill-server 2>/dev/null
	_tmux_gone() {
		for p in $pids; do kill -0 "$p" 2>/dev/null && return 1; done
		return 0
	}
	wait_for 10 _tmux_gone
}
tmx() { tmux -L "$_tmux_sock" -f /dev/null "$@"; }

# tmux_start NAME W H CMD — a window running CMD in the current directory.
# When CMD ends the pane stays and shows "exit=N", then the terminal's
# modes as "modes: icanon echo" (a raw terminal shows "-icanon -echo").
tmux_start() {
	local name=$1 w=$2 h=$3
	shift 3
	local cmd="cd '$PWD'; $*; echo exit=\$?;"
	cmd="$cmd echo modes: \$(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)\$');"
	cmd="$cmd exec sleep 600"
	if tmx has-session -t main 2>/dev/null; then
		tmx new-window -d -t main -n "$name" "$cmd"
		tmx resize-window -t "main:$name" -x "$w" -y "$h" 2>/dev/null
	else
		tmx new-session -d -s main -n "$name" -x "$w" -y "$h" "$cmd"
	fi
}
tmux_screen() { tmx capture-pane -t "main:$1" -p; }
tmux_has() { tmux_screen "$1" | grep -Eq -- "$2"; }
# tmux_wait WIN ERE [SECONDS] — until the screen of WIN matches ERE.
tmux_wait() { wait_for "${3:-10}" tmux_has "$1" "$2"; }
tmux_keys() { tmx send-keys -t "main:$1" "${@:2}"; }
tmux_flag() { tmx display-message -p -t "main:$1" "#{$2}"; }
# tmux_poolmon_pid WIN — the pid of the poolmon the pane's shell runs.
tmux_poolmon_pid() {
	pgrep -P "$(tmx display-message -p -t "main:$1" '#{pane_pid}')" -x poolmon | head -n1
}
# tmux_row WIN N — line N (from 1) of the screen, trailing blanks removed.
tmux_row() { tmux_screen "$1" | sed -n "${2}p" | sed 's/ *$//'; }
# expect WIN ERE NAME [SECONDS] — one assertion: the screen comes to match
# ERE within SECONDS (10); if not, the screen is the failure's diagnostics.
expect() {
	if tmux_wait "$1" "$2" "${4:-10}"; then pass "$3"; else
		fail "$3" "$(tmux_screen "$1")"
	fi
}
