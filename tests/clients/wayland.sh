#!/bin/sh
# tests/clients/wayland.sh: Wayland (Debian's source package, 1.21.0)
# built with meson against Linux's epoll and against epollkq, and its own
# test suite run on both.
#
# libwayland-server is the client that uses all four of epollkq's headers:
# its event loop is an epoll instance, its timers one timerfd, its signal
# sources signalfds, and wl_display_terminate() writes an eventfd.  Every
# descriptor it watches it first duplicates (fcntl F_DUPFD_CLOEXEC), and
# its test compositor forks a client process for each test, so it also
# exercises the interposed fcntl()/read()/write()/close() and the fork
# rebuild.  Nothing in Wayland's source changes: its meson.build takes
# <sys/epoll.h> etc. from the include path (it asks for epoll-shim only
# on FreeBSD), and the flags put epollkq's headers first.
#
# Two views of the same run:
#   - `meson test`, the suite as Wayland's developers run it: 23 tests,
#     each a program; its summary is printed for both builds.
#   - each case of each test-runner program run on its own (the programs
#     take a case name), bounded in time, so that one case that hangs or
#     aborts does not hide the others.  These are the results recorded;
#     the three tests that are not test-runner programs (scanner-test,
#     cpp-compile-test, the wayland-egl symbols check) are recorded as
#     meson ran them.
set -u
. "$(dirname "$0")/common.sh"

results_init wayland
fetch_source wayland || exit 1
src=$CLIENTS_DIR/src/wayland
log=$CLIENTS_DIR/logs/wayland
mkdir -p "$log"
# libffi and expat: libwayland and wayland-scanner; g++: cpp-compile-test.
need_debs meson ninja-build pkg-config gcc g++ libffi-dev libexpat1-dev python3
ekq_flags

# build WAY CFLAGS LDFLAGS [STAMP]: one out-of-tree meson build of the
# shared source, skipped when its stamp says it is built with these
# flags.  meson reads CFLAGS and LDFLAGS from the environment at setup
# time (its c_args and c_link_args).  The buildtype is fixed so that the
# two builds differ in nothing else.  Documentation and DTD validation
# are off, as they need Doxygen and libxml2 and concern no descriptor.
build() {
	way=$1 cflags=$2 ldflags=$3
	dir=$CLIENTS_DIR/build/wayland-$way
	stamp="$(cat "$src/.extracted") $cflags $ldflags ${4:-}"
	if [ -f "$dir/.built" ] && [ "$(cat "$dir/.built")" = "$stamp" ]; then
		say "wayland: $way build is up to date"
		return 0
	fi
	say "wayland: building against $way"
	t0=$(now)
	rm -rf "$dir"
	(CFLAGS=$cflags CXXFLAGS=$cflags LDFLAGS=$ldflags \
	 nicely meson setup "$dir" "$src" --buildtype=debugoptimized \
	     -Ddocumentation=false -Ddtd_validation=false &&
	 nicely ninja -C "$dir" -j"$CLIENTS_JOBS") >"$log/build-$way.log" 2>&1 ||
	    { tail -30 "$log/build-$way.log"; say "wayland: $way build FAILED"; return 1; }
	grep 'has symbol' "$log/build-$way.log" | sed 's/^/    /'
	printf '%s\n' "$stamp" >"$dir/.built"
	say "wayland: $way build took $(($(now) - t0))s"
}

build linux "" "" || exit 1
build epollkq "$EKQ_CFLAGS" "$EKQ_LIBS $EKQ_LDFLAGS" "$EKQ_STAMP" || exit 1
L=$CLIENTS_DIR/build/wayland-linux
E=$CLIENTS_DIR/build/wayland-epollkq

# Which functions each build's libraries call.  The server library holds
# the event loop (epoll, eventfd, timerfd, signalfd); the client library
# creates an epoll instance per event queue.
check_reaches_libc "$L/src/libwayland-server.so" || exit 1
check_reaches_epollkq "$E/src/libwayland-server.so" "$E/src/libwayland-client.so" || exit 1
# check_reaches_epollkq knows epoll only; the other three descriptor
# types must be epollkq's too (and libc's in the Linux build).
fdtypes_via() {
	syms=$(nm -D "$2" | awk '$1 == "U" { s = $2; sub(/@.*/, "", s); print s }')
	for f in eventfd signalfd timerfd_create timerfd_settime; do
		case $1 in
		epollkq) want=ekq_$f nowant=$f ;;
		*) want=$f nowant=ekq_$f ;;
		esac
		printf '%s\n' "$syms" | grep -qx "$want" &&
		    ! printf '%s\n' "$syms" | grep -qx "$nowant" ||
		    { say "$(basename "$2") ($1 build): $f is not $1's"; return 1; }
	done
	say "$(basename "$2") ($1 build) calls $1's eventfd, signalfd, timerfd_create, timerfd_settime"
}
fdtypes_via linux "$L/src/libwayland-server.so" || exit 1
fdtypes_via epollkq "$E/src/libwayland-server.so" || exit 1
say "wayland: epollkq build's libwayland-server.so needs: $(readelf -d "$E/src/libwayland-server.so" |
    sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"

# The suite as meson runs it, both ways.  --no-rebuild: the builds above
# are what is tested.  A test that hangs is killed at meson's own limit
# (30 s for each of Wayland's tests).
t0=$(now)
for way in linux epollkq; do
	eval "d=\$$( [ $way = linux ] && echo L || echo E )"
	(cd "$d" && timeout -k 10 900 nice -n 10 meson test --no-rebuild \
	    --num-processes "$CLIENTS_JOBS") >"$log/meson-test-$way.log" 2>&1
	echo "exit $?" >>"$log/meson-test-$way.log"
	cp "$d/meson-logs/testlog.json" "$log/meson-test-$way.json" 2>/dev/null
	say "wayland: meson test, $way build: $(grep -E '^(Ok|Fail|Timeout|Skipped):' \
	    "$log/meson-test-$way.log" | tr -s ' ' | tr '\n' ' ')"
