# Benchmarks (bench/): built and run by `make bench`, never by `make check`.
EKQ_BENCH_PROGS = bench/kqueue-idle bench/epoll-idle
EXTRA_PROGRAMS = $(EKQ_BENCH_PROGS)
CLEANFILES += $(EKQ_BENCH_PROGS)
EKQ_BENCH_CFLAGS = $(EKQ_WARN_CFLAGS) $(EKQ_PTHREAD_CFLAGS) -O2
bench_kqueue_idle_SOURCES = bench/kqueue-idle.c
bench_kqueue_idle_CPPFLAGS = $(EKQ_KQUEUE_CPPFLAGS)
bench_kqueue_idle_CFLAGS = $(EKQ_BENCH_CFLAGS)
bench_kqueue_idle_LDADD = $(EKQ_KQUEUE_LIBADD)

bench_epoll_idle_SOURCES = bench/epoll-idle.c
bench_epoll_idle_CPPFLAGS = -I$(top_srcdir)/include
bench_epoll_idle_CFLAGS = $(EKQ_BENCH_CFLAGS)
bench_epoll_idle_LDADD = libepollkq.la
if EKQ_HOST_HAS_EPOLL
EKQ_BENCH_PROGS += bench/epoll-idle-linux
bench_epoll_idle_linux_SOURCES = bench/epoll-idle.c
bench_epoll_idle_linux_CFLAGS = $(EKQ_BENCH_CFLAGS)
endif

bench: $(EKQ_BENCH_PROGS)
	./bench/kqueue-idle
	@echo "--- epollkq"
	./bench/epoll-idle
	@if test -x bench/epoll-idle-linux; then \
	  echo "--- Linux epoll"; ./bench/epoll-idle-linux; fi
.PHONY: bench

