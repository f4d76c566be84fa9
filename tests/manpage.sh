#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# manpage.sh — issue 16 item 5: the man page is complete.  What the program
# has, read from the program (or its source), must each have an entry in
# the page as groff renders it: every option --help shows (OPTIONS), every
# command `help` lists (COMMANDS), every key of ui/keys.c's key table
# (KEYS), every JSON event kind the code emits and every field the events
# of a run carry (JSON OUTPUT), every variable the code reads with getenv
# (ENVIRONMENT), the history file (FILES), every exit code --help gives
# (EXIT STATUS).
. "${srcdir:-.}/tests/lib.sh"
command -v groff >/dev/null 2>&1 || skip_all "groff is not installed"

page=$TEST_TMPDIR/page.txt
# one line per paragraph (wide, no hyphenation), no overstrike
groff -man -Tascii -P-cbou -rLL=2000n -rHY=0 "$srcdir/man/poolmon.1" >"$page" 2>"$TEST_TMPDIR/groff.err"
is "$(cat "$TEST_TMPDIR/groff.err")" "" "groff renders the page without a warning"

# section NAME — the rendered lines of section NAME
section() { awk -v s="$1" '/^[^ ]/ { on = ($0 == s); next } on' "$page"; }
# tagged SECTION WORD... — the WORDs that have no entry in SECTION (an
# entry: a line of the tag's indent, 7 blanks, starting with the word
# followed by a blank or the end of the line); prints them, one a line.
tagged() {
	local sec=$1
	shift
	section "$sec" | python3 -c '
import sys
lines = [l.rstrip("\n") for l in sys.stdin]
tags = [l[7:] for l in lines if l.startswith(" " * 7) and not l.startswith(" " * 8)]
for w in sys.argv[1:]:
    w = " ".join(w.replace("\\\\", "\\").split())  # a C string'"'"'s \\ is one
    if not any(t == w or t.startswith(w + " ") for t in (" ".join(t.split()) for t in tags)):
        print(w)' "$@"
}

# --- options ------------------------------------------------------------------
mapfile -t opts < <("$poolmon" --help | grep -E '^ +-' | sed -E 's/^ +//; s/  .*//' |
	grep -oE -- '(^|[ ,])--?[a-zA-Z][a-z-]*' | tr -d ' ,' | LC_ALL=C sort -u)
