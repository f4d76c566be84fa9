#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# serve_tui.sh — the screen serves the pool it started (#17): `serve NAME`
# makes the socket and says so, a client is answered by that pool (its
# workers' pids), `serve off` removes it, and a client's `quit` quits the
# screen.
. "${srcdir:-.}/tests/lib.sh"
tmux_setup
. "$srcdir/tests/serve_lib.sh"
export XDG_STATE_HOME="$TEST_TMPDIR/state"
mkdir -p "$XDG_STATE_HOME/poolmon"

tmux_start tui 120 30 "'$POOLMON' -w 2"
expect tui '^w1 +[0-9]+ ' "the screen is up" 15
tmux_keys tui 'serve tui1' Enter
ok "serve tui1: the socket is made" wait_for 10 test -S "$sockdir/tui1"
expect tui 'serving as tui1 on ' "... and the screen says so"
is "$("$poolmon" -c tui1 -x 'apply square 9')" 81 "a client is answered by the screen's pool"
w1=$(tmux_screen tui | awk '$1 == "w1" { print $2 }')
like "$("$poolmon" -c tui1 -x status)" "^w1 +$w1 " "... the screen's workers (w1 pid $w1)"
tmux_keys tui 'serve off' Enter
ok "serve off: the socket is gone" wait_for 10 test ! -e "$sockdir/tui1"
expect tui 'tui1 is no longer served' "... and the screen says so"
tmux_keys tui 'serve tui2' Enter
ok "serve tui2" wait_for 10 test -S "$sockdir/tui2"
"$poolmon" -c tui2 -x quit
is $? 0 "quit from a client: done"
expect tui '^exit=0' "... the screen quits"
ok "... its socket is gone" test ! -e "$sockdir/tui2"
out=$("$poolmon" -x 'serve x' 2>&1)
is "$out" "-x:1: error: serve: only on the screen (a pool without one: poolmon --serve NAME)" \
	"serve without the screen: refused"
done_testing
