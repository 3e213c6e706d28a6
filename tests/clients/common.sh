# tests/clients/common.sh: helpers shared by the client scripts; sourced,
# never run.  POSIX sh.
#
# Each client (libevent, nginx, Redis) is real software written against
# Linux's epoll.  Its Debian source package is fetched at run time (we never
# commit another project's source), built twice from the same unmodified
# source -- once against Linux's own epoll and once against the installed
# epollkq, differing only in build flags -- and its own tests run on both
# builds.  A test that fails on both builds in the same run is the
# machine's doing (no DNS here, a loaded CI runner), not ours: it is
# reported but not counted.  A test that fails only against epollkq is a
# bug in epollkq.
#
# The environment (set by `make check-clients`, tests/clients/local.mk):
#   abs_top_builddir, abs_top_srcdir
#   EKQ_PREFIX   where epollkq is installed (default $abs_top_builddir/_install)
#   CLIENTS_DIR  the cache and work area (default $abs_top_builddir/_clients)

: "${abs_top_builddir:?run me from make check-clients}"
: "${abs_top_srcdir:=$abs_top_builddir}"
EKQ_PREFIX=${EKQ_PREFIX:-$abs_top_builddir/_install}
CLIENTS_DIR=${CLIENTS_DIR:-$abs_top_builddir/_clients}
# Two cores, shared with whoever else is testing: never more than -j2.
CLIENTS_JOBS=${CLIENTS_JOBS:-2}
export EKQ_PREFIX CLIENTS_DIR