done

# Each meson test, as one line a shell can run: NAME, then the command
# with its environment (from meson's own description of its tests).
# The Linux build's list names the tests; each build runs its own.
tests_of() {
	(cd "$1" && meson introspect --tests) | python3 -c '
import json, shlex, sys
for t in json.load(sys.stdin):
    env = " ".join(shlex.quote(k + "=" + v) for k, v in sorted(t["env"].items()))
    print(t["name"].replace(" ", "_") + "\t" + "env " + env + " " +
          " ".join(shlex.quote(c) for c in t["cmd"]))'
}
tests_of "$L" >"$log/tests-linux.txt" && tests_of "$E" >"$log/tests-epollkq.txt" ||
    die "wayland: meson introspect --tests failed"

# meson's verdict on test NAME in WAY's run: pass, fail (FAIL, TIMEOUT,
# ERROR) or skip.
meson_verdict() {
	python3 -c '
import json, sys
r = "fail"
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t["name"].replace(" ", "_") == sys.argv[2]:
        r = {"OK": "pass", "SKIP": "skip", "EXPECTEDFAIL": "pass"}.get(t["result"], "fail")
print(r)' "$log/meson-test-$2.json" "$1" 2>/dev/null || echo fail
}

# run_case WAY TEST CASE [SUFFIX]: one case of a test-runner program, on
# its own, bounded in time: its verdict in $outcome, its log in $out.  The
# program runs one named case in its own process, fd-leak check included,
# and exits with the case's own status.  A case declared FAIL_TEST in its
# source must fail (the program says so only when it runs all its cases):
# it passes when it exits non-zero or dies of a signal, as the program
# itself would judge it.  A case our time limit stopped fails either way.
run_case() {
	r_cmd=$(awk -F '\t' -v t="$2" '$1 == t { print $2 }' "$log/tests-$1.txt")
	r_limit=${CLIENTS_WAYLAND_CASE_LIMIT:-30}
	out=$log/$1/$2/$3${4:-}.log
	mkdir -p "$(dirname "$out")"
	r_t0=$(now)
	eval "timeout -k 5 $r_limit $r_cmd \"\$3\"" >"$out" 2>&1
	rc=$?
	echo "exit $rc" >>"$out"
	if [ $rc -eq 124 ] || { [ $rc -eq 137 ] && [ $(($(now) - r_t0)) -ge "$r_limit" ]; }; then
		echo "[killed: over the ${r_limit}s limit]" >>"$out"
		outcome=fail
	elif grep -q "^FAIL_TEST($3)" "$src/tests/$2.c" 2>/dev/null; then
		if [ $rc -eq 0 ]; then outcome=fail; else outcome=pass; fi
		echo "[FAIL_TEST: must fail; $outcome]" >>"$out"
	elif [ $rc -eq 0 ]; then
		outcome=pass
	else
		outcome=fail
	fi
	return 0
}

# settle TEST CASE LINUX EKQ: record one verdict pair.  A case that
# failed only against epollkq runs once more both ways: a loaded machine
# can fail a timing case once; a bug fails it again.  The rerun is
# reported, never hidden.
settle() {
	s_t=$1 s_c=$2 s_l=$3 s_e=$4 s_note=
	if [ "$s_e" = fail ] && [ "$s_l" != fail ]; then
		run_case linux "$s_t" "$s_c" .rerun; s_l2=$outcome
		run_case epollkq "$s_t" "$s_c" .rerun; s_e2=$outcome
		s_note="(rerun: linux $s_l2, epollkq $s_e2)"
		if [ "$s_e2" != fail ]; then
			s_e=flaky
		elif [ "$s_l2" = fail ]; then
			s_l=fail
		fi
	fi
	record "$s_t:$s_c" "$s_l" "$s_e" $s_note
	if [ "$s_e" = fail ] && [ "$s_l" != fail ]; then
		f=$log/epollkq/$s_t/$s_c.log
		why=$(grep -m1 -E 'Assertion|leak detected|timed out|killed:|exited with code|was killed' "$f" ||
		    grep -v '^exit ' "$f" | tail -1)
		say "wayland: $s_t $s_c FAILED against epollkq: $why"
	fi
}

ncases=0
while IFS='	' read -r t cmd; do
	bin=$(eval "set -- $cmd"'; while [ $# -gt 1 ]; do shift; done; echo "$1"')
	if ! grep -q 'Available tests:' "$bin" 2>/dev/null; then
		# Not a test-runner program: meson's verdicts.
		record "$t" "$(meson_verdict "$t" linux)" "$(meson_verdict "$t" epollkq)" "(meson test)"
		continue
	fi
	# The program lists its cases (usage, on stderr) when given --help;
	# the Linux build's list is the list for both.
	cases=$(eval "$cmd --help" 2>&1 | awk 'f && NF == 1 { print $1 } /Available tests:/ { f = 1 }')
	[ -n "$cases" ] || { record "$t:list" fail fail "(no cases listed)"; continue; }
	for c in $cases; do
		run_case linux "$t" "$c"; l=$outcome
		run_case epollkq "$t" "$c"; e=$outcome
		settle "$t" "$c" "$l" "$e"
		ncases=$((ncases + 1))
	done
done <"$log/tests-linux.txt"
say "wayland: $ncases cases of $(grep -c '' "$log/tests-linux.txt") meson tests, each on both builds, took $(($(now) - t0))s (with meson test)"

report_results wayland
