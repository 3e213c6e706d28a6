# Benchmarks (bench/): built and run by `make bench`, never by `make check`.
#
# Each workload program runs the same job three ways in one process: the
# kernel's epoll, epollkq, and raw kevent().  Its epoll code is compiled
# twice -- bench/libbench-linux.a against the system's <sys/epoll.h>,
# bench/libbench-ekq.a against include/ -- and its kevent code, with the
# harness, goes into bench/libbench.a (see bench/bench.h).
EKQ_BENCH_WORKLOADS = bench/pingpong bench/churn bench/burst bench/echo
EKQ_BENCH_PROGS = bench/kqueue-idle bench/epoll-idle $(EKQ_BENCH_WORKLOADS)
EXTRA_PROGRAMS = $(EKQ_BENCH_PROGS)
EXTRA_LIBRARIES = bench/libbench.a bench/libbench-ekq.a
CLEANFILES += $(EKQ_BENCH_PROGS) $(EXTRA_LIBRARIES) bench/callgrind.md
EKQ_BENCH_CFLAGS = $(EKQ_WARN_CFLAGS) $(EKQ_PTHREAD_CFLAGS) -O2
EKQ_BENCH_EPOLL_SOURCES = bench/bench.h bench/pingpong-epoll.c \
	bench/churn-epoll.c bench/burst-epoll.c bench/echo-epoll.c

bench_kqueue_idle_SOURCES = bench/kqueue-idle.c
bench_kqueue_idle_CPPFLAGS = $(EKQ_KQUEUE_CPPFLAGS)
bench_kqueue_idle_CFLAGS = $(EKQ_BENCH_CFLAGS)
bench_kqueue_idle_LDADD = $(EKQ_KQUEUE_LIBADD)

bench_epoll_idle_SOURCES = bench/epoll-idle.c
bench_epoll_idle_CPPFLAGS = -I$(top_srcdir)/include
bench_epoll_idle_CFLAGS = $(EKQ_BENCH_CFLAGS)
bench_epoll_idle_LDADD = libepollkq.la

EKQ_BENCH_LINUX_CPPFLAGS =
EKQ_BENCH_LINUX_LIBS =
if EKQ_HOST_HAS_EPOLL
EKQ_BENCH_PROGS += bench/epoll-idle-linux
bench_epoll_idle_linux_SOURCES = bench/epoll-idle.c
bench_epoll_idle_linux_CFLAGS = $(EKQ_BENCH_CFLAGS)

EXTRA_LIBRARIES += bench/libbench-linux.a
EKQ_BENCH_LINUX_CPPFLAGS += -DBENCH_HAVE_LINUX
EKQ_BENCH_LINUX_LIBS += bench/libbench-linux.a
bench_libbench_linux_a_SOURCES = $(EKQ_BENCH_EPOLL_SOURCES)
bench_libbench_linux_a_CPPFLAGS = -DBENCH_WAY=sys -DBENCH_HAVE_LINUX
bench_libbench_linux_a_CFLAGS = $(EKQ_BENCH_CFLAGS)
endif

bench_libbench_ekq_a_SOURCES = $(EKQ_BENCH_EPOLL_SOURCES)
bench_libbench_ekq_a_CPPFLAGS = -I$(top_srcdir)/include -DBENCH_WAY=ekq \
	$(EKQ_BENCH_LINUX_CPPFLAGS)
bench_libbench_ekq_a_CFLAGS = $(EKQ_BENCH_CFLAGS)

bench_libbench_a_SOURCES = bench/bench.h bench/bench.c \
	bench/pingpong-kevent.c bench/churn-kevent.c bench/burst-kevent.c \
	bench/echo-kevent.c bench/echo-client.c
bench_libbench_a_CPPFLAGS = $(EKQ_KQUEUE_CPPFLAGS) $(EKQ_BENCH_LINUX_CPPFLAGS)
bench_libbench_a_CFLAGS = $(EKQ_BENCH_CFLAGS)

