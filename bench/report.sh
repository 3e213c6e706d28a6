#!/bin/sh
# Run every workload once (each one interleaves its ways and repetitions),
# then judge the targets from that one run's ratios.
#
# usage: report.sh [-n] BENCH-BUILD-DIR BENCH-SOURCE-DIR [README]
#
#   -n      print only: the workloads' tables and the targets (make bench)
#   else    also write BENCH-SOURCE-DIR/REPORT.md and cost.svg, with the
#           callgrind figures when valgrind is there, and replace the text
#           between <!-- bench-report:begin --> and <!-- bench-report:end -->
#           in README (when given, and when it has both markers)
#
# Only ratios between figures of the same run are claims: the absolute
# times in the tables say what this machine did while it was measured.
set -eu

write=yes
if [ "${1:-}" = -n ]; then
	write=no
	shift
fi
bin=${1:?usage: report.sh [-n] BENCH-BUILD-DIR BENCH-SOURCE-DIR [README]}
src=${2:?usage: report.sh [-n] BENCH-BUILD-DIR BENCH-SOURCE-DIR [README]}
readme=${3:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ekq-report.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
tsv=$tmp/results.tsv
: >"$tsv"

start=$(date +%s)
for w in pingpong churn burst echo; do
	# BENCH_FLAGS: e.g. "-q -r 1" for a smoke run of the script itself.
	"$bin/$w" ${BENCH_FLAGS:-} -t "$tsv"
done
secs=$(($(date +%s) - start))

# ---- the machine ----
cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo \
    2>/dev/null | head -n 1)
[ -n "$cpu" ] || cpu=$(sysctl -n hw.model 2>/dev/null || echo unknown)
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null ||
    sysctl -n hw.ncpu 2>/dev/null || echo '?')
kernel="$(uname -s) $(uname -r)"
day=$(date -u +%Y-%m-%d)
machine="$cpu, $cores cores, $kernel, $day"

# ---- the targets, from the TSV ----
# targets.awk prints a markdown table; "FAIL" marks a missed target.
awk -F '\t' '
function row(what, r, lim, note) {
	if (r == 0)
		printf "| %s | - | %.2f | not measured |\n", what, lim
	else
		printf "| %s | %.3f | %.2f | %s%s |\n", what, r, lim,
		    (r <= lim ? "holds" : "**missed**"), note
}
$1 == "result" {
	val[$2 SUBSEP $3 SUBSEP $5 SUBSEP $6] = $7
	if (!(($2, $3) in seen)) {
		seen[$2, $3] = 1
		order[++n] = $2 SUBSEP $3
	}
	head[$2] = head[$2] == "" ? $6 : head[$2]
	xval[$2 SUBSEP $3] = $4
}
$1 == "note" { note[$2 SUBSEP $3] = $4 }
$1 == "ratio" { ek[$2 SUBSEP $3 SUBSEP $4] = $5 }
END {
	print "| target | ratio | limit | |"
	print "|---|---:|---:|---|"
	for (i = 1; i <= n; i++) {
		split(order[i], k, SUBSEP)
		m = head[k[1]]
		row("epollkq / kevent, " k[1] " " k[2] " (" m ")",
		    ek[k[1], k[2], m] + 0, 1.10, "")
	}
	split("linux epollkq kevent", ways, " ")
	for (j = 1; j <= 3; j++) {
		r = note["ping-pong" SUBSEP "idle_ratio_" ways[j]] + 0
		if (r > 0)
			row(ways[j] (j == 3 ? " wait, " : " epoll_wait, ") \
			    sprintf("%d", xval["ping-pong" SUBSEP "idle=max"]) \
			    " idle fds / none (ns/hop)", r, 1.2, "")
	}
	for (j = 1; j <= 3; j++) {
		r = note["churn" SUBSEP "n_ratio_" ways[j]] + 0
		if (r > 0)
			row(ways[j] " churn, N=" \
			    sprintf("%d", xval["churn" SUBSEP "N=max"]) \
			    " / N=1000 (ns/op)", r, 1.3, "")
	}
	if (("churn" SUBSEP "heap_lib") in note)
		printf "| lib/ heap per registered fd (bytes; compat/ adds %.0f) " \
		    "| %.1f | 64 | %s |\n", note["churn" SUBSEP "heap_compat"],
		    note["churn" SUBSEP "heap_lib"],
		    (note["churn" SUBSEP "heap_lib"] <= 64 ? "holds" : "**missed**")
}' "$tsv" >"$tmp/targets.md"

