#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# examples.sh — issue 5: every seed scenario in examples/ runs with
# `poolmon --script FILE` and shows the seed's outcome.  Each script is run
# twice: as text (exit 0, nothing on stderr, the lines a reader sees) and
# with --json (the exact outcome).  No timing is asserted.
. "${srcdir:-.}/tests/lib.sh"

ex=$srcdir/examples

# run NAME [RC STDERR] — runs examples/NAME.poolmon as text into $txt and
# with --json into $json.  The text run must exit RC (0) with exactly
# STDERR (nothing) on stderr: the error lines of a seed that shows an
# exception; the --json run exits RC too, its errors are events on stdout
# and its stderr is empty.
run() {
	local name=$1 want_rc=${2:-0} want_err=${3:-} rc
	txt=$TEST_TMPDIR/$name.txt
	json=$TEST_TMPDIR/$name.json
	"$poolmon" --script "$ex/$name.poolmon" >"$txt" 2>"$TEST_TMPDIR/$name.err"
	rc=$?
	if [ -z "$want_err" ]; then
		is "$rc $(cat "$TEST_TMPDIR/$name.err")" "$want_rc " "$name: runs, exit $want_rc, nothing on stderr"
	else
		is "$rc $(cat "$TEST_TMPDIR/$name.err")" "$want_rc $want_err" \
			"$name: runs, exit $want_rc, stderr: the seed's errors, exactly"
	fi
	"$poolmon" --script "$ex/$name.poolmon" --json >"$json" 2>"$TEST_TMPDIR/$name.jerr"
	rc=$?
	is "$rc $(cat "$TEST_TMPDIR/$name.jerr")" "$want_rc " "$name: runs with --json, exit $want_rc, nothing on stderr"
}

# q PYEXPR — evaluate over ev (the JSON events of $json), with helpers.
q() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def tasks(state=None, task=None):
    return [e for e in ev if e["event"] == "task" and (state is None or e["state"] == state)
            and (task is None or e["task"] == task)]
def late(slack=0.02):
    # Pairs (a, b), a submitted before b, where a started after b: workers
    # start what they are given within microseconds of each other, so
    # "after" means by more than slack seconds.
    st = sorted((int(e["id"][1:]), e["started"]) for e in tasks("done"))
    return [(a, b) for i, (a, sa) in enumerate(st) for (b, sb) in st[i + 1:] if sa > sb + slack]
def done(id):
    return [e for e in tasks("done") if e["id"] == id]
def status():
    return [e for e in ev if e["event"] == "status"][-1]
def procs():
    return [e for e in ev if e["event"] == "process"]
def results():
    return [e.get("result", e.get("results")) for e in ev if e["event"] == "result"]
def logs(id=None):
    return [e["message"] for e in ev if e["event"] == "log" and (id is None or e["id"] == id)]
def result_of(task):
    return [e["result"] for e in tasks("done", task)]
def shown(name):
    return [e["object"] for e in ev if e["event"] == "shared" and e["object"]["name"] == name]
def gets():
    return [e["item"] for e in ev if e["event"] == "get"]
def errors():
    return [e["message"] for e in ev if e["event"] == "error"]
def exited():
    return sorted((p["id"], p["name"], p["exitcode"]) for p in procs() if p["state"] == "exited")
print(eval(sys.argv[2]))' "$json" "$1"
}

