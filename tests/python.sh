#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# python.sh — issue 15: the bundled python plugin.  `load python:FILE.py`
# makes a module's public functions tasks (signatures from inspect, read by
# a helper process); values both ways; print() as log lines; exceptions,
# sys.exit, os._exit and a task hanging in C each end in a clear state, the
# pool carrying on; one interpreter per worker, reused, fresh after
# maxtasks.  Skipped when configure did not build the plugin.
. "${srcdir:-.}/tests/lib.sh"

if [ "${POOLMON_PYTHON_PLUGIN:-}" = no ] ||
	[ ! -e "$POOLMON_PLUGIN_PATH/python.so" ]; then
	skip_all "the python plugin is not built (configure found no python3-embed >= 3.11, or --without-python)"
fi

. "${srcdir:-.}/tests/live.sh"

export PYTHONDONTWRITEBYTECODE=1 # the source tree may be read-only
py=$srcdir/tests/python
pyt="load python:$py/pyt.py"

# run NAME ARGS...: poolmon --batch --json ARGS into $TEST_TMPDIR/NAME.json
run() {
	local name=$1
	shift
	"$poolmon" --batch --json "$@" >"$TEST_TMPDIR/$name.json" \
		2>"$TEST_TMPDIR/$name.err"
}
res() { q "$TEST_TMPDIR/$1.json" "[e.get('result', e.get('error')) for e in ev if e['event'] == 'result']"; }

# --- load: the tasks and their signatures ----------------------------------
out=$("$poolmon" --batch -w 1 -x "$pyt; tasks" 2>&1)
is "$(grep '^pyt\.' <<<"$out" | sed 's/ ->.*//')" "pyt.echo(x:any)
pyt.kinds(*args)
pyt.give(kind:any)
pyt.unconvertible()
pyt.deep_unconvertible()
pyt.add(a:any, b:any=10)
pyt.person(name:any, age:bigint, city:any='Paris', **kwargs)
pyt.collect(first:any, *args, **kwargs)
pyt.div(a:any, b:any)
pyt.typed(n:bigint)
pyt.exits(code:any)
pyt.hard_exit(code:any)
pyt.hang()
pyt.talk(n:any)
pyt.read_stdin()
pyt.pid()
pyt.count()
pyt.threads(n:any)
pyt.bigtrip(x:any)" \
	"each public function defined in the module is a task (not _private, not the imported join), with its signature"
like "$out" "pyt.person\\(.*\\) -> any  \\(keywords: shout=False\\)" "keyword-only parameters are named in the help"
like "$out" "pyt.echo\\(x:any\\) -> any  return x" "the docstring's first line is the help"

# A module name on PYTHONPATH.
out=$(PYTHONPATH=$py "$poolmon" --batch -w 1 -x 'load python:pyt; apply pyt.add 1 2; plugins' 2>&1)
like "$out" "^3\$" "load python:MODULE finds it on PYTHONPATH"
like "$out" "pyt .*Python 3\\.[0-9.]* module pyt .*\\(python:pyt\\)" "plugins lists it"

# --- bad input at load time: one message, nothing registered ---------------
check_load_error() { # FILE-OR-NAME EXPECTED-ERROR DESCRIPTION
	local out rc
	out=$("$poolmon" --batch -w 1 -x "load python:$1; plugins; tasks" 2>&1)
	rc=$?
	like "$out" "error: load: cannot load python:$1: $2" "$3"
	is "$rc" 1 "$3: the exit status says a command failed"
	unlike "$out" "^(pyt|bad_syntax|bad_import|no_functions)[ .]" "$3: nothing registered"
}
check_load_error "$py/bad_syntax.py" "SyntaxError: invalid syntax \\(bad_syntax.py, line 2\\)" \
	"a syntax error"
check_load_error "$py/bad_import.py" "ModuleNotFoundError: No module named 'poolmon_no_such_module'" \
	"a file that does not import"
check_load_error "$py/no_functions.py" "ImportError: .*no_functions.py defines no public function" \
	"a module without a public function"
check_load_error "$TEST_TMPDIR/absent.py" "FileNotFoundError: No such file" "a missing file"
check_load_error poolmon_absent_module "ModuleNotFoundError: No module named 'poolmon_absent_module'" \
	"a module name not on the path"
# A file others could change is refused as a plugin file is.
mkdir -p "$TEST_TMPDIR/open" "$TEST_TMPDIR/mine"
cp "$py/pyt.py" "$TEST_TMPDIR/open/pyt.py"
chmod 777 "$TEST_TMPDIR/open"
cp "$py/pyt.py" "$TEST_TMPDIR/mine/pyt.py"
chmod 666 "$TEST_TMPDIR/mine/pyt.py"
check_load_error "$TEST_TMPDIR/open/pyt.py" "refusing .*/open/pyt.py: the directory .*/open on its path is writable by others" \
	"a file in a directory writable by others"
