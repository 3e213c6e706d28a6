# tests/clients/: real software built against Linux's epoll and against
# the installed epollkq, its own tests run on both.  `make check-clients`
# only; `make check` never runs it (it fetches Debian source packages and
# takes many minutes).  See tests/clients/common.sh.

EKQ_CLIENTS_PREFIX = $(abs_top_builddir)/_install
EKQ_CLIENT_FILES = \
	tests/clients/common.sh \
	tests/clients/run.sh \
	tests/clients/libevent.sh \
	tests/clients/nginx.sh \
	tests/clients/redis.sh \
	tests/clients/lighttpd.sh \
	tests/clients/wayland.sh
EXTRA_DIST += $(EKQ_CLIENT_FILES) tests/clients/local.mk

# CLIENTS="libevent nginx" runs only those.  The clients are built against
# epollkq as installed: quickstart.sh installs into ./_install; this
# (re)installs the library just built there, so the clients never test
# a stale copy.
check-clients: all
	$(MAKE) $(AM_MAKEFLAGS) install prefix='$(EKQ_CLIENTS_PREFIX)' >/dev/null
	abs_top_builddir='$(abs_top_builddir)' abs_top_srcdir='$(abs_top_srcdir)' \
	EKQ_PREFIX='$(EKQ_CLIENTS_PREFIX)' \
	    sh '$(top_srcdir)/tests/clients/run.sh' $(CLIENTS)

.PHONY: check-clients
