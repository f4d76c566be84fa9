#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/session.sh — working a demo session (issue 14 item 6): source
# FILE, record FILE / record off, del NAME, and pool [N] after close or
# terminate.
. "${srcdir:-.}/tests/lib.sh"
d=$TEST_TMPDIR

# source: the file's commands run next, before the rest of the line, and
# a waiting command in it holds the rest back as on a typed line.
printf 'echo one\napply square 3; echo two  # a comment\nsource %s/b.pm\necho four\n' "$d" > "$d/a.pm"
printf 'echo three\n' > "$d/b.pm"
out=$("$poolmon" -w 1 --batch -x "echo zero; source $d/a.pm; echo five" 2>&1)
is "$out" "zero
one
9
two
three
four
five" "source runs the file's lines in order, nested, before the rest of the line"

printf 'source %s/self.pm\n' "$d" > "$d/self.pm"
printf 'echo ok\nbogus 1\necho still\n' > "$d/bad.pm"
out=$("$poolmon" -w 1 --batch -x "source $d/none.pm; source $d/self.pm; source $d/bad.pm; source" 2>&1)
is "$out" "-x:1: error: source: cannot open $d/none.pm: No such file or directory
$d/self.pm:1: error: source: sourced files nested more than 16 deep (does $d/self.pm source itself?)
ok
$d/bad.pm:2: error: bogus: unknown command (try 'help')
still
-x:1: error: source: wrong number of arguments; usage: source FILE" "source: a missing file, a loop, a bad line (the others run, its error says the sourced file's FILE:LINE:), no file"
printf 'echo a\0b\n' > "$d/nul.pm"
out=$("$poolmon" -w 1 --batch -x "source $d/nul.pm" 2>&1)
is "$out" "-x:1: error: source: $d/nul.pm:1: a NUL byte (not a script?): nothing run" "source refuses a binary file"

# record: the lines fed from the start on, not its own; a replayable
# script (its replay gives the same output).
out=$(printf '%s\n' "echo before" "record $d/rec.pm" "value v i 2" "apply square 4; echo x" "record" "set v 9; show v" "record off" "echo after" |
	"$poolmon" -w 1 --batch 2>&1)
is "$out" "before
recording to $d/rec.pm
16
x
recording to $d/rec.pm
v value 'i': 9
session written to $d/rec.pm
after" "record: says where, and when it is over"
is "$(cat "$d/rec.pm")" "# poolmon session (record $d/rec.pm); replay it with: source $d/rec.pm, or poolmon --script $d/rec.pm
value v i 2
apply square 4; echo x
set v 9; show v" "record writes the session's lines as they came, not its own"
out=$("$poolmon" -w 1 --script "$d/rec.pm" 2>&1)
is "$out" "16
x
v value 'i': 9" "the recording replays with --script"
out=$("$poolmon" -w 1 --batch -x "source $d/rec.pm" 2>&1)
is "$out" "16
x
v value 'i': 9" "... and with source"
out=$("$poolmon" -w 1 --batch -x "record off; record $d/no/such.pm; record" 2>&1)
is "$out" "-x:1: error: record: not recording
-x:1: error: record: cannot write $d/no/such.pm: No such file or directory
not recording" "record: bad input"

# del: refused while in use, else gone (its name free again).
out=$("$poolmon" -w 2 --batch -x 'load shared; queue q; lock l; value n i 0; del nope; submit consume q 0; del q; acquire l; del l; release l; del l; show l; put q None; join; del q; show q; queue q; show q; del n; status' 2>&1 |
	grep -v '^loaded\|^w[0-9]\|^ID\|^pool:\|^tasks:')
is "$out" "-x:1: error: del: no shared object 'nope'
t1
-x:1: error: del: 'q' is in use: t1 ($(printf '%s\n' "$out" | sed -n "s/.*t1 (\([a-z]*\)) names it.*/\1/p")) names it (terminate it, or wait for it)
-x:1: error: del: 'l' is in use: held by pid $(printf '%s\n' "$out" | sed -n 's/.*held by pid \([0-9]*\) .*/\1/p') (poolmon: release it)
-x:1: error: show: no shared object 'l' (see status)
t1 shared.consume('q', 0) done: [] [w$(printf '%s\n' "$out" | sed -n 's/.*done: \[\] \[w\([0-9]\).*/\1/p') pid $(printf '%s\n' "$out" | sed -n 's/.*done: \[\] \[w[0-9] pid \([0-9]*\)\]/\1/p')]
-x:1: error: show: no shared object 'q' (see status)
q queue: 0 items
shared: q queue: 0 items" "del: refused while a task names it or its lock is held; then removed, the name free"
like "$out" "t1 \((queued|running)\) names it" "del names the task that uses it"

# A worker forked while the old object existed finds the new one of the
# same name, not the old.
out=$("$poolmon" -w 1 --batch -x 'load shared; value v i 5; kill w1; apply square 1; del v; value v i 7; apply incr v 1 1; show v' 2>&1 | tail -1)
is "$out" "v value 'i': 8" "after del and a new v, a worker started before sees the new v"

# pool [N]: a fresh pool after close (waits for the old workers) or
# terminate.
out=$("$poolmon" -w 2 --batch -x 'pool; submit sleep 100; close; submit square 2; pool 3; apply square 5; terminate pool; pool; apply square 6; status; pool 0; pool x' 2>&1 |
	grep -v 'killed by SIGTERM\|^w[0-9]\|^ID\|^tasks:')
is "$out" "-x:1: error: pool: the pool is running (close or terminate it first; workers N resizes it)
t1
-x:1: error: submit: pool is closed: it accepts no more tasks
t1 demo.sleep(100) done: 100 [w1 pid $(printf '%s\n' "$out" | sed -n 's/.*done: 100 \[w1 pid \([0-9]*\)\]/\1/p')]
a new pool of 3 workers
25
a new pool of 3 workers
36
pool: running, 3 workers (target 3)
-x:1: error: pool: workers must be 1..1024, got '0'
-x:1: error: pool: workers must be 1..1024, got 'x'" "pool N: after close it waits for the old tasks, then a fresh pool; after terminate too"

done_testing
