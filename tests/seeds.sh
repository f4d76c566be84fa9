#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# seeds.sh — issue 15 item 5: every seed example of examples/seeds/ runs in
# poolmon's pool through the python plugin, and prints what the seed's own
# code prints.  For each NAME: python3 runs examples/seeds/orig/NAME.py
# (the seed's code), poolmon --batch --json --script runs
# examples/seeds/NAME.poolmon (from the top source directory: the scripts'
# load paths are relative to it); tests/seeds_compare.py normalises both
# (pids, times) and compares them by the example's rule (exactly, or in any
# order where the seed's order depends on scheduling).  All the runs are
# started together (most of their time is the seeds' sleeps), then checked.
. "${srcdir:-.}/tests/lib.sh"

seeds=$srcdir/examples/seeds
cmp_py=$srcdir/tests/seeds_compare.py
export PYTHONDONTWRITEBYTECODE=1 # nothing written in the source tree

command -v python3 >/dev/null || skip_all "python3 not installed"
have_plugin=
IFS=: read -ra dirs <<<"$POOLMON_PLUGIN_PATH"
for d in "${dirs[@]}"; do [ -e "$d/python.so" ] && have_plugin=$d/python.so; done
[ -n "$have_plugin" ] ||
	skip_all "the python plugin is not built (no python.so in $POOLMON_PLUGIN_PATH; configure skips it without libpython3.11-dev)"

