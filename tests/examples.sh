#!/usr/bin/env bash
# examples.sh — issue 5: every seed scenario in examples/ runs with
# `poolmon --script FILE` and shows the seed's outcome.  Each script is run
# twice: as text (exit 0, nothing on stderr, the lines a reader sees) and
# with --json (the exact outcome).  No timing is asserted.
. "${srcdir:-.}/tests/lib.sh"

ex=$srcdir/examples

# run NAME — runs examples/NAME.poolmon as text into $txt and with --json
# into $json; checks the exit status and stderr of both.
run() {
	local name=$1 rc
	txt=$TEST_TMPDIR/$name.txt
	json=$TEST_TMPDIR/$name.json
	"$poolmon" --script "$ex/$name.poolmon" >"$txt" 2>"$TEST_TMPDIR/$name.err"
	rc=$?
	is "$rc $(cat "$TEST_TMPDIR/$name.err")" "0 " "$name: runs, exit 0, nothing on stderr"
	"$poolmon" --script "$ex/$name.poolmon" --json >"$json" 2>"$TEST_TMPDIR/$name.jerr"
	rc=$?
	is "$rc $(cat "$TEST_TMPDIR/$name.jerr")" "0 " "$name: runs with --json, exit 0, nothing on stderr"
}

# q PYEXPR — evaluate over ev (the JSON events of $json), with helpers.
q() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def tasks(state=None, task=None):
    return [e for e in ev if e["event"] == "task" and (state is None or e["state"] == state)
            and (task is None or e["task"] == task)]
def done(id):
    return [e for e in tasks("done") if e["id"] == id]
def status():
    return [e for e in ev if e["event"] == "status"][-1]
def procs():
    return [e for e in ev if e["event"] == "process"]
def results():
    return [e.get("result", e.get("results")) for e in ev if e["event"] == "result"]
def logs():
    return [e["message"] for e in ev if e["event"] == "log"]
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
run process_terminate
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

# --- close vs terminate after 2 s ------------------------------------------------
run pool_terminate
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
is "$(grep -Ec '^t[0-9]+ log: job\(100000000\) (in pid [0-9]+|on 2 threads in pid [0-9]+): [0-9.]+ s' "$txt")" 5 \
	"text: five timing lines (2 serial, 1 threads, 2 processes)"
is "$(grep -E '^(serial|threads|processes):$' "$txt" | tr '\n' ' ')" "serial: threads: processes: " \
	"text: the three ways are labelled"
is "$(q 'len({e["pid"] for e in tasks("done", "demo.job_timed")[:2]})')" 1 "serial: one process ran both"
is "$(q 'len({e["pid"] for e in tasks("done", "demo.job_timed")[2:]})')" 2 "processes: two processes ran them"

done_testing
