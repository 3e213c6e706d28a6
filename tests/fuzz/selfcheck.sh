#!/bin/sh
# make check: the fuzzer against itself -- the kernel's epoll in both
# worlds.  Any divergence is then the harness's (a comparison that Linux's
# own freedom breaks), never epollkq's.
exec ./tests/fuzz/fuzz --self --seed 7 --steps 30000 --len 1000
