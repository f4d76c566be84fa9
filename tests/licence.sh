#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# licence.sh — the licence is in the tree (LICENSE, COPYING: GPL-3.0-or-later)
# and every source file says so in an SPDX line near its top.
. "${srcdir:-.}/tests/lib.sh"

ok "LICENSE names GPL-3.0-or-later" grep -q 'GPL-3.0-or-later' "$srcdir/LICENSE"
ok "COPYING is the GNU GPL version 3" grep -q 'GNU GENERAL PUBLIC LICENSE' "$srcdir/COPYING"
missing=$(cd "$srcdir" && find src ui include plugins tests bench examples completion \
	\( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.py' -o -name '*.poolmon' \) \
	-type f -not -path 'examples/seeds/orig/*' 2>/dev/null | sort | while read -r f; do
		head -n 3 "$f" | grep -q 'SPDX-License-Identifier: GPL-3.0-or-later' || echo "$f"
	done)
n=$(cd "$srcdir" && find src ui include plugins tests bench examples \( -name '*.c' -o -name '*.h' \) -type f | wc -l)
ok "more than 50 C sources looked at ($n)" test "$n" -gt 50
is "$missing" "" "every source file has its SPDX line"
# The seeds' own code, quoted for comparison, is not ours to license: each
# file says where it comes from instead, and none claims poolmon's licence.
quoted=$(cd "$srcdir" && for f in examples/seeds/orig/*.py; do
		head -n 2 "$f" | grep -q '^# Seed [0-9]\{3\} ([0-9a-f_]*\.txt)' || echo "$f"
		grep -l 'SPDX-License-Identifier' "$f"
	done)
is "$quoted" "" "each quoted seed file names its seed and claims no licence of ours"
for f in Makefile.am configure.ac quickstart man/poolmon.1; do
	ok "$f has its SPDX line" grep -q 'SPDX-License-Identifier: GPL-3.0-or-later' "$srcdir/$f"
done
done_testing
