#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# input.sh — issue 19, input and the command line: a range of any size is
# checked (no crash, no overflow, a clear error and nothing run); the
# commands of a line are independent, each runs or errs on its own, in
# order; an empty id is an error, not "the whole pool".
. "${srcdir:-.}/tests/lib.sh"

# sanitizer or crash reports in a stderr file
no_crash_report() { ! grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer|Segmentation|core dumped|out of memory' "$1"; }
# json_get FILE PYEXPR — PYEXPR over ev = the JSON events of FILE, minus the
# workers' start and exit (they come and go with every run)
json_get() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ev = [e for e in ev if e["event"] != "worker"]
print(eval(sys.argv[2]))' "$1" "$2"
}

# --- ranges ----------------------------------------------------------------
# run_text NAME CMDS EXPECTED_STDOUT EXPECTED_STDERR — --batch -x CMDS: exit
# status 1, exactly these outputs, no crash.
run_text() {
	local name=$1 rc
	"$poolmon" --batch -w 1 -x "$2" >"$TEST_TMPDIR/out" 2>"$TEST_TMPDIR/err"
	rc=$?
	is "$rc" 1 "$name: exit status 1 (an error, no crash)"
	is "$(cat "$TEST_TMPDIR/out")" "$3" "$name: stdout"
	is "$(cat "$TEST_TMPDIR/err")" "$4" "$name: the error"
	ok "$name: no sanitizer/crash report" no_crash_report "$TEST_TMPDIR/err"
}

# the two reproductions of the issue (SIGSEGV, then "out of memory")
run_text "INT64_MIN..INT64_MAX" 'echo -9223372036854775808..9223372036854775807; echo after' \
	"after" "-x:1: error: echo: range -9223372036854775808..9223372036854775807 has more than 10000000 items"
run_text "-1..INT64_MAX" 'echo -1..9223372036854775807; echo after' \
	"after" "-x:1: error: echo: range -1..9223372036854775807 has more than 10000000 items"
run_text "0..INT64_MAX as an option value" 'apply echo 1 x=0..9223372036854775807; echo after' \
	"after" "-x:1: error: apply: range 0..9223372036854775807 has more than 10000000 items"
run_text "one item over the limit of a built range" 'echo 0..10000000; echo after' \
	"after" "-x:1: error: echo: range 0..10000000 has more than 10000000 items"
run_text "a map of 10^9 items is refused before anything is built" 'map square 1..1000000000; echo after' \
	"after" "-x:1: error: map: range 1..1000000000 has more than 100000000 items (a map keeps each item's state and result, 14 bytes an item)"
run_text "one item over a map's limit" 'imap square 0..100000000; echo after' \
	"after" "-x:1: error: imap: range 0..100000000 has more than 100000000 items (a map keeps each item's state and result, 14 bytes an item)"
run_text "2^63 as a range end" 'map square 1..9223372036854775808; echo after' \
	"after" "-x:1: error: map: bad range '1..9223372036854775808': 9223372036854775808 is out of the 64-bit integer range"
run_text "2^64 as a range start" 'map square 18446744073709551616..1; echo after' \
	"after" "-x:1: error: map: bad range '18446744073709551616..1': 18446744073709551616 is out of the 64-bit integer range"
# a number beyond int64 is a bigint (ABI 1.4), its digits exact
out=$("$poolmon" --batch -w 1 -x 'apply echo 9223372036854775808; apply echo -0018446744073709551616 +18446744073709551616' 2>&1)
is "$out" "9223372036854775808
[-18446744073709551616, 18446744073709551616]" "2^63 and 2^64 as numbers, negative, with leading zeros: bigints, shown whole"
out=$("$poolmon" --batch --json -w 1 -x 'queue q; put q 99999999999999999999; get q; value v Q; set v 18446744073709551615; show v' 2>&1)
like "$out" '"event":"get","name":"q","item":99999999999999999999}' "put and get of a bigint: a bare JSON number"
like "$out" '"value":18446744073709551615[,}]' "a Value 'Q' above 2^63: a bigint, a bare JSON number"
run_text "a bigint for a C task's int parameter: refused at submit, nothing runs" 'apply square 123456789012345678901234567890; submit square n=-99999999999999999999; apply square 3' \
	"9" "-x:1: error: apply: demo.square(n:int): argument 'n': 1.2e+29-ish integer does not fit in 64 bits (int is -2**63..2**63-1)
-x:1: error: submit: demo.square(n:int): argument 'n': -1.0e+20-ish integer does not fit in 64 bits (int is -2**63..2**63-1)"
run_text "reversed range" 'map square 9223372036854775807..-9223372036854775808; echo after' \
	"after" "-x:1: error: map: empty range '9223372036854775807..-9223372036854775808': 9223372036854775807 is after -9223372036854775808"

# a range over the limit runs nothing: no task, no result
"$poolmon" --batch --json -w 1 -x 'map square -9223372036854775808..9223372036854775807; status' \
	>"$TEST_TMPDIR/o.json" 2>"$TEST_TMPDIR/e"
