#!/bin/sh
# make coverage: tests/epoll's epollkq build under every platform profile
# (linux-compat and tests/profiles/), and linux-compat's other suites of lib/,
# compiled with gcc --coverage in a copy
# of the distributed tree, then the lines of lib/ that no profile ran.
# Output: _coverage/uncovered.txt, one "lib/FILE.c:LINE: source" a line.
set -e
top=$(pwd)
dir=_coverage
rm -rf "$dir"
${MAKE:-make} distdir distdir="$dir" >/dev/null
cd "$dir"
# A fork() child, where lib/'s fork handlers run, would leave no counts
# of them: gcc turns fork() into __gcov_fork(), which zeroes the child's
# counters after the handlers ran, and the children leave by _exit(), which
# skips gcov's exit handler.  So both are wrapped: fork() keeps the counts
# (a line run by parent and child counts twice, which does not matter
# here), and _exit() writes them first.  lib/ is linked statically, into
# the one libgcov that the wrappers reach.
cat >gcovexit.c <<'END'
#include <unistd.h>
void __gcov_dump(void);
void __real__exit(int);
void __wrap__exit(int status) { __gcov_dump(); __real__exit(status); }
pid_t __wrap___gcov_fork(void) { return fork(); }
END
gcc -c -o gcovexit.o gcovexit.c
./configure --disable-shared CFLAGS='--coverage -O0 -g' \
    LDFLAGS='--coverage -Wl,--wrap=_exit,--wrap=__gcov_fork' \
    LIBS="$(pwd)/gcovexit.o" >configure.out
progs="tests/epoll/epoll-epollkq"
for p in freebsd macos netbsd openbsd dragonfly; do
	progs="$progs tests/profiles/epoll-$p"
done
# The suites that have no profile builds run under linux-compat's: the fd
# types, the threaded stress cases, and the fault sweep (the allocation and
# system-call failure paths no other suite can reach).
progs="$progs tests/fdtypes/fdtypes-epollkq tests/stress/stress-epollkq"
progs="$progs tests/fault/fault-sweep"
# Named targets skip BUILT_SOURCES: the generated header first.
${MAKE:-make} tests/epoll/ep_diffs.h >make.out
${MAKE:-make} -j2 $progs >>make.out
status=0
for t in $progs; do
	CK_DEFAULT_TIMEOUT=60 ./$t >"$t.cov.log" 2>&1 || status=1
	tail -1 "$t.cov.log" | sed "s|^|coverage: $t: |"
done
# gcov each object of lib/ (every libepollkq build); a line counts as run
# if any object ran it.
# gcov runs here, where the recorded source paths (lib/FILE.c) resolve:
# without its source gcov writes a header and no lines, and every line
# would look unreached by nobody.  --stdout keeps the builds' reports of
# one source apart.
rm -rf gcov && mkdir gcov
n=0
for gcda in $(find lib -name '*.gcda'); do
	n=$((n + 1))
	gcov --stdout -o "$(dirname "$gcda")" "$gcda" >"gcov/$n.gcov" \
	    2>>gcov/errors.txt || true
done
if ! grep -Eq '^ *[0-9]+\*?:' gcov/*.gcov; then
	echo "coverage: gcov wrote no line counts (gcov/errors.txt)" >&2
	exit 1
fi
awk -F: '
	FNR == 1 { src = "" }
	$3 ~ /^Source$/ { src = $4; next }
	src == "" || $1 ~ /-/ { next }
	{ gsub(/ /, "", $1); gsub(/ /, "", $2); key = src ":" $2
	  if ($1 ~ /^#####|^=====/) { if (!(key in run)) run[key] = 0 }
	  else { run[key] = 1 }
	  text[key] = $0; sub(/^[^:]*:[^:]*:/, "", text[key]) }
	END { for (k in run) if (!run[k]) print k ":" text[k] }' gcov/*.gcov |
    sed 's|^\(\.\./\)*||' | grep '^lib/' | sort -t: -k1,1 -k2,2n >uncovered.txt
echo "coverage: $(wc -l <uncovered.txt | tr -d ' ') lines of lib/ run by no profile: $dir/uncovered.txt"
exit $status
