#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The docs describe the commands the program has: every command of the one
# command table (as `help` lists it) appears in the README's command table
# and in the man page's COMMANDS section, and `help CMD` works for each.
. "${srcdir:-.}/tests/lib.sh"

cmds=$("$poolmon" --no-demo -x help 2>&1 | awk 'NF && $1 !~ /^Words$/ { print $1 }')
n=$(printf '%s\n' "$cmds" | wc -l)
ok "help lists the commands ($n)" test "$n" -ge 20

readme=$srcdir/README.md
man=$srcdir/man/poolmon.1
# The man page's COMMANDS section only.
mancmds=$(awk '/^\.SH COMMANDS/ { on = 1; next } /^\.SH / { on = 0 } on' "$man")
for c in $cmds; do
	like "$(grep -E "^\| \`$c( |\`)" "$readme" | head -n 1)" "$c" "README command table has '$c'"
	like "$(printf '%s\n' "$mancmds" | grep -E "^\.(B|BI|BR) $c( |$)" | head -n 1)" "$c" "man page COMMANDS has '$c'"
	out=$("$poolmon" --no-demo -x "help $c" 2>&1)
	like "$out" "^$c" "help $c shows its usage"
done
done_testing
