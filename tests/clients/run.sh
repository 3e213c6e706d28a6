#!/bin/sh
# tests/clients/run.sh [CLIENT...]: run each client's script (default:
# libevent nginx redis lighttpd wayland, the order of importance), print each
# one's output and summary and the sum, and fail if any client failed to
# build, did not reach epollkq, or failed a test against epollkq only.
#
# `make check-clients` runs this; CLIENTS="libevent" limits the clients.
# The clients run in CLIENTS_LANES lanes at once (default 2), each lane
# taking the next client not yet taken when it is free: a client's builds
# keep the CPUs busy while another's tests mostly wait on timers and
# sockets, so two lanes finish sooner than one on two cores.  (Measured
# cold: libevent 369 s, Redis 356, lighttpd 260, nginx 158, Wayland 102;
# libevent goes first so that the others fill the other lane.)
# CLIENTS_LANES=1 runs them one after another.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

clients=${*:-libevent nginx redis lighttpd wayland}
lanes=${CLIENTS_LANES:-2}
mkdir -p "$CLIENTS_DIR/results" "$CLIENTS_DIR/logs"
for c in $clients; do
	[ -f "$here/$c.sh" ] || die "no client $c ($here/$c.sh)"
	rm -f "$CLIENTS_DIR/results/$c.txt" "$CLIENTS_DIR/logs/$c.rc" "$CLIENTS_DIR/logs/$c.secs"
done

# Two clients must never fetch or install at once: they share apt's lists
# and its lock.
for c in $clients; do fetch_source "$c"; done
compile_once
[ -n "${CCACHE_DIR:-}" ] && ccache -z >/dev/null 2>&1

# lane N: the clients not yet taken, one after another; mkdir is the
# claim, atomic between lanes.  Each one's output goes to its log; it is
# printed whole once all lanes are done.
claims=$CLIENTS_DIR/logs/claims
rm -rf "$claims" && mkdir -p "$claims"
lane() {
	for c in $clients; do
		mkdir "$claims/$c" 2>/dev/null || continue
		say "$c: started (lane $1)"
		t0=$(now)
		sh "$here/$c.sh" >"$CLIENTS_DIR/logs/$c.out" 2>&1
		echo $? >"$CLIENTS_DIR/logs/$c.rc"
		echo $(($(now) - t0)) >"$CLIENTS_DIR/logs/$c.secs"
		say "$c: finished in $(cat "$CLIENTS_DIR/logs/$c.secs")s, exit $(cat "$CLIENTS_DIR/logs/$c.rc")"
	done
}
t_all=$(now)
pids=
l=0
while [ $l -lt "$lanes" ]; do
	lane $l &
	pids="$pids $!"
	l=$((l + 1))
done
wait $pids

if [ -n "${CCACHE_DIR:-}" ]; then
	say "ccache (both builds of every client): $(ccache -s 2>/dev/null |
	    sed -n 's/^ *\(Hits\|Misses\): *\([0-9]*\).*/\1 \2/p' | tr '\n' ' ')"
fi

status=0
summary=
broken=0
for c in $clients; do
	echo
	say "=== $c ==="
	cat "$CLIENTS_DIR/logs/$c.out" 2>/dev/null
	rc=$(cat "$CLIENTS_DIR/logs/$c.rc" 2>/dev/null || echo 1)
	secs=$(cat "$CLIENTS_DIR/logs/$c.secs" 2>/dev/null || echo '?')
	line=$(grep "^$c: epollkq: " "$CLIENTS_DIR/logs/$c.out" | tail -1)
	[ -n "$line" ] || line="$c: epollkq: no results (build or setup failed)"
	if [ "$rc" -ne 0 ]; then
		status=1
		line="$line  [FAIL]"
		# A client that failed without a failed test (its build, its
		# setup) counts as one failure in the line below.
		awk '$3 == "fail" && $2 != "fail" { f = 1 } END { exit !f }' \
		    "$CLIENTS_DIR/results/$c.txt" 2>/dev/null ||
		    broken=$((broken + 1))
	fi
	summary="$summary$line  (${secs}s)
"
done

echo
say "=== summary ($lanes lanes, $(($(now) - t_all))s in all) ==="
printf '%s' "$summary"
# The one line: every client's epollkq side, tests that also failed on
# Linux's build in the same run not counted.
for c in $clients; do cat "$CLIENTS_DIR/results/$c.txt" 2>/dev/null; done |
    awk -v broken="$broken" '
	$3 == "pass" { p++ }
	$3 == "fail" && $2 != "fail" { f++ }
	END { printf "%d passed, %d failed\n", p, f + broken }'
exit $status
