#!/bin/sh
# make check: a fixed-seed differential campaign, epollkq against the
# kernel's epoll.  Features named in tests/fuzz/pending/WITHOUT -- README's
# differences, and triggers of divergences found and awaiting a fix -- are
# left out.  With them left out, other seeds still find a divergence about
# once per 100,000 steps (see tests/fuzz/pending/README); this seed is one
# that runs its 150,000 steps clean, so that make check tests for
# regressions.  `make fuzz` runs open campaigns.
without=`sed -e 's/#.*//' "${top_srcdir:-.}/tests/fuzz/pending/WITHOUT" 2>/dev/null | tr -s ' \n' ',,' | sed -e 's/^,//' -e 's/,$//'`
exec ./tests/fuzz/fuzz --seed 9 --steps 150000 --len 1000 \
    ${without:+--without "$without"}
