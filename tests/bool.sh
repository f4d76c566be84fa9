#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Booleans (ABI 1.2): shared.full / shared.empty answer True / False in text
# and true / false in JSON, as Python's Queue.full() prints; a plugin built
# for ABI 1.1, before the bool kind, still loads and runs.
. "${srcdir:-.}/tests/lib.sh"

tp=$builddir/tests/plugins

out=$("$POOLMON" --batch -w 1 -x 'load shared; queue q 1; apply full q; put q 1; apply full q; apply empty q' 2>&1 | grep -v '^loaded ')
is "$out" "False
True
False" "full() False, then True after a put; empty() False: printed as Python prints them"

out=$("$POOLMON" --batch --json -w 1 -x 'load shared; queue q 1; put q 1; apply full q' 2>&1 |
	python3 -c 'import json,sys
for l in sys.stdin:
    e = json.loads(l)
    if e.get("event") == "task" and e.get("state") == "done": print(repr(e["result"]))')
is "$out" "True" "--json: the result is the JSON true"

out=$("$POOLMON" --batch -w 1 -x "load $tp/old_minor.so; apply noop; plugins" 2>&1)
if grep -q '^None$' <<<"$out" && grep -q '^old_minor ' <<<"$out"; then
	pass "a plugin built for ABI 1.1 loads and its task runs"
else
	fail "a plugin built for ABI 1.1 loads and its task runs" "$out"
fi

out=$("$POOLMON" --batch -w 1 -x 'load shared; tasks' 2>&1 | grep -E '^shared\.(full|empty)\(')
is "$out" "shared.full(queue:str) -> bool  Queue.full() from a worker: True or False
shared.empty(queue:str) -> bool  Queue.empty() from a worker: True or False" \
	"tasks: full and empty return bool"

done_testing
