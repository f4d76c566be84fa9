#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# completion.sh — issue 16 item 6: completion/poolmon (bash) offers the
# options --help shows, the file of --script, the directory of --plugin-dir,
# and in -x's CMDS the commands `help` lists and, after apply/map/…, the
# tasks `tasks` lists (plain and plugin.task), those of an earlier `load`
# too.  The completion function is called as bash calls it (COMP_WORDS,
# COMP_CWORD) and COMPREPLY is compared, whole, with what the binary says.
. "${srcdir:-.}/tests/lib.sh"

. "$srcdir/completion/poolmon"
is "$(complete -p poolmon)" "complete -F _poolmon poolmon" "complete -F _poolmon poolmon"

# comp WORD... — COMPREPLY for the command line WORD... (the last word is the
# one being completed), sorted, one a line.  WORD 0 is the build's binary.
comp() {
	COMP_WORDS=("$poolmon" "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_poolmon poolmon "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}
sorted() { LC_ALL=C sort; }

# --- options --------------------------------------------------------------
help_opts=$("$poolmon" --help | grep -E '^ +-' | sed -E 's/^ +//; s/  .*//' |
	grep -oE -- '(^|[ ,])--?[a-zA-Z][a-z-]*' | tr -d ' ,' | LC_ALL=C sort -u)
ok "--help shows options ($(echo $help_opts | wc -w))" test "$(echo $help_opts | wc -w)" -ge 20
is "$(comp - | grep -v '^-$')" "$help_opts" "'poolmon -<Tab>' offers exactly the options --help shows"
is "$(comp --pl)" "--plugin-dir" "'poolmon --pl<Tab>': --plugin-dir"
is "$(comp -w '')" "" "'poolmon -w <Tab>': nothing (a number)"

# --- --script FILE, --plugin-dir DIR ----------------------------------------
mkdir -p "$TEST_TMPDIR/here/sdir" && : >"$TEST_TMPDIR/here/s.pm"
cd "$TEST_TMPDIR/here" || bail_out "cd"
is "$(comp --script s)" "$(printf '%s\n' s.pm sdir)" "'--script s<Tab>': the files"
is "$(comp -P s)" "sdir" "'-P s<Tab>': the directories only"
is "$(comp --plugin-dir = s)" "sdir" "'--plugin-dir=s<Tab>' (split at '=' as bash does): the directories"
cd - >/dev/null || bail_out "cd"

# --- -x CMDS ----------------------------------------------------------------
commands=$("$poolmon" --no-demo -x help | awk '$1 ~ /^[a-z_]+$/ && NF > 1 { print $1 }' | sorted)
ok "help lists commands ($(echo $commands | wc -w))" test "$(echo $commands | wc -w)" -ge 20
is "$(comp -x '')" "$commands" "'-x <Tab>': exactly the commands help lists"
is "$(comp --exec "'")" "$commands" "\"--exec '<Tab>\": the commands (quote open)"
is "$(comp -x "'ap")" "apply" "\"-x 'ap<Tab>\": apply"
is "$(comp -x "'help ap")" "help apply" "\"-x 'help ap<Tab>\": help apply"

tasks=$("$poolmon" -w 1 -x tasks | sed -n 's/^\([a-z_0-9]*\)\.\([a-z_0-9]*\)(.*/\1.\2/p')
ok "tasks lists the demo's ($(echo $tasks | wc -w))" test "$(echo $tasks | wc -w)" -ge 10
want=$(for t in $tasks; do echo "apply $t"; echo "apply ${t#*.}"; done | sorted)
is "$(comp -x "'apply ")" "$want" "\"-x 'apply <Tab>\": every task, plain and plugin.task"
is "$(comp -x "'apply sq")" "apply square" "\"-x 'apply sq<Tab>\": apply square"
is "$(comp -x '"echo 1; map cu')" "echo 1; map cube" "'-x \"echo 1; map cu<Tab>': after ';', map cube"
is "$(comp -x "'spawn name=a daemon=1 squ")" "spawn name=a daemon=1 square" \
	"spawn: the task after its name=/daemon= words"
is "$(comp -x "'apply square ")" "" "no task for apply's arguments"
is "$(comp -x "'status s")" "" "no task after a command without one"
is "$(comp --no-demo -x "'apply ")" "" "--no-demo on the line: no tasks"
is "$(comp --no-demo -x "'load demo; apply sq")" "load demo; apply square" \
	"--no-demo, then 'load demo' in CMDS: its tasks"
is "$(comp --no-demo -P "$builddir/plugins" -x "'load shared; apply ")" \
	"$(POOLMON_PLUGIN_PATH= "$poolmon" -w 1 --no-demo -P "$builddir/plugins" -x 'load shared; tasks' |
		sed -n 's/^\([a-z_0-9]*\)\.\([a-z_0-9]*\)(.*/\1.\2\n\2/p' | sed 's/^/load shared; apply /' | sorted)" \
	"-P DIR on the line and 'load shared': the shared plugin's tasks"
done_testing