# -no-install: real executables, not libtool wrapper scripts, so that
# valgrind and perf see the program itself.
EKQ_BENCH_LDADD = bench/libbench-ekq.a $(EKQ_BENCH_LINUX_LIBS) \
	bench/libbench.a libepollkq.la $(EKQ_KQUEUE_LIBADD)
EKQ_BENCH_MAIN_CPPFLAGS = $(EKQ_BENCH_LINUX_CPPFLAGS)
bench_pingpong_SOURCES = bench/bench.h bench/pingpong.c
bench_pingpong_CPPFLAGS = $(EKQ_BENCH_MAIN_CPPFLAGS)
bench_pingpong_CFLAGS = $(EKQ_BENCH_CFLAGS)
bench_pingpong_LDFLAGS = -no-install
bench_pingpong_LDADD = $(EKQ_BENCH_LDADD)
bench_churn_SOURCES = bench/bench.h bench/churn.c
bench_churn_CPPFLAGS = $(EKQ_BENCH_MAIN_CPPFLAGS)
bench_churn_CFLAGS = $(EKQ_BENCH_CFLAGS)
bench_churn_LDFLAGS = -no-install
bench_churn_LDADD = $(EKQ_BENCH_LDADD)
bench_burst_SOURCES = bench/bench.h bench/burst.c
bench_burst_CPPFLAGS = $(EKQ_BENCH_MAIN_CPPFLAGS)
bench_burst_CFLAGS = $(EKQ_BENCH_CFLAGS)
bench_burst_LDFLAGS = -no-install
bench_burst_LDADD = $(EKQ_BENCH_LDADD)
bench_echo_SOURCES = bench/bench.h bench/echo.c
bench_echo_CPPFLAGS = $(EKQ_BENCH_MAIN_CPPFLAGS)
bench_echo_CFLAGS = $(EKQ_BENCH_CFLAGS)
bench_echo_LDFLAGS = -no-install
bench_echo_LDADD = $(EKQ_BENCH_LDADD)

EXTRA_DIST += bench/report.sh bench/callgrind-report.sh \
	bench/callgrind-attr.awk bench/plot.awk bench/REPORT.md bench/cost.svg

# The idle-cost programs, then every workload and the targets judged from
# that one run.  About two minutes on two cores.
bench: $(EKQ_BENCH_PROGS)
	./bench/kqueue-idle
	@echo "--- epollkq"
	./bench/epoll-idle
	@if test -x bench/epoll-idle-linux; then \
	  echo "--- Linux epoll"; ./bench/epoll-idle-linux; fi
	$(SHELL) $(srcdir)/bench/report.sh -n bench $(srcdir)/bench

# Instructions per epoll_wait()/epoll_ctl() inside lib/ and compat/.
bench-callgrind: $(EKQ_BENCH_WORKLOADS)
	$(SHELL) $(srcdir)/bench/callgrind-report.sh bench

# bench/REPORT.md and bench/cost.svg from one run of everything, and the
# README section between the bench-report markers (when it has them).
bench-report: $(EKQ_BENCH_WORKLOADS)
	$(SHELL) $(srcdir)/bench/report.sh bench $(srcdir)/bench \
	  $(srcdir)/README.md
.PHONY: bench bench-callgrind bench-report

# The interposers' cost on descriptors that are not ours (`make bench-io`).
EXTRA_PROGRAMS += bench/io-cost bench/io-cost-libc
CLEANFILES += bench/io-cost bench/io-cost-libc
EXTRA_DIST += bench/io-cost.sh
bench_io_cost_SOURCES = bench/io-cost.c
bench_io_cost_CPPFLAGS = -I$(top_srcdir)/include -I$(top_builddir)/include \
	-DIO_COST_EPOLLKQ
bench_io_cost_CFLAGS = $(EKQ_BENCH_CFLAGS)
bench_io_cost_LDADD = libepollkq.la
bench_io_cost_LDFLAGS = -no-install
bench_io_cost_libc_SOURCES = bench/io-cost.c
bench_io_cost_libc_CFLAGS = $(EKQ_BENCH_CFLAGS)

bench-io: bench/io-cost bench/io-cost-libc
	sh $(top_srcdir)/bench/io-cost.sh bench
.PHONY: bench-io
