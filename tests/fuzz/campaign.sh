#!/bin/sh
# make check: a fixed-seed differential campaign, epollkq against the
# kernel's epoll.  Features named in tests/fuzz/pending/WITHOUT (triggers of
# divergences found and awaiting a fix) are left out until they are fixed.
without=`sed -e 's/#.*//' "${top_srcdir:-.}/tests/fuzz/pending/WITHOUT" 2>/dev/null | tr -s ' \n' ',,' | sed -e 's/^,//' -e 's/,$//'`
exec ./tests/fuzz/fuzz --seed 20240601 --steps 120000 --len 1000 \
    ${without:+--without "$without"}
