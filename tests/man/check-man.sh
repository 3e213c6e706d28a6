#!/bin/sh
# epollkq(7): renders without warnings, and lists every row of README's
# "Where epollkq differs from Linux" table, so the two cannot drift apart.
srcdir=${top_srcdir:-.}
page=$srcdir/man/epollkq.7
readme=$srcdir/README.md
NWORDS=5   # a row is known by the first words of its "Behaviour" cell
fail=0

# 1. Rendering.  man(1) is what users run; groff is the fallback.
if command -v man >/dev/null 2>&1; then
  out=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
elif command -v groff >/dev/null 2>&1; then
  out=$(LC_ALL=C groff -man -Tutf8 -ww -z "$page" 2>&1)
else
  echo "check-man: neither man nor groff is installed; cannot check $page" >&2
  exit 1
fi
if [ -n "$out" ]; then
  echo "check-man: $page renders with warnings:"
  printf '%s\n' "$out"
  fail=1
fi

# Lower case, one space between words, first $NWORDS words.
key() { tr 'A-Z' 'a-z' | tr -s ' \t' '  ' | sed 's/^ //' | cut -d' ' -f1-$NWORDS; }

# 2. The man page as one line of plain words: comments and layout-only
# requests dropped, font macros kept for their text, escapes removed.
text=$(sed -e '/^\.\\"/d' -e '/^\.[A-Za-z]*$/d' -e '/^\.TH /d' -e '/^\.SH /d' -e '/^\.in /d' \
           -e 's/^\.[A-Z][A-Z]* //' -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' \
           -e 's/\\c$//' -e 's/\\&//g' -e 's/"//g' "$page" |
       tr '\n' ' ' | tr 'A-Z' 'a-z' | tr -s ' \t' '  ')

# README's table: rows between its heading and the next one; the first
# cell, with backticks, bold and markdown escapes removed.
rows=$(awk '/^## Where epollkq differs from Linux/ { on = 1; next }
            /^## / { on = 0 }
            on && /^\| / && !/^\| Behaviour \|/ && !/^\|---/' "$readme" |
       sed -e 's/\\|/\//g' | cut -d'|' -f2 |
       sed -e 's/`//g' -e 's/\*\*//g' -e 's/\\//g')
[ -n "$rows" ] || { echo "check-man: no rows found in $readme's difference table"; exit 1; }

n=0
while IFS= read -r row; do
  n=$((n + 1))
  k=$(printf '%s\n' "$row" | key)
  case " $text " in
    *" $k"*) ;;
    *) echo "check-man: README row not in $page: $k"; fail=1 ;;
  esac
done <<EOF_ROWS
$rows
EOF_ROWS
echo "check-man: $n rows of README's difference table checked"
exit $fail
