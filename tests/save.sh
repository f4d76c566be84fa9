#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# save.sh — `save ID|FIRST..LAST FILE` and `result FIRST..LAST` without a
# screen (issue 13): the file holds what result prints in text, every item
# (the same bytes as the map's own output, also under --json); bad input
# of every kind is refused with its message and writes no file.
. "${srcdir:-.}/tests/lib.sh"

d=$TEST_TMPDIR

# 1. A map's list, saved: the bytes the map itself printed.
"$poolmon" -w 2 --batch -x "map square 1..1000; save t1..t1000 $d/all.txt" >"$d/out.txt"
is "$?" 0 "map then save exits 0"
head -n 1 "$d/out.txt" >"$d/map.txt"
ok "the saved file equals the map's output line" cmp "$d/all.txt" "$d/map.txt"
is "$(sed -n 2p "$d/out.txt")" "saved 1,000 results of t1..t1000 to $d/all.txt" "save says what it wrote"
is "$(wc -l <"$d/all.txt")" 1 "the file is one line"

# 2. --json changes what poolmon prints, not what the file holds.
"$poolmon" -w 2 --batch --json -x "map square 1..1000; save t1..t1000 $d/json.txt" >/dev/null
ok "under --json the file is the same text" cmp "$d/json.txt" "$d/map.txt"

# 3. One task; a range inside a map; a map with a failure (its first).
"$poolmon" -w 2 --batch -x "map square 1..10; save t7 $d/one.txt; save t3..t5 $d/part.txt; result t3..t5" >"$d/o3.txt"
is "$(cat "$d/one.txt")" "$((7 * 7))" "save t7: the task's result"
is "$(cat "$d/part.txt")" "[$((3 * 3)), $((4 * 4)), $((5 * 5))]" "save t3..t5: those items' list"
is "$(tail -n 1 "$d/o3.txt")" "[$((3 * 3)), $((4 * 4)), $((5 * 5))]" "result t3..t5 prints the same list"
"$poolmon" -w 1 --batch -x "map fail x,y; save t1..t2 $d/fail.txt" >"$d/o4.txt" 2>/dev/null
is "$(cat "$d/fail.txt")" "map: t1 failed: x" "a failed map: the file says its first failure, as map does"

# 4. Bad input: the message, exit 1, no file.
refused() { # WHAT CMDS MESSAGE
	local err
	err=$("$poolmon" -w 1 --batch -x "$2" 2>&1 >/dev/null)
	local rc=$?
	is "$rc" 1 "$1: exit 1"
	is "$err" "$3" "$1: the message"
	ok "$1: no file written" test ! -e "$d/bad.txt"
}
refused "a task still running" "submit sleep 3000; save t1 $d/bad.txt" \
	"-x:1: error: save: t1 has not ended yet (result t1 waits for it)"
refused "no such task" "save t9 $d/bad.txt" "-x:1: error: save: no task t9"
refused "a range past the last task" "map square 1..3; save t1..t5 $d/bad.txt" \
	"-x:1: error: save: no task t4"
refused "a range backwards" "map square 1..3; save t3..t1 $d/bad.txt" \
	"-x:1: error: save: 't3..t1' is not a range of task ids (t1..t10, the first not after the last)"
refused "not an id" "save w1 $d/bad.txt" \
	"-x:1: error: save: 'w1' is not a task id (t1) or a range of them (t1..t10)"
refused "an empty file name" "map square 1..3; save t1 \"\"" "-x:1: error: save: no file name"
refused "a directory that does not exist" "map square 1..3; save t1 $d/nodir/bad.txt" \
	"-x:1: error: save: cannot write '$d/nodir/bad.txt': No such file or directory"
refused "one word" "save t1" "-x:1: error: save: wrong number of arguments; usage: save ID|FIRST..LAST FILE"
refused "result of a bad range" "result t0..t3" \
	"-x:1: error: result: 't0..t3' is not a range of task ids (t1..t10, the first not after the last)"
refused "result of a range that does not wait forever" "submit sleep 3000; result t1..t1 timeout=0.2" \
	"-x:1: error: result: t1..t1: timed out waiting for the results"

done_testing