check_load_error "$TEST_TMPDIR/mine/pyt.py" "refusing .*/mine/pyt.py: it is writable by others" \
	"a file writable by others"
chmod 644 "$TEST_TMPDIR/mine/pyt.py"
out=$("$poolmon" --batch -w 1 -x "load python:$TEST_TMPDIR/mine/pyt.py; apply pyt.add 2" 2>&1)
like "$out" "^12\$" "the same file, no longer writable by others, loads"

out=$("$poolmon" --batch -w 1 -x "load python" 2>&1)
like "$out" "python.so: it makes its tasks from an argument: load python:ARG" "load python without a module is refused"
out=$("$poolmon" --batch -w 1 -x "$pyt; $pyt" 2>&1)
like "$out" "refusing plugin python:.*pyt.py: a plugin named 'pyt' is already loaded" "the same module twice is refused"
out=$("$poolmon" --batch -w 1 -x "load demo:x" 2>&1)
like "$out" "demo.so: it takes no argument" "NAME:ARG for a plugin without open is refused"

# --- values both ways -------------------------------------------------------
run values -w 1 -x "$pyt; apply pyt.echo 7; apply pyt.echo -2.5; apply pyt.echo hello; apply pyt.echo 1,2.5,x;
 apply pyt.kinds 1 2.5 s 1,2; apply pyt.give int; apply pyt.give big; apply pyt.give negbig; apply pyt.give huge; apply pyt.give float;
 apply pyt.give str; apply pyt.give bool; apply pyt.give false; apply pyt.give none;
 apply pyt.give list; apply pyt.give tuple; apply pyt.give dict"
expected=$(python3 - "$py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import pyt
def conv(v):  # what the plugin says it does, in Python
    if isinstance(v, bool) or v is None or isinstance(v, float): return v
    if isinstance(v, (list, tuple)): return [conv(x) for x in v]
    if isinstance(v, dict): return [[conv(k), conv(x)] for k, x in v.items()]
    return v
vals = [7, -2.5, 'hello', [1, 2.5, 'x'], pyt.kinds(1, 2.5, 's', [1, 2])]
vals += [pyt.give(k) for k in ('int big negbig huge float str bool false none list tuple dict').split()]
print([conv(v) for v in vals])
PY
)
is "$(res values)" "$expected" \
	"int float str list in, every kind out (an int beyond 64 bits an int, tuple as list, dict as [key, value] pairs)"
like "$(cat "$TEST_TMPDIR/values.json")" '"event":"result","id":"t9","result":1267650600228229401496703205376}' \
	"2**100 is a bare JSON number in --json, every digit"

# --- ints beyond 64 bits: the command line, a queue, a pipe -------------------
run bigint -w 1 -x "$pyt; queue bq; pipe bp; apply pyt.kinds 123456789012345678901234567890 -99999999999999999999 9223372036854775807;
 apply pyt.echo 123456789012345678901234567890; apply pyt.add 99999999999999999999 1;
 apply pyt.bigtrip 1267650600228229401496703205376; apply pyt.bigtrip -9223372036854775809;
 apply pyt.typed 99999999999999999999; apply pyt.typed 21"
is "$(res bigint)" "[['int', 'int', 'int'], 123456789012345678901234567890, 100000000000000000000, [1267650600228229401496703205376, 'int', 'int'], [-9223372036854775809, 'int', 'int'], 199999999999999999998, 42]" \
	"an integer literal beyond 64 bits is a Python int in the task (n: int takes it: Python's int is a bigint); back out through a queue and a pipe, an int"
run toobig -w 1 -x "$pyt; apply pyt.give toobig; apply pyt.give huge"
is "$(res toobig)" "[\"result of pyt.give: cannot write a large int's digits: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit\", 1267650600228229401496703205376]" \
	"an int of more digits than Python writes (sys.get_int_max_str_digits()) fails the task with Python's reason; the next runs"
run bigput -w 1 -x "$pyt; queue bq; pipe bp; put bq 99999999999999999999; apply pyt.bigtrip 0; get bq;
 put bq -18446744073709551616; get bq"
is "$(q "$TEST_TMPDIR/bigput.json" "[e.get('result', e.get('item')) for e in ev if e['event'] in ('result', 'get')]")" \
	"[[99999999999999999999, 'int', 'int'], 0, -18446744073709551616]" \
	"put of a literal beyond 64 bits: a task gets it as an int; get shows it whole (a bare JSON number)"
