#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# serve_safety.sh — a served pool is safe from its clients (#17): another
# uid refused (SO_PEERCRED), a client killed with -9 changes nothing, a
# stopped subscriber neither stalls the pool nor the other clients and is
# told {"dropped":N} and a fresh status when it reads again, 100 clients
# connecting and disconnecting leave no fd and no memory behind.
. "${srcdir:-.}/tests/lib.sh"
. "$srcdir/tests/serve_lib.sh"

# A small output bound (and kernel buffers as small) so the stopped
# subscriber surely falls behind during one map.
export POOLMON_SERVE_BUFFER=4096
ok "--serve safe starts" serve safe -w 3
srv=$server
worker_pids() { "$poolmon" -c safe -j -x status | python3 -c '
import json, sys
print(" ".join(str(w["pid"]) for w in json.loads(sys.stdin.read())["workers"]))'; }
pids=$(worker_pids)
like "$pids" '^[0-9]+ [0-9]+ [0-9]+$' "three workers: $pids"

# ---- another uid --------------------------------------------------------------
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null &&
	{ id pmtest >/dev/null 2>&1 || useradd -M pmtest 2>/dev/null; }; then
	# The socket made reachable for this test only: the check that
	# remains is the server's.  The other user runs a copy of poolmon in
	# the test's directory: the build tree may be private to us (a clone
	# in a mktemp -d directory, 0700).
	mkdir -p "$TEST_TMPDIR/other"
	cp "$poolmon" "$TEST_TMPDIR/other/poolmon"
	chmod 755 "$TEST_TMPDIR" "$TEST_TMPDIR/other" "$TEST_TMPDIR/other/poolmon" \
		"$XDG_RUNTIME_DIR" "$sockdir"
	chmod 777 "$sockdir/safe"
	out=$(cd / && runuser -u pmtest -- "$TEST_TMPDIR/other/poolmon" -c "$sockdir/safe" -x status 2>&1)
	rc=$?
	chmod 700 "$TEST_TMPDIR" "$XDG_RUNTIME_DIR" "$sockdir"
	chmod 600 "$sockdir/safe"
	is "$rc: $out" "1: poolmon: $sockdir/safe: refused: uid $(id -u pmtest) is not the server's uid 0" \
		"another uid is refused with a message"
	like "$(cat "$TEST_TMPDIR/safe.err")" "refused a client of uid $(id -u pmtest)" \
		"... and the server says so"
else
	skip "another uid: needs root, runuser and useradd" 2
fi

# ---- kill -9 of clients ------------------------------------------------------------
python3 "$peer_py" "$sockdir/safe" hello \
	send '{"hello":"poolmon","protocol":1,"mode":"text","subscribe":["events"]}' \
	ready "$TEST_TMPDIR/sub-ready" until '"demo.hang"' until NEVER >/dev/null &
sub=$!
wait_for 10 test -e "$TEST_TMPDIR/sub-ready"
# A task that never ends keeps one worker (and the joining client) busy.
"$poolmon" -c safe -x 'submit hang; join' >/dev/null &
joiner=$!
wait_for 10 bash -c "'$poolmon' -c safe -x status | grep -q 'demo.hang'"
ok "the subscriber and the joining client are alive" kill -0 $sub $joiner
kill -9 $sub $joiner
wait $sub $joiner 2>/dev/null
is "$(timeout 10 "$poolmon" -c safe -x 'apply square 6')" 36 \
	"after kill -9 of a subscriber and of a joining client the pool answers"
is "$(worker_pids)" "$pids" "... with the same workers"

# ---- a stopped subscriber ---------------------------------------------------------------
python3 "$peer_py" "$sockdir/safe" hello \
	send '{"hello":"poolmon","protocol":1,"mode":"text","subscribe":["events"]}' \
	ready "$TEST_TMPDIR/stop-ready" until '"dropped"' until '"event":"status"' \
	>"$TEST_TMPDIR/stopped" &
stopped=$!
wait_for 10 test -e "$TEST_TMPDIR/stop-ready"
kill -STOP $stopped
out=$(timeout 60 "$poolmon" -c safe -x 'map square 1..1000000' | cut -c1-20)
is "$out" "[1, 4, 9, 16, 25, 36" "map square 1..1000000 ends while a subscriber is stopped"
is "$(timeout 10 "$poolmon" -c safe -x 'apply square 8')" 64 "another client is answered meanwhile"
kill -CONT $stopped
wait $stopped
is $? 0 "after SIGCONT the stopped subscriber reads on"
marker=$(grep -n '"dropped"' "$TEST_TMPDIR/stopped")
like "$marker" '^[0-9]+:\{"dropped":[1-9][0-9]*\}$' "... it is told how many lines were dropped"
after=$(sed -n "$(( ${marker%%:*} + 1 ))p" "$TEST_TMPDIR/stopped")
like "$after" '^\{"event":\{"event":"status","pool":\{"workers":3,' "... then a fresh status"
unset POOLMON_SERVE_BUFFER

# ---- 100 clients come and go: no fd, no memory left behind ---------------------------
fds() { ls /proc/$srv/fd | wc -l; }
rss() { awk '/^VmRSS/ { print $2 }' /proc/$srv/status; }
ok "a warm-up of 100 clients" peer "$sockdir/safe" churn 100
fd0=$(fds) rss0=$(rss)
ok "100 clients more" peer "$sockdir/safe" churn 100
fd1=$(fds) rss1=$(rss)
is "$fd1" "$fd0" "the server's fds: as many after 100 clients as before ($fd0)"
ok "its VmRSS grew by at most 1024 kB (${rss0} kB -> ${rss1} kB)" test $((rss1 - rss0)) -le 1024
for i in $(seq 20); do "$poolmon" -c safe -x 'echo x' >/dev/null; done
is "$(fds)" "$fd0" "... and after 20 poolmon -c runs"
no_reports
done_testing
