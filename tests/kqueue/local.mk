# The kqueue conformance suite (tests/kqueue/).  It states BSD behaviour and
# builds against whichever kqueue configure chose.
check_PROGRAMS += tests/kqueue/kqueue-conformance
TESTS += tests/kqueue/kqueue-conformance
tests_kqueue_kqueue_conformance_SOURCES = \
	tests/kqueue/main.c \
	tests/kqueue/smoke.c
tests_kqueue_kqueue_conformance_CPPFLAGS = -I$(top_srcdir)/tests/common $(EKQ_KQUEUE_CPPFLAGS)
tests_kqueue_kqueue_conformance_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_kqueue_kqueue_conformance_LDADD = tests/common/libekqtest.la $(EKQ_KQUEUE_LIBADD) $(CHECK_LIBS)
