#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# shared.sh — shared objects through the real binary: the race demo, the
# producer/consumer acceptance, JoinableQueue with a daemon consumer, pipe
# ping-pong, arrays filled in parallel, the seed's job(v, num, l), robust
# locks after a holder is killed, and every bad input of the commands.
. "${srcdir:-.}/tests/lib.sh"

# json_get FILE PYEXPR — evaluate PYEXPR with `ev` = list of the JSON events
# and `obj(name)` = that shared object in the last status event.
json_get() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
st = [e for e in ev if e["event"] == "status"]
def obj(name, n=-1):
    return [o for o in st[n]["shared"] if o["name"] == name][0]
def results(task):
    return [e["result"] for e in ev if e["event"] == "task" and e["task"] == task and e["state"] == "done"]
print(eval(sys.argv[2]))' "$1" "$2"
}

run_json() { # OUT CMDS [poolmon options]
	local out=$1 cmds=$2
	shift 2
	"$poolmon" --batch --json "$@" -x "$cmds" >"$out" 2>"$out.err"
}

# --- the race demo: 4 workers each add 1 to i 100,000 times ---------------
out=$TEST_TMPDIR/race.json
run_json "$out" 'load shared; value i i 0;
	submit shared.incr i 100000 1; submit shared.incr i 100000 1;
	submit shared.incr i 100000 1; submit shared.incr i 100000 1; join;
	value u i 0;
	submit shared.incr u 100000 0; submit shared.incr u 100000 0;
	submit shared.incr u 100000 0; submit shared.incr u 100000 0; join;
	status' -w 4
is "$?" 0 "race demo runs"
is "$(json_get "$out" 'obj("i")["value"]')" 400000 "with the lock: exactly 400000"
is "$(json_get "$out" 'len(results("shared.incr"))')" 8 "all 8 incr tasks done"
is "$(json_get "$out" '0 < obj("u")["value"] <= 400000')" True \
	"without the lock: status shows a value <= 400000 ($(json_get "$out" 'obj("u")["value"]'))"
is "$(json_get "$out" '(obj("i")["kind"], obj("i")["code"], obj("i")["lock"], obj("i")["locked"])')" \
	"('value', 'i', True, False)" "status: kind, code, lock, not held"

# --- producer/consumer: queue depth > 0 mid-run, each item exactly once -----
# Producers fill the queue before any consumer starts: the depth seen is
# deterministic.
out=$TEST_TMPDIR/pc.json
run_json "$out" 'load shared; queue q;
	submit shared.producer q A 60; submit shared.producer q B 40; join;
	status;
	submit shared.consumer q; submit shared.consumer q; submit shared.consumer q;
	put q None; join; status' -w 3
is "$?" 0 "producer/consumer runs"
is "$(json_get "$out" '(obj("q", 0)["qsize"], obj("q", 0)["kind"])')" "(100, 'queue')" \
	"status mid-run: queue depth 100 before the consumers start"
is "$(json_get "$out" 'len(results("shared.consumer"))')" 3 "all three consumers exit on the sentinel"
is "$(json_get "$out" 'sorted(x for r in results("shared.consumer") for x in r) == sorted(["A:%d" % i for i in range(1, 61)] + ["B:%d" % i for i in range(1, 41)])')" \
	True "every produced item consumed exactly once"
is "$(json_get "$out" 'all([int(x[2:]) for x in r if x[0] == p] == sorted(int(x[2:]) for x in r if x[0] == p) for r in results("shared.consumer") for p in "AB")')" \
	True "in order per producer, in every consumer"
is "$(json_get "$out" 'obj("q")["qsize"]')" 1 "only the sentinel is left"

# one consumer, the seed's write/read pair, and get from the command line
out=$TEST_TMPDIR/wr.json
run_json "$out" 'load shared; queue q; submit shared.writer q A B C; join;
	spawn shared.consumer q; put q None; join p1; get q; get q nowait=1' -w 2
is "$(json_get "$out" 'results("shared.consumer")')" "[['A', 'B', 'C']]" "writer/reader: A B C in order"
is "$(json_get "$out" '[e["item"] for e in ev if e["event"] == "get"]')" "[None]" "get prints the sentinel left"
is "$(json_get "$out" '[e["message"] for e in ev if e["event"] == "error"]')" \
	"['q: queue is empty (Empty)']" "get nowait=1 on an empty queue: Empty"

