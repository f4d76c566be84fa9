#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The snapshot an attached screen draws from (ui/snapshot.c) holds all the
# screen needs: the same session runs twice side by side, once as usual
# and once with POOLMON_SNAPSHOT_LOOPBACK=1 (each frame's model taken from
# the engine, encoded as JSON, decoded, and drawn from that), and after
# each step the two screens are the same.  Only what two runs cannot share
# is masked: pids, libproc2's figures, run times, the CPU and memory of
# the machine, the throughput sparkline.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup

export XDG_STATE_HOME="$TEST_TMPDIR/state"
W=120 H=44

# mask — the screen on stdin, without what differs from run to run.
mask() {
	perl -CSD -ne '
		if (/^ID +PID /) { # a filter or sort note may cover some titles
			# (the note over CTXSW: the figures are masked to the
			# end of the row)
			($pid_to, $el_from, $cx_to) = (index($_, "PID") + 3,
				index($_, "ELAPSED") - 3,
				/CTXSW/ ? index($_, "CTXSW") + 5 : 1 << 20)
				if /ELAPSED/;
			$mode = "w";
		} elsif (/^TASK +CALL /) {
			($wk_to, $tm_to) = (index($_, "WORKER") + 6, index($_, "TIME") + 4);
			$mode = "t";
		} elsif ($mode eq "w" && /^[wp]\d+ /) {
			substr($_, 3, $pid_to - 3) = "#" x ($pid_to - 3);
			my $to = $cx_to < length($_) - 1 ? $cx_to : length($_) - 1;
			substr($_, $el_from, $to - $el_from) = "#" x ($to - $el_from)
				if $to > $el_from;
		} elsif ($mode eq "t" && /^t\d+ /) {
			substr($_, $wk_to, $tm_to - $wk_to) = "#" x ($tm_to - $wk_to)
				if length($_) > $tm_to;
		} elsif (!/^\S/) {
			$mode = "";
		}
		s/cpu:\S+ mem:\S+/cpu:# mem:#/;
		s/tasks\/s:\S+ +\S+/tasks\/s:#/;
		s/pid \d+/pid #/g;
		s/(\x{2502} (?:pid|cpu|time) ).*?\x{2502}/$1#\x{2502}/g;
		print;'
}
screens_same() {
	[ "$(tmux_screen plain | mask)" = "$(tmux_screen loop | mask)" ]
}

# both KEYS... — the same keys to both runs.
both() {
	tmux_keys plain "$@"
	tmux_keys loop "$@"
}

# step ERE WHAT — once both screens match ERE, they come to be the same.
step() {
	if ! tmux_wait plain "$1" 15 || ! tmux_wait loop "$1" 15; then
		fail "$2: both screens show /$1/" \
			"$(tmux_screen plain; echo ----; tmux_screen loop)"
		return
	fi
	if wait_for 10 screens_same; then
		pass "$2: the screens are the same"
	else
		fail "$2: the screens are the same" \
			"$(diff <(tmux_screen plain | mask) <(tmux_screen loop | mask))"
	fi
}

tmux_start plain $W $H "'$POOLMON' -w 2 -d 2"
tmux_start loop $W $H "POOLMON_SNAPSHOT_LOOPBACK=1 '$POOLMON' -w 2 -d 2"
step '^w2 +[0-9]+ ' "start"

# t1's end line comes when it ends: the next lines wait for it in both logs,
# so the two logs hold their lines in the same order.
both 'submit square 7' Enter
step '^  t1 demo\.square\(7\) done: 49 ' "a task's end"
both 'value v i 5' Enter 'queue q' Enter \
	'lock L' Enter 'semaphore S 3' Enter
both 'put q 41' Enter 'put q hello' Enter
step '^S +semaphore' "tasks, values, a queue, a lock"

both 'submit sleep 600000' Enter 'submit sleep 600000' Enter \
	'submit sleep 600000' Enter
step '^t3 .*running' "running and queued tasks"
both 'pause t3' Enter
step '^t3 .*paused' "a paused task"

both 'spawn sleep 600000' Enter
step '^p1 ' "a process"

# The screen's keys: the details of w1, then the shared panel's open queue.
both Escape
step 'EscCommand' "the keys to the screen"
both Enter
step 'pid +[0-9]+ ' "the details of w1"
both Escape
no_details() { ! tmux_has plain 'details - Esc' && ! tmux_has loop 'details - Esc'; }
wait_for 10 no_details
both Tab Tab j Enter
step '^ +\[1\] .hello' "the queue's items"

both :
step 'poolmon> *$' "the keys to the command line"
both 'filter sleep' Enter
step 'filter:sleep' "a filter"
both 'filter' Enter 'sort done' Enter
step 'sort:done' "a sort"

both 'terminate t2' Enter
step '^t2 .*terminated' "a task terminated"
done_testing