# Debian's archive, as /etc/apt/sources.list.d/debian.sources names it for
# binaries; we ask it for sources only.
CLIENTS_APT_URI=${CLIENTS_APT_URI:-http://deb.debian.org/debian}
CLIENTS_APT_SUITES=${CLIENTS_APT_SUITES:-bookworm bookworm-updates}

say() { printf '%s\n' "clients: $*"; }
die() { printf '%s\n' "clients: $*" >&2; exit 1; }
now() { date +%s; }

# Quiet heavy work: builds run niced so the machine's other users keep
# their share.
nicely() { nice -n 10 "$@"; }

# ---------------------------------------------------------------------------
# epollkq's flags, from the installed epollkq.pc and nothing else, as a user
# of the library would get them.  --define-prefix makes the .pc describe the
# prefix it was found in, even when `make install prefix=...` put it there
# and configure was told another prefix.
ekq_pkg_config() {
	PKG_CONFIG_PATH="$EKQ_PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
	    pkg-config $EKQ_PC_DEFINE_PREFIX "$@" epollkq
}
EKQ_PC_DEFINE_PREFIX=
if pkg-config --help 2>&1 | grep -q -- --define-prefix; then
	EKQ_PC_DEFINE_PREFIX=--define-prefix
fi

ekq_flags() {
	ekq_pkg_config --exists ||
	    die "no epollkq.pc under $EKQ_PREFIX/lib/pkgconfig (make install prefix=$EKQ_PREFIX)"
	EKQ_CFLAGS=$(ekq_pkg_config --cflags)
	EKQ_LIBS=$(ekq_pkg_config --libs)
	EKQ_LIBDIR=$(ekq_pkg_config --variable=libdir)
	# The rpath makes the binaries find the library we just installed,
	# not whatever the loader would find on its own.
	EKQ_LDFLAGS="-Wl,-rpath,$EKQ_LIBDIR"
	# A fingerprint of what an epollkq build was built against: rebuild
	# when the header or the flags change.  The library itself is shared
	# and found through the rpath, so a new one needs no relink.
	EKQ_STAMP=$(printf '%s\n' "$EKQ_CFLAGS $EKQ_LIBS $EKQ_LDFLAGS" |
	    cat - "$EKQ_PREFIX/include/epollkq/sys/epoll.h" | cksum)
}

# ---------------------------------------------------------------------------
# Packages this run needs from the binary archive (build tools, ab, tcl).
# Installed only when missing, and only as root.
need_debs() {
	missing=
	for deb in "$@"; do
		dpkg-query -W -f='${Status}\n' "$deb" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $deb"
	done
	[ -n "$missing" ] || return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages:$missing (need root to install)"
	say "installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing \
	    >"$CLIENTS_DIR/apt-install.log" 2>&1 ||
	    { tail -20 "$CLIENTS_DIR/apt-install.log"; die "apt-get install$missing failed"; }
}

# compile_once: put ccache in front of the compilers for the builds.  The
# two builds of a client compile one source with flags that differ only in
# epollkq's include directory and libraries, so a file that includes none
# of our headers, and uses none of what configure found differently,
# preprocesses to the same text both ways, and ccache (which keys on that
# text) compiles it once; a file that does see a header of ours is
# compiled for each build.  Paths under $CLIENTS_DIR are made relative
# (CCACHE_BASEDIR), and the working directory is kept out of the key: the
# debug information of the second build may name the first one's
# directory, which nothing here reads.  The cache lives in
# $CLIENTS_DIR/ccache.  Without Debian's /usr/lib/ccache, builds compile
# everything twice, as before.
compile_once() {
	need_debs ccache
	[ -d /usr/lib/ccache ] || return 0
	PATH=/usr/lib/ccache:$PATH
	CCACHE_DIR=$CLIENTS_DIR/ccache CCACHE_BASEDIR=$CLIENTS_DIR
	CCACHE_NOHASHDIR=1
	export PATH CCACHE_DIR CCACHE_BASEDIR CCACHE_NOHASHDIR
}

# fetch_source NAME: extract Debian's source package NAME (with Debian's
# patches applied, as Debian builds it) into $CLIENTS_DIR/src/NAME, once.
# apt-get is pointed at a sources directory of our own holding one deb-src
# entry, and at lists of its own, so the machine's apt configuration is
# neither needed nor touched.  The download is cached under
# $CLIENTS_DIR/dl, the extracted tree under $CLIENTS_DIR/src.
fetch_source() {
	name=$1
	src=$CLIENTS_DIR/src/$name
	if [ -f "$src/.extracted" ]; then
		return 0
	fi
	need_debs dpkg-dev
	apt=$CLIENTS_DIR/apt
	mkdir -p "$apt/sources" "$apt/lists/partial" "$CLIENTS_DIR/dl" "$CLIENTS_DIR/src"
	cat >"$apt/sources/debsrc.sources" <<EOF
Types: deb-src
URIs: $CLIENTS_APT_URI
Suites: $CLIENTS_APT_SUITES
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	set -- -o Dir::Etc::SourceParts="$apt/sources" \
	    -o Dir::Etc::SourceList=/dev/null \
	    -o Dir::State::Lists="$apt/lists"
	if ! ls "$apt/lists/"*Sources* >/dev/null 2>&1; then
		say "apt-get update (deb-src only, lists in $apt/lists)"
		apt-get "$@" update >"$apt/update.log" 2>&1 ||
		    { tail -20 "$apt/update.log"; die "apt-get update failed"; }
	fi
	dsc=$(ls "$CLIENTS_DIR/dl/${name}_"*.dsc 2>/dev/null | tail -1)
	if [ -z "$dsc" ]; then
		say "apt-get source --download-only $name"
		(cd "$CLIENTS_DIR/dl" && apt-get "$@" source --download-only "$name") \
		    >"$CLIENTS_DIR/dl/$name.log" 2>&1 ||
		    { tail -20 "$CLIENTS_DIR/dl/$name.log"; die "apt-get source $name failed"; }
		dsc=$(ls "$CLIENTS_DIR/dl/${name}_"*.dsc | tail -1)
	fi
	rm -rf "$src"
	dpkg-source --no-check -x "$dsc" "$src" >"$CLIENTS_DIR/dl/$name.extract.log" 2>&1 ||
	    { tail -20 "$CLIENTS_DIR/dl/$name.extract.log"; die "dpkg-source -x $dsc failed"; }
	basename "$dsc" .dsc >"$src/.extracted"
}

# fresh_build_tree CLIENT WAY STAMP: for clients that build inside their
# source tree, $CLIENTS_DIR/build/CLIENT-WAY as a new copy of the extracted
# source, in $dir.  Returns 1 (and prints so) when the tree there was built
# already with the same STAMP (source and flags), so it is kept as it is.
fresh_build_tree() {
	dir=$CLIENTS_DIR/build/$1-$2
	if [ -f "$dir/.built" ] && [ "$(cat "$dir/.built")" = "$3" ]; then
		say "$1: $2 build is up to date"
		return 1
	fi
	say "$1: building against $2"
	rm -rf "$dir"
	# Not "return 1": callers take that for "up to date".
	mkdir -p "$CLIENTS_DIR/build" && cp -R "$CLIENTS_DIR/src/$1" "$dir" ||
	    die "$1: cannot copy the source to $dir"
}

# ---------------------------------------------------------------------------
# check_reaches_epollkq FILE...: the epollkq build must call epollkq, not
# libc's epoll.  Each file's dynamic symbols must include ekq_epoll_* and
# no plain epoll_create/epoll_create1/epoll_ctl/epoll_wait/epoll_pwait
# (libc's).  Fails (non-zero) otherwise, saying which.
check_reaches_epollkq() {
	rc=0
	for f in "$@"; do
		syms=$(nm -D "$f" 2>/dev/null) || { say "nm -D $f failed"; rc=1; continue; }
		ekq=$(printf '%s\n' "$syms" | awk '$NF ~ /^ekq_epoll_/ { print $NF }' | sort -u | tr '\n' ' ')
		libc=$(printf '%s\n' "$syms" |
		    awk '{ s = $NF; sub(/@.*/, "", s) }
		         s ~ /^epoll_(create1?|ctl|p?wait2?)$/ { print $NF }' | sort -u | tr '\n' ' ')
		if [ -z "$ekq" ] || [ -n "$libc" ]; then
			say "$(basename "$f") does NOT reach epollkq: ekq [${ekq% }] libc [${libc% }]"
			rc=1
		else
			say "$(basename "$f") reaches epollkq: ${ekq% }"
		fi
	done
	return $rc
}

# check_reaches_libc FILE...: and the plain build must use libc's epoll,
# or the comparison compares nothing.
check_reaches_libc() {
	rc=0
	for f in "$@"; do
		if nm -D "$f" 2>/dev/null | grep -q ' ekq_epoll_'; then
			say "$(basename "$f"): the Linux build references epollkq"; rc=1
		elif ! nm -D "$f" 2>/dev/null | grep -q ' epoll_wait\| epoll_ctl'; then
			say "$(basename "$f"): the Linux build has no epoll_* symbols"; rc=1
		else
			say "$(basename "$f") (Linux build) reaches libc: $(nm -D "$f" |
			    awk '$NF ~ /^epoll_/ { print $NF }' | sort -u | tr '\n' ' ')"
		fi
	done
	return $rc
}

# ---------------------------------------------------------------------------
# Results.  Each client records one line per test in $RESULTS:
#     NAME LINUX EKQ [NOTE...]
# LINUX and EKQ are pass, fail or skip; EKQ is "flaky" for a test that
# failed against epollkq only and passed when run again.  report_results prints them side
# by side and adds up the epollkq side.
results_init() {
	RESULTS=$CLIENTS_DIR/results/$1.txt
	mkdir -p "$CLIENTS_DIR/results"
	: >"$RESULTS"
}
record() { printf '%s\n' "$*" >>"$RESULTS"; }

# report_results CLIENT: the table (everything that was not "pass" on both
# sides, and a count of the rest), then one line
#     CLIENT: N passed, N failed (epollkq); K also failed on Linux, not counted; S skipped
# Returns non-zero if anything failed against epollkq only.
report_results() {
	awk -v client="$1" '
	{
		name = $1; l = $2; e = $3
		note = ""; for (i = 4; i <= NF; i++) note = note " " $i
		if (l == "pass" && e == "pass") { both++ }
		else printf "  %-48s linux %-5s epollkq %-5s%s\n", name, l, e, note
		if (e == "pass") passed++
		else if (e == "skip") skipped++
		else if (e == "flaky") { flaky++; fl = fl " " name }
		else if (l == "fail") { alsolinux++ }
		else { failed++; bad = bad " " name }
		if (l == "pass") lp++; else if (l == "fail") lf++
	}
	END {
		printf "  (%d more passed on both)\n", both
		printf "%s: linux epoll: %d passed, %d failed\n", client, lp, lf
		printf "%s: epollkq:     %d passed, %d failed; %d also failed on Linux (not counted); %d skipped; %d failed once, passed on rerun (not counted)\n",
		    client, passed, failed, alsolinux, skipped, flaky
		if (flaky) printf "%s: failed once against epollkq only, passed on rerun:%s\n", client, fl
		if (failed) printf "%s: FAILED ONLY AGAINST EPOLLKQ:%s\n", client, bad
		exit(failed ? 1 : 0)
	}' "$RESULTS"
}

# A TCP port on 127.0.0.1 that nothing listens on now (ss, from iproute2).
# Each caller starts from its own base, so two clients never race for one.
free_port() {
	port=$1
	while [ "$port" -lt 60000 ]; do
		if ! ss -Htan 2>/dev/null | awk '{ print $4 }' | grep -q ":$port\$"; then
			echo "$port"; return 0
		fi
		port=$((port + 1))
	done
	return 1
}
