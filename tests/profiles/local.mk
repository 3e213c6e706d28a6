# Platform profiles (profiles/README): lib/ and compat/ built once per
# profile, as lib/ would be built on that platform and with compat/
# answering as its kernel does; tests/epoll's epollkq build and tests/kqueue
# run over each.  The test code is compiled once (tests/epoll/libeptest.la,
# tests/kqueue/libkqtest.la); only tests/epoll/main.c is compiled per
# profile, for the rows of tests/epoll/differences.tsv that name it.
# `make check` runs them; `make check-profiles` runs only them.
# Written out by hand from one stanza per profile: keep them alike.

if EKQ_PROFILE_CHECKS

# --- freebsd
check_LTLIBRARIES += tests/profiles/libekqcompat-freebsd.la tests/profiles/libepollkq-freebsd.la
tests_profiles_libekqcompat_freebsd_la_SOURCES = $(EKQ_COMPAT_SOURCES)
tests_profiles_libekqcompat_freebsd_la_CPPFLAGS = $(compat_libekqcompat_la_CPPFLAGS) \
	-DEKQ_PROFILE_HEADER='"profiles/freebsd.h"'
tests_profiles_libekqcompat_freebsd_la_CFLAGS = $(compat_libekqcompat_la_CFLAGS)
tests_profiles_libepollkq_freebsd_la_SOURCES = $(EKQ_LIB_SOURCES)
tests_profiles_libepollkq_freebsd_la_CPPFLAGS = $(libepollkq_la_CPPFLAGS) \
	-DEKQ_PROFILE_HEADER='"profiles/freebsd.h"'
tests_profiles_libepollkq_freebsd_la_CFLAGS = $(libepollkq_la_CFLAGS)
tests_profiles_libepollkq_freebsd_la_LIBADD = tests/profiles/libekqcompat-freebsd.la
EKQ_PROFILE_TESTS += tests/profiles/epoll-freebsd tests/profiles/kqueue-freebsd
tests_profiles_epoll_freebsd_SOURCES = tests/epoll/main.c
tests_profiles_epoll_freebsd_CPPFLAGS = $(EKQ_EPOLL_TEST_CPPFLAGS) -DEP_PROFILE='"freebsd"'
tests_profiles_epoll_freebsd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_epoll_freebsd_LDADD = tests/epoll/libeptest.la \
	tests/profiles/libepollkq-freebsd.la tests/common/libekqtest.la $(CHECK_LIBS)
tests_profiles_kqueue_freebsd_SOURCES =
tests_profiles_kqueue_freebsd_LDADD = tests/kqueue/libkqtest.la \
	tests/profiles/libekqcompat-freebsd.la tests/common/libekqtest.la $(CHECK_LIBS)

# --- macos
check_LTLIBRARIES += tests/profiles/libekqcompat-macos.la tests/profiles/libepollkq-macos.la
tests_profiles_libekqcompat_macos_la_SOURCES = $(EKQ_COMPAT_SOURCES)
tests_profiles_libekqcompat_macos_la_CPPFLAGS = $(compat_libekqcompat_la_CPPFLAGS) \
	-DEKQ_PROFILE_HEADER='"profiles/macos.h"'
tests_profiles_libekqcompat_macos_la_CFLAGS = $(compat_libekqcompat_la_CFLAGS)
tests_profiles_libepollkq_macos_la_SOURCES = $(EKQ_LIB_SOURCES)
tests_profiles_libepollkq_macos_la_CPPFLAGS = $(libepollkq_la_CPPFLAGS) \
	-DEKQ_PROFILE_HEADER='"profiles/macos.h"'
tests_profiles_libepollkq_macos_la_CFLAGS = $(libepollkq_la_CFLAGS)
tests_profiles_libepollkq_macos_la_LIBADD = tests/profiles/libekqcompat-macos.la
EKQ_PROFILE_TESTS += tests/profiles/epoll-macos tests/profiles/kqueue-macos
tests_profiles_epoll_macos_SOURCES = tests/epoll/main.c
tests_profiles_epoll_macos_CPPFLAGS = $(EKQ_EPOLL_TEST_CPPFLAGS) -DEP_PROFILE='"macos"'
tests_profiles_epoll_macos_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_epoll_macos_LDADD = tests/epoll/libeptest.la \
	tests/profiles/libepollkq-macos.la tests/common/libekqtest.la $(CHECK_LIBS)
