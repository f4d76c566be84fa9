#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# install.sh — issue 16: `make install` puts the program, the plugins, the
# man page (with this configuration's directories), the SDK, README.md, the
# plugin guide, every file of examples/ and the bash completion in place, and
# `make uninstall` then leaves nothing: no file, no empty directory.
# Into a DESTDIR under $TEST_TMPDIR, so the build tree and the prefix are
# untouched.
. "${srcdir:-.}/tests/lib.sh"

submake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES make "$@"; }
# var NAME: the value of a directory variable of this build's Makefile
var() { submake -s -C "$builddir" -f Makefile -f - pm-print-var VAR="$1" <<<'pm-print-var: ; @echo $($(VAR))'; }

root=$TEST_TMPDIR/root
ok "make install DESTDIR=…" submake -s -C "$builddir" install DESTDIR="$root"

bindir=$(var bindir) pkglibdir=$(var pkglibdir) docdir=$(var docdir)
man1dir=$(var man1dir) includedir=$(var includedir) pkgconfigdir=$(var pkgconfigdir)
completiondir=$(var bashcompletiondir)
ok "bindir is absolute ($bindir)" test "${bindir#/}" != "$bindir"

for f in "$bindir/poolmon" "$pkglibdir/plugins/demo.so" "$man1dir/poolmon.1" \
	"$includedir/poolmon/plugin.h" "$pkgconfigdir/poolmon-plugin.pc" \
	"$docdir/README.md" "$docdir/plugins.md" "$completiondir/poolmon"; do
	ok "installed: $f" test -f "$root$f"
done
ok "the completion is the tree's completion/poolmon" cmp "$root$completiondir/poolmon" "$srcdir/completion/poolmon"
n=0
for f in $(cd "$srcdir" && find examples -type f | LC_ALL=C sort); do
	ok "installed: $docdir/$f" cmp "$root$docdir/$f" "$srcdir/$f"
	n=$((n + 1))
done
ok "… $n files of examples/" test "$n" -ge 10
is "$(sed -n 's/^\.ds pm_pkglibdir //p' "$root$man1dir/poolmon.1" | sed 's/\\-/-/g')" "$pkglibdir" \
	"the installed man page names this configuration's pkglibdir"
is "$(sed -n 's/^\.ds pm_completiondir //p' "$root$man1dir/poolmon.1" | sed 's/\\-/-/g')" "$completiondir" \
	"… and its completion directory"

ok "make uninstall DESTDIR=…" submake -s -C "$builddir" uninstall DESTDIR="$root"
left=$(cd "$root" && find . -mindepth 1 | LC_ALL=C sort)
is "$left" "" "make uninstall leaves nothing under DESTDIR (no file, no empty directory)"
ok "… DESTDIR itself stays" test -d "$root"

# A directory that holds something else stays, with that thing.
ok "make install again" submake -s -C "$builddir" install DESTDIR="$root"
: >"$root$docdir/examples/mine"
ok "make uninstall with a foreign file in docdir/examples" submake -s -C "$builddir" uninstall DESTDIR="$root"
is "$(cd "$root" && find . -type f)" "./${docdir#/}/examples/mine" "only the foreign file is left"
done_testing