out=$("$poolmon" --batch -w 1 -x "$pyt; apply pyt.give bytes; apply pyt.give bytearray; apply pyt.give bool; apply pyt.give none" 2>&1)
is "$(tail -4 <<<"$out")" "b'a\\x00b'
b'xy'
True
None" "bytes, bytearray (as bytes), bool and None come back with their kind"

# --- signatures: defaults, *args, **kwargs, types ---------------------------
run sig -w 1 -x "$pyt; apply pyt.add 1; apply pyt.add 1 2; apply pyt.add 1 b=5; apply pyt.add b=3 a=4;
 apply pyt.person bob 30; apply pyt.person bob 30 Rome; apply pyt.person bob 30 shout=1;
 apply pyt.person name=ann age=5 city=Oslo; apply pyt.collect 1 2 3 k=v z=9"
is "$(res sig)" "[11, 3, 6, 7, 'bob,30,Paris', 'bob,30,Rome', 'BOB,30,PARIS', 'ann,5,Oslo', [1, [2, 3], [['k', 'v'], ['z', 9]]]]" \
	"defaults applied by Python, names bind, keyword-only through **kwargs, *args and **kwargs"
out=$("$poolmon" --batch -w 1 -x "$pyt; apply pyt.typed abc; apply pyt.add; apply pyt.add 1 2 3; apply pyt.typed 4" 2>&1)
like "$out" "error: apply: pyt.typed\\(n:bigint\\): argument 'n' must be int, got str 'abc'" \
	"an argument of the wrong type for a typed parameter is refused before it runs"
like "$out" "error: apply: pyt.add\\(a:any, b:any=10\\): missing argument 'a'" "too few arguments: refused"
like "$out" "error: apply: .*takes 1 to 2 arguments, got 3" "too many arguments: refused"
like "$out" "^8\$" "the next task runs"
run wrongtype -w 1 -x "$pyt; apply pyt.add 1 x; apply pyt.add 1 1"
is "$(res wrongtype)" "[\"TypeError: unsupported operand type(s) for +: 'int' and 'str'\", 2]" \
	"an untyped argument Python cannot use fails the task with Python's TypeError; the next runs"

# --- output: print() and stderr are the task's log lines, live ---------------
run talk -w 1 -x "$pyt; submit pyt.talk 3; join"
is "$(q "$TEST_TMPDIR/talk.json" "[(e['id'], e['message']) for e in ev if e['event'] == 'log']")" \
	"[('t1', 'line 0'), ('t1', 'line 1'), ('t1', 'line 2'), ('t1', 'to stderr'), ('t1', 'no newline')]" \
	"print() and sys.stderr lines are log lines with the task's id (a last partial line at the task's end)"
is "$(q "$TEST_TMPDIR/talk.json" "[i for i, e in enumerate(ev) if e['event'] == 'log'][-1] < [i for i, e in enumerate(ev) if e.get('state') == 'done'][0]")" \
	True "the log lines come before the task ends"

