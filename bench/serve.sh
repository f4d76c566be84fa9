#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/serve.sh — a served pool (issue 17), whole client processes:
#   1. `poolmon -c NAME -x 'map square 1..1000000'` against a pool served
#      with -w 2, against `poolmon -w 2 -x 'map square 1..1000000'` run
#      locally (a whole process each, start-up included; target <= 1.5x);
#   2. the same attached map with 10 clients subscribed to the pool's
#      events (each reading everything) against none: the throughput
#      ratio none/ten (target >= 0.8x).
# Each figure is the median of REPEATS runs (wall time, GNU time's %e).
# Nothing is asserted: these are measurements, not tests.
#
#   bench/serve.sh [REPEATS]   (default 3; bench/run calls it)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
reps=${1:-3}
poolmon=$build/src/poolmon
out=$(mktemp -d)
server=
subs=()
cleanup() {
	[ ${#subs[@]} -eq 0 ] || kill "${subs[@]}" 2>/dev/null || true
	[ -z "$server" ] || { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
	rm -rf "$out"
}
trap cleanup EXIT
[ -x "$poolmon" ] || { echo "bench/serve.sh: build first (./quickstart)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/serve.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
export POOLMON_PLUGIN_PATH=$build/plugins
export XDG_RUNTIME_DIR=$out/xdg
mkdir -m 700 "$XDG_RUNTIME_DIR"
sock=$XDG_RUNTIME_DIR/poolmon/bench

# A subscriber that reads every line until it is killed.
cat >"$out/sub.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'{"hello":"poolmon","protocol":1,"subscribe":["events"]}\n')
while s.recv(1 << 20):
    pass
PY

"$poolmon" -w 2 --serve bench </dev/null 2>"$out/server.err" &
server=$!
for _ in $(seq 100); do
	grep -q '^poolmon: serving' "$out/server.err" && break
	sleep 0.1
done
grep -q '^poolmon: serving' "$out/server.err" || { cat "$out/server.err" >&2; exit 1; }

measure() {
	/usr/bin/time -f '%e' -o "$out/t" "$@" >"$out/stdout" 2>/dev/null
	cat "$out/t"
}
median() {
	local k=$(((reps + 1) / 2))
	for _ in $(seq "$reps"); do measure "$@"; done | sort -g | sed -n "${k}p"
}
map='map square 1..1000000'
local_s=$(median "$poolmon" -w 2 -x "$map")
attached_s=$(median "$poolmon" -c bench -x "$map")
lines_attached=$(wc -c <"$out/stdout")
fds0=$(ls /proc/"$server"/fd | wc -l)
for _ in $(seq 10); do
	python3 "$out/sub.py" "$sock" &
	subs+=($!)
done
# All ten subscribed before the runs: the server counts them.
for _ in $(seq 100); do
	[ "$(ls /proc/"$server"/fd | wc -l)" -ge $((fds0 + 10)) ] && break
	sleep 0.1
done
ten_s=$(median "$poolmon" -c bench -x "$map")
kill "${subs[@]}" 2>/dev/null || true
subs=()

r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '%-52s %10s %14s %9s  %s\n' "$@"; }
echo "bench/serve.sh: whole processes, median of $reps, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
row "map square 1..1000000 attached (-c), text (s)" "$attached_s" "local $local_s" \
	"$(r "$attached_s" "$local_s")x" "<= 1.5x the local run"
row "... with 10 event subscribers attached (s)" "$ten_s" "none $attached_s" \
	"$(r "$attached_s" "$ten_s")x" ">= 0.8x the throughput with none"
echo "printed by the attached map: $lines_attached bytes"
