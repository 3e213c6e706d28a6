/*
 * The cost of read(), write() and close() on a descriptor that is not one
 * of epollkq's objects, under callgrind: built once linked with libepollkq
 * (whose interposers stand in front of libc's) and once without.  The
 * loop is one function, loop(), so `--toggle-collect=loop` counts it
 * alone; bench/io-cost.sh divides by the calls made.
 *
 *   io-cost N [objects]   N rounds of write+read on a pipe and close(dup());
 *                         "objects": one eventfd exists meanwhile (the
 *                         interposers then look the number up).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef IO_COST_EPOLLKQ
#include <sys/eventfd.h>
#endif

__attribute__((noinline)) static long
loop(int rd, int wr, long n)
{
	char c = 'x';
	long ok = 0;
	for (long i = 0; i < n; i++) {
		ok += write(wr, &c, 1);
		ok += read(rd, &c, 1);
		ok += close(dup(rd));
	}
	return ok;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int p[2];
	if (pipe(p) == -1)
		return 1;
#ifdef IO_COST_EPOLLKQ
	if (argc > 2 && strcmp(argv[2], "objects") == 0 && eventfd(0, 0) == -1)
		return 1;
#endif
	long ok = loop(p[0], p[1], n);
	printf("%ld rounds, %ld ok\n", n, ok);
	return ok == 2 * n ? 0 : 1; /* close() gives 0 */
}
