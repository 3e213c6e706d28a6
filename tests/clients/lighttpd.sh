#!/bin/sh
# tests/clients/lighttpd.sh: lighttpd (Debian's source package, 1.4.69)
# built against Linux's epoll and against epollkq, and its own `make check`
# run on both: the unit tests in src/t and the Perl suite in tests/, which
# starts the built server (plus FastCGI and SCGI responders) and sends it
# a few hundred requests.
#
# lighttpd's configure looks for <sys/epoll.h> and epoll_ctl, and its
# event layer (src/fdevent_impl.c) prefers epoll to every other backend
# when both are there.  The epollkq build gets our header through
# CPPFLAGS alone, so it picks up epollkq without a change to the source.
set -u
. "$(dirname "$0")/common.sh"

results_init lighttpd
fetch_source lighttpd || exit 1
# pcre2: the tests' configurations use regex conditionals, and Debian
# builds with it.  perl runs the tests (core modules only); curl asks the
# server which event handler it runs.
need_debs make gcc pkg-config libpcre2-dev zlib1g-dev perl curl iproute2
src=$CLIENTS_DIR/src/lighttpd
log=$CLIENTS_DIR/logs/lighttpd
mkdir -p "$log"
ekq_flags

# build WAY CPPFLAGS LIBS LDFLAGS [STAMP]: one out-of-tree build of the
# shared source, with autotools as Debian builds it (debian/rules runs
# dh_auto_configure).  Debian applies no patches to 1.4.69, so the
# tarball's configure is the one built from the same configure.ac, and is
# used as it is.  The optional libraries Debian adds (TLS, LDAP, SQL,
# Lua, ...) are left to configure's defaults: they add modules, not
# event-loop code, and their headers may be missing.
build() {
	way=$1 cppflags=$2 libs=$3 ldflags=$4
	dir=$CLIENTS_DIR/build/lighttpd-$way
	stamp="$(cat "$src/.extracted") $cppflags $libs $ldflags ${5:-}"
	if [ -f "$dir/.built" ] && [ "$(cat "$dir/.built")" = "$stamp" ]; then
		say "lighttpd: $way build is up to date"
		return 0
	fi
	say "lighttpd: building against $way"
	t0=$(now)
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" &&
	 nicely "$src/configure" --disable-dependency-tracking \
	     CPPFLAGS="$cppflags" LIBS="$libs" LDFLAGS="$ldflags" &&
	 nicely make -j"$CLIENTS_JOBS") >"$log/build-$way.log" 2>&1 ||
	    { tail -30 "$log/build-$way.log"; say "lighttpd: $way build FAILED"; return 1; }
	grep '^ac_cv_.*epoll' "$dir/config.log" | sed 's/^/    /'
	printf '%s\n' "$stamp" >"$dir/.built"
	say "lighttpd: $way build took $(($(now) - t0))s"
}

build linux "" "" "" || exit 1
build epollkq "$EKQ_CFLAGS" "$EKQ_LIBS" "$EKQ_LDFLAGS" "$EKQ_STAMP" || exit 1
L=$CLIENTS_DIR/build/lighttpd-linux
E=$CLIENTS_DIR/build/lighttpd-epollkq

# The event loop is in the server binary itself (the modules never call
# epoll).
check_reaches_libc "$L/src/lighttpd" || exit 1
check_reaches_epollkq "$E/src/lighttpd" || exit 1

# handler WAY: the event handler the built server runs with its default
# configuration, in its own words: mod_status's configuration page
# (status.config-url) prints srv->srvconf.event_handler, which
# fdevent_config() sets to the first backend compiled in when the
# configuration names none.
handler() {
	way=$1
	eval "d=\$$( [ $way = linux ] && echo L || echo E )"
	run=$CLIENTS_DIR/run/lighttpd-$way
	rm -rf "$run"; mkdir -p "$run/html"
	port=$(free_port $( [ $way = linux ] && echo 19080 || echo 19180 )) || return 1
	cat >"$run/lighttpd.conf" <<EOF
server.document-root = "$run/html"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$run/error.log"
server.modules = ( "mod_status" )
status.config-url = "/server-config"
EOF
	timeout -k 5 60 "$d/src/lighttpd" -D -f "$run/lighttpd.conf" \
	    -m "$d/src/.libs" >"$run/stdout" 2>&1 &
	h_pid=$!
	i=0 page=
	while [ $i -lt 100 ]; do
		page=$(curl -sf "http://127.0.0.1:$port/server-config" 2>/dev/null) && break
		i=$((i + 1)); sleep 0.1
	done
	kill -TERM "$h_pid" 2>/dev/null; wait "$h_pid" 2>/dev/null
	# <td ...>fd-Event-Handler</td><td ...>linux-sysepoll</td>
	printf '%s\n' "$page" | sed 's/<[^>]*>/ /g' | tr -s ' \n' '  ' |
	    sed -n 's/.*fd-Event-Handler *\([a-z-]*\).*/\1/p'
}
hs=pass
for way in linux epollkq; do
	h=$(handler $way)
	eval "d=\$$( [ $way = linux ] && echo L || echo E )"
	say "lighttpd: $way: default event handler: ${h:-unknown}; lighttpd -V:$("$d/src/lighttpd" -V |
	    grep 'epoll' | tr -s '\t ' ' ')"
	if [ "$h" = linux-sysepoll ]; then eval "h_$way=pass"; else eval "h_$way=fail"; hs=fail; fi
