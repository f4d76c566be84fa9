#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# deb.sh — issue 16: debian/ builds the packages poolmon and poolmon-dev with
# `dpkg-buildpackage -us -uc -b`, from the tree `make dist` ships (copied
# with `make distdir` into $TEST_TMPDIR: the source tree is not written to,
# as distcheck needs), each package holds what it should, the installed man
# page names the directories the package uses, and lintian reports no error
# and no warning.
#
# The build here has DEB_BUILD_OPTIONS=nocheck: dh_auto_test would run this
# whole test suite again inside the test.  The real build (without nocheck)
# runs `make check` in dh_auto_test, where this test skips itself
# (debian/rules sets POOLMON_PACKAGE_BUILD).  It takes ~30 s (most of it
# autoreconf, configure and make of the copy; lintian ~5 s).
. "${srcdir:-.}/tests/lib.sh"

[ -z "${POOLMON_PACKAGE_BUILD-}" ] ||
	skip_all "inside a package build (debian/rules): no package build in it"
for tool in dpkg-buildpackage dpkg-checkbuilddeps dpkg-deb dh lintian pkg-config; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip_all "$tool not installed (Debian: apt-get install dpkg-dev debhelper lintian pkg-config; ./quickstart installs them)"
done
# The package does not use this build: an ASan/UBSan build would only build
# the same package again.
if ldd "$poolmon" 2>/dev/null | grep -q 'libasan'; then
	skip_all "a sanitizer build: the package is built by the normal build's make check"
fi

# Sub-makes must not see the jobserver or the variables of `make check`.
clean_env() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		-u POOLMON -u POOLMON_PLUGIN_PATH -u srcdir -u builddir -u top_srcdir -u top_builddir \
		-u CFLAGS -u CPPFLAGS -u LDFLAGS "$@"
}

# Unmet build dependencies skip; any other complaint is a failure, below.
if ! deps=$(dpkg-checkbuilddeps -Pnocheck "$srcdir/debian/control" 2>&1); then
	case $deps in
	*"Unmet build dependencies: "*)
		skip_all "build dependencies missing: ${deps##*dependencies: }" ;;
	esac
fi

version=$(sed -n 's/^PACKAGE_VERSION = //p' "$builddir/Makefile")
tree=$TEST_TMPDIR/poolmon-$version
is "$deps" "" "dpkg-checkbuilddeps -Pnocheck: debian/control is sound, nothing missing"
ok "make distdir (the tarball's tree, in \$TEST_TMPDIR)" \
	clean_env make -s -C "$builddir" distdir distdir="$tree"
[ -f "$tree/debian/control" ] || bail_out "debian/ is not in the distributed tree"
chmod -R u+w "$tree" # distcheck's files are read-only; the build rewrites configure

start=$(date +%s)
(cd "$tree" && clean_env DEB_BUILD_OPTIONS="nocheck parallel=2" DEB_BUILD_PROFILES=nocheck \
	dpkg-buildpackage -us -uc -b) >"$TEST_TMPDIR/build.log" 2>&1
rc=$?
is "$rc" 0 "dpkg-buildpackage -us -uc -b (nocheck) succeeds"
[ "$rc" -eq 0 ] || { tail -n 40 "$TEST_TMPDIR/build.log" | while IFS= read -r l; do diag "$l"; done; done_testing; }
diag "dpkg-buildpackage took $(($(date +%s) - start)) s"

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
deb=$TEST_TMPDIR/poolmon_${version}_$arch.deb
dev=$TEST_TMPDIR/poolmon-dev_${version}_$arch.deb
changes=$TEST_TMPDIR/poolmon_${version}_$arch.changes
ok "poolmon_${version}_$arch.deb built" test -f "$deb"
ok "poolmon-dev_${version}_$arch.deb built" test -f "$dev"

# contents PKG: its files and symlinks, one path a line, without the "./"
contents() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' | LC_ALL=C sort; }
got=$(contents "$deb")
got_dev=$(contents "$dev")

# has LIST PATH NAME / hasnt LIST PATH NAME
has() { if printf '%s\n' "$1" | grep -qxF -- "$2"; then pass "$3"; else fail "$3" "$2 not in:" "$1"; fi; }
hasnt() { if printf '%s\n' "$1" | grep -qxF -- "$2"; then fail "$3" "$2 is there"; else pass "$3"; fi; }

