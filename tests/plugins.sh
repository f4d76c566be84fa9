#!/usr/bin/env bash
# plugins.sh — issue 5: every refusal of the loader gives its one message and
# loads nothing; a plugin loaded while the workers are busy is picked up by
# those same workers, without a restart.
. "${srcdir:-.}/tests/lib.sh"

tp=$builddir/tests/plugins
for f in extra nosym bad_abi dup_name dup_task bad_sig bad_init; do
	[ -f "$tp/$f.so" ] || bail_out "$tp/$f.so not built (make check builds it)"
done

# json_get FILE PYEXPR — evaluate PYEXPR with `ev` = list of the JSON events.
json_get() {
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(eval(sys.argv[2]))' "$1" "$2"
}

# What is loaded before any refusal: plugins and tasks, as printed.
baseline=$("$poolmon" --batch -w 1 -x 'plugins; tasks' 2>&1)
like "$baseline" '^demo 1\.0 ' "baseline: the demo plugin is loaded"

# refused NAME SPEC MESSAGE — `load SPEC` prints exactly MESSAGE as its one
# error line, and `plugins; tasks` afterwards print the baseline.
refused() {
	local name=$1 spec=$2 msg=$3 out err
	out=$("$poolmon" --batch -w 1 -x "load $spec; plugins; tasks" 2>"$TEST_TMPDIR/err")
	err=$(cat "$TEST_TMPDIR/err")
	is "$err" "error: load: $msg" "$name: the message"
	is "$out" "$baseline" "$name: nothing loaded (plugins and tasks unchanged)"
}

real() { realpath "$1"; }
# The ABI this poolmon speaks, from the header it was built with.
abi_minor=$(sed -n 's/^#define POOLMON_ABI_MINOR \([0-9]*\).*/\1/p' "$srcdir/include/poolmon/plugin.h")
abi="1.$abi_minor"

# --- missing file ------------------------------------------------------------
refused "missing file" "$TEST_TMPDIR/nowhere/gone.so" \
	"cannot load plugin $TEST_TMPDIR/nowhere/gone.so: No such file or directory"
out=$("$poolmon" --batch -w 1 -x "load no_such_plugin; plugins; tasks" 2>"$TEST_TMPDIR/err")
like "$(cat "$TEST_TMPDIR/err")" "^error: load: no plugin 'no_such_plugin' in the plugin path \\($POOLMON_PLUGIN_PATH[:)]" \
	"missing bare name: the message names the search path"
is "$out" "$baseline" "missing bare name: nothing loaded (plugins and tasks unchanged)"

# --- not an ELF object ---------------------------------------------------------
printf 'this is not a shared object\n' >"$TEST_TMPDIR/text.so"
refused "not an ELF object" "$TEST_TMPDIR/text.so" \
	"cannot load plugin $(real "$TEST_TMPDIR/text.so"): not an ELF shared object"

# --- no plugin symbol -------------------------------------------------------------
refused "no plugin symbol" "$tp/nosym.so" \
	"refusing plugin $(real "$tp/nosym.so"): it does not export the symbol 'poolmon_plugin'"

# --- a different ABI major ------------------------------------------------------
refused "different ABI major" "$tp/bad_abi.so" \
	"refusing plugin $(real "$tp/bad_abi.so"): ABI version 2.0, poolmon speaks $abi"

# --- a duplicate plugin name ----------------------------------------------------
demo_path=$(real "$POOLMON_PLUGIN_PATH/demo.so")
refused "duplicate plugin name" "$tp/dup_name.so" \
	"refusing plugin $(real "$tp/dup_name.so"): a plugin named 'demo' is already loaded from $demo_path"
# the same file twice
out=$("$poolmon" --batch -w 1 -x "load $tp/extra.so; load $tp/extra.so; plugins" 2>"$TEST_TMPDIR/err")
is "$(cat "$TEST_TMPDIR/err")" \
	"error: load: refusing plugin $(real "$tp/extra.so"): a plugin named 'extra' is already loaded from $(real "$tp/extra.so")" \
	"the same plugin twice: the message"
is "$(printf '%s\n' "$out" | grep -c '^extra ')" 1 "the same plugin twice: listed once"

# --- a duplicate task name within a plugin --------------------------------------
refused "duplicate task name" "$tp/dup_task.so" \
	"refusing plugin $(real "$tp/dup_task.so"): task 'noop' is defined twice"

# --- a malformed signature ------------------------------------------------------
refused "malformed signature" "$tp/bad_sig.so" \
	"refusing plugin $(real "$tp/bad_sig.so"): task 'noop' has a malformed signature \"n:int, m\": parameter 'm' has no type (write m:int)"

# --- a plugin file writable by others ------------------------------------------
# The build tree is not world-writable: copy the good plugin where we may chmod.
mkdir -p "$TEST_TMPDIR/ww" && chmod 755 "$TEST_TMPDIR/ww"
cp "$tp/extra.so" "$TEST_TMPDIR/ww/extra.so"
chmod 646 "$TEST_TMPDIR/ww/extra.so"
refused "file writable by others" "$TEST_TMPDIR/ww/extra.so" \
	"refusing plugin $(real "$TEST_TMPDIR/ww/extra.so"): it is writable by others"
