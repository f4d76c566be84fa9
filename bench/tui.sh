#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/tui.sh — what the screen costs: poolmon's own CPU time (utime +
# stime of the manager process, from /proc) while the TUI runs in tmux.
#  1. 256 workers refreshed every 0.1 s for 10 s: CPU ms per frame
#     (sampling 256 pids with libproc2 and drawing) — target <= 5 ms.
#  2. 2 workers, default refresh (1 s), idle for 20 s: % of one core —
#     target <= 1 %.
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

cpu=$(run 10 -w 256 -d 1)
awk -v c="$cpu" 'BEGIN { printf "TUI 256 workers, 10 frames/s for 10 s: %.2f ms CPU per frame (target <= 5 ms)\n", c * 1000 / 100 }'
cpu=$(run 20 -w 2)
awk -v c="$cpu" 'BEGIN { printf "TUI idle, 2 workers, default refresh, 20 s: %.2f %% of a core (target <= 1 %%)\n", c * 100 / 20 }'
