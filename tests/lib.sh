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
