#!/bin/sh
# tests/epoll/differences.tsv, the table of the places where epollkq differs
# from Linux, put to use:
#   differences.sh header    C initialiser: each profile's tags (the rows
#                            whose epollkq behaviour its cases assert)
#   differences.sh readme    README's table, as markdown rows
#   differences.sh check     (a test) README's table is the data's, every
#                            profile named exists, and every tag the data
#                            names is a tests/epoll tag and the reverse
srcdir=${top_srcdir:-.}
tsv=$srcdir/tests/epoll/differences.tsv
profiles="linux-compat freebsd macos netbsd openbsd dragonfly"
rows() { grep -v '^#' "$tsv"; }

case $1 in
header)
	for p in $profiles; do
		tags=$(rows | awk -F '\t' -v p="$p" '
			{ n = split($2, a, " "); for (i = 1; i <= n; i++)
				if (a[i] == p) printf "%s%s", sep, $1, sep = " " }')
		printf '{ "%s", "%s" },\n' "$p" "$tags"
	done ;;
readme)
	rows | awk -F '\t' '{ printf "| %s | %s | %s | %s | %s |\n", $3, $4, $5, $6, $7 }' ;;
check)
	fail=0
	tab=$(mktemp) && want=$(mktemp) || exit 1
	trap 'rm -f "$tab" "$want"' EXIT
	awk '/^## Where epollkq differs from Linux/ { on = 1; next }
	     /^## / { on = 0 }
	     on && /^\| / && !/^\| Behaviour \|/' "$srcdir/README.md" >"$tab"
	"$0" readme >"$want"
	if ! cmp -s "$tab" "$want"; then
		echo "differences: README's table is not tests/epoll/differences.tsv's (- README, + data):"
		diff -u "$tab" "$want" | sed -n '3,$p'
		fail=1
	fi
	if rows | awk -F '\t' 'NF != 7 { exit 1 }'; then :; else
		echo "differences: a row has not 7 tab-separated fields"; fail=1
	fi
	for p in $(rows | cut -f2 | tr ' ' '\n' | sort -u); do
		case " $profiles - " in *" $p "*) ;;
		*) echo "differences: unknown profile '$p'"; fail=1 ;; esac
	done
	used=$(cat "$srcdir"/tests/epoll/*.c | grep -o '"diff-[a-z0-9-]*"' | tr -d '"' | sort -u)
	listed=$(rows | cut -f1 | grep -v '^-$' | sort -u)
	for t in $used; do
		case " $(echo $listed) " in *" $t "*) ;;
		*) echo "differences: tests/epoll tag $t has no row"; fail=1 ;; esac
	done
	for t in $listed; do
		case " $(echo $used) " in *" $t "*) ;;
		*) echo "differences: row tag $t tags no tests/epoll case"; fail=1 ;; esac
	done
	echo "differences: $(rows | wc -l | tr -d ' ') rows checked"
	exit $fail ;;
*)
	echo "usage: $0 header|readme|check" >&2; exit 2 ;;
esac
