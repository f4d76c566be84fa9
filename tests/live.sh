# SPDX-License-Identifier: GPL-3.0-or-later
# tests/live.sh — live poolmon sessions for the shell tests: poolmon reads a
# fifo and writes JSON events; q evaluates Python over those events, await
# polls until a condition holds (with a deadline), never a bare sleep.
# Source it after tests/lib.sh.

# q FILE PYEXPR — evaluate PYEXPR over ev = the JSON events of FILE (an
# unfinished last line of a live stream is ignored); prints the value.
cat >"$TEST_TMPDIR/q.py" <<'PY'
import json, os, sys, time
ev = []
def load(path):
    global ev
    ev = []
    for l in open(path, "rb"):
        try:
            e = json.loads(l)
        except ValueError:
            continue
        if e.get("event") == "task_range":
            # A run of map items that changed state together: the
            # per-item events it stands for (man page, JSON OUTPUT).
            for i in range(int(e["first"][1:]), int(e["last"][1:]) + 1):
                one = {k: v for k, v in e.items()
                       if k not in ("event", "first", "last", "count")}
                one.update(event="task", id="t%d" % i)
                ev.append(one)
        else:
            ev.append(e)
def tasks(id=None, state=None):
    return [e for e in ev if e.get("event") == "task"
            and (id is None or e["id"] == id) and (state is None or e["state"] == state)]
def workers(state=None):
    return [e for e in ev if e.get("event") == "worker" and (state is None or e["state"] == state)]
def new_workers(state=None):
    # Workers of the session after its start: the initial ones are announced
    # by the events that come before any command's output.
    first = next((i for i, e in enumerate(ev) if e.get("event") != "worker"), len(ev))
    return [e for e in ev[first:] if e.get("event") == "worker" and (state is None or e["state"] == state)]
def status():
    return [e for e in ev if e.get("event") == "status"]
FINAL = {"done", "failed", "crashed", "timeout", "terminated", "cancelled"}
def final(id):
    return [e["state"] for e in tasks(id) if e["state"] in FINAL]
def ids():
    return sorted({e["id"] for e in tasks()}, key=lambda s: int(s[1:]))
def one_final_each():
    bad = {i: final(i) for i in ids() if len(final(i)) != 1}
    return "ok %d" % len(ids()) if not bad else "bad %r" % bad
def value(expr):
    try:
        return eval(expr)
    except (IndexError, KeyError, ValueError):
        return None
if sys.argv[1] == "--wait":
    # --wait SECONDS PID FILE EXPR: poll until EXPR is true (exit 0), PID
    # has exited (3) or SECONDS have passed (2)
    deadline = time.time() + float(sys.argv[2])
    pid, path, expr = int(sys.argv[3]), sys.argv[4], sys.argv[5]
    while True:
        try:
            alive = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            alive = False
        load(path)
        if value(expr):
            sys.exit(0)
        if not alive:
            sys.exit(3)
        if time.time() > deadline:
            sys.exit(2)
        time.sleep(0.03)
load(sys.argv[1])
r = value(sys.argv[2])
print(r)
sys.exit(0 if r else 1)
PY
q() { python3 "$TEST_TMPDIR/q.py" "$@"; }
qt() { q "$@" >/dev/null; }     # as a condition: true if the value is truthy

alive() { # alive PID... : true if any is a live (non-zombie) process
	local p s
	for p in "$@"; do
		s=$(ps -o stat= -p "$p" 2>/dev/null) || continue
		case $s in Z*) ;; *) return 0 ;; esac
	done
	return 1
}
gone() { ! alive "$@"; }
stopped() { case $(ps -o stat= -p "$1") in T*) return 0 ;; *) return 1 ;; esac; }

# A live session: poolmon reads a fifo (fd 3 here), writes JSON to $live.
live_n=0
live_start() { # live_start POOLMON-ARGS...
	live_n=$((live_n + 1))
	live=$TEST_TMPDIR/live$live_n.json
	rm -f "$TEST_TMPDIR/fifo"
	mkfifo "$TEST_TMPDIR/fifo"
	"$poolmon" --batch --json "$@" <"$TEST_TMPDIR/fifo" >"$live" 2>"$TEST_TMPDIR/live$live_n.err" &
	live_pid=$!
	exec 3>"$TEST_TMPDIR/fifo"
	on_exit "kill -9 $live_pid 2>/dev/null"
}
# a write to a poolmon that died fails (EPIPE) instead of killing this script
trap '' PIPE
send() { printf '%s\n' "$*" >&3 2>/dev/null; }
live_stop() { # send quit, close the fifo, wait; prints the exit status
	send quit
	exec 3>&-
	wait "$live_pid"
}
# await SECONDS PYEXPR NAME — pass when PYEXPR becomes true in $live
await() {
	python3 "$TEST_TMPDIR/q.py" --wait "$1" "$live_pid" "$live" "$2"
	case $? in
	0) pass "$3" ;;
	3) fail "$3" "poolmon exited while waiting for: $2" "$(tail -n 5 "$live")" "$(tail -n 5 "${live%.json}.err")" ;;
	*) fail "$3" "timed out waiting for: $2" "$(tail -n 5 "$live")" ;;
	esac
}

