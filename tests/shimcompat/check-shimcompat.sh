#!/bin/sh
# --enable-epoll-shim-compat: a project written for epoll-shim builds
# against epollkq unchanged.  epollkq is installed into a scratch
# directory (make install DESTDIR=), pkg-config is pointed at it alone,
# and tests/shimcompat/ (a meson project that asks for
# dependency('epoll-shim') and nothing else) is set up, compiled and
# tested; then the same program is built with plain cc and
# `pkg-config --cflags --libs epoll-shim`, and with epoll-shim-interpose.
# Every build must call epollkq's ekq_epoll_* and none of libc's epoll_*:
# a wrong include directory in a .pc file would give the host's
# <sys/epoll.h> and its plain names, a wrong library flag a link error.
# Needs the build tree: top_builddir, top_srcdir, prefix, MAKE, CC and
# EKQ_PKGCONFIGDIR come from AM_TESTS_ENVIRONMENT (or the caller's
# environment); MESON and NINJA are configure's.
: "${top_builddir:?set top_builddir to the build tree}"
: "${top_srcdir:?set top_srcdir to the source tree}"
: "${prefix:?set prefix to configure's prefix}"
: "${EKQ_PKGCONFIGDIR:?set EKQ_PKGCONFIGDIR to the installed pkgconfig directory}"
MAKE=${MAKE:-make}
MESON=${MESON:-meson}
NM=${NM:-nm}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
project=$(cd "$top_srcdir/tests/shimcompat" && pwd) || exit 99
fail=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ekq-shimcompat.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

say() { echo "check-shimcompat: $*"; }
bad() { say "FAIL: $*"; fail=1; }

# The test harness's own variables must not reach this install.
dest=$tmp/dest
if ! (cd "$top_builddir" && $MAKE install DESTDIR="$dest" TESTS= >"$tmp/install.log" 2>&1); then
	cat "$tmp/install.log"
	say "make install failed"; exit 1
fi

# Only the scratch installation: PKG_CONFIG_LIBDIR replaces the default
# search path, so an epoll-shim or epollkq on this system cannot answer;
# the sysroot maps the installed prefix into the scratch directory.
PKG_CONFIG_LIBDIR=$dest$EKQ_PKGCONFIGDIR
PKG_CONFIG_SYSROOT_DIR=$dest
export PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
unset PKG_CONFIG_PATH
for pc in epoll-shim epoll-shim-interpose; do
	[ -f "$PKG_CONFIG_LIBDIR/$pc.pc" ] || bad "$pc.pc is not installed in $EKQ_PKGCONFIGDIR"
done
flags=$($PKG_CONFIG --cflags --libs epoll-shim) || { say "pkg-config epoll-shim failed"; exit 1; }
say "pkg-config --cflags --libs epoll-shim: $flags"

# The installed library, for running what is built, and whether it is a
# shared one (a static-only build has no undefined ekq_* to see).
libdir=
shared=no
for f in $flags; do
	case $f in -L*) libdir=${f#-L} ;; esac
done
case $libdir in
"$dest"/*) ;;
"") bad "epoll-shim's flags name no library directory" ;;
*) bad "epoll-shim's library directory $libdir is not the installed epollkq's" ;;
esac
for f in "$libdir"/libepollkq.so "$libdir"/libepollkq.dylib; do
	[ -e "$f" ] && shared=yes
done
LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
DYLD_LIBRARY_PATH=$libdir${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}
export LD_LIBRARY_PATH DYLD_LIBRARY_PATH

# Symbol names as the C source spells them: macOS prefixes an underscore,
# glibc's nm may add a version after @.
names() { $NM "$@" 2>/dev/null | awk '{ print $NF }' | sed -e 's/^_//' -e 's/@.*//'; }

# calls_epollkq WHAT OBJECT EXECUTABLE
calls_epollkq() {
	und=$(names -u "$2")
	for fn in epoll_create1 epoll_ctl epoll_wait; do
		printf '%s\n' "$und" | grep -qx "ekq_$fn" || bad "$1: $(basename "$2") does not call ekq_$fn"
	done
	if printf '%s\n' "$und" | grep -q '^epoll_'; then
		bad "$1: $(basename "$2") calls libc's $(printf '%s\n' "$und" | grep '^epoll_' | tr '\n' ' ')"
	fi
	if [ "$shared" = yes ]; then
		und=$(names -u "$3")
	else
		und=$($NM "$3" 2>/dev/null | awk '$2 == "T" { print $NF }' | sed -e 's/^_//')
	fi
	for fn in epoll_create1 epoll_ctl epoll_wait; do
		printf '%s\n' "$und" | grep -qx "ekq_$fn" || bad "$1: $(basename "$3") is not linked to epollkq's ekq_$fn"
	done
	if printf '%s\n' "$und" | grep -q '^epoll_'; then
		bad "$1: $(basename "$3") reaches libc's $(printf '%s\n' "$und" | grep '^epoll_' | tr '\n' ' ')"
	fi
	[ "$fail" -eq 0 ] && say "$1: calls ekq_epoll_create1, ekq_epoll_ctl, ekq_epoll_wait; no epoll_*"
}

# 1. meson: setup, compile, test.  CC, CFLAGS and LDFLAGS are the build's
# (a sanitizer build's library needs its runtime in the program too).
build=$tmp/meson
if CFLAGS="${EKQ_SAN_CFLAGS:-}" LDFLAGS="${EKQ_SAN_CFLAGS:-}" CC="$CC" \
       $MESON setup "$build" "$project" >"$tmp/setup.log" 2>&1; then
	say "meson setup: dependency('epoll-shim') found"
	if $MESON compile -C "$build" >"$tmp/compile.log" 2>&1; then
		# The project's one test must have run and passed.
		if $MESON test -C "$build" --print-errorlogs >"$tmp/test.log" 2>&1 &&
		   grep -q '^Ok: *1 *$' "$tmp/test.log"; then
			say "meson test: pipe-ready passed"
		else
			cat "$tmp/test.log"; bad "meson test"
		fi
		obj=$(find "$build" -name 'pipe-ready.c.o' | head -n 1)
		calls_epollkq meson "${obj:-$build/missing.o}" "$build/pipe-ready"
	else
		cat "$tmp/compile.log"; bad "meson compile"
	fi
else
	cat "$tmp/setup.log" "$build/meson-logs/meson-log.txt" 2>/dev/null | tail -n 40
	bad "meson setup"
fi

# 2. Plain cc with each name's flags, compiled and linked apart so that
# the object can be checked as well.
for pc in epoll-shim epoll-shim-interpose; do
	out=$tmp/cc-$pc
	mkdir -p "$out"
	if ! cflags=$($PKG_CONFIG --cflags "$pc") || ! libs=$($PKG_CONFIG --libs "$pc"); then
		bad "pkg-config $pc"; continue
	fi
	# shellcheck disable=SC2086 # the flags are words
	if $CC ${EKQ_SAN_CFLAGS:-} $cflags -c -o "$out/pipe-ready.o" "$project/pipe-ready.c" &&
	   $CC ${EKQ_SAN_CFLAGS:-} -o "$out/pipe-ready" "$out/pipe-ready.o" $libs; then
		if "$out/pipe-ready"; then
			say "cc with pkg-config $pc: built, ran"
		else
			bad "cc with pkg-config $pc: pipe-ready failed"
		fi
		calls_epollkq "cc $pc" "$out/pipe-ready.o" "$out/pipe-ready"
	else
		bad "cc with pkg-config $pc: build failed"
	fi
done

[ "$fail" -eq 0 ] && say "meson and cc builds against epoll-shim's names reach epollkq"
exit $fail
