#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# exitcodes.sh — issue 16 item 3: the exit status without the screen.
# 0 every command succeeded and every task ended done; 1 a command error;
# 2 a bad invocation (nothing runs); 3 a task that did not end done; 4 a
# write error on standard output; 128+N after signal N.  When several
# apply: 128+N, then 4, then 1, then 3.  --help says all of it.
. "${srcdir:-.}/tests/lib.sh"

# rc CMDS... — poolmon -w 1 CMDS... with stdin from /dev/null, output
# dropped; prints the exit status.
rc() { "$poolmon" -w 1 "$@" </dev/null >/dev/null 2>&1; echo $?; }

# --- 0 ----------------------------------------------------------------------
is "$(rc -x 'apply square 3; map square 1..5; submit cube 2; join')" 0 \
	"every command succeeded, every task done: 0"
is "$(rc -x 'spawn daemon=1 hang')" 0 \
	"a daemon process ended with poolmon (as Python's): still 0"
is "$(rc -x 'apply fail x' --help)" 0 "--help: 0 (nothing runs)"

# --- 1 ----------------------------------------------------------------------
is "$(rc -x 'frobnicate')" 1 "an unknown command: 1"
is "$(rc -x 'apply square abc; apply square 2')" 1 "a bad argument, the next command fine: 1"
is "$(rc -x 'errexit maybe')" 1 "a bad errexit word: 1"

# --- 2: nothing runs --------------------------------------------------------
usage_rc() { # usage_rc NAME ARGS...
	local name=$1 out rc
	shift
	out=$("$poolmon" "$@" -x 'echo RAN' </dev/null 2>"$TEST_TMPDIR/e")
	rc=$?
	is "$rc:$out" "2:" "$name: 2, nothing ran"
	like "$(cat "$TEST_TMPDIR/e")" '^poolmon: ' "$name: one line on stderr"
}
usage_rc "an unknown long option" --frob
usage_rc "an unknown short option" -Z
usage_rc "a missing argument" -w
usage_rc "a bad value" --maxtasks 0
usage_rc "an extra argument" extra
usage_rc "a script that cannot be opened" --script "$TEST_TMPDIR/none.pm"
usage_rc "a script that is a directory" --script "$TEST_TMPDIR"
like "$(cat "$TEST_TMPDIR/e")" "^poolmon: cannot open script $TEST_TMPDIR: Is a directory$" \
	"a script that is a directory: the message says so"

# --- 3 ----------------------------------------------------------------------
is "$(rc -x 'apply fail x')" 3 "a failed task (apply fail x): 3"
is "$(rc -x 'submit fail x; join')" 3 "a failed task, submitted and joined: 3"
is "$(rc -x 'apply crash')" 3 "a crashed task: 3"
is "$(rc -x 'apply hang timeout=0.2')" 3 "a timed-out task: 3"
is "$(rc -x 'pause; submit square 2; terminate t1; resume; join')" 3 "a cancelled task: 3"
is "$(rc -x 'submit hang; sleep 0.3; terminate t1; join')" 3 "a terminated task: 3"
is "$(rc -x 'map square 1..5; map fail a,b')" 3 "map items that failed: 3"
is "$(rc -x 'submit hang')" 3 "a task still running at the end (terminated then): 3"
# the state the JSON event says is the one the status stands for
"$poolmon" -w 1 --json -x 'pause; submit square 2; terminate t1' </dev/null >"$TEST_TMPDIR/j" 2>&1
like "$(cat "$TEST_TMPDIR/j")" '"id":"t1","task":"demo.square","state":"cancelled"' \
	"the cancelled task is said cancelled"

# --- 4 ----------------------------------------------------------------------
"$poolmon" -w 1 -x 'map square 1..3' </dev/null >/dev/full 2>"$TEST_TMPDIR/e"
is "$?" 4 "map square 1..3 >/dev/full: 4"
is "$(cat "$TEST_TMPDIR/e")" "poolmon: write error: No space left on device" \
	">/dev/full: the write error is said on stderr"
"$poolmon" --help >/dev/full 2>"$TEST_TMPDIR/e"
is "$?:$(cat "$TEST_TMPDIR/e")" "4:poolmon: write error: No space left on device" "--help >/dev/full: 4"
"$poolmon" --version >/dev/full 2>/dev/null
is "$?" 4 "--version >/dev/full: 4"
"$poolmon" -w 1 -x 'echo hi' </dev/null >&- 2>/dev/null
is "$?" 4 "standard output closed, something to write: 4"
"$poolmon" -w 1 --no-demo -x 'sleep 0.01' </dev/null >&- 2>/dev/null
is "$?" 0 "standard output closed, nothing written: 0 (as coreutils)"

# --- which wins -------------------------------------------------------------
is "$(rc -x 'frobnicate; apply fail x')" 1 "a command error and a failed task: 1"
"$poolmon" -w 1 -x 'frobnicate; apply fail x' </dev/null >/dev/full 2>/dev/null
is "$?" 4 "a write error, a command error and a failed task: 4"

# --- 128+N ------------------------------------------------------------------
# The signal comes once "ready" is out: its watch is set up by then.  A
# shell runs a background job with SIGINT ignored; env gives it back.
for sig in INT TERM HUP; do
	num=$(kill -l "$sig")
	out="$TEST_TMPDIR/sig.$sig"
	env --default-signal=INT "$poolmon" -w 1 -x 'echo ready; submit hang; sleep 60' \
		</dev/null >"$out" 2>&1 &
	pid=$!
	if wait_for 15 grep -qx ready "$out"; then
		kill "-$sig" "$pid"
		wait "$pid"
		is "$?" $((128 + num)) "SIG$sig in batch: $((128 + num)) (over the unfinished task's 3)"
	else
		fail "SIG$sig in batch: $((128 + num))" "$(cat "$out")"
		kill -9 "$pid"
	fi
done
# a signal over a write error and a command error: the error line on
# stderr says it is ready
env --default-signal=INT "$poolmon" -w 1 -x 'frobnicate; echo x; sleep 60' \
	</dev/null >/dev/full 2>"$TEST_TMPDIR/sig.full" &
pid=$!
if wait_for 15 grep -q frobnicate "$TEST_TMPDIR/sig.full"; then
	kill -TERM "$pid"
	wait "$pid"
	is "$?" 143 "SIGTERM over a write error and a command error: 143"
else
	fail "SIGTERM over a write error and a command error: 143" "$(cat "$TEST_TMPDIR/sig.full")"
	kill -9 "$pid"
fi

# --- --help says it ---------------------------------------------------------
help=$("$poolmon" --help)
for code in '0 ' '1 ' '2 ' '3 ' '4 ' '128\+N'; do
	like "$help" "^  $code +[a-z]" "--help explains exit status ${code% }"
done
like "$help" '^When several apply, 128\+N wins, then 4, then 1, then 3\.$' "--help says which wins"

done_testing
