#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# scripts.sh — issue 16 item 4: `--script -` reads standard input; -x and
# --script run in the order given (--batch's standard input after them);
# every error from a script starts with FILE:LINE: (the path as given,
# <stdin> for standard input, -x:N for the Nth line of the -x options);
# -e/--errexit and the `errexit` command stop at the first error; a
# standard input that is not a terminal runs as a script.
. "${srcdir:-.}/tests/lib.sh"

s1=$TEST_TMPDIR/one.pm
s2=$TEST_TMPDIR/two.pm
printf '%s\n' 'echo one-a' '# a comment' '' 'frobnicate' 'echo one-b' >"$s1"
printf '%s\n' 'echo two-a' 'apply square abc' >"$s2"

# run ARGS... — poolmon -w 1 ARGS...: stdout, then "--", then stderr, then
# "rc=N"; stdin from $stdin (default /dev/null).
run() {
	"$poolmon" -w 1 "$@" <"${stdin:-/dev/null}" >"$TEST_TMPDIR/o" 2>"$TEST_TMPDIR/e"
	local rc=$?
	printf '%s\n--\n%s\nrc=%s' "$(cat "$TEST_TMPDIR/o")" "$(cat "$TEST_TMPDIR/e")" "$rc"
}

# --- option order, FILE:LINE ----------------------------------------------
is "$(run -x 'echo x1' --script "$s1" -x 'echo x2; frobnicate' --script "$s2" -x 'bogus')" \
"x1
one-a
one-b
x2
two-a
--
$s1:4: error: frobnicate: unknown command (try 'help')
-x:2: error: frobnicate: unknown command (try 'help')
$s2:2: error: apply: demo.square(n:int): argument 'n' must be int, got str 'abc'
-x:3: error: bogus: unknown command (try 'help')
rc=1" "-x, --script, -x, --script, -x run in that order; errors say FILE:LINE:"
is "$(run --script "$s2" -x 'echo X')" "two-a
X
--
$s2:2: error: apply: demo.square(n:int): argument 'n' must be int, got str 'abc'
rc=1" "--script FILE -x X: the script first"
# a -x with a newline is two lines
is "$(run -x 'echo a
frobnicate')" "a
--
-x:2: error: frobnicate: unknown command (try 'help')
rc=1" "a -x of two lines: the error on -x:2"

# --- --script - -------------------------------------------------------------
printf '%s\n' 'echo in-1' 'frobnicate' 'apply square 3' >"$TEST_TMPDIR/stdin"
is "$(stdin=$TEST_TMPDIR/stdin run -x 'echo before' --script - -x 'echo after')" "before
in-1
9
after
--
<stdin>:2: error: frobnicate: unknown command (try 'help')
rc=1" "--script - reads standard input, in its place; errors say <stdin>:LINE:"
is "$(stdin=$TEST_TMPDIR/stdin run -x 'echo before' --batch)" "before
in-1
9
--
<stdin>:2: error: frobnicate: unknown command (try 'help')
rc=1" "--batch reads standard input after -x, whatever the order"
is "$(stdin=$TEST_TMPDIR/stdin run --script - --batch -x 'echo after')" "in-1
9
after
--
<stdin>:2: error: frobnicate: unknown command (try 'help')
rc=1" "--script - with --batch: standard input is read once, in the --script's place"
# --json: the error event has file and line
"$poolmon" -w 1 --json --script - <"$TEST_TMPDIR/stdin" >"$TEST_TMPDIR/j" 2>/dev/null
like "$(cat "$TEST_TMPDIR/j")" '^\{"event":"error","command":"frobnicate","message":"unknown command \(try '\''help'\''\)","file":"<stdin>","line":2\}$' \
	"--json: the error event has \"file\" and \"line\""
# a line refused while reading has its place too
{ echo 'echo ok'; head -c 70000 /dev/zero | tr '\0' a; printf '\n'; } >"$TEST_TMPDIR/long"
is "$(run --script "$TEST_TMPDIR/long")" "ok
--
$TEST_TMPDIR/long:2: error: line is longer than 65536 bytes: ignored
rc=1" "a too long line: FILE:LINE: too"

# --- a standard input that is not a terminal ----------------------------------
is "$(echo 'status' | "$poolmon" -w 1 2>&1 | head -n1)" "pool: running, 1 workers (target 1)" \
	"echo status | poolmon: runs status (no --batch needed)"
is "$(stdin=$TEST_TMPDIR/stdin run)" "in-1
9
--
<stdin>:2: error: frobnicate: unknown command (try 'help')
rc=1" "poolmon <file: the file's commands run, errors say <stdin>:LINE:"
is "$(stdin=$TEST_TMPDIR/stdin run -x 'echo only')" "only
--

rc=0" "with -x, a standard input that is not a terminal is not read"

# --- errexit ------------------------------------------------------------------
is "$(run -e --script "$s1" -x 'echo never')" "one-a
--
$s1:4: error: frobnicate: unknown command (try 'help')
rc=1" "-e: the first error ends the session (the rest of the script and -x not run)"
is "$(run --errexit -x 'echo a; frobnicate; echo b' -x 'echo c')" "a
--
-x:1: error: frobnicate: unknown command (try 'help')
rc=1" "--errexit: the rest of the line is not run either"
is "$(run -x 'errexit; errexit on; errexit' -x 'frobnicate' -x 'echo never')" "errexit off
errexit on
--
-x:2: error: frobnicate: unknown command (try 'help')
rc=1" "errexit on: as -e, from then on"
is "$(run -e -x 'errexit off; frobnicate; echo goes-on')" "goes-on
--
-x:1: error: frobnicate: unknown command (try 'help')
rc=1" "errexit off: errors no longer stop"
run -e -x 'submit hang; frobnicate; echo never' >/dev/null
is "$(head -n1 "$TEST_TMPDIR/o"):$(cat "$TEST_TMPDIR/e")" \
	"t1:-x:1: error: frobnicate: unknown command (try 'help')" \
	"errexit with a task running: the error, nothing after it"
like "$(cat "$TEST_TMPDIR/o")" '^t1 demo\.hang\(\) (cancelled|terminated)' \
	"errexit: the running task is ended as at quit"
is "$(run -e -x 'submit hang; frobnicate' | tail -n1)" "rc=1" "errexit: exit 1 (1 wins over the task's 3)"
is "$(run -e -x 'errexit yes; echo never')" "
--
-x:1: error: errexit: expected on or off, got 'yes'
rc=1" "errexit with a bad word: an error (which errexit stops at)"
is "$(run -e -x 'apply fail x; echo goes-on' | sed 's/pid [0-9]*/pid PID/')" "t1 demo.fail('x') failed: x [w1 pid PID]
t1 failed: x
goes-on
--

rc=3" "errexit: a task that failed is not a command error (the session goes on, exit 3)"
done_testing
