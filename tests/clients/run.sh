#!/bin/sh
# tests/clients/run.sh [CLIENT...]: run each client's script in turn
# (default: libevent nginx redis lighttpd, the order of importance), print each
# one's summary and the sum, and fail if any client failed to build, did
# not reach epollkq, or failed a test against epollkq only.
#
# `make check-clients` runs this; CLIENTS="libevent" limits the clients.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

clients=${*:-libevent nginx redis lighttpd}
mkdir -p "$CLIENTS_DIR/results" "$CLIENTS_DIR/logs"
status=0
summary=
for c in $clients; do
	[ -f "$here/$c.sh" ] || die "no client $c ($here/$c.sh)"
	say "=== $c ==="
	t0=$(now)
	rm -f "$CLIENTS_DIR/results/$c.txt"
	# The script's exit status goes through a file: a pipe into tee
	# would lose it.
	{ sh "$here/$c.sh" 2>&1; echo $? >"$CLIENTS_DIR/logs/$c.rc"; } |
	    tee "$CLIENTS_DIR/logs/$c.out"
	rc=$(cat "$CLIENTS_DIR/logs/$c.rc" 2>/dev/null || echo 1)
	secs=$(($(now) - t0))
	line=$(grep "^$c: epollkq: " "$CLIENTS_DIR/logs/$c.out" | tail -1)
	[ -n "$line" ] || line="$c: epollkq: no results (build or setup failed)"
	if [ "$rc" -ne 0 ]; then
		status=1
		line="$line  [FAIL]"
	fi
	summary="$summary$line  (${secs}s)
"
done

echo
say "=== summary ==="
printf '%s' "$summary"
# The one line: every client's epollkq side, tests that also failed on
# Linux's build in the same run not counted.
for c in $clients; do cat "$CLIENTS_DIR/results/$c.txt" 2>/dev/null; done | awk '
	$3 == "pass" { p++ }
	$3 == "fail" && $2 != "fail" { f++ }
	END { printf "%d passed, %d failed\n", p, f }'
exit $status