# get blocks without blocking the loop: a worker's put arrives meanwhile
txt=$("$poolmon" --batch -w 2 -x 'load shared; queue q; submit demo.sleep 300; submit shared.writer q late; get q timeout=5; echo after' 2>&1 | grep -v '^t[0-9]\|killed by SIGTERM')
is "$txt" "loaded shared from $POOLMON_PLUGIN_PATH/shared.so
'late'
after" "get waits for the item a task puts"
start=$(date +%s%N)
txt=$("$poolmon" --batch -w 1 -x 'queue q; get q timeout=0.3' 2>&1)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$txt" "-x:1: error: get: q: timed out: queue is empty (Empty)" "get timeout=0.3 on an empty queue"
ok "it waited the timeout ($ms ms)" test "$ms" -ge 300

# put on a full queue: Full with nowait, waits otherwise
txt=$("$poolmon" --batch -w 1 -x 'queue q 1; put q 1; put q 2 nowait=1; put q 3 timeout=0.2; show q' 2>&1)
is "$txt" "-x:1: error: put: q: queue is full (Full)
-x:1: error: put: q: timed out: queue is full (Full)
q queue: 1/1 items
  1: 1" "put on a full queue: Full (nowait) and after a timeout; nothing added"

# --- JoinableQueue with a daemon consumer ----------------------------------
out=$TEST_TMPDIR/jq.json
run_json "$out" 'load shared; queue jq joinable=1;
	submit shared.producer jq P 5; join; status;
	spawn daemon=1 shared.joinable_consumer jq 20;
	apply shared.join_queue jq 10; status' -w 2
is "$?" 0 "joinable queue run exits 0 (the daemon consumer is ended)"
is "$(json_get "$out" '(obj("jq", 0)["qsize"], obj("jq", 0)["unfinished"], obj("jq", 0)["kind"])')" \
	"(5, 5, 'joinable_queue')" "5 put, 5 unfinished before the consumer"
is "$(json_get "$out" '(obj("jq")["qsize"], obj("jq")["unfinished"])')" "(0, 0)" \
	"join returns once every item is task_done()"
is "$(json_get "$out" 'len([e for e in ev if e["event"] == "log" and "consumed P:" in e["message"]])')" 5 \
	"the consumer logged 5 items"

# --- pipe ping-pong, array filled in parallel, barrier, event ---------------
out=$TEST_TMPDIR/misc.json
run_json "$out" 'load shared; pipe pp; submit shared.pong pp 1; submit shared.ping pp 0 1000; join;
	array sq q 100; submit shared.fill sq 0 3; submit shared.fill sq 1 3; submit shared.fill sq 2 3; join;
	barrier b 3; submit shared.wait b 5; submit shared.wait b 5; sleep 1; status; submit shared.wait b 5; join;
	event e; submit shared.wait e 5; set e 1; join; status' -w 3
is "$(json_get "$out" 'results("shared.ping") + results("shared.pong")')" "[1000, 1000]" "pipe: 1000 rounds of ping-pong"
is "$(json_get "$out" 'obj("sq")["values"] == [i * i for i in range(100)]')" True "array filled in parallel by 3 tasks"
is "$(json_get "$out" '(obj("b", 0)["count"], obj("b", 0)["parties"])')" "(2, 3)" "barrier: 2 of 3 waiting"
is "$(json_get "$out" 'results("shared.wait")')" "[1, 1, 1, 1]" "the third party releases the barrier; set releases the event"
is "$(json_get "$out" 'obj("e")["is_set"]')" True "event is set"

# --- the seed's job(v, num, l) -------------------------------------------------
txt=$("$poolmon" --batch -w 2 -x 'load shared; value v i 0; lock l; spawn shared.job v 1 l; spawn shared.job v 3 l; join p1 p2; show v' 2>&1 | tail -1)
is "$txt" "v value 'i': 40" "job(v, 1, l) and job(v, 3, l) under the lock: 40"
out=$TEST_TMPDIR/job.json
run_json "$out" 'load shared; value v i 0; lock l; spawn shared.job v 1 l; spawn shared.job v 3 l; join p1 p2' -w 2
is "$(json_get "$out" '[int(e["message"]) for e in ev if e["event"] == "log"] in ([1,2,3,4,5,6,7,8,9,10] + list(range(13, 41, 3)), list(range(3, 31, 3)) + list(range(31, 41)))')" \
	True "under the lock one job's ten prints come before the other's"

# --- robust lock: kill the holder, the next acquire recovers -----------------
out=$TEST_TMPDIR/robust.json
run_json "$out" 'load shared; lock l; submit shared.hold l 60000; sleep 0.5; status;
	terminate t1; sleep 0.3; acquire l timeout=5; status; release l; status' -w 1