tests_profiles_kqueue_macos_SOURCES =
tests_profiles_kqueue_macos_LDADD = tests/kqueue/libkqtest.la \
	tests/profiles/libekqcompat-macos.la tests/common/libekqtest.la $(CHECK_LIBS)

# --- netbsd
check_LTLIBRARIES += tests/profiles/libekqcompat-netbsd.la tests/profiles/libepollkq-netbsd.la
tests_profiles_libekqcompat_netbsd_la_SOURCES = $(EKQ_COMPAT_SOURCES)
tests_profiles_libekqcompat_netbsd_la_CPPFLAGS = $(compat_libekqcompat_la_CPPFLAGS) \
	-DEKQ_PROFILE_HEADER='"profiles/netbsd.h"'
tests_profiles_libekqcompat_netbsd_la_CFLAGS = $(compat_libekqcompat_la_CFLAGS)
tests_profiles_libepollkq_netbsd_la_SOURCES = $(EKQ_LIB_SOURCES)
tests_profiles_libepollkq_netbsd_la_CPPFLAGS = $(libepollkq_la_CPPFLAGS) \
	-DEKQ_PROFILE_HEADER='"profiles/netbsd.h"'
tests_profiles_libepollkq_netbsd_la_CFLAGS = $(libepollkq_la_CFLAGS)
tests_profiles_libepollkq_netbsd_la_LIBADD = tests/profiles/libekqcompat-netbsd.la
EKQ_PROFILE_TESTS += tests/profiles/epoll-netbsd tests/profiles/kqueue-netbsd
tests_profiles_epoll_netbsd_SOURCES = tests/epoll/main.c
tests_profiles_epoll_netbsd_CPPFLAGS = $(EKQ_EPOLL_TEST_CPPFLAGS) -DEP_PROFILE='"netbsd"'
tests_profiles_epoll_netbsd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_epoll_netbsd_LDADD = tests/epoll/libeptest.la \
	tests/profiles/libepollkq-netbsd.la tests/common/libekqtest.la $(CHECK_LIBS)
tests_profiles_kqueue_netbsd_SOURCES =
tests_profiles_kqueue_netbsd_LDADD = tests/kqueue/libkqtest.la \
	tests/profiles/libekqcompat-netbsd.la tests/common/libekqtest.la $(CHECK_LIBS)

# --- openbsd
check_LTLIBRARIES += tests/profiles/libekqcompat-openbsd.la tests/profiles/libepollkq-openbsd.la
tests_profiles_libekqcompat_openbsd_la_SOURCES = $(EKQ_COMPAT_SOURCES)
tests_profiles_libekqcompat_openbsd_la_CPPFLAGS = $(compat_libekqcompat_la_CPPFLAGS) \
	-DEKQ_PROFILE_HEADER='"profiles/openbsd.h"'
tests_profiles_libekqcompat_openbsd_la_CFLAGS = $(compat_libekqcompat_la_CFLAGS)
tests_profiles_libepollkq_openbsd_la_SOURCES = $(EKQ_LIB_SOURCES)
tests_profiles_libepollkq_openbsd_la_CPPFLAGS = $(libepollkq_la_CPPFLAGS) \
	-DEKQ_PROFILE_HEADER='"profiles/openbsd.h"'
tests_profiles_libepollkq_openbsd_la_CFLAGS = $(libepollkq_la_CFLAGS)
tests_profiles_libepollkq_openbsd_la_LIBADD = tests/profiles/libekqcompat-openbsd.la
EKQ_PROFILE_TESTS += tests/profiles/epoll-openbsd tests/profiles/kqueue-openbsd
tests_profiles_epoll_openbsd_SOURCES = tests/epoll/main.c
tests_profiles_epoll_openbsd_CPPFLAGS = $(EKQ_EPOLL_TEST_CPPFLAGS) -DEP_PROFILE='"openbsd"'
tests_profiles_epoll_openbsd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_epoll_openbsd_LDADD = tests/epoll/libeptest.la \
	tests/profiles/libepollkq-openbsd.la tests/common/libekqtest.la $(CHECK_LIBS)
tests_profiles_kqueue_openbsd_SOURCES =
tests_profiles_kqueue_openbsd_LDADD = tests/kqueue/libkqtest.la \
	tests/profiles/libekqcompat-openbsd.la tests/common/libekqtest.la $(CHECK_LIBS)

