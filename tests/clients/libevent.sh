#!/bin/sh
# tests/clients/libevent.sh: libevent (Debian's source package, 2.1.12)
# built against Linux's epoll and against epollkq, and its own tests run
# on both with only the epoll backend allowed.
#
# libevent is the client that matters most: it drives epoll every way an
# application does (level and edge triggered, the changelist that folds
# several changes into one epoll_ctl, timerfd for precise timers, fork,
# dup()ed descriptors) and its regress suite checks the results.
set -u
. "$(dirname "$0")/common.sh"

results_init libevent
fetch_source libevent || exit 1
src=$CLIENTS_DIR/src/libevent
log=$CLIENTS_DIR/logs/libevent
mkdir -p "$log"
need_debs autoconf automake libtool pkg-config make gcc

# Debian's patches touch Makefile.am, and Debian regenerates the build
# system before building (dh_autoreconf); so do we, once.  The C sources
# stay as Debian ships them.
if [ ! -f "$src/.autoreconf-done" ]; then
	say "libevent: autoreconf -fi (as dh_autoreconf does)"
	(cd "$src" && nicely autoreconf -fi) >"$log/autoreconf.log" 2>&1 ||
	    { tail -20 "$log/autoreconf.log"; die "libevent: autoreconf failed"; }
	touch "$src/.autoreconf-done"
fi

ekq_flags

# The programs the tests below run, and so all that is built: make's
# default target would also build libevent.la (the core and extra sources
# compiled a second time) and the benchmarks, which nothing here runs.
# Named targets skip automake's BUILT_SOURCES, so the one generated header
# every source includes is made first.
TARGETS="test/regress test/test-ratelim test/test-eof test/test-closed
test/test-weof test/test-time test/test-changelist test/test-fdleak
test/test-dumpevents"

# build WAY CPPFLAGS LIBS LDFLAGS: one out-of-tree build of the shared
# source; skipped when the stamp says it is built with these flags.
# OpenSSL and the samples are left out: they add nothing epoll does not
# already see, and OpenSSL's headers may be missing.
build() {
	way=$1 cppflags=$2 libs=$3 ldflags=$4
	dir=$CLIENTS_DIR/build/libevent-$way
	stamp="$(cat "$src/.extracted") $cppflags $libs $ldflags ${5:-} "$TARGETS
	if [ -f "$dir/.built" ] && [ "$(cat "$dir/.built")" = "$stamp" ]; then
		say "libevent: $way build is up to date"
		return 0
	fi
	say "libevent: building against $way"
	t0=$(now)
	rm -rf "$dir"
	# With dependency tracking off nothing creates test/ before the
	# rpcgen rule writes into it.
	mkdir -p "$dir/test"
	(cd "$dir" &&
	 nicely "$src/configure" --disable-openssl --disable-samples \
	     --disable-dependency-tracking \
	     CPPFLAGS="$cppflags" LIBS="$libs" LDFLAGS="$ldflags" &&
	 nicely make include/event2/event-config.h &&
	 nicely make -j"$CLIENTS_JOBS" $TARGETS) >"$log/build-$way.log" 2>&1 ||
	    { tail -30 "$log/build-$way.log"; say "libevent: $way build FAILED"; return 1; }
	grep -i 'epoll' "$dir/config.log" | grep '^ac_cv' | sed 's/^/    /'
	printf '%s\n' "$stamp" >"$dir/.built"
	say "libevent: $way build took $(($(now) - t0))s"
}

build linux "" "" "" || exit 1
build epollkq "$EKQ_CFLAGS" "$EKQ_LIBS" "$EKQ_LDFLAGS" "$EKQ_STAMP" || exit 1
L=$CLIENTS_DIR/build/libevent-linux
E=$CLIENTS_DIR/build/libevent-epollkq

# The epoll backend is in libevent_core, which every test program links.
check_reaches_libc "$L/.libs/libevent_core.so" || exit 1
check_reaches_epollkq "$E/.libs/libevent_core.so" || exit 1

