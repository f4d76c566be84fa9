#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# plugin_open.sh — ABI 1.3: `load NAME:ARG` registers the tasks a plugin's
# open(ARG) makes; each task sees its full name and its task_data in the
# ctx, in workers running at the load (which open it again and must get the
# same tasks) and in workers forked later.  Plugins of ABI 1.2 and before
# load as they did (tests/plugins.sh, old_minor.so).
. "${srcdir:-.}/tests/lib.sh"
. "${srcdir:-.}/tests/live.sh"

tp=$builddir/tests/plugins
[ -e "$tp/opener.so" ] || bail_out "tests/plugins/opener.so not built (make check builds it)"

out=$("$poolmon" --batch -w 2 -P "$tp" -x 'load opener:op=alpha,beta; tasks; plugins; apply op.alpha; apply beta' 2>&1)
like "$out" "loaded op from opener:op=alpha,beta" "load NAME:ARG registers the plugin its open made"
like "$out" "^op.alpha\\(\\) -> list  its name and data" "its tasks are listed"
like "$out" "^op 1  tasks named by the argument  \\(opener:op=alpha,beta\\)" "plugins shows NAME:ARG as its path"
like "$out" "^\\['op.alpha', 'data:alpha'\\]\$" "a task of a running worker sees ctx->task_name and ctx->task_data"
like "$out" "^\\['op.beta', 'data:beta'\\]\$" "each task its own"

out=$("$poolmon" --batch --json -w 1 --maxtasks 1 -P "$tp" -x 'load opener:op=alpha; apply op.alpha; apply op.alpha' 2>&1)
is "$(q <(echo "$out") "[e['result'] for e in ev if e['event'] == 'result']")" \
	"[['op.alpha', 'data:alpha'], ['op.alpha', 'data:alpha']]" "and so does the worker forked after the load (maxtasks 1)"
is "$(q <(echo "$out") "tasks('t1', 'done')[0]['pid'] != tasks('t2', 'done')[0]['pid']")" True "(the second task ran in a new worker)"

out=$("$poolmon" --batch -w 1 -P "$tp" -x 'load opener:op=a; load opener:op=b; load opener:noequals; load opener:=x; plugins' 2>&1)
like "$out" "refusing plugin opener:op=b: a plugin named 'op' is already loaded" "two loads making the same plugin name: the second refused"
like "$out" "error: load: cannot load opener:noequals: want NAME=task,task…, got 'noequals'" "open's refusal is the message"
is "$(grep -c '^op ' <<<"$out")" 1 "only the first is registered"

# A running worker whose open makes other tasks than the manager's refuses
# them (their numbering would differ), says so, and is replaced by a worker
# forked with the manager's plugins.
drift=$TEST_TMPDIR/drift
out=$(OPENER_DRIFT=$drift "$poolmon" --batch --json -w 1 -P "$tp" -x 'load opener:dr=a,b; apply dr.a; apply dr.b' 2>&1)
is "$(q <(echo "$out") "[e['message'] for e in ev if e['event'] == 'log']")" \
	"['refusing opener:dr=a,b: its tasks are not the ones poolmon loaded (was it changed since?)']" \
	"a running worker whose open made other tasks refuses the load, with a log line"
is "$(q <(echo "$out") "[(w['state'], w.get('status')) for w in new_workers()]")" "[('exited', 0), ('started', None), ('exited', 0)]" \
	"that worker is replaced"
is "$(q <(echo "$out") "[e.get('result') for e in ev if e['event'] == 'result']")" "[['dr.a', 'data:a'], ['dr.b', 'data:b']]" \
	"and the tasks run in its replacement, which has the manager's"

done_testing
