#!/bin/sh
# tests/clients/nginx.sh: nginx (Debian's source package, 1.22.1) built
# against Linux's epoll and against epollkq, each run as nginx runs by
# default -- a master and 2 worker processes forked from it, the workers
# sharing the listening socket (EPOLLEXCLUSIVE) -- serving a static file on
# 127.0.0.1, loaded with ab.  The two servers are loaded in turn (linux,
# epollkq, linux, epollkq, ...) so both see the same machine.
#
# Every request must be answered: ab's "Complete requests" equal to -n,
# "Failed requests: 0", no "Non-2xx responses", and nothing at [alert] or
# [emerg] in the error log.  (Before epollkq handled fork(), the workers
# of an epollkq nginx served nothing at all.)
set -u
. "$(dirname "$0")/common.sh"

ROUNDS=${CLIENTS_NGINX_ROUNDS:-3}
REQUESTS=${CLIENTS_NGINX_REQUESTS:-20000}
CONCURRENCY=${CLIENTS_NGINX_CONCURRENCY:-50}

results_init nginx
fetch_source nginx || exit 1
need_debs make gcc apache2-utils iproute2
src=$CLIENTS_DIR/src/nginx
log=$CLIENTS_DIR/logs/nginx
mkdir -p "$log"
ekq_flags

# build WAY CC_OPT LD_OPT: nginx configures in its source tree (its
# Makefile lands there), so each build gets a copy of the extracted source.
# The configure options leave out the modules that need PCRE or zlib; the
# event core, where epoll lives, is the same either way.
build() {
	way=$1 ccopt=$2 ldopt=$3
	stamp="$(cat "$src/.extracted") $ccopt $ldopt ${4:-}"
	fresh_build_tree nginx "$way" "$stamp" || return 0
	t0=$(now)
	(cd "$dir" &&
	 nicely ./configure --prefix="$dir/prefix" \
	     --without-http_rewrite_module --without-http_gzip_module \
	     --without-pcre --without-http_upstream_zone_module \
	     ${ccopt:+--with-cc-opt="$ccopt"} ${ldopt:+--with-ld-opt="$ldopt"} &&
	 nicely make -j"$CLIENTS_JOBS") >"$log/build-$way.log" 2>&1 ||
	    { tail -30 "$log/build-$way.log"; say "nginx: $way build FAILED"; return 1; }
	# configure decides on epoll by compiling a test: it must have.
	grep -q '^#define NGX_HAVE_EPOLL  *1' "$dir/objs/ngx_auto_config.h" ||
	    { say "nginx: $way build has no epoll (NGX_HAVE_EPOLL)"; return 1; }
	grep '^#ifndef NGX_HAVE_EPOLL' -A1 "$dir/objs/ngx_auto_config.h" | grep define | sed 's/^/    /'
	printf '%s\n' "$stamp" >"$dir/.built"
	say "nginx: $way build took $(($(now) - t0))s"
}

build linux "" "" || exit 1
build epollkq "$EKQ_CFLAGS" "$EKQ_LIBS $EKQ_LDFLAGS" "$EKQ_STAMP" || exit 1
check_reaches_libc "$CLIENTS_DIR/build/nginx-linux/objs/nginx" || exit 1
check_reaches_epollkq "$CLIENTS_DIR/build/nginx-epollkq/objs/nginx" || exit 1

# One run directory per build: configuration, document root, logs, pid.
port=$(free_port 18080) || die "nginx: no free port"
pids=
start() {
	way=$1 port=$2
	run=$CLIENTS_DIR/run/nginx-$way
	rm -rf "$run"
	mkdir -p "$run/logs" "$run/html"
	# A 4 KiB static file.
	awk 'BEGIN { for (i = 0; i < 64; i++) printf "%063d\n", i }' >"$run/html/index.html"
	cat >"$run/nginx.conf" <<EOF
# nginx's defaults except for paths, port and the 2 workers.
worker_processes 2;
daemon off;
pid $run/nginx.pid;
error_log $run/logs/error.log notice;
events { worker_connections 1024; }
http {
	access_log off;
	server {
		listen 127.0.0.1:$port;
		root $run/html;
	}
}
EOF
	# daemon off: the master stays our child, and timeout(1) bounds its
	# life should we never get to stop it.
	timeout -k 5 900 "$CLIENTS_DIR/build/nginx-$way/objs/nginx" \
	    -p "$run/" -c "$run/nginx.conf" >"$run/logs/stdout" 2>&1 &
	eval "pid_$way=$!"
	i=0
	while ! ss -Htln 2>/dev/null | awk '{ print $4 }' | grep -q "^127.0.0.1:$port\$"; do
		i=$((i + 1))
		[ $i -le 100 ] || { say "nginx: $way did not listen on $port"; cat "$run/logs/error.log"; return 1; }
		sleep 0.1
	done
	say "nginx: $way listening on 127.0.0.1:$port, workers: $(pgrep -c -P "$(cat "$run/nginx.pid")")"
}

