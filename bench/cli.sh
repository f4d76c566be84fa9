#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/cli.sh — what users run, whole processes, against Python doing the
# same work in the same run (issue 13): `poolmon -w 2 --batch -x 'map square
# 1..N'` as text and --json, and a --script of 100,000 `submit square N` +
# `join`.  Each figure is the median of REPEATS runs of the whole process:
# its wall time to the millisecond (bash's EPOCHREALTIME around GNU time:
# GNU time's own %e is in 10 ms steps, a sixth of a 60 ms run) and its
# peak RSS from GNU time (%M, the largest resident set of one process of
# the run, the manager's or a worker's).  Python's
# side, exactly:
#   map:     with Pool(2) as p: print(p.map(square, range(1, N + 1)))
#            (one line "[1, 4, 9, …]", what poolmon prints)
#   submits: rs = [p.apply_async(square, (i,)) for i in range(100000)]
#            then print(r.get()) for each, in order (100,000 lines)
# Nothing is asserted: these are measurements, not tests.
#
#   bench/cli.sh [REPEATS]   (default 3; bench/run calls it)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
reps=${1:-3}
poolmon=$build/src/poolmon
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ -x "$poolmon" ] || { echo "bench/cli.sh: build first (./quickstart)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/cli.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
export POOLMON_PLUGIN_PATH=$build/plugins

cat >"$out/py_map.py" <<'EOF'
import multiprocessing as mp, sys
def square(x):
    return x * x
if __name__ == "__main__":
    n = int(sys.argv[1])
    with mp.get_context("fork").Pool(2) as p:
        print(p.map(square, range(1, n + 1)))
EOF
cat >"$out/py_submit.py" <<'EOF'
import multiprocessing as mp
def square(x):
    return x * x
if __name__ == "__main__":
    with mp.get_context("fork").Pool(2) as p:
        rs = [p.apply_async(square, (i,)) for i in range(100000)]
        for r in rs:
            print(r.get())
EOF
python3 -c 'print("\n".join("submit square %d" % i for i in range(100000))); print("join")' \
	>"$out/submits.txt"

# measure CMD...: "seconds kB" of one whole run, its output to a file
# (whose lines are counted once, to say what was printed).
measure() {
	local t0=$EPOCHREALTIME t1
	/usr/bin/time -f '%M' -o "$out/t" "$@" >"$out/stdout" 2>/dev/null
	t1=$EPOCHREALTIME
	echo "$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%.3f", b - a }')" \
		"$(cat "$out/t")"
}
# median NAME CMD...: median wall time and median peak RSS of reps runs.
median() {
	local name=$1 runs k=$(((reps + 1) / 2)); shift
	runs=$(for _ in $(seq "$reps"); do measure "$@"; done)
	echo "$name $(cut -d' ' -f1 <<<"$runs" | sort -g | sed -n "${k}p")" \
		"$(cut -d' ' -f2 <<<"$runs" | sort -n | sed -n "${k}p")"
	echo "$name lines $(wc -l <"$out/stdout") bytes $(wc -c <"$out/stdout")" >>"$out/what"
}

{
	median pm_map1m "$poolmon" -w 2 --batch -x 'map square 1..1000000'
	median pm_json1m "$poolmon" -w 2 --batch --json -x 'map square 1..1000000'
	median py_map1m python3 "$out/py_map.py" 1000000
	median pm_map10m "$poolmon" -w 2 --batch -x 'map square 1..10000000'
	median py_map10m python3 "$out/py_map.py" 10000000
	median pm_script "$poolmon" -w 2 --script "$out/submits.txt"
	median py_submit python3 "$out/py_submit.py"
} >"$out/m"

get() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$out/m"; }
r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '%-44s %14s %14s %9s  %s\n' "$@"; }
echo "whole processes, median of $reps, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
row "map square 1..1000000, text (s)" "$(get pm_map1m 2)" "py $(get py_map1m 2)" \
	"$(r "$(get py_map1m 2)" "$(get pm_map1m 2)")x" ">= 10x Python (Pool(2).map + print)"
row "... --json (s)" "$(get pm_json1m 2)" "text $(get pm_map1m 2)" \
	"$(r "$(get pm_json1m 2)" "$(get pm_map1m 2)")x" "<= 1.5x the text time"
row "map square 1..10000000, text (s)" "$(get pm_map10m 2)" "py $(get py_map10m 2)" \
	"$(r "$(get py_map10m 2)" "$(get pm_map10m 2)")x" ">= 10x Python"
row "... peak RSS of one process (kB)" "$(get pm_map10m 3)" "py $(get py_map10m 3)" \
	"$(r "$(get pm_map10m 3)" "$(get py_map10m 3)")x" "<= 0.25x Python"
row "--script: 100,000 submit + join (s)" "$(get pm_script 2)" "py $(get py_submit 2)" \
	"$(r "$(get py_submit 2)" "$(get pm_script 2)")x" ">= 50x Python's apply_async loop"
row "... peak RSS of one process (kB)" "$(get pm_script 3)" "py $(get py_submit 3)" \
	"$(r "$(get pm_script 3)" "$(get py_submit 3)")x" ""
echo "printed (last run of each):"
sed 's/^/  /' "$out/what"
