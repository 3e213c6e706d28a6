# The fd-types conformance suite (tests/fdtypes/): eventfd, timerfd and
# signalfd, written against the Linux API and POSIX only.  On a host that
# has them (Linux) it is built against the kernel's headers and linked with
# nothing of ours: the oracle.  Once epollkq has the three headers
# (EKQ_FDTYPES_EMULATED) it is built against them too.
EKQ_FDTYPES_TEST_SOURCES = \
	tests/fdtypes/fd_test.h \
	tests/fdtypes/fd_util.c \
	tests/fdtypes/main.c \
	tests/fdtypes/eventfd.c \
	tests/fdtypes/timerfd.c \
	tests/fdtypes/timerfd_more.c \
	tests/fdtypes/signalfd.c \
	tests/fdtypes/epoll.c \
	tests/fdtypes/fork.c \
	tests/fdtypes/dup.c \
	tests/fdtypes/fortify.c \
	tests/fdtypes/wrong_args.c

if EKQ_HOST_HAS_EPOLL
check_PROGRAMS += tests/fdtypes/fdtypes-linux
TESTS += tests/fdtypes/fdtypes-linux
tests_fdtypes_fdtypes_linux_SOURCES = $(EKQ_FDTYPES_TEST_SOURCES)
tests_fdtypes_fdtypes_linux_CPPFLAGS = -I$(top_srcdir)/tests/common
tests_fdtypes_fdtypes_linux_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_fdtypes_fdtypes_linux_LDADD = tests/common/libekqtest.la $(CHECK_LIBS)
endif

# The same suite against epollkq: the headers are ours and the calls reach
# libepollkq.  The tags main.c lists are excluded: the emulation cannot
# follow Linux there by design.
if EKQ_FDTYPES_EMULATED
check_PROGRAMS += tests/fdtypes/fdtypes-epollkq
TESTS += tests/fdtypes/fdtypes-epollkq
tests_fdtypes_fdtypes_epollkq_SOURCES = $(EKQ_FDTYPES_TEST_SOURCES)
tests_fdtypes_fdtypes_epollkq_CPPFLAGS = -I$(top_srcdir)/include -I$(top_builddir)/include \
	-I$(top_srcdir)/tests/common \
	-DFD_EXCLUDE_DIFFS='"diff-fork-shared diff-passed diff-select-writable diff-si-code"' \
	-I$(top_builddir) $(EKQ_FD_PROFILE_DEF)
tests_fdtypes_fdtypes_epollkq_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_fdtypes_fdtypes_epollkq_LDADD = libepollkq.la tests/common/libekqtest.la $(CHECK_LIBS)
endif
