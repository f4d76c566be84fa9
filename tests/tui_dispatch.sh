#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The screen never shows a task queued beside an idle worker, nor busy
# workers that run nothing: the seeds' Pool(3).apply_async lesson pasted
# into the TUI (issue 11: it showed three workers busy with running:1,
# queued:4).  Every frame drawn until the ten tasks are done is read: no
# worker is idle while a task is queued, and the busy workers are as many
# as the running tasks but for a moment (a task sent is started within a
# look).
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
export XDG_STATE_HOME="$TEST_TMPDIR/state"

tmux_start paste 110 34 "'$POOLMON' -w 3 -d 1"
tmux_wait paste '^w3 +[0-9]+ ' 15 || bail_out "the screen did not come up: $(tmux_screen paste)"
# The example without its comments and its close/join/status: the tasks
# stay on screen.
grep -v '^#' "$srcdir/examples/pool_apply_async.poolmon" | grep -E '^(workers|submit)' \
	>"$TEST_TMPDIR/paste"
tmx load-buffer "$TEST_TMPDIR/paste"
tmx paste-buffer -t main:paste
frames=0 bad=0 seen3=0
deadline=$(( $(date +%s) + 30 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
	screen=$(tmux_screen paste)
	head=$(printf '%s\n' "$screen" | grep -m1 '^poolmon ')
	queued=$(sed -n 's/.* queued:\([0-9]*\) .*/\1/p' <<<"$head")
	running=$(sed -n 's/.* running:\([0-9]*\) .*/\1/p' <<<"$head")
	done_=$(sed -n 's/.* done:\([0-9]*\) .*/\1/p' <<<"$head")
	busy=$(printf '%s\n' "$screen" | awk '$1 ~ /^w[0-9]+$/ && $3 == "busy"' | wc -l)
	idle=$(printf '%s\n' "$screen" | awk '$1 ~ /^w[0-9]+$/ && $3 == "idle"' | wc -l)
	if [ -n "$queued" ] && [ -n "$running" ]; then
		frames=$((frames + 1))
		[ "$running" = 3 ] && seen3=$((seen3 + 1))
		now=$(date +%s%N)
		# A worker just sent a task is busy before it starts it (the
		# next look shows it running): a mismatch may last a frame,
		# not 150 ms (the bug kept it for a whole task).
		if [ "$busy" != "$running" ]; then
			since=${since:-$now}
			if [ $(( (now - since) / 1000000 )) -gt 150 ]; then
				bad=$((bad + 1))
				[ "$bad" -le 3 ] && diag "for $(( (now - since) / 1000000 )) ms: queued $queued running $running, $busy busy:" "$screen"
			fi
		else
			since=
		fi
		if [ "$idle" -gt 0 ] && [ "$queued" -gt 0 ]; then
			bad=$((bad + 1))
			[ "$bad" -le 3 ] && diag "frame: queued $queued beside $idle idle:" "$screen"
		fi
	fi
	[ "${done_:-0}" = 10 ] && break
	sleep 0.05
done
diag "$frames frames read"
is "$done_" 10 "the ten pasted tasks are done"
ok "three tasks ran at once ($seen3 frames with running:3)" test "$seen3" -gt 0
is "$bad" 0 "no frame shows a task queued beside an idle worker, or busy workers running nothing"
tmux_keys paste Escape
tmux_keys paste q
tmux_wait paste '^exit=0' 10 || tmux_keys paste C-d

done_testing
