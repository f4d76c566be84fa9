#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/show_queue.sh — `show q` of a shared queue lists its items in
# order, the first 20 and how many in all, and takes none (issue 14
# item 4).
. "${srcdir:-.}/tests/lib.sh"

out=$("$poolmon" -w 1 --batch -x 'queue q; put q 1; put q hello; put q None; put q 2.5; show q; get q; show q' 2>&1)
is "$out" "q queue: 4 items
  1: 1
  2: 'hello'
  3: None
  4: 2.5
1
q queue: 3 items
  1: 'hello'
  2: None
  3: 2.5" "show q lists the items in order and leaves them there"

cmds='queue big 0'
for i in $(seq 1 25); do cmds="$cmds; put big i$i"; done
out=$("$poolmon" -w 1 --batch -x "$cmds; show big; get big" 2>&1)
want="big queue: 25 items"
for i in $(seq 1 20); do want="$want
  $i: 'i$i'"; done
want="$want
  … 5 more (25 in all)
'i1'"
is "$out" "$want" "a long queue: the first 20 items, then how many more"

out=$("$poolmon" -w 1 --batch -x 'queue e; show e; queue j joinable=1; put j x; show j' 2>&1)
is "$out" "e queue: 0 items
j joinable_queue: 1 items, 1 unfinished
  1: 'x'" "an empty queue shows no items; a JoinableQueue its items"

out=$("$poolmon" -w 1 --batch --json -x 'queue q; put q 1; put q hello; show q' 2>&1 | grep '"event":"shared"')
is "$out" '{"event":"shared","object":{"name":"q","kind":"queue","qsize":2,"maxsize":0,"closed":false,"waiters":0,"text":"2 items","items":[1,"hello"],"count":2,"truncated":false}}' \
	"show q --json: the items, the count, truncated"

# While a worker takes items, show still sees them in order (a prefix of
# what is left, never a torn record).
out=$("$poolmon" -w 1 --batch -x 'load shared; queue q; '"$(for i in $(seq 1 200); do printf 'put q %d; ' $i; done)"'put q None; submit consume q 5; sleep 0.2; show q; sleep 0.2; show q; join' 2>&1 |
	python3 -c '
import re, sys
bad = seen = 0; last = None
for l in sys.stdin:
    m = re.match(r"  (\d+): (\S+)$", l)
    if not m: continue
    i, v = int(m.group(1)), m.group(2)
    if i == 1: last = None
    if v == "None": v = "201"
    if last is not None and int(v) != last + 1: bad += 1
    last = int(v); seen += 1
print("bad", bad, "seen", seen > 0)')
is "$out" "bad 0 seen True" "show during gets: consecutive items, in order"

done_testing
