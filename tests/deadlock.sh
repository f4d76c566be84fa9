#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# deadlock.sh — issue 14 item 5 through the real binary in a live JSON
# session: who holds a lock and who waits for it, by id (w1, p1, poolmon)
# and for how long; a holder that died; a two-lock deadlock between two
# spawned processes (shared.lock_pair A B / B A) reported exactly once as
# {"event":"deadlock","cycle":[...]}, its locks marked, and terminate of
# one member breaking it so that the other finishes.  Every wait is bounded;
# no time is asserted.
. "${srcdir:-.}/tests/lib.sh"

. "${srcdir:-.}/tests/live.sh"

# objs [COND] — a Python list: the objects of the "shared" events (show
# NAME) that satisfy COND (about o), in order.
objs() { echo "[o for o in [e['object'] for e in ev if e.get('event') == 'shared'] if ${1:-True}]"; }
deadlocks="[e for e in ev if e.get('event') == 'deadlock']"
# show_once NAME — one show NAME, waited for (at most 10 s): no answer is
# left in flight to be taken for a later one's.
show_once() {
	local n
	n=$(q "$live" "len($(objs))")
	send "show $1"
	python3 "$TEST_TMPDIR/q.py" --wait 10 "$live_pid" "$live" "len($(objs)) > $n"
}
# show_until NAME COND — show NAME until its answer satisfies COND (about
# o; the lock's state changes in other processes); at most 50 looks.
show_until() {
	for _ in $(seq 1 50); do
		show_once "$1" || return 1
		qt "$live" "[o for o in $(objs)[-1:] if $2]" && return 0
		sleep 0.1
	done
	return 1
}

# --- holders and waiters by id -------------------------------------------------
live_start -w 1
send 'load shared; lock L; acquire L; submit shared.hold L 10'
# w1 blocks in acquire(L), which poolmon holds.
show_until L "o['waiting']"
is "$(q "$live" "[(o['holder'], o['locked'], [w['id'] for w in o['waiting']]) for o in $(objs)][-1]")" \
	"('poolmon', True, ['w1'])" "show L: held by poolmon, w1 waits (ids, not pids)"
is "$(q "$live" "$(objs)[-1]['waiting'][0]['pid'] == [e['pid'] for e in workers('started')][0]")" \
	True "the waiter's pid is w1's"
first=$(q "$live" "$(objs)[-1]['waiting'][0]['waited']")
send 'sleep 0.3'
ok "show L again after 0.3 s" show_once L
is "$(q "$live" "$(objs)[-1]['waiting'][0]['waited'] >= $first + 0.25")" True \
	"how long w1 has waited grows with time"
like "$(q "$live" "$(objs)[-1]['text']")" '^held by poolmon; waiting: w1 [0-9]+\.[0-9]s$' \
	"its text: held by poolmon; waiting: w1 N.Ns"
is "$(q "$live" "len($deadlocks)")" 0 "a wait without a cycle is no deadlock"
send 'release L'
await 10 "[e for e in tasks('t1', 'done') if e['result'] == 'acquired']" "released: w1 gets the lock and finishes"
show_until L "not o['locked']"
is "$(q "$live" "[(o['waiting'], o['locked'], o['holder']) for o in $(objs)][-1]")" "([], False, None)" \
	"then nobody waits and it is free"

# A holder that died before anyone took the lock back: shown as such.
send 'spawn shared.hold L 60000'
await 10 "tasks('t2', 'running')" "p1 runs hold L"
show_until L "o['holder'] == 'p1'"
is "$(q "$live" "$(objs)[-1]['holder']")" p1 "show L: held by p1"
send 'kill p1'
await 10 "[e for e in ev if e.get('event') == 'process' and e['state'] == 'exited']" "kill p1: it exits"
show_until L "o['holder_dead']"
is "$(q "$live" "[(o['holder'], o['locked'], o['holder_dead'], o['text']) for o in $(objs)][-1]")" \
	"('p1', True, True, 'held by p1, which died holding it')" "show L after the kill: held by p1, which died holding it"
send 'acquire L timeout=5'
await 10 "[e for e in ev if e.get('event') == 'acquired']" "acquire: told the owner died"
is "$(q "$live" "[(e['dead'], e['owner_died']) for e in ev if e.get('event') == 'acquired'][0]")" \
	"('p1', True)" "the acquired event names the dead owner p1"
