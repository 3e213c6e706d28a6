/*
 * What compat/ answers lib/ in a BSD kernel's place, under one platform
 * profile: poll() bits of pipes and sockets, fstat() of a pipe.  Built
 * once per profile (tests/profiles/local.mk) with HF_PROFILE naming it;
 * the table below states each kernel's answer from its own source (the
 * citations are in profiles/NAME.h), independently of the EKQ_PROFILE_*
 * macros that make compat/ give it.
 */
#include "config.h"

#include "ekq_test.h"

#include <ekq_host.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HF_PROFILE
#error "HF_PROFILE names the profile this build answers for"
#endif

/* The events asked in every case: read, write and out-of-band. */
#define ASKED (POLLIN | POLLOUT | POLLPRI)

static const struct facts {
	const char *name;
	short pipe_eof;		/* read end, writer closed, nothing left */
	short pipe_widowed;	/* write end, reader closed */
	short sock_peer_closed;	/* unix stream, peer closed */
	short sock_half_closed;	/* unix stream, peer shut its writes */
	short tcp_refused;	/* connect() refused, error pending */
	short udp_error;	/* connected UDP, ICMP error pending */
	bool pipe_dev_zero, pipe_ino_zero, pipe_ino_per_end;
} table[] = {
	/* pipe_poll(); sopoll_generic(); pipe_stat() unique. */
	{ "freebsd", POLLIN | POLLHUP, POLLOUT | POLLHUP,
	  POLLIN | POLLOUT | POLLHUP, POLLIN | POLLOUT,
	  POLLIN | POLLOUT | POLLHUP, POLLIN | POLLOUT,
	  false, false, false },
	/* ppollcollect() over filt_pipe*() and filt_so*(). */
	{ "openbsd", POLLIN | POLLHUP, POLLIN | POLLHUP,
	  POLLIN | POLLHUP, POLLIN | POLLOUT,
	  POLLIN | POLLHUP, POLLIN | POLLOUT,
	  true, true, false },
	/* poll_copyout() over filt_pipe*() and filt_so*(). */
	{ "dragonfly", POLLIN, POLLIN,
	  POLLIN | POLLHUP, POLLIN | POLLOUT,
	  POLLIN | POLLHUP | POLLERR, POLLIN | POLLOUT,
	  true, false, false },
	/* poll_callback() over filt_pipe*() and filt_so*(). */
	{ "macos", POLLIN | POLLPRI | POLLHUP, POLLIN | POLLPRI | POLLHUP,
	  POLLIN | POLLPRI | POLLHUP, POLLIN | POLLPRI | POLLHUP,
	  POLLIN | POLLPRI | POLLHUP, POLLIN | POLLOUT,
	  true, false, true },
};

static const struct facts *
facts(void)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(table[i].name, HF_PROFILE) == 0)
			return &table[i];
	ck_abort_msg("no facts for profile %s", HF_PROFILE);
	return NULL;
}

static short
host_revents(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = ASKED, .revents = 0 };
	ck_assert_int_ge(ekq_host_poll(&pfd, 1, 0), 0);
	return pfd.revents;
}

#define ck_assert_bits(got, want) ck_assert_msg((got) == (want), \
	"%s: revents %#x, the kernel says %#x", #want, (unsigned)(got), \
	(unsigned)(want))

/* Waits with the host's own poll() until `fd` says one of `bits`. */
static void
await(int fd, short bits)
{
	struct pollfd pfd = { .fd = fd, .events = ASKED, .revents = 0 };
	for (int i = 0; i < 500 && !(pfd.revents & bits); i++)
		ck_assert_int_ge(poll(&pfd, 1, 10), 0);
	ck_assert_msg(pfd.revents & bits, "the socket never said %#x",
	    (unsigned)bits);
}

START_TEST(pipe_read_end_whose_writer_closed)
{
	int p[2];
	ekq_make_pipe(p);
	close(p[1]);
	ck_assert_bits(host_revents(p[0]), facts()->pipe_eof);
}
END_TEST

START_TEST(pipe_write_end_whose_reader_closed)
{
	int p[2];
	ekq_make_pipe(p);
	close(p[0]);
	ck_assert_bits(host_revents(p[1]), facts()->pipe_widowed);
}
END_TEST

START_TEST(pipe_fstat_identity)
{
	int p[2];
	struct stat r, w, lin;
	ekq_make_pipe(p);
	ck_assert_ok(ekq_host_fstat(p[0], &r));
	ck_assert_ok(ekq_host_fstat(p[1], &w));
	ck_assert_ok(fstat(p[0], &lin));
	ck_assert(S_ISFIFO(r.st_mode) && S_ISFIFO(w.st_mode));
	const struct facts *f = facts();
	ck_assert_int_eq(r.st_dev == 0, f->pipe_dev_zero);
	ck_assert_int_eq(r.st_ino == 0, f->pipe_ino_zero);
	ck_assert_int_eq(r.st_ino != w.st_ino, f->pipe_ino_per_end);
	if (!f->pipe_dev_zero)
		ck_assert(r.st_dev == lin.st_dev);
	/* Another pipe is another file, where the kernel numbers them. */
	if (!f->pipe_ino_zero) {
		int q[2];
		struct stat o;
		ekq_make_pipe(q);
		ck_assert_ok(ekq_host_fstat(q[0], &o));
		ck_assert(o.st_ino != r.st_ino);
	}
}
END_TEST

START_TEST(stream_socket_never_connected_says_nothing)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_ok(s);
	ck_assert_bits(host_revents(s), 0);
	int u = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_ok(u);
	ck_assert_bits(host_revents(u), 0);
}
END_TEST

START_TEST(unix_stream_whose_peer_closed)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	close(sv[1]);
	ck_assert_bits(host_revents(sv[0]), facts()->sock_peer_closed);
}
END_TEST

START_TEST(unix_stream_whose_peer_shut_its_writes)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	ck_assert_ok(shutdown(sv[1], SHUT_WR));
	ck_assert_bits(host_revents(sv[0]), facts()->sock_half_closed);
}
END_TEST

START_TEST(tcp_connect_refused)
{
	int s = ekq_start_tcp_connect(ekq_unused_tcp_port());
	await(s, POLLERR | POLLHUP);
	ck_assert_bits(host_revents(s), facts()->tcp_refused);
}
END_TEST

START_TEST(udp_with_an_error_pending)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_ok(s);
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_port = htons(ekq_unused_tcp_port()),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ck_assert_ok(connect(s, (struct sockaddr *)&sin, sizeof sin));
	ck_assert_ok(send(s, "x", 1, 0));
	await(s, POLLERR);
	ck_assert_bits(host_revents(s), facts()->udp_error);
}
END_TEST

static Suite *
hostfacts_suite(void)
{
	Suite *s = suite_create("hostfacts-" HF_PROFILE);
	TCase *tc = tcase_create("host");
	tcase_add_test(tc, pipe_read_end_whose_writer_closed);
	tcase_add_test(tc, pipe_write_end_whose_reader_closed);
	tcase_add_test(tc, pipe_fstat_identity);
	tcase_add_test(tc, stream_socket_never_connected_says_nothing);
	tcase_add_test(tc, unix_stream_whose_peer_closed);
	tcase_add_test(tc, unix_stream_whose_peer_shut_its_writes);
	tcase_add_test(tc, tcp_connect_refused);
	tcase_add_test(tc, udp_with_an_error_pending);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	static Suite *(*const suites[])(void) = { hostfacts_suite, NULL };
	return ekq_run_suites(suites);
}
