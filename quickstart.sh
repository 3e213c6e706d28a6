#!/bin/sh
# epollkq quick start: install what is missing, configure, build, and run
# the main job.  Debian/Ubuntu (apt), macOS (Homebrew), FreeBSD and
# DragonFly (pkg), NetBSD (pkgin) and OpenBSD (pkg_add; not yet tried).
set -eu
cd "$(dirname "$0")"

have() { command -v "$1" >/dev/null 2>&1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; elif have sudo; then sudo "$@"; else
		echo "quickstart: need root to run: $*" >&2; exit 1; fi
}

deps_missing() {
	for tool in autoconf automake libtoolize pkg-config make cc; do
		have "$tool" || return 0
	done
	have glibtoolize || have libtoolize || return 0
	pkg-config --exists check || return 0
	return 1
}

if deps_missing; then
	echo "quickstart: installing build dependencies"
	if have apt-get; then
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    autoconf automake libtool pkg-config check make gcc
	elif have brew; then
		brew install autoconf automake libtool pkg-config check
	elif have pkg; then    # FreeBSD, DragonFly
		as_root pkg install -y autoconf automake libtool pkgconf check gmake
	elif have pkgin; then  # NetBSD
		as_root pkgin -y install autoconf automake libtool-base pkgconf check gmake
	elif have pkg_add; then # OpenBSD (pkg-config is in its base system)
		as_root pkg_add -I autoconf%2.71 automake%1.16 libtool check gmake
	else
		echo "quickstart: install autoconf, automake, libtool, pkg-config and check" >&2
		exit 1
	fi
fi

# CI also builds the epoll-shim names (--enable-epoll-shim-compat), whose
# test needs meson and ninja.
if [ -n "${CI:-}" ] && ! { have meson && { have ninja || have ninja-build; }; }; then
	echo "quickstart: installing meson and ninja (CI)"
	if have apt-get; then
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq meson ninja-build
	elif have brew; then
		brew install meson ninja
	elif have pkg; then
		as_root pkg install -y meson ninja
	else
		echo "quickstart: install meson and ninja" >&2
		exit 1
	fi
fi

MAKE=make
have gmake && MAKE=gmake
jobs=$( (getconf _NPROCESSORS_ONLN || sysctl -n hw.ncpu || echo 2) 2>/dev/null)

# Build, and install into a scratch prefix inside the tree.
prefix="$PWD/_install"
# OpenBSD installs autoconf and automake by version, and asks which.
if have pkg_add && [ -z "${AUTOCONF_VERSION:-}" ]; then
	AUTOCONF_VERSION=2.71 AUTOMAKE_VERSION=1.16
	export AUTOCONF_VERSION AUTOMAKE_VERSION
fi
autoreconf -fi
# CI builds treat warnings as errors, and install and test the epoll-shim
# names too.
./configure --prefix="$prefix" ${CI:+--enable-werror --enable-epoll-shim-compat} \
    ${EPOLLKQ_CONFIGURE_FLAGS:-}
$MAKE -j"$jobs"
$MAKE install

# The main job: examples/echo-server.c, a plain Linux epoll program, built
# against the installed epollkq with nothing but pkg-config, serving a
# client it starts itself.
PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
libdir=$(pkg-config --variable=libdir epollkq)
echo "quickstart: cc examples/echo-server.c \$(pkg-config --cflags --libs epollkq)"
mkdir -p "$prefix/bin"
${CC:-cc} -o "$prefix/bin/echo-server" examples/echo-server.c \
    $(pkg-config --cflags --libs epollkq) -Wl,-rpath,"$libdir"
"$prefix/bin/echo-server"
