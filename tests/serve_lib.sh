# SPDX-License-Identifier: GPL-3.0-or-later
# tests/serve_lib.sh — what the tests of a served pool share (sourced after
# lib.sh): a private socket directory, a server started and waited for,
# the raw peer (serve_peer.py).
export XDG_RUNTIME_DIR="$TEST_TMPDIR/xdg"
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
sockdir="$XDG_RUNTIME_DIR/poolmon"
# peer SOCKET ACTION... (a function: in the background, $! would be a
# subshell's pid; there use python3 "$peer_py" ... & so $! is the peer's).
peer_py=$srcdir/tests/serve_peer.py
peer() { python3 "$peer_py" "$@"; }
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

# serve NAME [OPTION...] — poolmon --serve NAME in the background, waited
# for until it accepts (10 s); its pid in $server, its stderr in
# $TEST_TMPDIR/NAME.err.  Killed on exit.
serve() {
	local name=$1
	shift
	: >"$TEST_TMPDIR/$name.err" # an earlier server's line is not this one's
	"$poolmon" --serve "$name" "$@" </dev/null >/dev/null \
		2>"$TEST_TMPDIR/$name.err" &
	server=$!
	on_exit "kill $server 2>/dev/null; wait $server 2>/dev/null"
	wait_for 10 grep -q "^poolmon: serving $name" "$TEST_TMPDIR/$name.err"
}

# no_reports — one assertion: no server's stderr holds a sanitizer's or
# UBSan's report (the ASan build's make check runs these tests too).
no_reports() {
	local bad
	bad=$(grep -lE 'runtime error|Sanitizer' "$TEST_TMPDIR"/*.err 2>/dev/null)
	is "$bad" "" "no sanitizer report in the servers' stderr"
	[ -z "$bad" ] || diag "$(head -30 $bad)"
}

# wait_gone PID — wait (20 s at most) for a server to end; its status in $?.
wait_gone() {
	wait_for 20 bash -c "! kill -0 $1 2>/dev/null" || return 124
	wait "$1"
}