# sys.stdin is os.devnull, as in multiprocessing's children: poolmon's own
# standard input is not the task's (here a fifo kept open with nothing in
# it: the real one would block or fail).
mkfifo "$TEST_TMPDIR/stdin"
exec 3<>"$TEST_TMPDIR/stdin"
out=$(timeout 60 "$poolmon" -w 1 -x "$pyt; apply pyt.read_stdin timeout=5; apply pyt.add 40 2" <"$TEST_TMPDIR/stdin" 2>&1)
exec 3>&-
is "$(tail -2 <<<"$out")" "''
42" "a task reading sys.stdin gets nothing at once (not poolmon's input), and the next runs"

# --- exceptions, exits, crashes, hangs --------------------------------------
run raise -w 1 -x "$pyt; apply pyt.div 1 0; apply pyt.exits 3; apply pyt.pid; apply pyt.div 6 3; apply pyt.unconvertible; apply pyt.deep_unconvertible; workers"
is "$(res raise | python3 -c 'import ast,sys; r=ast.literal_eval(sys.stdin.read()); r[2]="PID"; print(r)')" \
	"['ZeroDivisionError: division by zero', 'SystemExit: 3', 'PID', 2.0, 'result of pyt.unconvertible: cannot convert set to a poolmon value', 'result of pyt.deep_unconvertible: cannot convert object to a poolmon value']" \
	"an exception fails the task with its type and message; sys.exit(3) is SystemExit: 3; an unconvertible result fails with its type"
is "$(q "$TEST_TMPDIR/raise.json" "[e['message'] for e in ev if e['event'] == 'log' and e['id'] == 't1'][0::4]")" \
	"['Traceback (most recent call last):', 'ZeroDivisionError: division by zero']" \
	"the traceback is the failed task's log lines"
like "$(q "$TEST_TMPDIR/raise.json" "[e['message'] for e in ev if e['event'] == 'log' and e['id'] == 't1']")" \
	"File \"[^\"]*pyt.py\", line [0-9]*, in div', '    return a / b'" "the traceback names the file, line and code"
is "$(q "$TEST_TMPDIR/raise.json" "(len(workers('started')), [e['pid'] for e in tasks('t3', 'done')] == [e['pid'] for e in tasks('t2', 'failed')] == [e['result'] for e in tasks('t3', 'done')])")" \
	"(1, True)" "after SystemExit the same worker carries on (no restart; os.getpid() is its pid)"

run exit -w 1 -x "$pyt; apply pyt.pid; apply pyt.hard_exit 3; apply pyt.pid"
is "$(q "$TEST_TMPDIR/exit.json" "[(e['state'], e.get('error')) for e in tasks('t2') if e['state'] in FINAL]")" \
	"[('failed', 'worker exited with status 3')]" "os._exit(3): the worker dies; the task ends failed with its exit status (as a C task calling exit)"
is "$(q "$TEST_TMPDIR/exit.json" "(len(workers('started')), tasks('t3', 'done')[0]['pid'] != tasks('t1', 'done')[0]['pid'], tasks('t3', 'done')[0]['result'] == tasks('t3', 'done')[0]['pid'])")" \
	"(2, True, True)" "os._exit: the pool replaces the worker, whose new interpreter runs the next task"

run hang -w 2 -x "$pyt; submit pyt.hang timeout=0.5; submit pyt.hang; join t1; terminate t2; join; apply pyt.add 1 1"
is "$(q "$TEST_TMPDIR/hang.json" "[final('t1'), final('t2'), final('t3')]")" \
	"[['timeout'], ['terminated'], ['done']]" "a task in time.sleep(1e6): timeout=, then terminate, end it; the pool carries on"

# --- the interpreter: pid, threads, reuse, recycling ------------------------
run life -w 2 --maxtasks 3 -x "$pyt; apply pyt.count; apply pyt.count; apply pyt.count; apply pyt.count; apply pyt.threads 4; workers"
is "$(q "$TEST_TMPDIR/life.json" "[e['result'] for e in tasks(state='done') if e['task'] == 'pyt.count']")" "[1, 2, 3, 1]" \
	"a module-level counter grows across tasks on one worker (one interpreter, reused), and starts again after maxtasks"
is "$(q "$TEST_TMPDIR/life.json" "len({e['pid'] for e in tasks(state='done') if e['task'] == 'pyt.count'})")" 2 \
	"the fourth count ran in the replacement worker"
want=$(python3 -c "print([4, [sum(range(100000 * (i + 1))) for i in range(4)]])")
is "$(q "$TEST_TMPDIR/life.json" "[e['result'] for e in tasks(state='done') if e['task'] == 'pyt.threads']")" "[$want]" \
	"a task that starts 4 threads and joins them gets their results"
out=$("$poolmon" --batch -w 1 -x "$pyt; apply pyt.pid; workers" 2>&1)
is "$(sed -n 2p <<<"$out")" "$(awk '$1 == "w1" { print $2 }' <<<"$out")" "os.getpid() is the worker's pid shown by workers"

# --- loaded while workers run: each loads it without a restart ---------------
run running -w 2 -x "submit sleep 300; submit sleep 300; $pyt; join; apply pyt.pid; apply pyt.pid; apply pyt.pid; workers"
is "$(q "$TEST_TMPDIR/running.json" "(len(workers('started')), all(e['result'] == e['pid'] for e in tasks(state='done') if e['task'] == 'pyt.pid'), len([e for e in ev if e['event'] == 'log']))")" \
	"(2, True, 0)" "a module loaded while both workers are busy runs in them (read again there, no restart, no complaint)"

# A module whose description is long (300 functions, ~25 kB): running
# workers get it whole.
python3 -c '
for i in range(300):
    print(f"def f_{i:03d}(a, b={i}):\n    \"\"\"returns a + b, the {i}th of many functions\"\"\"\n    return a + b\n")' \
	>"$TEST_TMPDIR/mine/many.py"
run many -w 2 -x "load python:$TEST_TMPDIR/mine/many.py; apply many.f_299 1; apply many.f_000 1 b=2"
is "$(q "$TEST_TMPDIR/many.json" "(len(workers('started')), len([e for e in ev if e['event'] == 'log']), [e['result'] for e in ev if e['event'] == 'result'])")" \
	"(2, 0, [300, 3])" "a module of 300 functions loads in running workers too (no complaint, no restart)"

done_testing
