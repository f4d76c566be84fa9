#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# sdk.sh — issue 5: `make install` puts the plugin ABI header and
# poolmon-plugin.pc in place, and a plugin from examples/plugin/ builds
# outside the tree against the *installed* header, loads and runs.
#
# Installs into a DESTDIR under $TEST_TMPDIR (only the SDK's two install
# targets), so the build tree and distcheck's install prefix are untouched.
. "${srcdir:-.}/tests/lib.sh"

command -v pkg-config >/dev/null || skip_all "pkg-config not installed"
command -v "${CC:-cc}" >/dev/null || skip_all "no C compiler (${CC:-cc})"

# Sub-makes must not see the jobserver or the variables of `make check`.
submake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES make "$@"; }

root=$TEST_TMPDIR/root
ok "make install-poolmonincludeHEADERS install-pkgconfigDATA DESTDIR=…" \
	submake -s -C "$builddir" install-poolmonincludeHEADERS install-pkgconfigDATA DESTDIR="$root"

# Wherever --libdir put it: $prefix/lib, or a multiarch /usr/lib/<triplet>.
pc=$(find "$root" -name poolmon-plugin.pc -path '*/pkgconfig/*')
header=$(find "$root" -name plugin.h -path '*/include/poolmon/*')
is "$(printf '%s\n' "$pc" | grep -c .)" 1 "one pkgconfig/poolmon-plugin.pc installed"
is "$(printf '%s\n' "$header" | grep -c .)" 1 "one include/poolmon/plugin.h installed"
ok "the installed header is the tree's include/poolmon/plugin.h" \
	cmp "$header" "$srcdir/include/poolmon/plugin.h"

export PKG_CONFIG_PATH=${pc%/*}
export PKG_CONFIG_SYSROOT_DIR=$root
unset PKG_CONFIG_LIBDIR
version=$("$poolmon" --version | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)
is "$(pkg-config --modversion poolmon-plugin)" "$version" "pkg-config --modversion is poolmon's version"
cflags=$(pkg-config --cflags poolmon-plugin)
cflags=${cflags%% }
is "$cflags" "-I${header%/poolmon/plugin.h}" "pkg-config --cflags points at the installed include dir"
is "$(pkg-config --libs poolmon-plugin | tr -d ' ')" "" "pkg-config --libs is empty (plugins link against nothing)"
plugindir=$(pkg-config --variable=plugindir poolmon-plugin)
# ... the one the binary looks in, which its --help names.
plugindir=${plugindir#"$root"}
like "$plugindir" '^/.*/poolmon/plugins$' "pkg-config --variable=plugindir names the installed plugin dir"
help=$("$poolmon" --help | tr '\n' ' ')
ok "... the one poolmon --help names ($plugindir)" \
	test "${help/ $plugindir/}" != "$help"

# --- build the example out of tree, with its Makefile ---------------------
work=$TEST_TMPDIR/hello
mkdir -p "$work"
ok "examples/plugin: make (against the installed SDK)" \
	submake -s -C "$work" -f "$srcdir/examples/plugin/Makefile" srcdir="$srcdir/examples/plugin" \
	CFLAGS="-O2 -Wall -Wextra -Werror -std=c99 -pedantic"
ok "hello.so was built" test -f "$work/hello.so"
# The header it compiled against is the installed one, not the tree's.
deps=$("${CC:-cc}" -M $cflags "$srcdir/examples/plugin/hello.c")
like "$deps" "$root[^ ]*/poolmon/plugin\\.h" "hello.c compiles against the installed header"
unlike "$deps" "$srcdir/include/poolmon/plugin\\.h" "… and not against the source tree's"

# --- load it and run its tasks ----------------------------------------------
chmod 755 "$work"
out=$("$poolmon" --batch -w 2 -x "load $work/hello.so; plugins; tasks; apply hello world; apply countdown 5; apply hello \"\"" \
	2>"$TEST_TMPDIR/err")
like "$out" "^loaded hello from $(realpath "$work/hello.so")\$" "load prints it"
like "$out" '^hello 1\.0  the plugin guide.s example  \(' "plugins lists it"
like "$out" '^hello\.hello\(name:str\) -> str  greet someone$' "tasks lists hello.hello with signature and help"
like "$out" '^hello\.countdown\(n:int\) -> int  ' "tasks lists hello.countdown"
like "$out" "^'hello, world'\$" "apply hello world returns 'hello, world'"
like "$out" '^5$' "apply countdown 5 returns 5"
like "$out" '^t3 failed: name is empty$' "apply hello \"\" fails with its message"
is "$(cat "$TEST_TMPDIR/err")" "" "nothing on stderr"
out=$("$poolmon" --batch --json -w 1 -x "load $work/hello.so; apply countdown 3" 2>/dev/null)
like "$out" '"event":"log","id":"t1","worker":"w1","message":"t1 counts down from 3 on w1"' \
	"ctx->log reaches the JSON log event"

done_testing
