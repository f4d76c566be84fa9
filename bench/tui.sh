#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/tui.sh — what the screen costs: poolmon's own CPU time (utime +
# stime of the manager process, from /proc) while the TUI runs in tmux.
#  1. 256 workers refreshed every 0.1 s for 10 s: CPU ms per frame
#     (sampling 256 pids with libproc2 and drawing) — target <= 5 ms.
#  2. 2 workers, default refresh (1 s), idle for 20 s: % of one core —
#     target <= 1 %.
#  3. `map square 1..N` (N = $TUI_MAP_N, default 1000000) typed into the
#     TUI with 2 workers: from Enter to the result's last item on the
#     screen (capture-pane polled every 20 ms), against the whole batch
#     process `poolmon -w 2 --batch -x 'map square 1..N'` in the same run —
#     target <= 2x; and the largest gap between frames while the map ran,
#     from the frame log the TUI writes to $POOLMON_FRAME_LOG (a line per
#     frame: CLOCK_REALTIME seconds, 1 if a command waited, the progress
#     lines shown) — target <= 100 ms; said apart: from Enter to the first
#     frame (the typed line's run: the range made into values, the map
#     queued) and the largest gap after it.  `bench/tui.sh map` runs only
#     this.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${POOLMON:-$top/build/src/poolmon}
export POOLMON_PLUGIN_PATH=${POOLMON_PLUGIN_PATH:-$top/build/plugins}
sock=poolmon-bench-$$
hz=$(getconf CLK_TCK)
trap 'tmux -L $sock kill-server 2>/dev/null || true' EXIT

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

run() { # SECONDS ARGS... -> prints cpu seconds used by poolmon over SECONDS
	local secs=$1; shift
	tmux -L $sock kill-server 2>/dev/null || true
	tmux -L $sock new-session -d -x 120 -y 40 "$bin $*"
	local pid=""
	for _ in $(seq 100); do
		pid=$(tmux -L $sock list-panes -F '#{pane_pid}' 2>/dev/null || true)
		[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && break
		sleep 0.1
	done
	# Let start-up (forks, first frames) pass before measuring.
	sleep 2
	local t0 t1
	t0=$(ticks "$pid")
	sleep "$secs"
	t1=$(ticks "$pid")
	tmux -L $sock send-keys -t 0 F10 2>/dev/null || true
	tmux -L $sock kill-server 2>/dev/null || true
	awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz }'
}

now() { date +%s.%N; }

# map_run -> prints "SECONDS_TO_RESULT MAX_FRAME_GAP_SECONDS"
map_run() {
	local n=$1 frames last
	frames=$(mktemp)
	last=$(awk -v n="$n" 'BEGIN { printf "%.0f", n * n }')
	tmux -L $sock kill-server 2>/dev/null || true
	tmux -L $sock new-session -d -x 120 -y 40 \
		"POOLMON_FRAME_LOG='$frames' $bin -w 2"
	for _ in $(seq 100); do
		tmux -L $sock capture-pane -p 2>/dev/null | grep -q '^w2 ' && break
		sleep 0.1
	done
	sleep 1
	tmux -L $sock send-keys "map square 1..$n"
	sleep 0.3
	local t0 t1
	t0=$(now)
	tmux -L $sock send-keys Enter
	for _ in $(seq 3000); do
		tmux -L $sock capture-pane -p | grep -q -- "$last\]" && break
		sleep 0.02
	done
	t1=$(now)
	tmux -L $sock kill-server 2>/dev/null || true
	# The gaps from Enter to the first frame, and after each frame drawn
	# while the map's command waited (to the one that showed its result).
	awk -v t0="$t0" -v a="$t0" -v b="$t1" '
		BEGIN { prev = t0; busy = 1 }
		$1 >= t0 { if (busy && $1 - prev > gap) gap = $1 - prev
			   if (first && busy && $1 - prev > later) later = $1 - prev
			   if (!first) first = $1 - t0
			   prev = $1; busy = $2 }
		END { printf "%.3f %.3f %.3f %.3f\n", b - a, gap, first, later }' "$frames"
	rm -f "$frames"
}

batch_map() { # -> seconds of the whole batch process
	local n=$1 t0 t1
	t0=$(now)
	"$bin" -w 2 --batch -x "map square 1..$n" >/dev/null
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

if [ "${1-}" = map ] || [ -z "${1-}" ]; then
	n=${TUI_MAP_N:-1000000}
	b=$(batch_map "$n")
	read -r tui gap first later < <(map_run "$n")
	awk -v b="$b" -v t="$tui" -v g="$gap" -v f="$first" -v l="$later" -v n="$n" 'BEGIN {
		printf "TUI map square 1..%d: result on screen %.2f s, batch %.2f s: %.2fx (target <= 2x)\n", n, t, b, t / b
		printf "TUI map square 1..%d: largest frame gap while it ran %.0f ms (target <= 100 ms): Enter to the first frame %.0f ms, then at most %.0f ms\n", n, g * 1000, f * 1000, l * 1000 }'
	[ "${1-}" = map ] && exit 0
fi

cpu=$(run 10 -w 256 -d 1)
awk -v c="$cpu" 'BEGIN { printf "TUI 256 workers, 10 frames/s for 10 s: %.2f ms CPU per frame (target <= 5 ms)\n", c * 1000 / 100 }'
cpu=$(run 20 -w 2)
awk -v c="$cpu" 'BEGIN { printf "TUI idle, 2 workers, default refresh, 20 s: %.2f %% of a core (target <= 1 %%)\n", c * 100 / 20 }'