is "$(json_get "$out" '(obj("l", 0)["locked"], obj("l", 0)["holder_pid"] == [e["pid"] for e in ev if e["event"] == "task" and e["state"] == "running"][0])')" \
	"(True, True)" "status shows the lock held by the task's worker pid"
is "$(json_get "$out" '(obj("l", 1)["owner_died"], obj("l", 1)["dead_pid"] == obj("l", 0)["holder_pid"], obj("l", 1)["locked"])')" \
	"(True, True, True)" "after kill: acquired, owner_died with the dead holder's pid"
is "$(json_get "$out" 'obj("l")["locked"]')" False "released again"
txt=$("$poolmon" --batch -w 1 -x 'load shared; lock l; submit shared.hold l 60000; sleep 0.5; terminate t1; sleep 0.3; acquire l timeout=5' 2>&1 | grep acquired)
like "$txt" '^l: acquired; its owner \(w1, pid [0-9]+\) died holding it$' "text: the acquire says the owner died, by id and pid"

# --- bad input: one clear message each, nothing changed -----------------------
cmds='value i i 0; array a i 1,2,3; queue q 1; lock l; semaphore s 1 bounded=1;
value i i 5; value x z 1; value x b 128; value x B -1; value x h 40000; value x i 2.5; value x f 1e40; value x c ab;
array y i "[[1,2],[3,4]]"; array y i 0; array y B 1,300; array y q -3;
set a[3] 1; set a[-4] 1; set a[x] 1; set i[0] 1; set a 1,2; set i 99999999999; set nope 1;
put nope 1; get nope; show nope; put l 1; put q 1; put q 2 nowait=1; get q; get q nowait=1;
release l; release s; value 9bad i 1; semaphore t -1; barrier b 0; queue r -1; lock k kind=mutex; set l 1;
status'
out=$TEST_TMPDIR/bad.json
run_json "$out" "$cmds" -w 1
is "$(json_get "$out" 'len([e for e in ev if e["event"] == "error"])')" 33 "33 errors for 33 bad commands"
json_get "$out" '"\n".join(e["message"] for e in ev if e["event"] == "error")' >"$TEST_TMPDIR/msgs"
diag "$(cat "$TEST_TMPDIR/msgs")"
expected="'i' already exists
bad type code 'z' (one of b B h H i I l L q Q f d c)
128 is out of range for type code 'b' (-128..127)
-1 is out of range for type code 'B' (0..255)
40000 is out of range for type code 'h' (-32768..32767)
type code 'i' takes an integer, got float
1e+40 is out of range for type code 'f' (float)
type code 'c' takes one character (or 0..255)
an array is one-dimensional: '[[1,2],[3,4]]' is a list of lists (TypeError: an integer is required)
size must be 1..16777216, got 0
item 1: 300 is out of range for type code 'B' (0..255)
size must be 1..16777216, got -3
index 3 out of range: 'a' has 3 items (0..2)
index -4 out of range: 'a' has 3 items (0..2)
expected NAME or NAME[INDEX], got 'a[x]'
'i' is a value, not an array: no index
'a' has 3 items: set a[INDEX] VALUE, or all 3 as a list
99999999999 is out of range for type code 'i' (-2147483648..2147483647)
no shared object 'nope' (see status)
no shared object 'nope' (see status)
no shared object 'nope' (see status)
no shared object 'nope' (see status)
'l' is a lock, not a queue
q: queue is full (Full)
q: queue is empty (Empty)
l: release of a lock poolmon does not hold (as Python: an unheld lock cannot be released)
s: released too many times
bad name '9bad': use letters, digits and _ (at most 47), not starting with a digit
a semaphore's value must be 0..2147483647, got -1
parties must be an integer 1..1048576, got '0'
maxsize must be an integer >= 0 (0: no limit), got '-1'
kind must be lock or rlock
'l' is a lock: only values, arrays and events are set"
is "$(cat "$TEST_TMPDIR/msgs")" "$expected" "each bad input gets its message"
is "$(json_get "$out" '[(o["name"], o.get("value", o.get("values", o.get("qsize", o.get("count"))))) for o in st[-1]["shared"]]')" \
	"[('i', 0), ('a', [1, 2, 3]), ('q', 0), ('l', None), ('s', 1)]" \
	"nothing changed: only the five good objects, with their values"
is "$(json_get "$out" '[e["item"] for e in ev if e["event"] == "get"]')" "[1]" "the one good put/get"

# completion offers the shared names
txt=$("$poolmon" --batch -w 1 -x 'value counter i 0; queue cq; help show' 2>&1)
like "$txt" 'show NAME' "help show"

done_testing