names=()
for f in "$seeds"/orig/*.py; do names+=("$(basename "$f" .py)"); done
is "${#names[@]}" 32 "examples/seeds/orig holds the 32 seed examples"

out=$TEST_TMPDIR
limit=90 # seconds any one run may take (the longest sleeps about 14 s)

# orig NAME — the seed's code, each print() one whole line written at once
# (sitecustomize below: stdout line-buffered as on a terminal, and print
# writes its text and its end together): python3 writes a print's text and
# its newline apart, so two processes printing at once can mix two lines
# into one ("2------>…3------>…" then two empty lines, seen with seed 004).
# Lines are kept when a run that never ends is killed.
mkdir -p "$out/site"
cat >"$out/site/sitecustomize.py" <<'EOF'
import builtins, sys
sys.stdout.reconfigure(line_buffering=True)
def _print(*args, sep=' ', end='\n', file=None, flush=False):
    f = sys.stdout if file is None else file
    f.write((' ' if sep is None else sep).join(map(str, args)) + ('\n' if end is None else end))
    if flush:
        f.flush()
builtins.print = _print
EOF
orig() {
	(cd "$out" && PYTHONPATH=$out/site timeout "$limit" python3 "$seeds/orig/$1.py" \
		>"$out/$1.orig" 2>"$out/$1.orig.err"; echo $? >"$out/$1.orig.rc")
}

# orig_until NAME TEST — a seed that runs for ever: started in its own
# session, killed (all its processes) once TEST (run in $out) holds.
orig_until() {
	local pid
	(cd "$out" && PYTHONPATH=$out/site exec setsid python3 "$seeds/orig/$1.py" >"$out/$1.orig" 2>"$out/$1.orig.err") &
	pid=$!
	if wait_for "$limit" bash -c "cd '$out' && $2"; then echo killed >"$out/$1.orig.rc"; else echo timeout >"$out/$1.orig.rc"; fi
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# pm NAME — the poolmon script, from the top source directory.
pm() {
	(cd "$srcdir" && timeout "$limit" "$poolmon" --batch --json --script "examples/seeds/$1.poolmon" \
		</dev/null >"$out/$1.json" 2>"$out/$1.err"; echo $? >"$out/$1.rc")
}

# run_orig NAME — the seed's code; the two that never end are killed
# once they have printed enough.
run_orig() {
	case $1 in
	000_producer_consumer) # p2.join() never returns: five produced, five consumed
		orig_until "$1" "[ \$(grep -c . $1.orig) -ge 10 ]" ;;
	003_forever) # both loop for ever: three lines of each
		orig_until "$1" "[ \$(grep -c 主进程 $1.orig) -ge 3 ] && [ \$(grep -c 子进行 $1.orig) -ge 3 ]" ;;
	*) orig "$1" ;;
	esac
}

# The examples whose outcome depends on time (a terminate or a join timeout
# after a few seconds, seed 001's timed comparison) run after the others,
# one example at a time (its seed's run and poolmon's together): on a
# loaded machine 60 runs at once can delay a worker's first Python task by
# more than those seconds.
timed=" 000_producer_consumer 003_forever 003_terminate 004_terminate 001_comparison "
# The others: four examples at a time, each its seed's run and poolmon's
# together (most of their time is the seeds' sleeps; with all 27 at once,
# a loaded machine took more than load's 10 s to import a module), the
# longest (10 s and more of sleeps) first.
long=" 003_task_done 003_sentinel 003_manager_queue 003_executor "
for n in $long "${names[@]}"; do
	case $timed in *" $n "*) continue ;; esac
	case $long in *" $n "*) [ -e "$out/$n.started" ] && continue ;; esac
	: >"$out/$n.started"
	while [ "$(jobs -rp | wc -l)" -ge 4 ]; do wait -n; done
	(run_orig "$n" & pm "$n"; wait) &
done
wait
for n in $timed; do
	run_orig "$n" &
	pm "$n"
	wait
done

# The exit status of each poolmon script: 0 but where a seed ends with an
# error or a task that does not end done.
want_rc() {
	case $1 in
	001_array_2d) echo 1 ;;            # the 2-D array is refused, as Python raises
	000_producer_consumer) echo 3 ;;   # join p2 timeout=3 gives up, p2 is terminated
	003_forever | 003_terminate) echo 3 ;; # the process is terminated
	004_terminate) echo 3 ;;           # the tasks not done by terminate
	*) echo 0 ;;
	esac
}

# same NAME DESC — passes when tests/seeds_compare.py finds that the seed
# and poolmon printed the same (DESC: what it compared).
same() {
	local how
	if how=$(python3 "$cmp_py" "$1" "$out/$1.orig" "$out/$1.json" 2>"$out/$1.cmp"); then
		pass "$2 ($how)"
	else
		fail "$2 ($how)" "$(cat "$out/$1.cmp")" "seed's stderr: $(tail -3 "$out/$1.orig.err")"
	fi
}

for n in "${names[@]}"; do
	ok "$n: its poolmon script is there" test -f "$seeds/$n.poolmon"
	is "$(cat "$out/$n.rc") $(cat "$out/$n.err")" "$(want_rc "$n") " \
		"$n: poolmon --script exits $(want_rc "$n"), nothing on stderr"
	errs=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "error" or (e["event"] == "task" and e["state"] == "failed"):
        print(e.get("message") or e.get("error"))' "$out/$n.json" 2>&1)
	case $n in
	001_array_2d) like "$errs" 'TypeError' "$n: the 2-D array refused as Python's TypeError" ;;
	*) is "$errs" "" "$n: no error, no task failed" ;;
	esac
	same "$n" "$n: poolmon prints what the seed prints"
done

# q NAME PYEXPR — evaluate over ev, the JSON events of NAME's poolmon run.
q() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def tasks(task=None, state="done"):
    return [e for e in ev if e["event"] == "task" and e["state"] == state
            and (task is None or e["task"] == task)]
def ended(task):
    return [e for e in ev if e["event"] == "task" and e["state"] == "done"
            and e["task"] == task]
def shown(name):
    return [e["object"] for e in ev if e["event"] == "shared" and e["object"]["name"] == name]
def info():
    return [e["message"] for e in ev if e["event"] == "info"]
print(eval(sys.argv[2]))' "$out/$1.json" "$2"
}

# --- what the seeds show beyond their lines -----------------------------------
# seed 001's lesson: the two job processes run at the same time (multicore),
# the two threads share one worker (multithread).
is "$(q 001_comparison 'sorted(e["worker"] for e in ended("001_comparison.job"))')" \
	"['p1', 'p2']" "001_comparison: multicore's two jobs ran in processes p1 and p2"
is "$(q 001_comparison 'len([1 for a in ended("001_comparison.job") for b in ended("001_comparison.job") if a is not b and a["started"] < b["ended"] and b["started"] < a["ended"]])')" \
	2 "001_comparison: the two processes ran at the same time (each started before the other ended)"
is "$(q 001_comparison 'len(tasks("001_comparison.multithread"))')" 1 \
	"001_comparison: multithread's two threads ran inside one task"
# seed 002's os.fork: the child printed (only pid == 0 does), in the task.
is "$(q 002_fork 'sorted(e["message"] for e in ev if e["event"] == "log")')" "['子进程', '父进程']" \
	"002_fork: os.fork() in a task: the child's line and the parent's"
# seed 001 part 6: the values the seed makes.
is "$(q 001_value_array '[shown(n)[0].get("value", shown(n)[0].get("values")) for n in ("value1", "value2", "array")]')" \
	"[0, 3.14, [1, 2, 3, 4]]" "001_value_array: Value('i', 0), Value('d', 3.14), Array('i', [1, 2, 3, 4])"
like "$(tail -1 "$out/001_array_2d.orig.err")" '^TypeError' "001_array_2d: the seed's code raises TypeError"
# seed 003 2.3: print(p.is_alive()) after terminate and join: False; the
# exit code Python gives a terminated process, -15.
like "$(q 003_terminate 'info()')" 'p1 .*exited, exitcode -15' "003_terminate: p1 exited, exitcode -15 (is_alive() False)"
# 000_producer_consumer: the join that stands for the seed's p2.join() gave up
like "$(q 000_producer_consumer 'info()')" 'join p2 timeout=3: timed out' \
	"000_producer_consumer: join p2 gives up (the seed's p2.join() never returns)"
# the runs that never end were stopped by the test, not by the time limit
is "$(cat "$out/000_producer_consumer.orig.rc") $(cat "$out/003_forever.orig.rc")" "killed killed" \
	"the seeds that never end printed what they print before they were killed"

done_testing