# --- dragonfly
check_LTLIBRARIES += tests/profiles/libekqcompat-dragonfly.la tests/profiles/libepollkq-dragonfly.la
tests_profiles_libekqcompat_dragonfly_la_SOURCES = $(EKQ_COMPAT_SOURCES)
tests_profiles_libekqcompat_dragonfly_la_CPPFLAGS = $(compat_libekqcompat_la_CPPFLAGS) \
	-DEKQ_PROFILE_HEADER='"profiles/dragonfly.h"'
tests_profiles_libekqcompat_dragonfly_la_CFLAGS = $(compat_libekqcompat_la_CFLAGS)
tests_profiles_libepollkq_dragonfly_la_SOURCES = $(EKQ_LIB_SOURCES)
tests_profiles_libepollkq_dragonfly_la_CPPFLAGS = $(libepollkq_la_CPPFLAGS) \
	-DEKQ_PROFILE_HEADER='"profiles/dragonfly.h"'
tests_profiles_libepollkq_dragonfly_la_CFLAGS = $(libepollkq_la_CFLAGS)
tests_profiles_libepollkq_dragonfly_la_LIBADD = tests/profiles/libekqcompat-dragonfly.la
EKQ_PROFILE_TESTS += tests/profiles/epoll-dragonfly tests/profiles/kqueue-dragonfly
tests_profiles_epoll_dragonfly_SOURCES = tests/epoll/main.c
tests_profiles_epoll_dragonfly_CPPFLAGS = $(EKQ_EPOLL_TEST_CPPFLAGS) -DEP_PROFILE='"dragonfly"'
tests_profiles_epoll_dragonfly_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_epoll_dragonfly_LDADD = tests/epoll/libeptest.la \
	tests/profiles/libepollkq-dragonfly.la tests/common/libekqtest.la $(CHECK_LIBS)
tests_profiles_kqueue_dragonfly_SOURCES =
tests_profiles_kqueue_dragonfly_LDADD = tests/kqueue/libkqtest.la \
	tests/profiles/libekqcompat-dragonfly.la tests/common/libekqtest.la $(CHECK_LIBS)

# The host answers compat/ gives lib/ in each kernel's place, with every
# fact of the profile set: the program carries its own kq_host.c and
# kq_hostsock.c built so, ahead of the profile's compat/ library (which,
# now that no fact is left out of the profile builds, has the same ones).  tests/profiles/hostfacts.c's table
# states each kernel's answer.  NetBSD's facts are the prof2 branch's.
EKQ_PROFILE_TESTS += tests/profiles/hostfacts-freebsd
tests_profiles_hostfacts_freebsd_SOURCES = tests/profiles/hostfacts.c \
	compat/linux/kq_host.c compat/linux/kq_hostsock.c
tests_profiles_hostfacts_freebsd_CPPFLAGS = $(compat_libekqcompat_la_CPPFLAGS) \
	-I$(top_srcdir)/tests/common \
	-DEKQ_PROFILE_HEADER='"profiles/freebsd.h"' -DHF_PROFILE='"freebsd"'
tests_profiles_hostfacts_freebsd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_hostfacts_freebsd_LDADD = tests/profiles/libekqcompat-freebsd.la \
	tests/common/libekqtest.la $(CHECK_LIBS)
EKQ_PROFILE_TESTS += tests/profiles/hostfacts-macos
tests_profiles_hostfacts_macos_SOURCES = tests/profiles/hostfacts.c \
	compat/linux/kq_host.c compat/linux/kq_hostsock.c
tests_profiles_hostfacts_macos_CPPFLAGS = $(compat_libekqcompat_la_CPPFLAGS) \
	-I$(top_srcdir)/tests/common \
	-DEKQ_PROFILE_HEADER='"profiles/macos.h"' -DHF_PROFILE='"macos"'
tests_profiles_hostfacts_macos_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_hostfacts_macos_LDADD = tests/profiles/libekqcompat-macos.la \
	tests/common/libekqtest.la $(CHECK_LIBS)
EKQ_PROFILE_TESTS += tests/profiles/hostfacts-openbsd
tests_profiles_hostfacts_openbsd_SOURCES = tests/profiles/hostfacts.c \
	compat/linux/kq_host.c compat/linux/kq_hostsock.c
tests_profiles_hostfacts_openbsd_CPPFLAGS = $(compat_libekqcompat_la_CPPFLAGS) \
	-I$(top_srcdir)/tests/common \
	-DEKQ_PROFILE_HEADER='"profiles/openbsd.h"' -DHF_PROFILE='"openbsd"'
