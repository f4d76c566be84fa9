#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# map_bulk.sh — a map kept in bulk all the way to the user (issue 13): a
# range is its two ends (a map past the built-range limit runs, one past
# the map limit is refused before anything is built), its results printed
# from the bulk arrays, and its JSON events as ranges whose expansion is
# exactly the per-item stream (`events items`).
. "${srcdir:-.}/tests/lib.sh"

# --- a range is two numbers --------------------------------------------------
# 10^7 + 1 items: one more than a built range may have (echo 0..10000000 is
# refused, tests/input.sh); a map takes it as its ends.
"$poolmon" --batch -w 2 -x 'map square 1..10000001' 2>"$TEST_TMPDIR/big.err" |
	awk -v RS=', ' 'NR == 1 { first = $0 } { n = NR; last = $0 }
		END { sub(/\n$/, "", last); print n, first, last }' >"$TEST_TMPDIR/big.out"
is "$(cat "$TEST_TMPDIR/big.out")" "10000001 [1 100000020000001]" \
	"map square 1..10000001 (past the built-range limit): 10000001 results, first and last exact"
is "$(cat "$TEST_TMPDIR/big.err")" "" "... and no error"

# 1..10^9: refused with the reason, nothing queued
out=$("$poolmon" --batch -w 1 -x 'map square 1..1000000000; status' 2>&1)
like "$out" "error: map: range 1..1000000000 has more than 100000000 items \(a map keeps each item's state and result, 14 bytes an item\)" \
	"map of 10^9 items: refused with the reason"
like "$out" "tasks: queued 0, running 0, paused 0, done 0," "... and nothing was queued"

# a task of two parameters gets the built items (and its own error)
out=$("$poolmon" --batch -w 1 -x 'map add 1..3' 2>&1)
like "$out" "error: map: item 1: demo.add\(a:int, b:int\)" \
	"a range to a task of two parameters: checked item by item as before"

# any parameter type takes the ints of a range, results exact
out=$("$poolmon" --batch -w 1 -x 'map echo 1..3; map square -2..2' 2>&1)
is "$out" "[1, 2, 3]
[4, 1, 0, 1, 4]" "map echo and square of ranges: exact results"

# --- JSON: range events expand to the per-item stream ---------------------
# Two runs of the same maps: numbers done in runs (ranges), numbers that
# fail (per item: they get records), a list of strings (per item).
cmds='map square 3036980000..3037010000; map echo a,b,c; map square 1..20000 chunksize=7; join'
"$poolmon" --batch --json -w 2 -x "$cmds" >"$TEST_TMPDIR/ranges.json" 2>&1
"$poolmon" --batch --json -w 2 -x "events items; $cmds" >"$TEST_TMPDIR/items.json" 2>&1
python3 - "$TEST_TMPDIR/ranges.json" "$TEST_TMPDIR/items.json" >"$TEST_TMPDIR/cmp" <<'EOF'
import json, sys
from collections import Counter
def load(path):
    ev = [json.loads(l) for l in open(path) if l.strip()]
    changes, ranges, single = Counter(), 0, 0
    for e in ev:
        if e["event"] == "task_range":
            a, b = int(e["first"][1:]), int(e["last"][1:])
            assert b >= a and e["count"] == b - a + 1, e
            ranges += 1
            for i in range(a, b + 1):
                changes[(i, e["state"])] += 1
        elif e["event"] == "task":
            single += 1
            changes[(int(e["id"][1:]), e["state"])] += 1
    results = [e for e in ev if e["event"] == "result"]
    return changes, ranges, single, len(ev), results
rc, rr, rs, rn, rres = load(sys.argv[1])
ic, ir, isg, inn, ires = load(sys.argv[2])
print("same changes:", rc == ic)
print("every item queued, running and ended once:",
      all(v == 1 for v in rc.values()) and
      len({i for i, s in rc}) == 30001 + 3 + 20000 and
      Counter(s for i, s in rc) == Counter({"queued": 50004, "running": 50004,
                                             "done": 50004 - 9501,
                                             "failed": 9501}))
print("items mode has no ranges:", ir == 0)
print("ranges mode is compact:", rr > 0 and rn * 5 < inn)
print("same results:", rres == ires)
EOF
is "$(cat "$TEST_TMPDIR/cmp")" "same changes: True
every item queued, running and ended once: True
items mode has no ranges: True
ranges mode is compact: True
same results: True" \
	"--json: the expanded range events equal the per-item stream (events items) exactly, and are far fewer lines"

