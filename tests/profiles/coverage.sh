#!/bin/sh
# make coverage: tests/epoll's epollkq build under every platform profile
# (linux-compat and tests/profiles/), compiled with gcc --coverage in a copy
# of the distributed tree, then the lines of lib/ that no profile ran.
# Output: _coverage/uncovered.txt, one "lib/FILE.c:LINE: source" a line.
set -e
top=$(pwd)
dir=_coverage
rm -rf "$dir"
${MAKE:-make} distdir distdir="$dir" >/dev/null
cd "$dir"
./configure CFLAGS='--coverage -O0 -g' LDFLAGS=--coverage >configure.out
progs="tests/epoll/epoll-epollkq"
for p in freebsd macos netbsd openbsd dragonfly; do
	progs="$progs tests/profiles/epoll-$p"
done
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
rm -rf gcov && mkdir gcov
n=0
for gcda in $(find lib -name '*.gcda'); do
	n=$((n + 1)) && mkdir "gcov/$n"
	(cd "gcov/$n" && gcov -p -o "../../$(dirname "$gcda")" "../../$gcda" \
	    >/dev/null 2>&1) || true
done
awk -F: '
	FNR == 1 { src = "" }
	$3 ~ /^Source$/ { src = $4; next }
	src == "" || $1 ~ /-/ { next }
	{ gsub(/ /, "", $1); gsub(/ /, "", $2); key = src ":" $2
	  if ($1 ~ /^#####|^=====/) { if (!(key in run)) run[key] = 0 }
	  else { run[key] = 1 }
	  text[key] = $0; sub(/^[^:]*:[^:]*:/, "", text[key]) }
	END { for (k in run) if (!run[k]) print k ":" text[k] }' gcov/*/*.gcov |
    sed 's|^\(\.\./\)*||' | grep '^lib/' | sort -t: -k1,1 -k2,2n >uncovered.txt
echo "coverage: $(wc -l <uncovered.txt | tr -d ' ') lines of lib/ run by no profile: $dir/uncovered.txt"
exit $status
