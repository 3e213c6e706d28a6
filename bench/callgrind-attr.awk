# Instructions by layer, from `callgrind_annotate --tree=caller
# --inclusive=no`: every function's own instructions go to the layer its
# source file is in (lib/, compat/, bench/).  A function of none of them
# (libc: pthread_mutex_lock, poll(), the syscall wrappers) works for its
# callers, so its instructions are shared out among them in proportion to
# what each call cost, up the call graph until a layer is reached: lib/'s
# figure then includes the libc work lib/ asks for, and compat/'s the libc
# work compat/ asks for -- the syscalls themselves are not instructions
# callgrind sees.
#
# Prints one line: lib compat bench unattributed (instructions).

function layer(f) {
	if (f ~ /(^|\/)lib\//) return "lib"
	if (f ~ /(^|\/)compat\//) return "compat"
	if (f ~ /(^|\/)bench\//) return "bench"
	return ""
}

# "file:function (123x) [object]" -> "file:function"
function fkey(s) {
	sub(/ \[[^]]*\]$/, "", s)
	sub(/ \([0-9,]+x\)$/, "", s)
	return s
}

function num(s) {
	gsub(/,/, "", s)
	return s + 0
}

# Share of function f's instructions that layer l accounts for.
function share(f, l,    i, c, w, tot, part, lc) {
	if ((f, l) in memo)
		return memo[f, l]
	if (layer(f) != "")
		return layer(f) == l
	if (f in busy)
		return 0 # a cycle among helpers: left unattributed
	busy[f] = 1
	tot = 0
	part = 0
	for (i = 1; i <= ncallers[f]; i++) {
		c = caller[f, i]
		w = ccost[f, i]
		tot += w
		lc = layer(c)
		part += w * (lc != "" ? lc == l : share(c, l))
	}
	delete busy[f]
	memo[f, l] = tot > 0 ? part / tot : 0
	return memo[f, l]
}

/^ *[0-9,]+ \( *[0-9.]+%\)  < / {
	line = $0
	sub(/^ *[0-9,]+ \( *[0-9.]+%\)  < /, "", line)
	pend[++npend] = fkey(line)
	pendw[npend] = num($1)
	next
}

/^ *[0-9,]+ \( *[0-9.]+%\)  \*  / {
	line = $0
	sub(/^ *[0-9,]+ \( *[0-9.]+%\)  \*  /, "", line)
	f = fkey(line)
	self[f] += num($1)
	for (i = 1; i <= npend; i++) {
		n = ++ncallers[f]
		caller[f, n] = pend[i]
		ccost[f, n] = pendw[i]
	}
	npend = 0
	next
}

/^$/ { npend = 0 }

END {
	split("lib compat bench", layers, " ")
	for (f in self) {
		rest = self[f]
		for (k = 1; k <= 3; k++) {
			s = self[f] * share(f, layers[k])
			total[layers[k]] += s
			rest -= s
		}
		unattributed += rest
	}
	printf "%.0f %.0f %.0f %.0f\n", total["lib"], total["compat"],
	    total["bench"], unattributed
}
