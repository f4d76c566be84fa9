#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A seeded, grammar-aware fuzz of the command language over every command
# of the table (tests/fuzz_cmds.py has the generator and the oracle).  It
# drives the real binary, `poolmon --batch --json`, through stdin: under
# `make check` for about 45 s with seed 1; FUZZ_SECONDS=N runs longer,
# FUZZ_SEED=S another seed, FUZZ_SESSION=K one session of it (a replay).
# A failing session's stdin is saved under $TEST_TMPDIR and copied to
# fuzz-cmds-SEED-K.txt in the build directory, and shown as a diagnostic.
. "${srcdir:-.}/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

export FUZZ_KEEP="$TEST_TMPDIR"
while IFS= read -r line; do
	case $line in
	PASS$'\t'*) pass "${line#PASS$'\t'}" ;;
	FAIL$'\t'*) fail "${line#FAIL$'\t'}" ;;
	'rc 0') pass "the fuzzer ran to its end" ;;
	'rc '*) fail "the fuzzer ran to its end" "python3 exited with status ${line#rc }" ;;
	'#'*) printf '%s\n' "$line" ;;
	*) diag "$line" ;;
	esac
done < <(python3 "$srcdir/tests/fuzz_cmds.py" 2>&1; echo "rc $?")
# (the last line, "rc N", is python's status: a traceback must not pass)
for f in "$TEST_TMPDIR"/fuzz-cmds-*.txt; do
	[ -e "$f" ] && cp "$f" "$builddir/" && diag "kept $builddir/${f##*/}"
done
done_testing
