#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# plugins.sh — issue 5: every refusal of the loader gives its one message and
# loads nothing; a plugin loaded while the workers are busy is picked up by
# those same workers, without a restart.  Issue 19: the file and every
# directory above it are checked as sudo checks; a plugin is first loaded in
# a short-lived child, so a constructor that crashes, exits or forks harms
# nothing; workers load the very file the manager vetted, whatever is put in
# its place afterwards.
. "${srcdir:-.}/tests/lib.sh"

tp=$builddir/tests/plugins
for f in extra nosym bad_abi dup_name dup_task bad_sig bad_init swap_a swap_b \
	ctor_crash ctor_exit ctor_fork; do
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
	is "$err" "-x:1: error: load: $msg" "$name: the message"
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
like "$(cat "$TEST_TMPDIR/err")" "^-x:1: error: load: no plugin 'no_such_plugin' in the plugin path \\($POOLMON_PLUGIN_PATH[:)]" \
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
	"-x:1: error: load: refusing plugin $(real "$tp/extra.so"): a plugin named 'extra' is already loaded from $(real "$tp/extra.so")" \
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
	"-x:1: error: load: refusing plugin $(real "$TEST_TMPDIR/wwdir/extra.so"): its directory $(real "$TEST_TMPDIR/wwdir") is writable by others" \
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

# --- the file and every directory up to / (issue 19) --------------------------
# Each case: a good plugin, refused for one thing about its path, named.
gid=$(id -g)
mkdir -p "$TEST_TMPDIR/gw" && chmod 755 "$TEST_TMPDIR/gw"
cp "$tp/extra.so" "$TEST_TMPDIR/gw/extra.so" && chmod 664 "$TEST_TMPDIR/gw/extra.so"
refused "file writable by its group" "$TEST_TMPDIR/gw/extra.so" \
	"refusing plugin $(real "$TEST_TMPDIR/gw/extra.so"): it is writable by its group (gid $gid)"

mkdir -p "$TEST_TMPDIR/gd" && chmod 775 "$TEST_TMPDIR/gd"
cp "$tp/extra.so" "$TEST_TMPDIR/gd/extra.so" && chmod 644 "$TEST_TMPDIR/gd/extra.so"
refused "directory writable by its group" "$TEST_TMPDIR/gd/extra.so" \
	"refusing plugin $(real "$TEST_TMPDIR/gd/extra.so"): its directory $(real "$TEST_TMPDIR/gd") is writable by its group (gid $gid)"

# a world-writable (not sticky) directory above the plugin's own
mkdir -p "$TEST_TMPDIR/wp/sub" && chmod 777 "$TEST_TMPDIR/wp" && chmod 755 "$TEST_TMPDIR/wp/sub"
cp "$tp/extra.so" "$TEST_TMPDIR/wp/sub/extra.so" && chmod 644 "$TEST_TMPDIR/wp/sub/extra.so"
refused "world-writable parent directory" "$TEST_TMPDIR/wp/sub/extra.so" \
	"refusing plugin $(real "$TEST_TMPDIR/wp/sub/extra.so"): the directory $(real "$TEST_TMPDIR/wp") on its path is writable by others"
# the same with the sticky bit (as /tmp, under which the tests may run) loads
chmod 1777 "$TEST_TMPDIR/wp"
out=$("$poolmon" --batch -w 1 -x "load $TEST_TMPDIR/wp/sub/extra.so; apply twice 5" 2>&1)
like "$out" '^10$' "a sticky world-writable parent directory is accepted"
chmod 755 "$TEST_TMPDIR/wp"

# owned by another user: needs root to chown
nobody_uid=$(id -u nobody 2>/dev/null)
if [ "$(id -u)" -eq 0 ] && [ -n "$nobody_uid" ]; then
	mkdir -p "$TEST_TMPDIR/of" && chmod 755 "$TEST_TMPDIR/of"
	cp "$tp/extra.so" "$TEST_TMPDIR/of/extra.so" && chmod 644 "$TEST_TMPDIR/of/extra.so"
	chown nobody "$TEST_TMPDIR/of/extra.so"
	refused "file owned by another user" "$TEST_TMPDIR/of/extra.so" \
		"refusing plugin $(real "$TEST_TMPDIR/of/extra.so"): it is owned by uid $nobody_uid, not by root"
	mkdir -p "$TEST_TMPDIR/od" && chmod 755 "$TEST_TMPDIR/od"
	cp "$tp/extra.so" "$TEST_TMPDIR/od/extra.so" && chmod 644 "$TEST_TMPDIR/od/extra.so"
	chown nobody "$TEST_TMPDIR/od"
	refused "directory owned by another user" "$TEST_TMPDIR/od/extra.so" \
		"refusing plugin $(real "$TEST_TMPDIR/od/extra.so"): its directory $(real "$TEST_TMPDIR/od") is owned by uid $nobody_uid, not by root"
	# and above the plugin's own directory
	mkdir -p "$TEST_TMPDIR/op/sub" && chmod 755 "$TEST_TMPDIR/op" "$TEST_TMPDIR/op/sub"
	cp "$tp/extra.so" "$TEST_TMPDIR/op/sub/extra.so" && chmod 644 "$TEST_TMPDIR/op/sub/extra.so"
	chown nobody "$TEST_TMPDIR/op"
	refused "parent directory owned by another user" "$TEST_TMPDIR/op/sub/extra.so" \
		"refusing plugin $(real "$TEST_TMPDIR/op/sub/extra.so"): the directory $(real "$TEST_TMPDIR/op") on its path is owned by uid $nobody_uid, not by root"