ok "show L after the acquire" show_once L
is "$(q "$live" "[(o['dead'], o['owner_died'], o['holder'], o['text']) for o in $(objs)[-1:]][0]")" \
	"('p1', True, 'poolmon', 'held by poolmon (owner died: p1)')" "show L names the dead owner p1 and the new holder"
send 'release L'
live_stop
is "$?" 3 "poolmon quits, status 3 (a task was killed or terminated)"

# --- a two-lock deadlock between two processes -----------------------------------
live_start -w 1
send 'load shared; lock A; lock B; spawn shared.lock_pair A B 300; spawn shared.lock_pair B A 300'
await 10 "$deadlocks" "the deadlock is reported"
is "$(q "$live" "sorted((m['id'], m['waits_for'], m['held_by']) for m in $deadlocks[0]['cycle'])")" \
	"[('p1', 'B', 'p2'), ('p2', 'A', 'p1')]" "its cycle: p1 waits for B held by p2, p2 waits for A held by p1"
is "$(q "$live" "all(m['waited'] >= 0 for m in $deadlocks[0]['cycle'])")" True "each member says how long it waited"
# More looks of the manager go by (it looks at every poll while a deadlock
# stands): still one event.
send 'sleep 0.5'
ok "show A, show B after 0.5 s" eval 'show_once A && show_once B'
is "$(q "$live" "len($deadlocks)")" 1 "reported exactly once"
is "$(q "$live" "[(o['name'], o['holder'], [w['id'] for w in o['waiting']], o['deadlock']) for o in $(objs)]")" \
	"[('A', 'p1', ['p2'], True), ('B', 'p2', ['p1'], True)]" "show: A held by p1, p2 waits; B held by p2, p1 waits; both marked"
like "$(q "$live" "$(objs)[0]['text']")" '^held by p1; waiting: p2 [0-9.]+s DEADLOCK$' "A's text says DEADLOCK"
send 'terminate p1'
await 10 "tasks('t2', 'done')" "terminate p1: p2 finishes"
is "$(q "$live" "[e['result'] for e in tasks('t2', 'done')]")" "['both (owner died)']" \
	"p2 got B and then A, whose owner p1 died"
is "$(q "$live" "final('t1')")" "['terminated']" "p1's task is terminated"
ok "show A, show B after the break" eval 'show_once A && show_once B'
is "$(q "$live" "[(o['name'], o['locked'], o['deadlock'], o['waiting']) for o in $(objs)][2:]")" \
	"[('A', False, False, []), ('B', False, False, [])]" "both free, no mark, nobody waits"
is "$(q "$live" "$(objs)[2]['dead']")" p1 "A: owner died p1"
is "$(q "$live" "len($deadlocks)")" 1 "still reported once"
live_stop
is "$?" 3 "poolmon quits, status 3 (a task was killed or terminated)"

# --- three processes in a cycle, a fourth waiting behind it ----------------------
live_start -w 1
send 'load shared; lock A; lock B; lock C; spawn shared.lock_pair A B 300; spawn shared.lock_pair B C 300; spawn shared.lock_pair C A 300'
await 10 "$deadlocks" "a three-way deadlock is reported"
send 'spawn shared.hold A 10'
await 10 "tasks('t4', 'running')" "p4 runs hold A"
send 'sleep 0.5'
ok "show A after 0.5 s" show_until A "len(o['waiting']) == 2"
is "$(q "$live" "[w['id'] for w in $(objs)[-1]['waiting']]")" "['p3', 'p4']" "A: p3 and p4 wait, longest first"
is "$(q "$live" "[[(m['id'], m['waits_for'], m['held_by']) for m in d['cycle']] for d in $deadlocks]")" \
	"[[('p1', 'B', 'p2'), ('p2', 'C', 'p3'), ('p3', 'A', 'p1')]]" \
	"once, its cycle from its least member: p1 -B-> p2 -C-> p3 -A-> p1; p4, waiting behind it, is not in it"
send 'terminate p2'
await 10 "len(tasks(state='done')) == 3" "terminate p2: p1, p3 and p4 finish"
is "$(q "$live" "sorted(e['result'] for e in tasks(state='done'))")" "['acquired', 'both', 'both (owner died)']" \
	"p1 got B from the dead p2; p3 and p4 in turn"
is "$(q "$live" "len($deadlocks)")" 1 "reported once"
live_stop
is "$?" 3 "poolmon quits, status 3 (a task was killed or terminated)"

done_testing