is "$(json_get "$TEST_TMPDIR/o.json" '[e["event"] for e in ev]')" "['error', 'status']" \
	"--json: a range over the limit is one error event; no task or result event"
is "$(json_get "$TEST_TMPDIR/o.json" '[sum(v for k, v in e["tasks"].items() if k not in ("evicted", "keep")) for e in ev if e["event"] == "status"]')" \
	"[0]" "--json: status counts no task at all"

# ranges at the ends of int64 work, each item exact
out=$("$poolmon" --batch -w 1 -x 'map echo 9223372036854775805..9223372036854775807; map echo -9223372036854775808..-9223372036854775807; map echo 7..7' 2>&1)
is "$out" "[9223372036854775805, 9223372036854775806, 9223372036854775807]
[-9223372036854775808, -9223372036854775807]
[7]" "ranges at INT64_MAX and INT64_MIN, and of one item, give their exact items"

# --- the commands of a line are independent ---------------------------------
run_text "echo first; echo 1,,2" 'echo first; echo 1,,2; echo third' \
	"first
third" "-x:1: error: echo: empty item in list '1,,2'"
run_text "a bad command between two waits" 'apply square 3; map square 5..1; apply square 4' \
	"9
16" "-x:1: error: map: empty range '5..1': 5 is after 1"
run_text "an unknown command, a bad word, a quote left open" \
	'frobnicate; apply square 1..; apply square 5; echo "open; echo not-a-command' \
	"25" "-x:1: error: frobnicate: unknown command (try 'help')
-x:1: error: apply: bad range '1..' (write FIRST..LAST, e.g. 1..10)
-x:1: error: echo: unterminated quote"
run_text "a control byte in one command" "$(printf 'echo a\001b; echo after')" \
	"after" "-x:1: error: echo: control character 0x01 in the input"

# in order: the error comes when its turn comes, after what came before it
# ran and before what comes after it
"$poolmon" --batch --json -w 1 -x 'apply square 3; echo 1,,2; apply square 4; echo "x' \
	>"$TEST_TMPDIR/o.json" 2>"$TEST_TMPDIR/e"
is "$?" 1 "--json: errors in a line: exit status 1"
is "$(json_get "$TEST_TMPDIR/o.json" '[(e["event"], e.get("result", e.get("message"))) for e in ev if e["event"] in ("result", "error")]')" \
	"[('result', 9), ('error', \"empty item in list '1,,2'\"), ('result', 16), ('error', 'unterminated quote')]" \
	"--json: result 9, the error, result 16, the error: in the order typed"
is "$(json_get "$TEST_TMPDIR/o.json" '[e["command"] for e in ev if e["event"] == "error"]')" \
	"['echo', 'echo']" "--json: each error event names its own command"

# the same through --batch on stdin: the line's first command still runs
printf '%s\n' 'echo first; echo 1,,2' 'echo next-line' | "$poolmon" --batch -w 1 >"$TEST_TMPDIR/out" 2>"$TEST_TMPDIR/err"
is "$(cat "$TEST_TMPDIR/out")" "first
next-line" "--batch stdin: echo first runs, and the next line"
is "$(cat "$TEST_TMPDIR/err")" "<stdin>:1: error: echo: empty item in list '1,,2'" "--batch stdin: the one error"

# --- an empty id is an error ----------------------------------------------
for cmd in pause resume terminate kill join result show; do
	"$poolmon" --batch -w 1 -x "$cmd \"\"; echo after" >"$TEST_TMPDIR/out" 2>"$TEST_TMPDIR/err"
	rc=$?
	like "$(cat "$TEST_TMPDIR/err")" "^-x:1: error: $cmd: empty id \"\"; usage: $cmd " "$cmd \"\": the error says the id is empty"
	is "$(cat "$TEST_TMPDIR/out")" after "$cmd \"\": the next command runs"
	is "$rc" 1 "$cmd \"\": exit status 1"
done
"$poolmon" --batch --json -w 1 -x 'pause ""; status' >"$TEST_TMPDIR/o.json" 2>/dev/null
is "$(json_get "$TEST_TMPDIR/o.json" '[e["pool"]["state"] for e in ev if e["event"] == "status"]')" \
	"['running']" 'pause "": the pool is not paused'
"$poolmon" --batch --json -w 1 -x 'pause all; resume ""; status' >"$TEST_TMPDIR/o.json" 2>/dev/null
is "$(json_get "$TEST_TMPDIR/o.json" '[e["pool"]["state"] for e in ev if e["event"] == "status"]')" \
	"['paused']" 'resume "": a paused pool stays paused'
"$poolmon" --batch --json -w 1 -x 'submit sleep 20000; terminate ""; kill ""; status; terminate t1' >"$TEST_TMPDIR/o.json" 2>/dev/null
is "$(json_get "$TEST_TMPDIR/o.json" '[(e["tasks"]["terminated"], e["pool"]["state"]) for e in ev if e["event"] == "status"]')" \
	"[(0, 'running')]" 'terminate "" and kill "": nothing terminated, the pool runs'

done_testing
