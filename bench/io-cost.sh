#!/bin/sh
# Instructions per read(), write() and close(dup()) round on a pipe, under
# callgrind: plain libc, epollkq's interposers with no object alive, and
# with one eventfd alive.  Run by `make bench-io`.
set -eu
dir=${1:-bench}
n=${IO_COST_ROUNDS:-20000}
ir() {
	out=$(mktemp)
	valgrind --tool=callgrind --toggle-collect=loop \
	    --callgrind-out-file="$out" "$@" >/dev/null 2>&1
	callgrind_annotate "$out" 2>/dev/null |
	    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'
	rm -f "$out"
}
libc=$(ir "$dir/io-cost-libc" "$n")
ekq=$(ir "$dir/io-cost" "$n")
obj=$(ir "$dir/io-cost" "$n" objects)
awk -v n="$n" -v a="$libc" -v b="$ekq" -v c="$obj" 'BEGIN {
	printf "instructions per round (write + read + close(dup)), %d rounds:\n", n
	printf "  libc alone:                 %8.1f\n", a / n
	printf "  epollkq, no object alive:   %8.1f  (+%.1f)\n", b / n, (b - a) / n
	printf "  epollkq, an eventfd alive:  %8.1f  (+%.1f)\n", c / n, (c - a) / n
}'
