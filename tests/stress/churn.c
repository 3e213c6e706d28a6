/*
 * 100,000 instances created, given a registration, and closed with plain
 * close() -- which the library never sees.  Its heap must stay bounded:
 * a closed instance's state has to be found out and freed (when its
 * number comes back from epoll_create1, at the latest).  Measured with
 * mallinfo2() where glibc has it (2.33 on); a bound on memory, not on time.
 * Under a sanitizer the allocator is not glibc's and mallinfo2() reports
 * nothing of ours, so the bound then holds trivially (LSan checks leaks).
 */
#include "config.h"

#include "st.h"

#include <stdio.h>
#include <unistd.h>
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
#include <malloc.h>
#define ST_HEAP_KNOWN 1
#endif

#define CH_CYCLES 100000L
#define CH_WARMUP 1000L
#define CH_BOUND (1024L * 1024L)

static long
heap_in_use(void)
{
#ifdef ST_HEAP_KNOWN
	struct mallinfo2 mi = mallinfo2();
	return (long)mi.uordblks + (long)mi.hblkhd;
#else
	return 0; /* no measure: the bound holds trivially */
#endif
}

static void
cycle(int p[2], long i)
{
	int epfd = epoll_create1(i % 2 ? EPOLL_CLOEXEC : 0);
	ck_assert_msg(epfd >= 0, "cycle %ld: epoll_create1: %s", i,
	    strerror(errno));
	ck_assert_int_eq(st_ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, (uint64_t)i),
	    0);
	ck_assert_int_eq(close(epfd), 0);
}

START_TEST(closed_epoll_fds_leave_heap_bounded)
{
	int p[2];
	ekq_make_pipe(p);
	long cycles = st_env("EKQ_CHURN_CYCLES", CH_CYCLES);
	for (long i = 0; i < CH_WARMUP; i++)
		cycle(p, i);
	int fds = ekq_count_open_fds();
	long start = heap_in_use();
	for (long i = CH_WARMUP; i < cycles; i++)
		cycle(p, i);
	long end = heap_in_use();
	long growth = end - start;
	printf("stress churn: %ld epoll fds closed with close(): heap in use "
	    "%ld bytes after (%ld after %ld), growth %ld bytes, %.1f bytes per "
	    "1,000 cycles; %d descriptors open after, %d before\n", cycles, end,
	    start, CH_WARMUP, growth,
	    (double)growth * 1000.0 / (double)(cycles - CH_WARMUP),
	    ekq_count_open_fds(), fds);
	fflush(stdout);
	ck_assert_msg(growth < CH_BOUND, "the heap grew by %ld bytes", growth);
	ck_assert_int_eq(ekq_count_open_fds(), fds);
	close(p[0]);
	close(p[1]);
}
END_TEST

Suite *
st_churn_suite(void)
{
	Suite *s = suite_create("stress: closed instances");
	TCase *tc = tcase_create("churn");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, closed_epoll_fds_leave_heap_bounded);
	suite_add_tcase(s, tc);
	return s;
}