echo
echo "== targets (ratios from this run; medians of interleaved repetitions)"
echo "   $machine; workloads took ${secs}s"
echo
cat "$tmp/targets.md"

[ "$write" = yes ] || exit 0

# ---- the figures, one table per workload (headline metric) ----
awk -F '\t' '
$1 == "result" {
	key = $2 SUBSEP $3
	if (!(key in seen)) {
		seen[key] = 1
		order[++n] = key
	}
	if (!(($2, "m") in head))
		head[$2, "m"] = $6
	if ($6 == head[$2, "m"])
		v[key, $5] = $7
}
$1 == "ratio" && !(($2, $3, "ek") in rr) {
	rr[$2, $3, "ek"] = $5
	rr[$2, $3, "el"] = $6
	rr[$2, $3, "kl"] = $7
}
function r(x) { return x > 0 ? sprintf("%.3f", x) : "-" }
function f(x) { return x > 0 ? sprintf("%.1f", x) : "-" }
END {
	last = ""
	for (i = 1; i <= n; i++) {
		split(order[i], k, SUBSEP)
		if (k[1] != last) {
			printf "\n%s, %s (medians; ratios: medians of the " \
			    "per-repetition ratios):\n\n", k[1], head[k[1], "m"]
			print "| config | linux | epollkq | kevent | epollkq/kevent " \
			    "| epollkq/linux | kevent/linux |"
			print "|---|---:|---:|---:|---:|---:|---:|"
			last = k[1]
		}
		L = v[order[i], "linux"]
		E = v[order[i], "epollkq"]
		K = v[order[i], "kevent"]
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", k[2], f(L), f(E),
		    f(K), r(rr[order[i], "ek"]), r(rr[order[i], "el"]),
		    r(rr[order[i], "kl"])
	}
}' "$tsv" >"$tmp/figures.md"

cg="$tmp/callgrind.md"
if sh "$src/callgrind-report.sh" "$bin" "$cg" >/dev/null 2>"$tmp/cg.err"; then
	:
else
	{ echo "Not measured: callgrind-report.sh failed here:"; echo
	  sed 's/^/    /' "$tmp/cg.err"; } >"$cg"
fi

awk -F '\t' -f "$src/plot.awk" "$tsv" >"$tmp/cost.svg"

{
	echo "# epollkq benchmarks"
	echo
	echo "Generated by \`make bench-report\` (bench/report.sh); do not edit."
	echo
	echo "Machine: $machine.  Workloads: ${secs}s."
	echo "Only the ratios are claims: each comes from one run, in which"
	echo "every configuration was measured every way within each repetition"
	echo "(order rotated), and is a ratio of medians.  The absolute times"
	echo "are this machine's while it was measured; it may have been busy."
	echo
	echo "- linux: the kernel's epoll"
	echo "- epollkq: this library, on compat/'s kqueue (on Linux)"
	echo "- kevent: the same job written by hand with kevent() on the same"
	echo "  kqueue -- the floor for any epoll shim on it"
	echo
	echo "## Targets"
	echo
	cat "$tmp/targets.md"
	echo
	echo "## Figures"
	cat "$tmp/figures.md"
	echo
	echo "![cost vs idle fds and vs N](cost.svg)"
	echo
	echo "## Instructions (callgrind)"
	echo
	cat "$cg"
} >"$tmp/REPORT.md"

cp "$tmp/REPORT.md" "$src/REPORT.md"
cp "$tmp/cost.svg" "$src/cost.svg"
echo
echo "wrote $src/REPORT.md and $src/cost.svg"

# ---- the README section ----
if [ -n "$readme" ] && [ -f "$readme" ] &&
    grep -q '^<!-- bench-report:begin -->' "$readme" &&
    grep -q '^<!-- bench-report:end -->' "$readme"; then
	{
		echo "Figures from \`make bench-report\` on $machine"
		echo "(ratios from one run; full tables, plot and instruction"
		echo "counts in [bench/REPORT.md](bench/REPORT.md)):"
		echo
		cat "$tmp/targets.md"
		echo
		echo "![cost vs idle fds and vs N](bench/cost.svg)"
	} >"$tmp/section.md"
	awk -v sect="$tmp/section.md" '
	/^<!-- bench-report:begin -->/ {
		print
		while ((getline l < sect) > 0)
			print l
		skip = 1
		next
	}
	/^<!-- bench-report:end -->/ { skip = 0 }
	!skip' "$readme" >"$tmp/README"
	cat "$tmp/README" >"$readme"
	echo "updated the bench-report section of $readme"
fi
