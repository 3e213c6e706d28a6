# Stress runs (tests/stress/).  Built twice, like tests/epoll/: against the
# host's own epoll (each assertion is Linux's) and against epollkq.
EKQ_STRESS_SOURCES = \
	tests/stress/st.h \
	tests/stress/main.c \
	tests/stress/threads.c \
	tests/stress/nofile.c \
	tests/stress/churn.c \
	tests/stress/fork.c

check_PROGRAMS += tests/stress/stress-epollkq
TESTS += tests/stress/stress-epollkq
tests_stress_stress_epollkq_SOURCES = $(EKQ_STRESS_SOURCES)
tests_stress_stress_epollkq_CPPFLAGS = -I$(top_srcdir)/include \
	-I$(top_builddir)/include \
	-I$(top_srcdir)/tests/common
tests_stress_stress_epollkq_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_stress_stress_epollkq_LDADD = libepollkq.la tests/common/libekqtest.la \
	$(CHECK_LIBS)

if EKQ_HOST_HAS_EPOLL
check_PROGRAMS += tests/stress/stress-linux
TESTS += tests/stress/stress-linux
tests_stress_stress_linux_SOURCES = $(EKQ_STRESS_SOURCES)
tests_stress_stress_linux_CPPFLAGS = -I$(top_srcdir)/tests/common
tests_stress_stress_linux_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_stress_stress_linux_LDADD = tests/common/libekqtest.la $(CHECK_LIBS)
endif

# make stress: the full run, 10^6 epoll_ctl + epoll_wait calls.
stress: tests/stress/stress-epollkq
	EKQ_STRESS_OPS=1000000 EKQ_STRESS_WATCHDOG=900 EKQ_STRESS_TIMEOUT=1000 \
	    CK_RUN_SUITE='stress: threads' ./tests/stress/stress-epollkq

.PHONY: stress
