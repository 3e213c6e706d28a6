# The kqueue conformance suite (tests/kqueue/).  It states BSD behaviour and
# builds against whichever kqueue configure chose.
check_PROGRAMS += tests/kqueue/kqueue-conformance
TESTS += tests/kqueue/kqueue-conformance
# Its cases are compiled once, into libkqtest.la, which each platform
# profile's build links with its own compat/ (tests/profiles/).
check_LTLIBRARIES += tests/kqueue/libkqtest.la
tests_kqueue_kqueue_conformance_SOURCES =
tests_kqueue_libkqtest_la_SOURCES = \
	tests/kqueue/main.c \
	tests/kqueue/kq_util.h \
	tests/kqueue/kq_util.c \
	tests/kqueue/changelist.c \
	tests/kqueue/errors.c \
	tests/kqueue/read.c \
	tests/kqueue/write.c \
	tests/kqueue/fifo.c \
	tests/kqueue/sockets.c \
	tests/kqueue/tcp.c \
	tests/kqueue/listen.c \
	tests/kqueue/pty.c \
	tests/kqueue/kqfd.c \
	tests/kqueue/except.c \
	tests/kqueue/user.c \
	tests/kqueue/timer.c \
	tests/kqueue/signal.c \
	tests/kqueue/clear.c \
	tests/kqueue/oneshot_dispatch.c \
	tests/kqueue/receipt.c \
	tests/kqueue/timeout.c \
	tests/kqueue/threads.c \
	tests/kqueue/close.c \
	tests/kqueue/hygiene.c \
	tests/kqueue/fork.c
tests_kqueue_libkqtest_la_CPPFLAGS = -I$(top_srcdir)/tests/common $(EKQ_KQUEUE_CPPFLAGS)
tests_kqueue_libkqtest_la_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_kqueue_kqueue_conformance_LDADD = tests/kqueue/libkqtest.la tests/common/libekqtest.la $(EKQ_KQUEUE_LIBADD) $(CHECK_LIBS)