chmod 644 "$TEST_TMPDIR/ww/extra.so"
out=$("$poolmon" --batch -w 1 -x "load $TEST_TMPDIR/ww/extra.so; apply twice 21" 2>&1)
like "$out" '^42$' "the same file, no longer writable by others, loads and runs"

# --- a plugin directory writable by others (not sticky) ----------------------
mkdir -p "$TEST_TMPDIR/wwdir"
cp "$tp/extra.so" "$TEST_TMPDIR/wwdir/extra.so"
chmod 644 "$TEST_TMPDIR/wwdir/extra.so"
chmod 777 "$TEST_TMPDIR/wwdir"
refused "directory writable by others" "$TEST_TMPDIR/wwdir/extra.so" \
	"refusing plugin $(real "$TEST_TMPDIR/wwdir/extra.so"): its directory $(real "$TEST_TMPDIR/wwdir") is writable by others"
# by bare name through the search path: the same refusal
out=$("$poolmon" --batch -w 1 --plugin-dir "$TEST_TMPDIR/wwdir" -x "load extra; plugins" 2>"$TEST_TMPDIR/err")
is "$(cat "$TEST_TMPDIR/err")" \
	"error: load: refusing plugin $(real "$TEST_TMPDIR/wwdir/extra.so"): its directory $(real "$TEST_TMPDIR/wwdir") is writable by others" \
	"directory writable by others, by bare name: the message"
unlike "$out" '^extra ' "directory writable by others, by bare name: not loaded"
# a sticky world-writable directory (like /tmp) is accepted, as sudo does
chmod 1777 "$TEST_TMPDIR/wwdir"
out=$("$poolmon" --batch -w 1 -x "load $TEST_TMPDIR/wwdir/extra.so; apply twice 4" 2>&1)
like "$out" '^8$' "a sticky world-writable directory is accepted"
chmod 755 "$TEST_TMPDIR/wwdir"

# --- an init that fails -------------------------------------------------------
refused "init fails" "$tp/bad_init.so" \
	"refusing plugin $(real "$tp/bad_init.so"): its init failed: no license server at 127.0.0.1:27000"

# --- JSON: one error event, no plugin event -----------------------------------
out=$TEST_TMPDIR/refuse.json
"$poolmon" --batch --json -w 1 -x "load $tp/bad_abi.so" >"$out" 2>/dev/null
is "$(json_get "$out" '[(e["command"], e["message"]) for e in ev if e["event"] == "error"]')" \
	"[('load', 'refusing plugin $(real "$tp/bad_abi.so"): ABI version 2.0, poolmon speaks $abi')]" \
	"--json: one error event with the message"
is "$(json_get "$out" 'len([e for e in ev if e["event"] == "plugin"])')" 0 "--json: no plugin event"

# --- a good plugin: listed with its tasks, signatures and help -----------------
out=$("$poolmon" --batch -w 1 -x "load $tp/extra.so; plugins; tasks" 2>&1)
like "$out" "^loaded extra from $(real "$tp/extra.so")\$" "load prints what it loaded"
like "$out" "^extra 0\.1  a plugin for the loader tests  \($(real "$tp/extra.so")\)\$" "plugins lists it"
like "$out" '^extra\.twice\(n:int\) -> int  n \* 2$' "tasks lists its tasks with signature and help"
out=$("$poolmon" --batch -w 1 -x "load $tp/extra.so; submit twice x; status" 2>"$TEST_TMPDIR/err")
is "$(cat "$TEST_TMPDIR/err")" "error: submit: extra.twice(n:int): argument 'n' must be int, got str 'x'" \
	"its arguments are checked before the task is queued"
like "$out" '^tasks: queued 0, running 0, paused 0, done 0,' "nothing was queued"

# --- loading while 2 workers are busy -----------------------------------------
out=$TEST_TMPDIR/live.json
"$poolmon" --batch --json -w 2 -x "submit sleep 2000; submit sleep 2000; sleep 0.5; status;
	load $tp/extra.so; submit extra.pid; submit extra.pid; submit twice 5; join; status" \
	>"$out" 2>"$TEST_TMPDIR/live.err"
is "$?" 0 "load while busy: the run exits 0"
is "$(json_get "$out" '[sorted(str(w["task"]) for w in e["workers"]) for e in ev if e["event"] == "status"][0]')" \
	"['t1', 't2']" "both workers were busy (t1, t2) when the plugin was loaded"
is "$(json_get "$out" '[e["name"] for e in ev if e["event"] == "plugin"]')" "['extra']" \
	"the plugin was loaded"
is "$(json_get "$out" 'sorted((e["id"] for e in ev if e["event"] == "task" and e["state"] == "done"), key=lambda i: int(i[1:]))')" \
	"['t1', 't2', 't3', 't4', 't5']" "the sleeps, then the new plugin's tasks, all done"
