#!/bin/sh
# Instructions per epoll_wait() (and per event it returns) and per
# epoll_ctl(), counted by callgrind: unlike times, the same on a quiet
# machine and a busy one, so a change to lib/ shows in them at once.
#
# usage: callgrind-report.sh BENCH-BUILD-DIR [OUTPUT.md]
#
# Each figure comes from its own small run (-q) of a workload, one way,
# one configuration, with callgrind collecting only inside the workload's
# timed function (pp_run, burst_drain, churn_add_ekq, ...).  The
# instructions are split by layer (bench/callgrind-attr.awk): lib/ (with
# the libc work it asks for), and compat/, which on Linux stands in for the
# kernel's kqueue.  The same job through raw kevent() shows what compat/
# costs when lib/ is not there: the two compat/ columns differ by the
# extra kqueue work lib/ makes.
set -eu

bin=${1:?usage: callgrind-report.sh BENCH-BUILD-DIR [OUTPUT.md]}
out=${2:-$bin/callgrind.md}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v valgrind >/dev/null 2>&1 ||
    ! command -v callgrind_annotate >/dev/null 2>&1; then
	echo "callgrind-report.sh: valgrind is not installed" \
	    "(Debian: apt-get update && apt-get install valgrind)" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ekq-cg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# run PROGRAM WAY CONFIG TOGGLE: prints "lib compat bench rest" and the
# tally of that run ("waits events adds mods dels").
run() {
	rm -f "$tmp/t.tsv"
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
	    --toggle-collect="$4" "$bin/$1" -q -r 1 -w "$2" -c "$3" \
	    -t "$tmp/t.tsv" >"$tmp/stdout" 2>"$tmp/stderr" || {
		cat "$tmp/stderr" >&2
		echo "callgrind-report.sh: $1 -w $2 -c $3 failed" >&2
		exit 1
	}
	layers=$(callgrind_annotate --tree=caller --inclusive=no \
	    --threshold=100 "$tmp/cg.out" 2>/dev/null |
	    awk -f "$here/callgrind-attr.awk")
	tally=$(awk -F '\t' -v w="$2" '$1 == "tally" && $3 == w {
	    print $4, $5, $6, $7, $8 }' "$tmp/t.tsv")
	echo "$layers $tally"
}

# per LIB COMPAT COUNT: instructions per call, rounded
per() {
	awk -v a="$1" -v n="$2" 'BEGIN { printf "%.0f", (n > 0 ? a / n : 0) }'
}

{
	echo "Instructions (callgrind, Ir) per call, by layer: lib/ is epollkq"
	echo "itself, compat/ is the kqueue emulation that stands in for a BSD"
	echo "kernel on Linux; libc work is charged to the layer that asked for"
	echo "it.  Small runs (-q): figures do not depend on the machine's load."
	echo
	echo "| epoll_wait | events/wait | lib/ per wait | lib/ per event" \
	    "| compat/ per wait, epollkq | compat/ per wait, raw kevent |"
	echo "|---|---:|---:|---:|---:|---:|"
	for c in pingpong:idle=0 pingpong:idle=max burst:level-64 \
	    burst:level-1024 burst:edge-64 burst:edge-1024; do
		prog=${c%%:*}
		conf=${c#*:}
		case $prog in
		pingpong) fn=pp_run name="ping-pong $conf" ;;
		burst) fn=burst_drain name="burst $conf" ;;
		esac
		set -- $(run "$prog" epollkq "$conf" "$fn")
		e_lib=$1 e_compat=$2 e_waits=$5 e_events=$6
		set -- $(run "$prog" kevent "$conf" "$fn")
		k_compat=$2 k_waits=$5
		echo "| $name | $(per "$e_events" "$e_waits")" \
		    "| $(per "$e_lib" "$e_waits") | $(per "$e_lib" "$e_events")" \
		    "| $(per "$e_compat" "$e_waits")" \
		    "| $(per "$k_compat" "$k_waits") |"
	done
	echo
	echo "| epoll_ctl | lib/ per call | compat/ per call, epollkq" \
	    "| compat/ per call, raw kevent |"
	echo "|---|---:|---:|---:|"
	for conf in N=1000 N=max; do
		for op in add mod del; do
			set -- $(run churn epollkq "$conf" "churn_${op}_ekq")
			e_lib=$1 e_compat=$2
			case $op in add) n=$7 ;; mod) n=$8 ;; del) n=$9 ;; esac
			set -- $(run churn kevent "$conf" "churn_${op}_kq")
			k_compat=$2
			case $op in add) k=$7 ;; mod) k=$8 ;; del) k=$9 ;; esac
			OP=$(echo "$op" | tr a-z A-Z)
			echo "| $OP, $conf | $(per "$e_lib" "$n")" \
			    "| $(per "$e_compat" "$n") | $(per "$k_compat" "$k") |"
		done
	done
} >"$tmp/report.md"

cp "$tmp/report.md" "$out"
cat "$out"