doc=usr/share/doc/poolmon
plugins=usr/lib/$multiarch/poolmon/plugins
completion=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
completion=${completion:-/usr/share/bash-completion/completions}
completion=${completion#/}/poolmon

has "$got" usr/bin/poolmon "poolmon: usr/bin/poolmon"
for so in "$builddir"/plugins/*.so; do
	has "$got" "$plugins/${so##*/}" "poolmon: the bundled plugin ${so##*/} in $plugins"
done
is "$(printf '%s\n' "$got" | grep -c '\.so$')" "$(ls "$builddir"/plugins/*.so | wc -l)" \
	"poolmon: no other .so (the tests' plugins are not installed)"
has "$got" usr/share/man/man1/poolmon.1.gz "poolmon: the man page"
has "$got" "$completion" "poolmon: the bash completion where pkg-config bash-completion says"
has "$got" "$doc/README.md" "poolmon: README.md"
has "$got" "$doc/copyright" "poolmon: the copyright file"
n=0
for f in $(cd "$srcdir" && find examples -type f ! -path 'examples/plugin/*' | LC_ALL=C sort); do
	has "$got" "$doc/$f" "poolmon: $doc/$f"
	n=$((n + 1))
done
ok "… that is $n examples (the tree's examples/ but examples/plugin/)" test "$n" -ge 10
for f in usr/include/poolmon/plugin.h usr/lib/"$multiarch"/pkgconfig/poolmon-plugin.pc; do
	has "$got_dev" "$f" "poolmon-dev: $f"
	hasnt "$got" "$f" "poolmon: not $f"
done
has "$got_dev" "$doc/plugins.md" "poolmon-dev: the plugin guide $doc/plugins.md"
hasnt "$got" "$doc/plugins.md" "poolmon: not the plugin guide"
for f in $(cd "$srcdir" && find examples/plugin -type f | LC_ALL=C sort); do
	has "$got_dev" "$doc/$f" "poolmon-dev: $doc/$f"
	hasnt "$got" "$doc/$f" "poolmon: not $doc/$f"
done
# poolmon-dev's doc directory is poolmon's (its copyright, where the page says the guide is)
like "$(dpkg-deb -c "$dev" | grep ' \./usr/share/doc/poolmon-dev ')" '-> poolmon$' \
	"poolmon-dev: usr/share/doc/poolmon-dev is a symlink to poolmon"

# --- the man page names the directories the packages use -------------------
root=$TEST_TMPDIR/root
ok "dpkg-deb -x both packages" sh -c "dpkg-deb -x '$deb' '$root' && dpkg-deb -x '$dev' '$root'"
page=$(gzip -dc "$root/usr/share/man/man1/poolmon.1.gz")
is "$(printf '%s\n' "$page" | grep -F /usr/local)" "" "the installed man page does not name /usr/local"
# ds NAME: the value of `.ds NAME` in the page, roff's \- back to -
ds() { printf '%s\n' "$page" | sed -n "s/^\\.ds $1 //p" | sed 's/\\-/-/g'; }
is "$(ds pm_pkglibdir)" "/usr/lib/$multiarch/poolmon" "man page: pkglibdir is /usr/lib/$multiarch/poolmon"
for f in "$(ds pm_pkglibdir)/plugins/demo.so" "$(ds pm_includedir)/poolmon/plugin.h" \
	"$(ds pm_docdir)/plugins.md" "$(ds pm_docdir)/examples/plugin/hello.c" \
	"$(ds pm_completiondir)/poolmon"; do
	ok "man page FILES: $f is in a package" test -f "$root$f"
done
if command -v man >/dev/null 2>&1; then
	files=$(MANWIDTH=100 man -l "$root/usr/share/man/man1/poolmon.1.gz" 2>/dev/null |
		sed -n '/^FILES/,/^[A-Z]/p')
	like "$files" "^ +/usr/lib/$multiarch/poolmon/plugins/\$" "man page FILES, as man shows it, names the plugin dir"
else
	skip "man is not installed"
fi

# --- lintian -------------------------------------------------------------------
# (lintian warns on stderr that it runs as root: not a tag)
lint=$(lintian --fail-on error,warning "$changes" 2>&1)
lrc=$?
lint=$(printf '%s\n' "$lint" | grep -v '^running with root privileges is not recommended!$')
diag "lintian: ${lint:-(nothing)}"
is "$lrc" 0 "lintian --fail-on error,warning exits 0"
unlike "$lint" '^[EW]: ' "lintian: no E: or W: line on the .changes and the .debs"

done_testing