# the extra.pid results are the pids of the processes that ran them: the
# original workers, started once each and never restarted
started=$(json_get "$out" 'sorted(e["pid"] for e in ev if e["event"] == "worker" and e["state"] == "started")')
ran=$(json_get "$out" 'sorted({e["result"] for e in ev if e["event"] == "task" and e["state"] == "done" and e["task"] == "extra.pid"})')
is "$(json_get "$out" 'all(e["result"] == e["pid"] for e in ev if e["event"] == "task" and e["state"] == "done" and e["task"] == "extra.pid")')" \
	True "extra.pid ran in the worker its event names"
is "$(json_get "$out" 'len([e for e in ev if e["event"] == "worker" and e["state"] == "started"])')" 2 \
	"no worker was started besides the first two"
is "$(json_get "$out" "set($ran) <= set($started) and len($ran) >= 1")" True \
	"extra.pid ran on the original worker pids $ran (started: $started)"
is "$(json_get "$out" '[sum(w["restarts"] for w in e["workers"]) for e in ev if e["event"] == "status"]')" \
	"[0, 0]" "no restarts"
is "$(json_get "$out" '[e["result"] for e in ev if e["event"] == "task" and e["id"] == "t5" and e["state"] == "done"]')" \
	"[10]" "twice 5 = 10 in an old worker"
is "$(cat "$TEST_TMPDIR/live.err")" "" "nothing on stderr"

# --- named arguments and **kwargs (the seed's proc_1(name, age, **kwargs)) ---
out=$TEST_TMPDIR/kw.json
"$poolmon" --batch --json -w 2 -x 'apply person bob 30 city=Paris zip=75001;
	apply person age=30 name="Ann Lee"; apply person Ann age=7 x=1.5;
	submit person bob 30 timeout=5 city=Rome; join;
	spawn name=P person bob 30 name2=x; join; tasks' >"$out" 2>"$TEST_TMPDIR/kw.err"
is "$(json_get "$out" '[e["result"] for e in ev if e["event"] == "result"]')" \
	"[\"bob,30,{'city': 'Paris', 'zip': 75001}\", 'Ann Lee,30,{}', \"Ann,7,{'x': 1.5}\"]" \
	"apply: extra key=value options reach **kwargs; declared ones bind by name"
is "$(json_get "$out" '[(e["args"], e["result"]) for e in ev if e["event"] == "task" and e["id"] == "t4" and e["state"] == "done"]')" \
	"[(['bob', 30, [['city', 'Rome']]], \"bob,30,{'city': 'Rome'}\")]" \
	"submit: timeout= stays the command's, the rest is the last argument [[key, value]]"
is "$(json_get "$out" '[(e["name"], e["exitcode"]) for e in ev if e["event"] == "process"]')" \
	"[('P', 0)]" "spawn: name= names the process"
is "$(json_get "$out" '[e["result"] for e in ev if e["event"] == "task" and e["id"] == "t5" and e["state"] == "done"]')" \
	"[\"bob,30,{'name2': 'x'}\"]" "spawn: the other options go to **kwargs"
is "$(json_get "$out" '[t["signature"] for e in ev if e["event"] == "tasks" for t in e["tasks"] if t["name"] == "demo.proc_1"]')" \
	"['name:str, age:int, **kwargs']" "tasks shows the **kwargs signature"
is "$(cat "$TEST_TMPDIR/kw.err")" "" "nothing on stderr"
kw_error() { # kw_error NAME CMD MESSAGE: CMD fails with MESSAGE, nothing queued
	local out
	out=$("$poolmon" --batch -w 1 -x "$2; status" 2>"$TEST_TMPDIR/err")
	is "$(cat "$TEST_TMPDIR/err")" "$3" "$1"
	like "$out" '^tasks: queued 0, running 0, paused 0, done 0,' "$1: nothing queued"
}
kw_error "unknown key without **kwargs" 'submit square 2 bogus=1' \
	"error: submit: demo.square(n:int): no parameter named 'bogus' (and no **kwargs)"
kw_error "a parameter given twice" 'apply person bob 30 name=ann' \
	"error: apply: demo.person(name:str, age:int, **kwargs): got multiple values for argument 'name'"
kw_error "a missing parameter" 'submit person age=3' \
	"error: submit: demo.person(name:str, age:int, **kwargs): missing argument 'name'"
kw_error "a named argument of the wrong type" 'submit square n=x' \
	"error: submit: demo.square(n:int): argument 'n' must be int, got str 'x'"
kw_error "an option of a command that takes none" 'status verbose=1' \
	"error: status: unknown option 'verbose'; usage: status"
out=$("$poolmon" --batch -w 1 -x 'apply square n=9; map square 1..3' 2>&1)
is "$out" "81
[1, 4, 9]" "apply square n=9 binds by name; map is unchanged"

done_testing