done
# Without epoll there is nothing to compare.
record lighttpd:event-handler-is-epoll "$h_linux" "$h_epollkq"
[ $hs = pass ] || { report_results lighttpd; exit 1; }

# check WAY TAG: the build's `make check` (-k: the Perl suite runs even
# if a unit test fails), bounded in time.  VERBOSE=1 makes Test::Harness
# print every test's "ok N - name".  The tests bind ephemeral ports and
# write under the build tree only, so the two builds can run at once.
check() {
	(cd "$1" && timeout -k 10 600 nice -n 10 make -k check VERBOSE=1) \
	    >"$log/check-$2.log" 2>&1
	echo "exit $?" >>"$log/check-$2.log"
}

# verdicts LOG: one "NAME pass|fail" line per test.  automake's "PASS:
# t/test_mod" for the unit tests; for the Perl suite, "DIR/FILE.t .. "
# opens a file, "1..N" is its plan, then "ok N - desc" or "not ok N -
# desc".  A test is named by its file and description, not its number:
# core-condition.t runs its cases in Perl's hash order, which changes from
# run to run.  A description used twice in a file gets "#2".  Planned
# tests that never reported (the file died) are failures.
verdicts() {
	awk '
	    /^(PASS|FAIL|XFAIL|XPASS|ERROR): t\// {
		print "src/" $2, ($1 == "PASS:" || $1 == "XFAIL:" ? "pass" : "fail"); next }
	    match($0, /[^\/ ]+\.t \.+ ?$/) {
		file = substr($0, RSTART, RLENGTH); sub(/ .*/, "", file); next }
	    file != "" && /^1\.\.[0-9]+$/ { plan[file] = substr($0, 4) + 0; files[++nf] = file; next }
	    file != "" && /^(not )?ok [0-9]+/ {
		ok = ($1 == "ok")
		desc = $0; sub(/^(not )?ok [0-9]+( - )?/, "", desc)
		gsub(/[^A-Za-z0-9._=-]+/, "_", desc)
		desc = substr(desc, 1, 60)
		k = ++seen[file, desc]
		printf "%s:%s%s %s\n", file, desc, (k > 1 ? "#" k : ""), (ok ? "pass" : "fail")
		got[file]++
	    }
	    END {
		for (f = 1; f <= nf; f++)
		    for (n = got[files[f]] + 1; n <= plan[files[f]]; n++)
			printf "%s:never-ran#%d fail\n", files[f], n
	    }' "$1"
}

# pair TAG: both builds' suites at once, then each test paired by name (a
# test present on one side only is a failure on the other).
pair() {
	t0=$(now)
	check "$L" "linux$1" & c_pid=$!
	check "$E" "epollkq$1"
	wait $c_pid
	for way in linux epollkq; do
		verdicts "$log/check-$way$1.log" >"$log/check-$way$1.verdicts"
		say "lighttpd: make check$1 $way: $(awk '{ n[$2]++ } END { for (v in n) printf "%s %d  ", v, n[v] }' \
		    "$log/check-$way$1.verdicts")$(tail -1 "$log/check-$way$1.log") ($(($(now) - t0))s)" >&2
	done
	awk '
	    FILENAME == ARGV[1] { l[$1] = $2; order[++n] = $1; next }
	    { e[$1] = $2; if (!($1 in l)) order[++n] = $1 }
	    END { for (i = 1; i <= n; i++) { k = order[i]
	        print k, (k in l ? l[k] : "fail"), (k in e ? e[k] : "fail") } }' \
	    "$log/check-linux$1.verdicts" "$log/check-epollkq$1.verdicts"
}

pair "" >"$log/paired"
: >"$log/paired.rerun"
# A suite that died before its first Perl test leaves nothing to pair on
# that side: that is a failure too.
for way in linux epollkq; do
	grep -q '\.t:' "$log/check-$way.verdicts" ||
	    record "tests/run-tests.pl:no-results" "$( [ $way = linux ] && echo fail || echo pass)" \
	        "$( [ $way = linux ] && echo pass || echo fail)"
done
# A test that failed against epollkq only: both suites once more.  A
# loaded machine can fail a timing test once; a bug fails it again.  The
# rerun is reported, never hidden.
if awk '$3 == "fail" && $2 != "fail" { bad = 1 } END { exit !bad }' "$log/paired"; then
	say "lighttpd: tests failed against epollkq only; both suites once more"
	pair .rerun >"$log/paired.rerun"
fi
awk '
    FILENAME == ARGV[1] { r[$1] = $3; rl[$1] = $2; next }
    {
	note = ""
	if ($3 == "fail" && $2 != "fail" && ($1 in r)) {
		note = "(rerun: linux " rl[$1] ", epollkq " r[$1] ")"
		if (r[$1] != "fail") $3 = "flaky"
		else if (rl[$1] == "fail") $2 = "fail"
	}
	print $1, $2, $3, note
    }' "$log/paired.rerun" "$log/paired" >>"$RESULTS"

report_results lighttpd