# Only the epoll backend: libevent skips every backend whose EVENT_NO*
# variable is set (as its own test/test.sh does).  EVENT_SHOW_METHOD makes
# it say which one it picked, which the logs keep.
EVENT_NOEVPORT=1 EVENT_NOKQUEUE=1 EVENT_NODEVPOLL=1 EVENT_NOPOLL=1
EVENT_NOSELECT=1 EVENT_NOWIN32=1 EVENT_SHOW_METHOD=1
export EVENT_NOEVPORT EVENT_NOKQUEUE EVENT_NODEVPOLL EVENT_NOPOLL
export EVENT_NOSELECT EVENT_NOWIN32 EVENT_SHOW_METHOD
unset EVENT_EPOLL_USE_CHANGELIST EVENT_PRECISE_TIMER EVENT_DEBUG_MODE

# Variants, as libevent's test/test.sh names them: plain epoll, the
# changelist, and (with CLIENTS_LIBEVENT_VARIANTS) timerfd.
variants=${CLIENTS_LIBEVENT_VARIANTS:-epoll changelist}

# The regress cases that run by default (not "Off by default" nor
# "DISABLED"); the list is the same for both builds.
tests=$("$L/test/regress" --list-tests | awk '/^    / && NF == 1 { print $1 }')

# run_one WAY VARIANT NAME CMD...: one program, bounded in time; the
# verdict (pass, fail or skip) in $outcome, the log in $out.
run_one() {
	r_way=$1 r_variant=$2 r_name=$3; shift 3
	out=$log/$r_variant-$r_way/$(printf '%s' "$r_name" | tr / _).log
	mkdir -p "$(dirname "$out")"
	timeout -k 5 "${r_limit:-120}" "$@" >"$out" 2>&1
	r_rc=$?
	if [ $r_rc -eq 0 ]; then
		if grep -q '^0 tests ok.*(1 skipped)' "$out"; then outcome=skip; else outcome=pass; fi
	else
		outcome=fail
		[ $r_rc -ge 124 ] && echo "[timed out: exit $r_rc]" >>"$out"
	fi
}