# --- the README lists every script, with its seed ---------------------------
# readme_entry NAME — the README's entry for NAME: its line and the
# indented lines after it.
readme_entry() {
	awk -v n="$1" '$1 == n { on = 1; print; next } on && /^[ \t]/ { print; next } { on = 0 }' "$ex/README"
}
for f in "$ex"/*.poolmon; do
	n=$(basename "$f")
	like "$(readme_entry "$n")" '\(seed 00[0-9]' "examples/README lists $n with the seed it comes from"
done

# --- Process start / join ------------------------------------------------------
run process_start_join
is "$(q '[(e["task"], e["result"], e["worker"]) for e in tasks("done")]')" \
	"[('demo.echo', 'aaaaa', 'p1')]" "start/join: p1 ran echo aaaaa"
is "$(q '[(p["id"], p["alive"], p["exitcode"]) for p in status()["processes"]]')" \
	"[('p1', False, 0)]" "start/join: after join p1 is not alive, exitcode 0"
like "$(cat "$txt")" "^t1 demo\.echo\('aaaaa'\) done: 'aaaaa' \[p1 pid [0-9]+\]\$" "start/join: text shows the result"

# --- Process with args, kwargs, name and pid ------------------------------------
run process_name_pid
is "$(q '[(e["worker"], e["result"]) for e in tasks("done")]')" \
	"[('p1', \"admin,22,{'address': '克州'}\"), ('p2', 'admin,22,{}')]" \
	"args/kwargs: proc got ('admin', 22) and kwargs {'address': '克州'}; age= binds by name"
is "$(q '[(p["id"], p["name"]) for p in procs()]')" "[('p1', 'worker-1'), ('p2', 'worker-2')]" \
	"name: the processes are named worker-1 and worker-2"
is "$(q 'all(t["pid"] == p["pid"] > 0 for t in tasks("done") for p in procs() if t["worker"] == p["id"])')" \
	True "pid: each task ran in its process's pid"
pid=$(sed -n 's/^p1 (t1) worker-1 pid \([0-9][0-9]*\)$/\1/p' "$txt")
like "$(cat "$txt")" "^t1 demo\.person\('admin', 22, \[\['address', '克州'\]\]\) done: .* \[p1 pid $pid\]\$" \
	"text: spawn prints the name and the pid that then runs the task"

# --- terminate, join, is_alive False -------------------------------------------
run process_terminate 3 # p1's task terminated
is "$(q '[e["state"] for e in tasks() if e["state"] not in ("queued", "running")]')" "['terminated']" \
	"terminate: proc_1 ends terminated (it was not done)"
is "$(q '[(p["id"], p["alive"], p["exitcode"]) for p in status()["processes"]]')" \
	"[('p1', False, -15)]" "after terminate and join: alive is false, exitcode -15 (SIGTERM)"
pid=$(q '[p["pid"] for p in procs()][0]')
is "$(q "len(logs()) >= 1 and all(m == 'running: admin,22,$pid kwargs={\\'address\\': \\'克州\\'}' for m in logs())")" True \
	"proc_1 logged name, age, its pid and kwargs until terminated"
like "$(cat "$txt")" '^p1 Process-1 exited, exitcode -15$' "text: status shows p1 exited"

# --- globals are not shared -------------------------------------------------------
run globals_not_shared
is "$(q '[(e["id"], e["result"]) for e in tasks("done", "demo.nums")]')" \
	"[('t1', [11, 22, 1, 2, 3]), ('t2', [11, 22])]" \
	"nums: p1 appends to its own [11, 22]; p2 still sees [11, 22]"
is "$(q 'sorted(e["result"] for e in tasks("done", "demo.counter") if e["worker"].startswith("p"))')" "[1, 1]" \
	"counter: two processes each count from 0 to 1"
is "$(q 'results()')" "[1, 2, 3]" "counter: one pool worker keeps its own global: 1, 2, 3"

# --- Pool(3).apply_async × 10, close, join ---------------------------------------
run pool_apply_async
is "$(q 'len(tasks("done"))')" 10 "apply_async: 10 tasks done"
is "$(q 'len({e["pid"] for e in tasks("done")})')" 3 "apply_async: on 3 distinct worker pids"
is "$(q '(status()["pool"]["state"], status()["pool"]["workers"])')" "('closed', 0)" \
	"close + join: the pool is closed and its workers have exited"
is "$(grep -Eo 'pid [0-9]+' "$txt" | sort -u | wc -l)" 3 "text: three pids"
is "$(q 'late()')" "[]" "apply_async: first in, first out (no task starts after one submitted later)"
is "$(q 'min(e["ended"] for e in tasks("done") if e["id"] in ("t1", "t2", "t3")) <= [e["started"] for e in tasks("done") if e["id"] == "t4"][0]')" \
	True "apply_async: t4 starts once one of t1-t3 has ended (three at a time)"

# --- close vs terminate after 2 s ------------------------------------------------
run pool_terminate 3 # tasks terminated and cancelled
is "$(q 'sorted(e["id"] for e in tasks("done"))')" "['t1', 't2']" \
	"terminate: only t1 and t2 (started first) finished"
is "$(q '[len(tasks(s)) for s in ("terminated", "cancelled")]')" "[2, 6]" \
	"terminate: the 2 running then were terminated, the 6 queued cancelled"
is "$(q 'status()["tasks"]["done"], status()["pool"]["state"]')" "(2, 'terminated')" "terminate: 2 done, pool terminated"
like "$(cat "$txt")" '^ending$' "terminate: then 'ending'"
run pool_close_join
is "$(q 'sorted((int(e["id"][1:]), e["result"]) for e in tasks("done"))')" \
	"$(python3 -c 'print([(i, 200) for i in range(1, 11)])')" "close + join: all 10 tasks finish"
is "$(tail -n 4 "$txt" | head -n 1)" "ending" "close + join: 'ending' after the tasks"
is "$(q 'late()')" "[]" "close + join: no task starts after one submitted later"
is "$(q 'sorted([int(e["id"][1:]) for e in sorted(tasks("done"), key=lambda e: e["started"])][2:4])')" \
	"[3, 4]" "close + join: the second wave is t3 + t4 (as Python's Pool)"

# --- map(job, range(10)), apply_async(job, (2,)) ---------------------------------
run pool_map
squares="[0, 1, 4, 9, 16, 25, 36, 49, 64, 81]"
is "$(q 'results()')" "[$squares, 4, 0, 1, 4, 9, 16, 25, 36, 49, 64, 81]" \
	"map: ordered squares; apply square 2 = 4; ten apply_async .get() in order"
is "$(grep -E '^[0-9\[]' "$txt" | tr '\n' ' ')" \
	"$squares 4 0 1 4 9 16 25 36 49 64 81 " "text: the same results, in order"

# --- serial / threads / processes ----------------------------------------------------
run speed_comparison
is "$(q 'len(results()) == 3 and len(set(map(str, results()))) == 1')" True \
	"serial, threads and processes give the same results"
is "$(q 'results()[0]')" \
	"['24999999833333335833333300000000', '24999999833333335833333300000000']" \
	"the seed's job: sum of i + i² + i³ for i < 10⁸, twice"
is "$(grep -c "^\['24999999833333335833333300000000', '24999999833333335833333300000000'\]\$" "$txt")" 3 \
	"text: the three results are printed"
is "$(grep -Ec '^t[0-9]+ job_(timed|threads): job\(100000000\) (in pid [0-9]+|on 2 threads in pid [0-9]+): [0-9.]+ s' "$txt")" 5 \
	"text: five timing lines (2 serial, 1 threads, 2 processes)"
is "$(grep -E '^(serial|threads|processes):$' "$txt" | tr '\n' ' ')" "serial: threads: processes: " \
	"text: the three ways are labelled"
is "$(q 'len({e["pid"] for e in tasks("done", "demo.job_timed")[:2]})')" 1 "serial: one process ran both"
is "$(q 'len({e["pid"] for e in tasks("done", "demo.job_timed")[2:]})')" 2 "processes: two processes ran them"

# --- Queue(3): full(), Full, empty(), get order -------------------------------
run queue_full 1 "$ex/queue_full.poolmon:36: error: put: queue: timed out: queue is full (Full)
$ex/queue_full.poolmon:37: error: put: queue: queue is full (Full)"
is "$(q 'results()')" "[False, True, True, False, True]" \
	"full() False after 2 puts, True after 3 and after the refused puts; empty() False, then True after 3 gets"
is "$(q 'errors()')" "['queue: timed out: queue is full (Full)', 'queue: queue is full (Full)']" \
	"put timeout=2 and put nowait=1 on the full queue: Full"
is "$(q '[(o["qsize"], o["maxsize"]) for o in shown("queue")]')" "[(3, 3), (0, 3)]" \
	"qsize() 3 of maxsize 3 (the refused 消息4 not added), then 0"
is "$(q 'gets()')" "['消息1', '消息2', '消息3']" "get_nowait × 3: 消息1 消息2 消息3, in put order"
is "$(grep -E "^('消息[0-9]'|True|False)\$" "$txt" | tr '\n' ' ')" "False True True False '消息1' '消息2' '消息3' True " \
	"text: full() False then True, the three messages in order, empty() True"

# --- job(q): two processes put their results on one queue --------------------
run queue_job
is "$(q 'sorted((e["worker"], e["result"]) for e in tasks("done", "shared.job_q"))')" \
	"[('p1', 249833583000), ('p2', 249833583000)]" "p1 and p2 each computed job(1000) = 249833583000"
is "$(q 'gets(), sum(gets())')" "([249833583000, 249833583000], 499667166000)" \
	"res1 and res2 come off the queue; res1 + res2 = 499667166000 (the seed's print)"
is "$(q '[o["qsize"] for o in shown("q")]')" "[0]" "the queue is empty after the two gets"
is "$(q 'exited()')" "[('p1', 'Process-1', 0), ('p2', 'Process-2', 0)]" "both processes exit 0"

# --- write / read over a Queue, sentinel from the main program -------------------
run queue_write_read
is "$(q 'result_of("shared.writer"), result_of("shared.consumer")')" "([3], [['A', 'B', 'C']])" \
	"write() put A B C; read() got A B C in order and stopped on None"
is "$(q 'logs("t1")')" "['put item 1', 'put item 2', 'put item 3']" "the writer logged its three puts"
is "$(q '[(o["qsize"]) for o in shown("q")]')" "[1]" "only the sentinel is left"
is "$(tail -n 1 "$txt")" "主程序即将退出..." "text: then 主程序即将退出..."

# --- producer / consumer with a sentinel: one consumer ------------------------
run producer_consumer
is "$(q '[(e["worker"], e["result"]) for e in tasks("done", "shared.consume")]')" \
	"[('p2', ['产品1', '产品2', '产品3', '产品4', '产品5'])]" "小红 consumed 产品1 … 产品5 in order, then stopped on None"
is "$(q 'logs("t2")')" "['consumed 产品1', 'consumed 产品2', 'consumed 产品3', 'consumed 产品4', 'consumed 产品5']" \
	"a log line per item consumed"
is "$(q 'exited()')" "[('p1', '小明', 0), ('p2', '小红', 0)]" "producer 小明 and consumer 小红 exit 0"
is "$(q '[o["qsize"] for o in shown("q")]')" "[1]" "the sentinel put back is the one item left"
is "$(tail -n 1 "$txt")" "程序结束" "text: then 程序结束"

# --- producer / consumer with a sentinel: three consumers ---------------------
run producer_consumers
is "$(q 'len(tasks("done", "shared.consume"))')" 3 "all three consumers stop on the one None"
items=$(python3 -c 'print(["产品:%d" % i for i in range(1, 21)])')
is "$(q 'sorted((x for r in result_of("shared.consume") for x in r), key=lambda x: int(x[3:]))')" "$items" \
	"each of the 20 items consumed exactly once"
is "$(q 'all(r == sorted(r, key=lambda x: int(x[3:])) for r in result_of("shared.consume"))')" True \
	"each consumer got its items in the producer's order"
is "$(q 'exited()')" "[('p1', '小明', 0), ('p2', '小红', 0), ('p3', '小刚', 0), ('p4', '小丽', 0)]" \
	"the producer and the three consumers exit 0"
is "$(q '[o["qsize"] for o in shown("q")]')" "[1]" "the sentinel is the one item left"

# --- seed 000's producer / consumer -------------------------------------------------
run queue_producer_consumer
is "$(q 'result_of("shared.writer"), result_of("shared.consume")')" \
	"([5], [['Item 0', 'Item 1', 'Item 2', 'Item 3', 'Item 4']])" "Item 0 … Item 4 produced and consumed in order"
is "$(q 'exited()')" "[('p1', 'Process-1', 0), ('p2', 'Process-2', 0)]" "both join: the consumer stopped on None"

# --- JoinableQueue: task_done, join, a daemon consumer ------------------------------
run joinable_queue
is "$(q '[(o["kind"], o["qsize"], o["unfinished"]) for o in shown("q")]')" "[('joinable_queue', 0, 0)]" \
	"after q.join(): 0 items, 0 unfinished"
is "$(q '[(e["result"], e["worker"][0]) for e in tasks("done", "shared.join_queue")]')" "[(None, 'w')]" \
	"q.join() (a pool task) returned"
is "$(q 'logs("t2")')" "['consumed 产品1', 'consumed 产品2', 'consumed 产品3', 'consumed 产品4', 'consumed 产品5']" \
	"the daemon consumer took the five items in order"
is "$(q '[(p["id"], p["name"], p["daemon"], p["alive"]) for p in status()["processes"]]')" \
	"[('p1', '小明', False, False), ('p2', '小红', True, True)]" \
	"status: the producer has exited, the daemon consumer still runs (blocked in get)"
daemon=$(q '[p["pid"] for p in status()["processes"] if p["daemon"]][0]')
alive() { # alive PID: a live (non-zombie) process
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $s in Z*) return 1 ;; esac
}
nok "the daemon consumer ($daemon) is ended when poolmon quits" alive "$daemon"
like "$(cat "$txt")" '^主程序结束\.\.\.$' "text: 主程序结束..."

# --- Pool: writer and reader tasks over one queue -------------------------------------
run queue_pool_writer_reader
urls="['https://www.baidu.com', 'https://www.goole.com', 'https://www.facebook.com', 'https://www.yahoo.com', 'https://www.linkedin.com', 'https://www.github.com', 'https://www.bing.com']"
is "$(q 'result_of("shared.writer"), result_of("shared.consume")')" "([7], [$urls])" \
	"the reader got the writer's seven URLs in order, then None"
is "$(q 'sorted(e["worker"][0] for e in tasks("done"))')" "['w', 'w']" "both ran as pool tasks"
is "$(q '[o["qsize"] for o in shown("q")]')" "[1]" "the sentinel is left"
is "$(tail -n 1 "$txt")" "主程序即将退出..." "text: then 主程序即将退出..."

# --- Pipe: one-way send/recv and duplex ping-pong ------------------------------------
run pipe
is "$(q 'result_of("shared.recv"), result_of("shared.send")')" "([['A', 'B', 3, 4.5]], [4])" \
	"one-way pipe: recv got A, B, 3, 4.5 (types kept) then None"
is "$(q 'result_of("shared.ping"), result_of("shared.pong")')" "([5], [5])" "duplex pipe: 5 rounds of ping-pong"
is "$(q '[(o["name"], o["text"]) for o in shown("p") + shown("pp")]')" \
	"[('p', 'one-way, 0 for end 0, 0 for end 1'), ('pp', 'duplex, 0 for end 0, 0 for end 1')]" \
	"both pipes are drained"
is "$(q '[x[2] for x in exited()]')" "[0, 0, 0, 0]" "the four processes exit 0"

# --- Value, Array and the type-code table --------------------------------------------
run value_array 1 "$ex/value_array.poolmon:48: error: array: an array is one-dimensional: '[[1,2],[3,4]]' is a list of lists (TypeError: an integer is required)
$ex/value_array.poolmon:53: error: value: bad type code 'u' (one of b B h H i I l L q Q f d c)"
is "$(q '[(o["name"], o["code"], o.get("value", o.get("values"))) for e in ev if e["event"] == "shared" for o in [e["object"]]]')" \
	"[('value1', 'i', 0), ('value2', 'd', 3.14), ('array', 'i', [1, 2, 3, 4])]" \
	"Value('i', 0), Value('d', 3.14), Array('i', [1, 2, 3, 4])"
is "$(q 'errors()')" \
	"[\"an array is one-dimensional: '[[1,2],[3,4]]' is a list of lists (TypeError: an integer is required)\", \"bad type code 'u' (one of b B h H i I l L q Q f d c)\"]" \
	"the 2-D initializer: TypeError: an integer is required; 'u' is not a code"
is "$(q '"\n".join(str(r) for r in results())')" "['i', 'signed int', 'int', 4, [1, 2, 3, 4]]
['b', 'signed char', 'int', 1, 127]
['B', 'unsigned char', 'int', 1, 255]
['h', 'signed short', 'int', 2, 32767]
['H', 'unsigned short', 'int', 2, 65535]
['i', 'signed int', 'int', 4, 2147483647]
['I', 'unsigned int', 'int', 4, 4294967295]
['l', 'signed long', 'int', 8, 9223372036854775807]
['L', 'unsigned long', 'int', 8, 18446744073709551615]
['q', 'signed long long', 'int', 8, -9223372036854775808]
['Q', 'unsigned long long', 'int', 8, 18446744073709551615]
['f', 'float', 'float', 4, 3.140000104904175]
['d', 'double', 'float', 8, 3.14]
['c', 'char', 'bytes', 1, 'a']" "the type-code table: each code's C type, Python type, size and value, read in a worker"
is "$(grep -c "^\['[bBhHiIlLqQfdc]', " "$txt")" 14 "text: the 14 rows"
like "$(cat "$txt")" "^\['c', 'char', 'bytes', 1, b'a'\]\$" "text: 'c' holds bytes b'a'"

# --- Lock: job(v, 1, l) and job(v, 3, l) ⇒ 40 ----------------------------------------------
run lock_job
is "$(q '[(o["value"], o["locked"]) for o in shown("v")] + [o["locked"] for o in shown("l")]')" "[(40, False), False]" \
	"v.value is 40 (10·1 + 10·3), and the lock is free"
is "$(q '[int(m) for m in logs()] in (list(range(1, 11)) + list(range(13, 41, 3)), list(range(3, 31, 3)) + list(range(31, 41)))')" \
	True "under the lock one job's ten prints come before the other's ($(q '" ".join(logs())'))"
is "$(q 'sorted(result_of("shared.job")) in ([10, 40], [30, 40])')" True "the second job to run ends at 40"
is "$(q 'exited()')" "[('p1', 'Process-1', 0), ('p2', 'Process-2', 0)]" "p1 and p2 exit 0"

# --- write / read with the seed's random sleeps ------------------------------
run queue_random_sleep
is "$(q 'result_of("shared.qwriter"), result_of("shared.qreader")')" "([3], [3])" \
	"qwriter put 3 items, qreader got 3 and stopped on None"
is "$(q '[m.split(" (pid")[0] for m in logs("t2")]')" "['got A', 'got B', 'got C']" \
	"the reader got A B C in order"
is "$(q 'len(set(m.split("pid ")[1] for m in logs("t1") + logs("t2")))')" 2 \
	"each logged with its pid: two processes"
is "$(q 'exited()')" "[('p1', 'Process-1', 0), ('p2', 'Process-2', 0)]" "both processes exit 0"

# --- worker(name, *args, **kwargs) in a Pool(3) -------------------------------
run pool_worker_args
is "$(q 'len(tasks("done", "demo.worker")), sorted(int(r.split()[0]) for r in result_of("demo.worker"))')" \
	"(10, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])" "ten workers ran, each returned 'N done'"
is "$(q 'sorted(set(m for m in logs() if m.startswith(("args", "kwargs"))))')" \
	"[\"args: ('测试参数-1', '测试参数-2')\", \"kwargs: {'proc_kw': 'proc_attr', 'max_ms': 400}\"]" \
	"args as a tuple, kwargs as a dict, as the seed prints them"
is "$(q 'len(set(e["pid"] for e in tasks("done", "demo.worker")))')" 3 "three pids serve the ten tasks"

done_testing
