#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# errors.sh — bad input of every kind gets exactly one clear error (one
# "error" event under --json), the session goes on, and the exit status
# says an error happened (1) or the command line was bad (2).
. "${srcdir:-.}/tests/lib.sh"

# count_events FILE EVENT — how many JSON lines of FILE have "event":EVENT;
# prints BADJSON if a line is not JSON.
count_events() {
	python3 -c '
import json, sys
n = 0
for l in open(sys.argv[1], "rb"):
    try:
        e = json.loads(l)
    except Exception:
        print("BADJSON"); sys.exit(0)
    n += e.get("event") == sys.argv[2]
print(n)' "$1" "$2"
}
# last_result FILE — the "result" of the last result event.
last_result() {
	python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1], "rb")]
r = [e for e in r if e.get("event") == "result"]
print(r[-1].get("result") if r else "NONE")' "$1"
}
# sanitizer or crash reports in a stderr file
no_crash_report() { ! grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer|Segmentation|core dumped' "$1"; }

# check NAME LINE... — feed the LINEs then `apply square 2` to --batch, in
# --json and in text mode; expect one error, then the answer 4, exit 1.
check() {
	local name=$1 rc
	shift
	printf '%s\n' "$@" 'apply square 2' >"$TEST_TMPDIR/in"
	"$poolmon" --batch --json -w 1 <"$TEST_TMPDIR/in" >"$TEST_TMPDIR/out" 2>"$TEST_TMPDIR/err"
	rc=$?
	is "$(count_events "$TEST_TMPDIR/out" error)" 1 "$name: exactly one error event"
	is "$(last_result "$TEST_TMPDIR/out")" 4 "$name: --json session goes on (apply square 2 = 4)"
	is "$rc" 1 "$name: --json exit status 1"
	"$poolmon" --batch -w 1 <"$TEST_TMPDIR/in" >"$TEST_TMPDIR/out" 2>"$TEST_TMPDIR/err"
	rc=$?
	is "$(grep -c '^<stdin>:1: error: ' "$TEST_TMPDIR/err")" 1 "$name: text mode, one '<stdin>:1: error:' line on stderr"
	is "$(tail -n 1 "$TEST_TMPDIR/out")" 4 "$name: text mode session goes on"
	is "$rc" 1 "$name: text mode exit status 1"
}

check "unknown command"         'frobnicate 1 2'
check "wrong argument count"    'apply square'
check "too many arguments"      'apply square 1 2'
check "wrong argument type"     'apply square abc'
check "unknown task"            'apply nosuch 1'
check "unknown option key="     'apply square 2 bogus=1'
check "bad option value"        'submit square 1 timeout=abc'
check "empty range"             'map square 10..1'
check "bad range"               'map square 1..'
check "unterminated quote"      'echo "abc'
check "integer overflow"        'apply square 99999999999999999999999'
check "no such task id"         'result t99'
check "join pool before close"  'join pool'
check "bad chunksize"           'map square 1..10 chunksize=0'
check "bad worker count"        'workers 0'

# a command-level error does not stop the rest of its line
out=$("$poolmon" --batch -w 1 -x 'frobnicate; apply square 3' 2>/dev/null)
is "$out" 9 "after an unknown command, the next command on the same line runs"

# the error names the command and says what is wrong
"$poolmon" --batch --json -w 1 -x 'apply nosuch 1' >"$TEST_TMPDIR/o" 2>&1
like "$(cat "$TEST_TMPDIR/o")" '"event":"error","command":"apply","message":"[^"]*nosuch' \
	"error event has command and a message naming the unknown task"
"$poolmon" --batch -w 1 -x 'apply nosuch 1' >/dev/null 2>"$TEST_TMPDIR/e"
like "$(cat "$TEST_TMPDIR/e")" "^-x:1: error: apply: .*nosuch" "text mode: '-x:1: error: apply: ...nosuch...'"

# join pool works after close (Python's rule), with no error
"$poolmon" --batch --json -w 2 -x 'submit square 3; close; join pool' >"$TEST_TMPDIR/o" 2>&1
rc=$?
is "$(count_events "$TEST_TMPDIR/o" error)" 0 "close; join pool: no error"
is "$rc" 0 "close; join pool: exit 0"

# JSON strings are UTF-8: the same message as text mode, not mojibake
"$poolmon" --batch -w 1 -x 'apply square 2 bogus=1' >/dev/null 2>"$TEST_TMPDIR/e"
"$poolmon" --batch --json -w 1 -x 'apply square 2 bogus=1' >"$TEST_TMPDIR/o" 2>/dev/null
jmsg=$(python3 -c 'import json,sys; e=[e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "error"][0]; print("%s:%d: error: %s: %s" % (e["file"], e["line"], e["command"], e["message"]))' "$TEST_TMPDIR/o")
is "$jmsg" "$(cat "$TEST_TMPDIR/e")" "JSON error message decodes to the text-mode message (UTF-8 kept)"
"$poolmon" --batch --json -w 1 -x 'echo héllo wörld …' >"$TEST_TMPDIR/o" 2>/dev/null
is "$(python3 -c 'import json,sys; print([e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "echo"][0]["text"])' "$TEST_TMPDIR/o")" \
	"héllo wörld …" "--json echo of UTF-8 text decodes to the same text"

# --- garbage bytes ---------------------------------------------------------
garbage() { # garbage FILE SOURCE
	{ if [ "$2" = urandom ]; then head -c 2000 /dev/urandom
	  else python3 -c 'import random,sys; r=random.Random(42); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(2000)))'; fi
	  printf '\napply square 2\n'; } >"$1"
}
for src in seeded urandom; do
	garbage "$TEST_TMPDIR/g" $src
	# at most one error per command: lines plus ';' separators bound it
	lines=$(( $(wc -l <"$TEST_TMPDIR/g") + $(tr -cd ';' <"$TEST_TMPDIR/g" | wc -c) ))
	"$poolmon" --batch --json -w 1 <"$TEST_TMPDIR/g" >"$TEST_TMPDIR/o" 2>"$TEST_TMPDIR/e"
	rc=$?
	is "$rc" 1 "garbage ($src): exit status 1, no crash"
	n=$(count_events "$TEST_TMPDIR/o" error)
	if [ "$n" != BADJSON ] && [ "$n" -ge 1 ] && [ "$n" -le "$lines" ]; then
		pass "garbage ($src): every output line is JSON; 1..$lines errors ($n)"
	else
		fail "garbage ($src): every output line is JSON; 1..$lines errors" "got $n"
	fi
	is "$(last_result "$TEST_TMPDIR/o")" 4 "garbage ($src): a later command still answers"
	ok "garbage ($src): no sanitizer/crash report" no_crash_report "$TEST_TMPDIR/e"
	# text mode: the error lines must not copy raw control bytes (escape
	# sequences) to the terminal
	"$poolmon" --batch -w 1 <"$TEST_TMPDIR/g" >"$TEST_TMPDIR/o" 2>"$TEST_TMPDIR/e"
	is "$(tail -n 1 "$TEST_TMPDIR/o")" 4 "garbage ($src), text mode: a later command still answers"
	ok "garbage ($src), text mode: no raw control bytes in the error output" \
		python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(any(b<32 and b!=10 or b==127 for b in d))' "$TEST_TMPDIR/e"
done

# --- a 1 MB line -----------------------------------------------------------
{ head -c 1048576 /dev/zero | tr '\0' a; printf '\napply square 2\n'; } >"$TEST_TMPDIR/big"
"$poolmon" --batch --json -w 1 <"$TEST_TMPDIR/big" >"$TEST_TMPDIR/o" 2>"$TEST_TMPDIR/e"
rc=$?
is "$(count_events "$TEST_TMPDIR/o" error)" 1 "1 MB line: exactly one error event"
like "$(grep '"error"' "$TEST_TMPDIR/o")" 'too long|longer than' "1 MB line: the error says the line is too long"
is "$(last_result "$TEST_TMPDIR/o")" 4 "1 MB line: the next command works"
is "$rc" 1 "1 MB line: exit status 1"
is "$(wc -c <"$TEST_TMPDIR/o")" "$(head -c 4000 "$TEST_TMPDIR/o" | wc -c)" "1 MB line: the error does not echo the whole line"
# a long line that is a real command (a 1 MB quoted word) is refused the same way
{ printf 'echo "'; head -c 1048576 /dev/zero | tr '\0' b; printf '"\napply square 2\n'; } >"$TEST_TMPDIR/big2"
"$poolmon" --batch -w 1 <"$TEST_TMPDIR/big2" >"$TEST_TMPDIR/o" 2>"$TEST_TMPDIR/e"
is "$(grep -c '^<stdin>:1: error: ' "$TEST_TMPDIR/e")" 1 "1 MB echo line, text mode: one error"
is "$(cat "$TEST_TMPDIR/o")" 4 "1 MB echo line, text mode: nothing echoed, next command works"

# the limit exactly: a line of 65536 bytes runs, 65537 is too long; a NUL
# is not kept but counts as a byte past the limit (65535 bytes and a NUL:
# the NUL's error; 65536 and a NUL: too long); lines cross the 64 KiB reads
line_of() { # LENGTH [TAIL]: "echo 7 #aaa…" of LENGTH bytes, then TAIL
	printf 'echo 7 #'; head -c $(($1 - 8)) /dev/zero | tr '\0' a; printf '%b\n' "${2-}"
}
{ line_of 65536; line_of 65537; line_of 65535 '\0'; line_of 65536 '\0'; echo 'echo 8'; } >"$TEST_TMPDIR/limit"
"$poolmon" --batch -w 1 <"$TEST_TMPDIR/limit" >"$TEST_TMPDIR/o" 2>"$TEST_TMPDIR/e"
is "$(tr '\n' ' ' <"$TEST_TMPDIR/o")" "7 8 " "a line of 65536 bytes runs, the last line too"
is "$(sed 's/: [a-z ]*\(longer than 65536\|NUL\).*/: \1/' "$TEST_TMPDIR/e")" "<stdin>:2: error: longer than 65536
<stdin>:3: error: NUL
<stdin>:4: error: longer than 65536" "65537 bytes: too long; 65535 and a NUL: the NUL; 65536 and a NUL: too long"

# --- NUL bytes -------------------------------------------------------------
printf 'apply sq\0uare 3\napply square 2\n' >"$TEST_TMPDIR/nul"
"$poolmon" --batch --json -w 1 <"$TEST_TMPDIR/nul" >"$TEST_TMPDIR/o" 2>"$TEST_TMPDIR/e"
rc=$?
is "$(count_events "$TEST_TMPDIR/o" error)" 1 "NUL byte: exactly one error event"
is "$(last_result "$TEST_TMPDIR/o")" 4 "NUL byte: the next command works"
is "$rc" 1 "NUL byte: exit status 1"
like "$(grep '"error"' "$TEST_TMPDIR/o")" '"message":"[^"]*(NUL|nul|0x00|\\u0000)' \
	"NUL byte: the message names a NUL byte (not another character)"
printf '\0\0\0\napply square 2\n' | "$poolmon" --batch -w 1 >"$TEST_TMPDIR/o" 2>"$TEST_TMPDIR/e"
is "$(grep -c '^<stdin>:1: error: ' "$TEST_TMPDIR/e")" 1 "a line of NULs, text mode: one error"
is "$(cat "$TEST_TMPDIR/o")" 4 "a line of NULs, text mode: the next command works"

# --- command line ----------------------------------------------------------
optcheck() { # optcheck NAME ERE ARGS...
	local name=$1 re=$2 rc
	shift 2
	"$poolmon" "$@" </dev/null >"$TEST_TMPDIR/o" 2>"$TEST_TMPDIR/e"
	rc=$?
	is "$rc" 2 "$name: exit status 2"
	like "$(cat "$TEST_TMPDIR/e")" "$re" "$name: message on stderr"
	is "$(cat "$TEST_TMPDIR/o")" "" "$name: nothing on stdout"
}
optcheck "unknown option --frob" 'frob' --frob --batch
optcheck "unknown short option -Z" '-?Z' -Z --batch
optcheck "-w without a value" '-w|workers' --batch -w
optcheck "-w abc" 'abc' --batch -w abc
optcheck "-w 0" 'workers|-w' --batch -w 0
optcheck "--script of a missing file" 'nonexistent' --script "$TEST_TMPDIR/nonexistent"

# stdin not a terminal and no --batch: its commands run as with --batch
echo 'apply square 2' | "$poolmon" -w 1 >"$TEST_TMPDIR/o" 2>"$TEST_TMPDIR/e"
rc=$?
is "$rc" 0 "stdin not a terminal without --batch: exit status 0"
is "$(cat "$TEST_TMPDIR/e")" "" "stdin not a terminal without --batch: nothing on stderr"
is "$(cat "$TEST_TMPDIR/o")" "4" "stdin not a terminal without --batch: its command ran"

# a clean session exits 0
"$poolmon" --batch -w 1 -x 'apply square 2' >/dev/null 2>&1
is "$?" 0 "a session without errors exits 0"

done_testing