ok "--help shows options (${#opts[@]})" test "${#opts[@]}" -ge 20
# an option's entry: a tag line of OPTIONS with it as a word
missing=$(section OPTIONS | python3 -c '
import re, sys
tags = [l[7:] for l in sys.stdin if l.startswith(" " * 7) and not l.startswith(" " * 8)]
for o in sys.argv[1:]:
    if not any(re.search(r"(^|[ ,])" + re.escape(o) + r"([ ,]|$)", t.rstrip()) for t in tags):
        print(o)' "${opts[@]}")
is "$missing" "" "every option --help shows has an entry in OPTIONS"
synopsis=$(section SYNOPSIS)
for o in --maxtasks --keep -s -x -e -j -b; do
	like "$synopsis" "\\[$o( |\\])" "SYNOPSIS shows $o"
done

# --- commands -----------------------------------------------------------------
mapfile -t cmds < <("$poolmon" --no-demo -x help </dev/null | awk '$1 ~ /^[a-z]+$/ && NF > 1 { print $1 }')
ok "help lists commands (${#cmds[@]})" test "${#cmds[@]}" -ge 35
is "$(tagged COMMANDS "${cmds[@]}")" "" "every command of the table has an entry in COMMANDS"

# --- keys ---------------------------------------------------------------------
mapfile -t keys < <(grep -oE '\.keys = "[^"]*"' "$srcdir/ui/keys.c" | sed -E 's/^\.keys = "//; s/"$//')
ok "the key table has keys (${#keys[@]})" test "${#keys[@]}" -ge 15
is "$(tagged KEYS "${keys[@]}")" "" "every key of the key table has an entry in KEYS"

# --- JSON events --------------------------------------------------------------
# the kinds in the source: literal "event":"KIND" and the lists' names
mapfile -t kinds < <({ grep -rhoE '\\"event\\":\\"[a-z_]+' "$srcdir/src" "$srcdir/ui" | sed -E 's/.*:\\"//'
	grep -rhoE 'pm_cli_list_begin\(c, &b, "[a-z_]+"' "$srcdir/src" | sed -E 's/.*"([a-z_]+)"$/\1/'; } |
	LC_ALL=C sort -u)
ok "the source emits event kinds (${#kinds[@]})" test "${#kinds[@]}" -ge 15
is "$(tagged 'JSON OUTPUT' "${kinds[@]}")" "" \
	"every event kind of the source has an entry in JSON OUTPUT"
# a run that emits most kinds: each is one the source grep found, and
# each of its fields (and of the objects in it) is named in JSON OUTPUT
"$poolmon" --json -w 1 -x 'submit square 2; join; map square 1..3; imap square 1,2;
	apply fail x; apply crash; spawn job_timed 10; join; show t1; workers; tasks;
	plugins; load shared; value v i 1; array a i 3; queue q; put q 1; get q; lock l;
	semaphore s 2; barrier b 2; event ev; pipe pp; show v; show a; show q; show l; show s;
	show b; show ev; show pp; status;
	echo hi; frobnicate; help quit' </dev/null >"$TEST_TMPDIR/run.json" 2>&1
section 'JSON OUTPUT' >"$TEST_TMPDIR/json.txt"
out=$(python3 - "$TEST_TMPDIR/run.json" "$TEST_TMPDIR/json.txt" "${kinds[@]}" <<'PY'
import json, re, sys
events = [json.loads(l) for l in open(sys.argv[1])]
text = open(sys.argv[2]).read()
kinds = set(sys.argv[3:])
seen, bad = set(), []
def fields(v, out):
    if isinstance(v, dict):
        for k, x in v.items():
            out.add(k); fields(x, out)
    elif isinstance(v, list):
        for x in v: fields(x, out)
names = set()
for e in events:
    seen.add(e["event"])
    fields(e, names)
for k in sorted(seen - kinds):
    bad.append("kind %s is emitted but the source grep missed it" % k)
for n in sorted(names):
    if not re.search(r"(^|[^a-z_])" + re.escape(n) + r"([^a-z_]|$)", text):
        bad.append("field %s is not in JSON OUTPUT" % n)
print("seen %d kinds, %d fields" % (len(seen), len(names)))
print("\n".join(bad))
PY
)
like "$out" '^seen (1[3-9]|2[0-9]) kinds' "the run emits at least 13 kinds ($(echo "$out" | head -n1))"
is "$(echo "$out" | tail -n +2)" "" "every kind of the run is in the source list; every field is in JSON OUTPUT"

# --- environment, files, exit status ------------------------------------------
mapfile -t envs < <(grep -rhoE 'getenv\("[A-Z_]+"\)' "$srcdir/src" "$srcdir/ui" | sed -E 's/getenv\("//; s/"\)//' | LC_ALL=C sort -u)
ok "the code reads variables (${#envs[@]})" test "${#envs[@]}" -ge 5
is "$(tagged ENVIRONMENT "${envs[@]}" INPUTRC)" "" "every variable read (and readline's INPUTRC) has an entry in ENVIRONMENT"
like "$(section ENVIRONMENT | tr -s ' \n' '  ')" " POOLMON_PLUGIN_PATH A :-separated list of directories" \
	"POOLMON_PLUGIN_PATH is a ':' list"
like "$(section FILES)" '^       \$XDG_STATE_HOME/poolmon/history$' "FILES has the history file"
mapfile -t codes < <("$poolmon" --help | sed -nE 's/^  ([0-9]+(\+N)?) +.*/\1/p')
is "${codes[*]}" "0 1 2 3 4 128+N" "--help gives the exit codes"
is "$(tagged 'EXIT STATUS' "${codes[@]}")" "" "every exit code --help gives has an entry in EXIT STATUS"
like "$(section 'EXIT STATUS')" 'When several apply, 128\+N wins, then 4, then 1, then 3\.' \
	"EXIT STATUS says which code wins, as --help does"

done_testing