# regress_verdicts LOG: one "NAME pass|fail|skip" line per regress case,
# from regress's normal output: "group/case: " starts a case, then "OK",
# "SKIPPED" or "[case FAILED]" ends it (libevent's messages come in
# between; a retried case starts over).  A case the run never reached
# (regress died) is a failure.
regress_verdicts() {
	printf '%s\n' "$tests" | awk -v lf="$1" '
	    { want[++n] = $1; known[$1] = 1 }
	    END {
		while ((getline line < lf) > 0) {
			if (match(line, /^[a-z_0-9]+\/[^ :]+: /)) {
				t = substr(line, 1, RLENGTH - 2)
				if (t in known) { cur = t; base = t; sub(/^[^\/]*\//, "", base) }
			}
			# tinytest runs a TT_RETRIABLE case again after a
			# failure; its last attempt is the verdict.
			if (cur != "" && index(line, "[RETRYING " base " (")) { delete v[cur]; retried[cur] = 1 }
			if (cur == "" || (cur in v)) continue
			if (index(line, "[" base " FAILED]")) v[cur] = "fail"
			else if (line ~ /SKIPPED$/) v[cur] = "skip"
			else if (line ~ /(^| )OK$/) v[cur] = "pass"
		}
		for (i = 1; i <= n; i++) print want[i], (want[i] in v ? v[want[i]] : "fail")
	    }'
}

# pair VARIANT NAME ARGS...: a small test program on the Linux build and
# on the epollkq build at the same time (test-ratelim runs for seconds of
# wall time, mostly asleep); the Linux verdict comes back through a file.
pair() {
	p_variant=$1 p_name=$2; shift 2
	(run_one linux "$p_variant" "$p_name" "$L/$@"; echo $outcome >"$out.verdict") &
	p_pid=$!
	run_one epollkq "$p_variant" "$p_name" "$E/$@"; p_e=$outcome
	wait $p_pid
	p_l=$(cat "$log/$p_variant-linux/$(printf '%s' "$p_name" | tr / _).log.verdict" 2>/dev/null || echo fail)
	settle "$p_variant" "$p_name" "$p_l" "$p_e" "$@"
}

# settle VARIANT NAME LINUX EKQ ARGS...: record a verdict pair.  A test
# that failed only against epollkq is run once more both ways: a loaded
# machine can fail a timing test once; a bug fails it again.  The rerun is
# reported, never hidden.
settle() {
	s_variant=$1 s_name=$2 s_l=$3 s_e=$4; shift 4
	s_note=
	if [ "$s_e" = fail ] && [ "$s_l" != fail ]; then
		run_one linux "$s_variant" "$s_name.rerun" "$L/$@"; s_l2=$outcome
		run_one epollkq "$s_variant" "$s_name.rerun" "$E/$@"; s_e2=$outcome
		s_note="(rerun: linux $s_l2, epollkq $s_e2)"
		if [ "$s_e2" != fail ]; then
			s_e=flaky
			say "libevent: $s_variant $s_name failed once against epollkq, passed on rerun"
		elif [ "$s_l2" = fail ]; then
			s_l=fail
		fi
	fi
	record "$s_variant:$s_name" "$s_l" "$s_e" $s_note
	if [ "$s_e" = fail ] && [ "$s_l" != fail ]; then
		say "libevent: $s_variant $s_name FAILED against epollkq (log: $log/$s_variant-epollkq)"
	fi
	return 0
}

# run_variant VARIANT: the small tests, regress and test-ratelim, each on
# both builds, under one of test.sh's variants (its environment).
run_variant() {
	variant=$1
	unset EVENT_EPOLL_USE_CHANGELIST EVENT_PRECISE_TIMER
	case $variant in
	epoll) ;;
	changelist) EVENT_EPOLL_USE_CHANGELIST=yes; export EVENT_EPOLL_USE_CHANGELIST ;;
	timerfd) EVENT_PRECISE_TIMER=1; export EVENT_PRECISE_TIMER ;;
	*) die "libevent: unknown variant $variant" ;;
	esac
	say "libevent: variant $variant: $(echo "$tests" | wc -l) regress cases and the small tests, each on both builds"
	# The small programs test/test.sh runs before regress.
	for t in test-eof test-closed test-weof test-time test-changelist \
	    test-fdleak test-dumpevents; do
		pair "$variant" "$t" "test/$t"
	done
	# The regress cases: one run of the whole suite per build (one
	# process per case would take several times as long through
	# libtool's wrapper), each case then paired by name.  The two
	# builds' suites run at once: regress spends most of its time
	# waiting on timers, and every case binds its own ephemeral ports.
	r0=$(now)
	for way in linux epollkq; do
		eval "d=\$$( [ $way = linux ] && echo L || echo E )"
		(r_limit=900 run_one $way "$variant" regress "$d/test/regress"
		 echo "regress exit $r_rc" >>"$out"
		 regress_verdicts "$out" >"$out.verdicts") &
		eval "rp_$way=$!"
	done
	wait $rp_linux $rp_epollkq
	for way in linux epollkq; do
		out=$log/$variant-$way/regress.log
		say "libevent: $variant regress $way: $(awk '{ n[$2]++ } END { for (v in n) printf "%s %d  ", v, n[v] }' "$out.verdicts")$(grep 'TESTS FAILED\|tests ok' "$out" | tail -1) ($(($(now) - r0))s for both)"
	done
	paste -d ' ' "$log/$variant-linux/regress.log.verdicts" \
	    "$log/$variant-epollkq/regress.log.verdicts" |
	while read -r name l _ e; do
		settle "$variant" "regress/$name" "$l" "$e" test/regress "$name"
	done
	# test-ratelim: rate-limited bufferevents over loopback, checked
	# against the limits; libevent's make check does not run it.  Its
	# default is 30 connections for 5 seconds; -c/-g set limits to check.
	pair "$variant" test-ratelim test/test-ratelim
	pair "$variant" test-ratelim-limited test/test-ratelim -g 30000 -c 1000
}

# The variants at once, each in its own subshell (its own environment):
# their programs mostly sleep on timers, so running them side by side takes
# little longer than one alone.  Their verdicts are appended line by line.
t0=$(now)
vpids=
for variant in $variants; do
	run_variant "$variant" &
	vpids="$vpids $!"
done
wait $vpids
say "libevent: tests took $(($(now) - t0))s"

# Evidence that the epoll backend is what ran: libevent's own word.
for way in linux epollkq; do
	printf 'libevent: %s: backends used: ' "$way"
	cat "$log"/*-"$way"/*.log 2>/dev/null |
	    sed -n 's/.*libevent using: \([a-z]*\).*/\1/p' | sort | uniq -c | tr '\n' ' '
	echo
done

report_results libevent
