#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tui_fork.sh — issue 15 item 4 on the screen: the workers table's CHLD
# column counts what a worker's task forked (tests/plugins/forker.c), and
# goes back to 0 when the task is terminated (a new worker).
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
so=$builddir/tests/plugins/forker.so
[ -f "$so" ] || bail_out "$so not built (make check builds it)"
export XDG_STATE_HOME="$TEST_TMPDIR/state"
pids=$TEST_TMPDIR/pids
: >"$pids"
on_exit 'xargs -r kill -9 <"$pids" 2>/dev/null'

# chld — the CHLD cell of w1's row (right-aligned under its title).
chld() {
	tmux_screen fork | perl -ne '
		$at = index($_, "CHLD") if /^ID +PID .*CHLD/;
		print substr($_, $at, 4) =~ s/ //gr, "\n" if defined $at && /^w1 /;' | head -n1
}
gone_pid() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1")" = Z ]; }
chld_is() { [ "$(chld)" = "$1" ]; }

tmux_start fork 120 30 "'$poolmon' -w 1"
expect fork '^ID +PID .*THR +CHLD +CTXSW' "the workers table has a CHLD column"
tmux_keys fork "load $so" Enter
tmux_keys fork "submit forker.child_sleeps $pids" Enter
ok "the worker's task forked one child: CHLD 1" wait_for 10 chld_is 1
child=$(head -1 "$pids")
tmux_keys fork 'terminate t1' Enter
ok "terminated: the child is gone" wait_for 10 gone_pid "$child"
ok "the new worker has no children: CHLD 0" wait_for 10 chld_is 0
tmux_keys fork 'quit' Enter
expect fork '^exit=0' "poolmon quits"
done_testing