# stop WAY: a graceful shutdown (SIGQUIT), which must complete in 10 s.
stop() {
	way=$1
	eval "pid=\$pid_$way"
	master=$(cat "$CLIENTS_DIR/run/nginx-$way/nginx.pid" 2>/dev/null)
	[ -n "$master" ] && kill -QUIT "$master" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			say "nginx: $way did not stop on SIGQUIT in 10 s"
			kill -KILL "$pid" ${master:+"$master"} 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	return 0
}

port_linux=$port
port_epollkq=$(free_port $((port + 1))) || die "nginx: no free port"
ok_start=pass
start linux "$port_linux" || ok_start=fail
start epollkq "$port_epollkq" || ok_start=fail

# ab_round WAY ROUND: one bounded load run; the verdict in $outcome, the
# requests per second in $rps.
ab_round() {
	way=$1 r=$2
	eval "p=\$port_$way"
	out=$log/ab-$way-$r.log
	timeout -k 5 300 ab -q -n "$REQUESTS" -c "$CONCURRENCY" -s 20 \
	    "http://127.0.0.1:$p/index.html" >"$out" 2>&1
	rc=$?
	complete=$(sed -n 's/^Complete requests: *//p' "$out")
	failed=$(sed -n 's/^Failed requests: *//p' "$out")
	non2xx=$(sed -n 's/^Non-2xx responses: *//p' "$out")
	rps=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$out")
	if [ $rc -eq 0 ] && [ "$complete" = "$REQUESTS" ] && [ "$failed" = 0 ] && [ -z "$non2xx" ]; then
		outcome=pass
	else
		outcome=fail
		say "nginx: $way round $r: ab exit $rc, complete ${complete:-?}/$REQUESTS, failed ${failed:-?}, non-2xx ${non2xx:-0}"
		tail -5 "$out"
	fi
	: "${rps:=0}"
}

t0=$(now)
if [ $ok_start = pass ]; then
	# A short warm-up each, not counted.
	ab -q -n 200 -c 10 "http://127.0.0.1:$port_linux/index.html" >/dev/null 2>&1
	ab -q -n 200 -c 10 "http://127.0.0.1:$port_epollkq/index.html" >/dev/null 2>&1
	r=1
	printf '%-8s %14s %14s %8s\n' round "linux req/s" "epollkq req/s" ratio >"$log/rps.txt"
	while [ $r -le "$ROUNDS" ]; do
		ab_round linux $r; l=$outcome; lr=$rps
		ab_round epollkq $r; e=$outcome; er=$rps
		record "nginx:ab-round-$r" "$l" "$e" "linux ${lr}/s epollkq ${er}/s"
		awk -v r=$r -v l="$lr" -v e="$er" 'BEGIN {
			printf "%-8s %14.0f %14.0f %8.2f\n", r, l, e, (l > 0 ? e / l : 0) }' >>"$log/rps.txt"
		say "nginx: round $r: linux $l ${lr} req/s, epollkq $e ${er} req/s"
		r=$((r + 1))
	done
fi
ls=pass; es=pass
stop linux || ls=fail
stop epollkq || es=fail
record nginx:start "$ok_start" "$ok_start"
record nginx:graceful-stop "$ls" "$es"
for way in linux epollkq; do
	errlog=$CLIENTS_DIR/run/nginx-$way/logs/error.log
	if grep -q '\[\(alert\|emerg\|crit\)\]' "$errlog"; then
		say "nginx: $way error log:"; grep '\[\(alert\|emerg\|crit\)\]' "$errlog" | head -10
		eval "err_$way=fail"
	else
		eval "err_$way=pass"
	fi
done
record nginx:error-log "$err_linux" "$err_epollkq"
say "nginx: load took $(($(now) - t0))s ($ROUNDS rounds of ab -n $REQUESTS -c $CONCURRENCY each way)"

if [ -f "$log/rps.txt" ]; then
	cat "$log/rps.txt"
	awk 'NR > 1 { l += $2; e += $3; n++ }
	    END { if (n && l > 0) printf "nginx: mean linux %.0f req/s, epollkq %.0f req/s, epollkq/linux %.2f\n", l / n, e / n, e / l }' \
	    "$log/rps.txt"
fi
report_results nginx
