# The epoll conformance suite (tests/epoll/).  Written against the epoll API
# and POSIX only.  On a host with its own epoll it is built against the
# kernel's <sys/epoll.h> and linked with nothing of ours: the oracle.
EKQ_EPOLL_TEST_SOURCES = tests/epoll/main.c $(EKQ_EPOLL_CASE_SOURCES)
EKQ_EPOLL_CASE_SOURCES = \
	tests/epoll/ep_test.h \
	tests/epoll/ep_util.c \
	tests/epoll/create.c \
	tests/epoll/ctl_errors.c \
	tests/epoll/wait_errors.c \
	tests/epoll/pipe.c \
	tests/epoll/fifo.c \
	tests/epoll/unix_stream.c \
	tests/epoll/unix_dgram.c \
	tests/epoll/tcp.c \
	tests/epoll/udp.c \
	tests/epoll/listen.c \
	tests/epoll/connect.c \
	tests/epoll/shutdown.c \
	tests/epoll/level_edge.c \
	tests/epoll/oneshot.c \
	tests/epoll/modify.c \
	tests/epoll/close_reuse.c \
	tests/epoll/dup.c \
	tests/epoll/nested.c \
	tests/epoll/poll_epfd.c \
	tests/epoll/threads.c \
	tests/epoll/fairness.c \
	tests/epoll/signals.c \
	tests/epoll/timeouts.c \
	tests/epoll/cloexec.c \
	tests/epoll/fork.c \
	tests/epoll/quiet.c \
	tests/epoll/hygiene.c \
	tests/epoll/fuzzfound.c

if EKQ_HOST_HAS_EPOLL
check_PROGRAMS += tests/epoll/epoll-linux
TESTS += tests/epoll/epoll-linux
tests_epoll_epoll_linux_SOURCES = $(EKQ_EPOLL_TEST_SOURCES)
tests_epoll_epoll_linux_CPPFLAGS = -I$(top_srcdir)/tests/common -I$(top_builddir)
tests_epoll_epoll_linux_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_epoll_epoll_linux_LDADD = tests/common/libekqtest.la $(CHECK_LIBS)
endif