# a range event's fields
python3 - "$TEST_TMPDIR/ranges.json" >"$TEST_TMPDIR/fields" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
q = [e for e in ev if e["event"] == "task_range" and e["state"] == "queued"]
print(sorted(q[0].keys()))
print([(e["first"], e["last"], e["count"], e["task"]) for e in q])
d = [e for e in ev if e["event"] == "task_range" and e["state"] == "done"]
print(all(e["worker"][0] == "w" and e["pid"] > 0 for e in d))
EOF
is "$(cat "$TEST_TMPDIR/fields")" "['count', 'event', 'first', 'last', 'state', 'task', 'time']
[('t1', 't30001', 30001, 'demo.square'), ('t30002', 't30004', 3, 'demo.echo'), ('t30005', 't50004', 20000, 'demo.square')]
True" "a map is queued as one range event; done ranges name their worker and pid"

# a worker names each item of a chunk by counting on from the chunk's first
# id: across 9 -> 10, 99 -> 100 and 999 -> 1000, each item's context names it
"$poolmon" --batch -w 2 -x "load $builddir/tests/plugins/extra.so; map myid 1..1200 chunksize=600" \
	>"$TEST_TMPDIR/ids.out" 2>&1
is "$(python3 -c 'import ast, sys; r = ast.literal_eval(open(sys.argv[1]).read().splitlines()[-1]); print(len(r), r == ["t%d" % i for i in range(1, 1201)])' "$TEST_TMPDIR/ids.out")" \
	"1200 True" "map myid 1..1200 chunksize=600: every item's context names its own id"

# --- results formatted ahead, while later items still run --------------------
# (cmd_tasks.c formats what ended done in order as it ends; what it prints
# must be what formatting it all at the end prints.)
# items that end out of order: the slow 4th holds the list, 5..8 end first
is "$("$poolmon" --batch -w 2 -x 'map sleep 0,0,0,300,0,0,0,0 chunksize=1' 2>&1)" \
	"[0, 0, 0, 300, 0, 0, 0, 0]" "items ending out of order: the list in item order"
is "$("$poolmon" --batch --json -w 2 -x 'map sleep 0,0,0,300,0,0,0,0 chunksize=1' 2>&1 | grep '"event":"result"')" \
	'{"event":"result","ids":"t1..t8","results":[0,0,0,300,0,0,0,0]}' "... and under --json"
# more than the 16 MiB formatted ahead (27 MB of text): exact, in one line
"$poolmon" --batch -w 2 -x 'map square 1..2000000' >"$TEST_TMPDIR/two.out" 2>&1
python3 -c 'print("[" + ", ".join(str(i * i) for i in range(1, 2000001)) + "]")' >"$TEST_TMPDIR/two.want"
ok "map square 1..2000000 (past what is formatted ahead): the exact list" \
	cmp -s "$TEST_TMPDIR/two.out" "$TEST_TMPDIR/two.want"
# the first 100,500 items done, then failures: the map's failure, no list
"$poolmon" --batch -w 2 -x 'map square 3036900000..3037000600' >"$TEST_TMPDIR/late.out" 2>&1
is "$(grep -c '^\[' "$TEST_TMPDIR/late.out")" 0 "a map failing after 100,500 done items: no list printed"
is "$(tail -n 1 "$TEST_TMPDIR/late.out")" "map: t100501 failed: integer overflow: 3037000500 squared" \
	"... its first failure, as Pool.map raises it"
is "$(grep -c '^t[0-9]* demo.square([0-9]*) failed: integer overflow' "$TEST_TMPDIR/late.out")" 101 "... and each failed item's line"
# --keep: items formatted ahead, then evicted (a map is evicted whole, at
# most once a second) before the last one ends: the error, no list
subs=$(for i in $(seq 20); do printf 'submit square %d; ' "$i"; done)
"$poolmon" --batch -w 2 --keep 10 -x "map square 1..1000; $subs submit sleep 2500; result t1..t1021" \
	>"$TEST_TMPDIR/evict.out" 2>&1
is "$(grep -c '^\[' "$TEST_TMPDIR/evict.out")" 1 "--keep 10: the map's own list, then result of t1..t1021 waits for the sleep"
like "$(cat "$TEST_TMPDIR/evict.out")" "error: map: t1 has ended and was evicted: only the last 10 ended tasks are kept \(--keep\)" \
	"... whose first items were evicted meanwhile: the error, not the results formatted before"

# --- the events command ----------------------------------------------------
is "$("$poolmon" --batch -w 1 -x 'events; events items; events; events ranges' 2>&1)" \
	"events: ranges
events: items
events: items
events: ranges" "events: shows and sets how map items are told"
out=$("$poolmon" --batch -w 1 -x 'events some; events' 2>&1)
is "$out" "-x:1: error: events: expected ranges or items, got 'some'
events: ranges" "events with a bad word: a clear error, nothing changed"
is "$("$poolmon" --batch --json -w 1 -x 'events items' 2>&1 | grep '"events"')" \
	'{"event":"events","mode":"items"}' "events under --json: an events event"

done_testing
