#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/python.sh — Python functions as poolmon tasks (the python plugin,
# issue 15) against Python's own multiprocessing.Pool (fork context) running
# the same function of the same module, whole processes, in one run:
#   apply:  --script of 100,000 `submit bm.square N` + `join`, 2 workers;
#           Python: rs = [p.apply_async(square, (i,)) for i in range(100000)]
#           then r.get() for each
#   map:    `map bm.square 1..1000000` (printed) vs print(p.map(square,
#           range(1, 1000001))) with Pool(2)
#   first:  a fresh worker's first Python task, from the worker's start to
#           the task's end as poolmon's events report them (--maxtasks 1:
#           every task after the first runs on a fresh worker)
#   RSS:    VmRSS of a worker after a Python task ran there, read by the
#           task itself from /proc/self/status, in both pools
# Each figure is the median of REPEATS runs (wall time from GNU time %e).
# Nothing is asserted: these are measurements, not tests.
#
#   bench/python.sh [REPEATS]   (default 3; bench/run calls it)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
reps=${1:-3}
poolmon=$build/src/poolmon
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ -x "$poolmon" ] || { echo "bench/python.sh: build first (./quickstart)" >&2; exit 1; }
[ -e "$build/plugins/python.so" ] || { echo "bench/python.sh: the python plugin is not built (apt-get install libpython3.11-dev, then configure again)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/python.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
export POOLMON_PLUGIN_PATH=$build/plugins PYTHONDONTWRITEBYTECODE=1

cat >"$out/bm.py" <<'PY'
def square(x):
    return x * x

def rss_kb():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
PY
cat >"$out/py_bench.py" <<'PY'
import multiprocessing as mp, sys
sys.path.insert(0, sys.argv[2])
from bm import square, rss_kb
if __name__ == "__main__":
    with mp.get_context("fork").Pool(2) as p:
        if sys.argv[1] == "apply":
            rs = [p.apply_async(square, (i,)) for i in range(100000)]
            for r in rs:
                r.get()
        elif sys.argv[1] == "map":
            print(p.map(square, range(1, 1000001)))
        else:
            print(p.apply(rss_kb))
PY
{
	echo "load python:$out/bm.py"
	python3 -c 'print("\n".join("submit bm.square %d" % i for i in range(100000)))'
	echo join
} >"$out/submits.txt"

seconds() {
	/usr/bin/time -f '%e' -o "$out/t" "$@" >/dev/null 2>&1
	cat "$out/t"
}
median() { sort -g | sed -n "$(((reps + 1) / 2))p"; }
runs() { for _ in $(seq "$reps"); do seconds "$@"; done | median; }

pm_apply=$(runs "$poolmon" -w 2 --script "$out/submits.txt")
py_apply=$(runs python3 "$out/py_bench.py" apply "$out")
pm_map=$(runs "$poolmon" -w 2 --batch -x "load python:$out/bm.py; map bm.square 1..1000000")
py_map=$(runs python3 "$out/py_bench.py" map "$out")

# The first task of each fresh worker: worker start -> task end (ms).
first=$(for _ in $(seq "$reps"); do
	"$poolmon" -w 1 --maxtasks 1 --batch --json \
		-x "load python:$out/bm.py; apply bm.square 1; apply bm.square 2; apply bm.square 3; apply bm.square 4; apply bm.square 5" |
		python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
start = {}
for e in ev:
    if e["event"] == "worker" and e["state"] == "started":
        start[e["pid"]] = e["time"]
    if e["event"] == "task" and e["state"] == "done" and e["id"] != "t1":
        print("%.1f" % ((e["ended"] - start[e["pid"]]) * 1e3))'
done | median)
pm_rss=$(for _ in $(seq "$reps"); do
	"$poolmon" -w 1 --batch -x "load python:$out/bm.py; apply bm.rss_kb" 2>/dev/null | tail -1
done | median)
py_rss=$(for _ in $(seq "$reps"); do python3 "$out/py_bench.py" rss "$out"; done | median)

r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '%-52s %10s %14s %8s  %s\n' "$@"; }
echo "python plugin vs multiprocessing.Pool(2), median of $reps, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
row "100,000 submit bm.square + join, 2 workers (s)" "$pm_apply" "py $py_apply" "$(r "$py_apply" "$pm_apply")x" ">= 5x Python's apply_async loop"
row "map bm.square 1..1000000, printed (s)" "$pm_map" "py $py_map" "$(r "$py_map" "$pm_map")x" ">= 2x Python's Pool.map"
row "first Python task on a fresh worker (ms)" "$first" "" "" "<= 50 ms after the worker starts"
row "worker VmRSS after a Python task (kB)" "$pm_rss" "py $py_rss" "$(r "$pm_rss" "$py_rss")x" "<= 1x a Pool worker's"
