#!/bin/sh
# contrib/freebsd/pkg-plist must list exactly what `make install` installs,
# once mapped to FreeBSD's layout, so the port cannot go stale silently.
# Needs the build tree: top_builddir, top_srcdir, prefix and MAKE come
# from AM_TESTS_ENVIRONMENT (or the caller's environment).
: "${top_builddir:?set top_builddir to the build tree}"
: "${top_srcdir:?set top_srcdir to the source tree}"
: "${prefix:?set prefix to configure's prefix}"
MAKE=${MAKE:-make}
plist=$top_srcdir/contrib/freebsd/pkg-plist

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ekq-plist.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

# The test harness's own variables must not reach this install.
if ! (cd "$top_builddir" && $MAKE install DESTDIR="$tmp/dest" TESTS= >"$tmp/install.log" 2>&1); then
  cat "$tmp/install.log"
  echo "check-plist: make install failed"; exit 1
fi

root=$tmp/dest$prefix
# The port's names are FreeBSD's .so ones; a host that builds no shared
# library under those names (macOS's .dylib, --disable-shared) cannot check.
if [ ! -e "$root/lib/libepollkq.so" ] && [ ! -h "$root/lib/libepollkq.so" ]; then
  echo "check-plist: no lib/libepollkq.so installed here; skipped"; exit 77
fi

# FreeBSD's layout: pathfix moves .pc files to libdata/pkgconfig, USES=libtool
# deletes .la files, and the ports framework gzips man pages.
(cd "$root" && find . \( -type f -o -type l \) | sed 's|^\./||') |
  sed -e 's|^lib/pkgconfig/|libdata/pkgconfig/|' -e '/\.la$/d' \
      -e 's|^\(share/man/man[0-9a-z]*/.*\)$|\1.gz|' | LC_ALL=C sort >"$tmp/installed"
# A line for a port option (%%OPT%%path) counts when this build has the
# configure switch behind OPT: EKQ_PLIST_OPTIONS names the ones it has.
grep -v '^@' "$plist" |
  awk -v on=" ${EKQ_PLIST_OPTIONS:-} " '
    match($0, /^%%[A-Z0-9_]+%%/) {
      if (index(on, " " substr($0, 3, RLENGTH - 4) " ")) print substr($0, RLENGTH + 1)
      next
    }
    { print }' | LC_ALL=C sort >"$tmp/plist"

if ! diff -u "$tmp/plist" "$tmp/installed" >"$tmp/diff"; then
  echo "check-plist: $plist (-) differs from what make install installs (+):"
  cat "$tmp/diff"; exit 1
fi
echo "check-plist: $(wc -l <"$tmp/plist") files, pkg-plist matches"
