#!/bin/sh
# include/sys/epoll.h, eventfd.h, timerfd.h and signalfd.h compile warning-free as C89, C99, C11 and C++, and on
# a Linux host its constants and layout are Linux's own.
set -u
top=${top_srcdir:-.}
bld=${top_builddir:-.}
cc=${CC:-cc}
cxx=${CXX:-c++}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ekqhdr.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
warn="-Wall -Wextra -pedantic -Werror"

for std in c89 c99 c11; do
	if $cc -std=$std $warn -I"$top/include" -I"$bld/include" -c "$top/tests/header/use.c" \
	    -o "$tmp/use-$std.o" 2>"$tmp/err"; then
		echo "PASS: header compiles as $std"
	else
		echo "FAIL: header as $std:"; cat "$tmp/err"; fail=1
	fi
done
for std in c++98 c++11 c++17; do
	if $cxx -std=$std $warn -I"$top/include" -I"$bld/include" -c "$top/tests/header/use.cc" \
	    -o "$tmp/use-$std.o" 2>"$tmp/err"; then
		echo "PASS: header compiles as $std"
	else
		echo "FAIL: header as $std:"; cat "$tmp/err"; fail=1
	fi
done

# Layout and values against the host's own header, where there is one.
if printf '#include <sys/epoll.h>\nint main(void){return EPOLLIN;}\n' |
    $cc -x c -c -o "$tmp/probe.o" - 2>/dev/null; then
	$cc -I"$top/include" -I"$bld/include" -o "$tmp/abi-ours" "$top/tests/header/abi.c" &&
	$cc -o "$tmp/abi-host" "$top/tests/header/abi.c" &&
	"$tmp/abi-ours" >"$tmp/ours" && "$tmp/abi-host" >"$tmp/host" || fail=1
	if cmp -s "$tmp/ours" "$tmp/host"; then
		echo "PASS: constants, sizes and offsets match the host's headers"
	else
		echo "FAIL: ABI differs from the host's <sys/epoll.h>:"
		diff "$tmp/host" "$tmp/ours"; fail=1
	fi
fi
exit $fail