else
	skip "owned by another user: needs root (to chown nobody)" 6
fi

# --- constructors run in a short-lived child first (issue 19) ------------------
refused "constructor crashes" "$tp/ctor_crash.so" \
	"refusing plugin $(real "$tp/ctor_crash.so"): it crashed while being loaded (SIGSEGV)"
refused "constructor calls exit(3)" "$tp/ctor_exit.so" \
	"refusing plugin $(real "$tp/ctor_exit.so"): it ended the process while being loaded (exit status 3)"
# the manager goes on: the next commands run and it exits as usual
out=$("$poolmon" --batch -w 1 -x "load $tp/ctor_crash.so; load $tp/ctor_exit.so; apply square 6" 2>/dev/null)
is "$?:$out" "1:36" "after both refusals the next command runs (exit 1: there were errors)"
# a constructor that leaves a sleeper (in its own session) behind, in a
# plugin refused for its ABI: the sleeper is gone by the time load answers
export POOLMON_TEST_PIDFILE=$TEST_TMPDIR/sleeper.pid
refused "constructor forks, plugin refused" "$tp/ctor_fork.so" \
	"refusing plugin $(real "$tp/ctor_fork.so"): ABI version 2.0, poolmon speaks $abi"
unset POOLMON_TEST_PIDFILE
sleeper=$(cat "$TEST_TMPDIR/sleeper.pid" 2>/dev/null)
like "$sleeper" '^[0-9]+$' "the constructor did fork a sleeper ($sleeper)"
if [ -n "$sleeper" ] && [ -e "/proc/$sleeper" ]; then
	fail "the sleeper $sleeper is gone (state: $(awk '{print $3}' "/proc/$sleeper/stat" 2>/dev/null))"
	kill -9 "$sleeper" 2>/dev/null
else
	pass "the sleeper $sleeper is gone"
fi

# --- workers load the file the manager vetted, not what is there later --------
# w1 waits on an Event while swap_a is loaded; then a world-writable other
# build is renamed over the file; then w1 (busy until now) and a process
# forked afterwards run ping: both get the vetted build's 42, never 666.
sw=$TEST_TMPDIR/swap
mkdir -p "$sw" && chmod 755 "$sw"
cp "$tp/swap_a.so" "$sw/swap.so" && chmod 644 "$sw/swap.so"
cp "$tp/swap_b.so" "$sw/new.so" && chmod 666 "$sw/new.so"
out=$TEST_TMPDIR/swap.json
mkfifo "$TEST_TMPDIR/swap.in"
"$poolmon" --batch --json -w 1 <"$TEST_TMPDIR/swap.in" >"$out" 2>"$TEST_TMPDIR/swap.err" &
pm=$!
exec 7>"$TEST_TMPDIR/swap.in"
echo 'load shared; event go; submit shared.wait go 60' >&7
running() { grep -q '"id":"t1".*"state":"running"\|"state":"running".*"id":"t1"' "$out"; }
ok "w1 runs t1 (waits on the event)" wait_for 20 running
echo "load $sw/swap.so" >&7
loaded() { grep -q '"event":"plugin".*"swap"' "$out"; }
ok "swap (build a) loaded while w1 is busy" wait_for 20 loaded
mv -f "$sw/new.so" "$sw/swap.so"
is "$(ls -l "$sw/swap.so" | cut -c1-10)" "-rw-rw-rw-" "build b, world-writable, is now at its path"
echo "set go 1; apply swap.ping; spawn swap.ping; join; status; quit" >&7
exec 7>&-
wait "$pm"
is "$?" 0 "the run exits 0"
is "$(json_get "$out" '[e["result"] for e in ev if e["event"] == "result"]')" "[42]" \
	"apply ping in the worker that was busy: the vetted build's 42"
is "$(json_get "$out" '[e["result"] for e in ev if e["event"] == "task" and e["task"] == "swap.ping" and e["state"] == "done"]')" \
	"[42, 42]" "both pings (the worker's, the process forked after the swap) return 42"
is "$(json_get "$out" '[sum(w["restarts"] for w in e["workers"]) for e in ev if e["event"] == "status"]')" \
	"[0]" "w1 was not restarted"
is "$(cat "$TEST_TMPDIR/swap.err")" "" "nothing on stderr"

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
is "$(cat "$TEST_TMPDIR/err")" "-x:1: error: submit: extra.twice(n:int): argument 'n' must be int, got str 'x'" \
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
	"-x:1: error: submit: demo.square(n:int): no parameter named 'bogus' (and no **kwargs)"
kw_error "a parameter given twice" 'apply person bob 30 name=ann' \
	"-x:1: error: apply: demo.person(name:str, age:int, **kwargs): got multiple values for argument 'name'"
kw_error "a missing parameter" 'submit person age=3' \
	"-x:1: error: submit: demo.person(name:str, age:int, **kwargs): missing argument 'name'"
kw_error "a named argument of the wrong type" 'submit square n=x' \
	"-x:1: error: submit: demo.square(n:int): argument 'n' must be int, got str 'x'"
kw_error "an option of a command that takes none" 'status verbose=1' \
	"-x:1: error: status: unknown option 'verbose'; usage: status"
out=$("$poolmon" --batch -w 1 -x 'apply square n=9; map square 1..3' 2>&1)
is "$out" "81
[1, 4, 9]" "apply square n=9 binds by name; map is unchanged"

done_testing
