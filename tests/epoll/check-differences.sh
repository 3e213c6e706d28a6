#!/bin/sh
# README's difference table is tests/epoll/differences.tsv's (make check).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/epoll/differences.sh" check
