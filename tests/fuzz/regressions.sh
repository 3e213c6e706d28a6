#!/bin/sh
# make check: every saved regression sequence replays without divergence.
dir="${top_srcdir:-.}/tests/fuzz/regressions"
set -- "$dir"/*.seq
if [ ! -e "$1" ]; then
	echo "no regression sequences in $dir"
	exit 0
fi
exec ./tests/fuzz/fuzz --replay "$@"