tests_profiles_hostfacts_openbsd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_hostfacts_openbsd_LDADD = tests/profiles/libekqcompat-openbsd.la \
	tests/common/libekqtest.la $(CHECK_LIBS)
EKQ_PROFILE_TESTS += tests/profiles/hostfacts-dragonfly
tests_profiles_hostfacts_dragonfly_SOURCES = tests/profiles/hostfacts.c \
	compat/linux/kq_host.c compat/linux/kq_hostsock.c
tests_profiles_hostfacts_dragonfly_CPPFLAGS = $(compat_libekqcompat_la_CPPFLAGS) \
	-I$(top_srcdir)/tests/common \
	-DEKQ_PROFILE_HEADER='"profiles/dragonfly.h"' -DHF_PROFILE='"dragonfly"'
tests_profiles_hostfacts_dragonfly_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_hostfacts_dragonfly_LDADD = tests/profiles/libekqcompat-dragonfly.la \
	tests/common/libekqtest.la $(CHECK_LIBS)

# lib/ over each profile, for cases only a profile's host answers can
# break (tests/profiles/libfacts.c); each holds on Linux too.
EKQ_PROFILE_TESTS += tests/profiles/libfacts-freebsd
tests_profiles_libfacts_freebsd_SOURCES = tests/profiles/libfacts.c
tests_profiles_libfacts_freebsd_CPPFLAGS = $(EKQ_EPOLL_TEST_CPPFLAGS)
tests_profiles_libfacts_freebsd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_libfacts_freebsd_LDADD = tests/profiles/libepollkq-freebsd.la \
	tests/common/libekqtest.la $(CHECK_LIBS)
EKQ_PROFILE_TESTS += tests/profiles/libfacts-macos
tests_profiles_libfacts_macos_SOURCES = tests/profiles/libfacts.c
tests_profiles_libfacts_macos_CPPFLAGS = $(EKQ_EPOLL_TEST_CPPFLAGS)
tests_profiles_libfacts_macos_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_libfacts_macos_LDADD = tests/profiles/libepollkq-macos.la \
	tests/common/libekqtest.la $(CHECK_LIBS)
EKQ_PROFILE_TESTS += tests/profiles/libfacts-netbsd
tests_profiles_libfacts_netbsd_SOURCES = tests/profiles/libfacts.c
tests_profiles_libfacts_netbsd_CPPFLAGS = $(EKQ_EPOLL_TEST_CPPFLAGS)
tests_profiles_libfacts_netbsd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_libfacts_netbsd_LDADD = tests/profiles/libepollkq-netbsd.la \
	tests/common/libekqtest.la $(CHECK_LIBS)
EKQ_PROFILE_TESTS += tests/profiles/libfacts-openbsd
tests_profiles_libfacts_openbsd_SOURCES = tests/profiles/libfacts.c
tests_profiles_libfacts_openbsd_CPPFLAGS = $(EKQ_EPOLL_TEST_CPPFLAGS)
tests_profiles_libfacts_openbsd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_libfacts_openbsd_LDADD = tests/profiles/libepollkq-openbsd.la \
	tests/common/libekqtest.la $(CHECK_LIBS)
EKQ_PROFILE_TESTS += tests/profiles/libfacts-dragonfly
tests_profiles_libfacts_dragonfly_SOURCES = tests/profiles/libfacts.c
tests_profiles_libfacts_dragonfly_CPPFLAGS = $(EKQ_EPOLL_TEST_CPPFLAGS)
tests_profiles_libfacts_dragonfly_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_profiles_libfacts_dragonfly_LDADD = tests/profiles/libepollkq-dragonfly.la \
	tests/common/libekqtest.la $(CHECK_LIBS)

endif
check_PROGRAMS += $(EKQ_PROFILE_TESTS)
TESTS += $(EKQ_PROFILE_TESTS)
check-profiles:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(EKQ_PROFILE_TESTS)'
.PHONY: check-profiles

# make coverage: gcov of lib/ over every profile's tests/epoll run; lists the
# lines no profile reaches (tests/profiles/coverage.sh).
coverage:
	MAKE='$(MAKE)' $(SHELL) $(top_srcdir)/tests/profiles/coverage.sh
.PHONY: coverage
EXTRA_DIST += tests/profiles/coverage.sh
