/*
 * A full descriptor table (RLIMIT_NOFILE lowered to 64 in the case's own
 * process).  Linux then refuses a new instance (EMFILE) but lets existing
 * ones be changed and waited on: epoll_ctl and epoll_wait need no
 * descriptor.  Built against the host's epoll too, so each assertion here
 * is Linux's answer.
 */
#include "config.h"

#include "st.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define NF_LIMIT 64

/* The call succeeds; errno in the message if not. */
#define NF_OK(expr) do {                                                     \
	errno = 0;                                                            \
	int nf_rc_ = (expr);                                                  \
	ck_assert_msg(nf_rc_ == 0, "%s: %d (%s)", #expr, nf_rc_,              \
	    strerror(errno));                                                 \
} while (0)

struct nf {
	int epfd, inner;
	int p[2], s[2], d[2], q[2];
	int filler[NF_LIMIT];
	int nfiller;
};

static void
nf_setup(struct nf *n)
{
	struct rlimit rl;
	ck_assert_ok(getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = NF_LIMIT;
	ck_assert_ok(setrlimit(RLIMIT_NOFILE, &rl));
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(n->epfd, 0);
	n->inner = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(n->inner, 0);
	ekq_make_pipe(n->p);
	ekq_make_socketpair(SOCK_STREAM, n->s);
	ekq_make_socketpair(SOCK_DGRAM, n->d);
	ekq_make_pipe(n->q);
	NF_OK(st_ctl(n->inner, EPOLL_CTL_ADD, n->q[0], EPOLLIN, 9));
	/* Fill what is left. */
	n->nfiller = 0;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd == -1) {
			ck_assert_int_eq(errno, EMFILE);
			break;
		}
		ck_assert_int_lt(n->nfiller, NF_LIMIT);
		n->filler[n->nfiller++] = fd;
	}
	ck_assert_int_gt(n->nfiller, 0);
}

static void
nf_free(struct nf *n, int count)
{
	while (count-- > 0 && n->nfiller > 0)
		close(n->filler[--n->nfiller]);
}

/* Exactly these (data, events) in one call. */
static void
nf_expect(int epfd, int maxevents, const uint64_t *data,
    const uint32_t *events, int count)
{
	struct epoll_event evs[8];
	int got = epoll_wait(epfd, evs, maxevents, 0);
	ck_assert_msg(got == count, "epoll_wait: %d, want %d (%s)", got, count,
	    got == -1 ? strerror(errno) : "");
	for (int i = 0; i < count; i++) {
		int j = 0;
		while (j < got && evs[j].data.u64 != data[i])
			j++;
		ck_assert_msg(j < got, "no event for %llu",
		    (unsigned long long)data[i]);
		ck_assert_msg(evs[j].events == events[i], "%llu: %#x, want %#x",
		    (unsigned long long)data[i], evs[j].events, events[i]);
	}
}

START_TEST(create_fails_with_emfile_when_descriptor_table_is_full)
{
	struct nf n;
	nf_setup(&n);
	ck_assert_fails_with(epoll_create1(0), EMFILE);
	ck_assert_fails_with(epoll_create1(EPOLL_CLOEXEC), EMFILE);
	ck_assert_fails_with(epoll_create(1), EMFILE);
	/* A sanitizer's exit-time checks want descriptors of their own. */
	nf_free(&n, NF_LIMIT);
}
END_TEST

START_TEST(create_succeeds_with_one_descriptor_free)
{
	struct nf n;
	nf_setup(&n);
	nf_free(&n, 1);
	int epfd = epoll_create1(0);
	ck_assert_msg(epfd >= 0, "epoll_create1: %s", strerror(errno));
	NF_OK(st_ctl(epfd, EPOLL_CTL_ADD, n.p[0], EPOLLIN, 1));
	ck_assert_int_eq(write(n.p[1], "x", 1), 1);
	uint64_t data = 1;
	uint32_t events = EPOLLIN;
	nf_expect(epfd, 4, &data, &events, 1);
	/* A sanitizer's exit-time checks want descriptors of their own. */
	nf_free(&n, NF_LIMIT);
}
END_TEST

START_TEST(ctl_add_mod_del_work_when_descriptor_table_is_full)
{
	struct nf n;
	nf_setup(&n);
	NF_OK(st_ctl(n.epfd, EPOLL_CTL_ADD, n.p[0], EPOLLIN, 1));
#ifdef EKQ_COMPAT_KQUEUE
	/*
	 * compat/ opens a kqueue's two side epolls when its first EV_CLEAR
	 * knotes are added, and with the table full that is EMFILE (README:
	 * compat/ deviations).  A BSD kqueue needs no descriptor there.
	 */
	nf_free(&n, 2);
#endif
	NF_OK(st_ctl(n.epfd, EPOLL_CTL_ADD, n.s[0],
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, 2));
	NF_OK(st_ctl(n.epfd, EPOLL_CTL_ADD, n.d[0],
	    EPOLLIN | EPOLLOUT | EPOLLONESHOT, 3));
	NF_OK(st_ctl(n.epfd, EPOLL_CTL_ADD, n.inner, EPOLLIN, 4));
	NF_OK(st_ctl(n.epfd, EPOLL_CTL_ADD, n.p[1], EPOLLOUT, 5));
	NF_OK(st_ctl(n.epfd, EPOLL_CTL_MOD, n.s[0], EPOLLIN | EPOLLPRI,
	    6));
	NF_OK(st_ctl(n.epfd, EPOLL_CTL_MOD, n.d[0], EPOLLOUT | EPOLLET,
	    7));
	NF_OK(epoll_ctl(n.epfd, EPOLL_CTL_DEL, n.p[1], NULL));
	ck_assert_fails_with(st_ctl(n.epfd, EPOLL_CTL_ADD, n.p[0], EPOLLIN, 1),
	    EEXIST);
	ck_assert_fails_with(epoll_ctl(n.epfd, EPOLL_CTL_DEL, n.p[1], NULL),
	    ENOENT);
	ck_assert_fails_with(st_ctl(n.inner, EPOLL_CTL_ADD, n.epfd, EPOLLIN, 0),
	    ELOOP);
	/* What is registered is what the changes said. */
	ck_assert_int_eq(write(n.p[1], "x", 1), 1);
	ck_assert_int_eq(write(n.s[1], "x", 1), 1);
	ck_assert_int_eq(write(n.q[1], "x", 1), 1);
	uint64_t data[] = { 1, 6, 7, 4 };
	uint32_t events[] = { EPOLLIN, EPOLLIN, EPOLLOUT, EPOLLIN };
	nf_expect(n.epfd, 8, data, events, 4);
	/* A sanitizer's exit-time checks want descriptors of their own. */
	nf_free(&n, NF_LIMIT);
}
END_TEST

START_TEST(wait_reports_events_when_descriptor_table_is_full)
{
	struct nf n;
	nf_setup(&n);
	NF_OK(st_ctl(n.epfd, EPOLL_CTL_ADD, n.p[0], EPOLLIN, 1));
	NF_OK(st_ctl(n.epfd, EPOLL_CTL_ADD, n.s[0],
	    EPOLLIN | EPOLLET, 2));
	NF_OK(st_ctl(n.epfd, EPOLL_CTL_ADD, n.d[0],
	    EPOLLIN | EPOLLONESHOT, 3));
	ck_assert_int_eq(write(n.p[1], "x", 1), 1);
	ck_assert_int_eq(write(n.s[1], "x", 1), 1);
	ck_assert_int_eq(write(n.d[1], "x", 1), 1);
	/* One at a time: the rest wait their turn, even now. */
	int seen[4] = { 0 };
	for (int i = 0; i < 3; i++) {
		struct epoll_event ev;
		ck_assert_int_eq(epoll_wait(n.epfd, &ev, 1, 0), 1);
		ck_assert_uint_eq(ev.events, EPOLLIN);
		ck_assert(ev.data.u64 >= 1 && ev.data.u64 <= 3);
		seen[ev.data.u64]++;
	}
	ck_assert(seen[1] == 1 && seen[2] == 1 && seen[3] == 1);
	uint64_t data = 1;
	uint32_t events = EPOLLIN;
	nf_expect(n.epfd, 4, &data, &events, 1);
	/* A sanitizer's exit-time checks want descriptors of their own. */
	nf_free(&n, NF_LIMIT);
}
END_TEST

START_TEST(create_ctl_wait_work_again_after_descriptors_are_freed)
{
	struct nf n;
	nf_setup(&n);
	ck_assert_fails_with(epoll_create1(0), EMFILE);
	nf_free(&n, 8);
	int epfd[4];
	for (int i = 0; i < 4; i++) {
		epfd[i] = epoll_create1(EPOLL_CLOEXEC);
		ck_assert_msg(epfd[i] >= 0, "epoll_create1 %d: %s", i,
		    strerror(errno));
		NF_OK(st_ctl(epfd[i], EPOLL_CTL_ADD, n.s[0],
		    EPOLLIN | EPOLLOUT, (uint64_t)i));
	}
	ck_assert_int_eq(write(n.s[1], "x", 1), 1);
	for (int i = 0; i < 4; i++) {
		uint64_t data = (uint64_t)i;
		uint32_t events = EPOLLIN | EPOLLOUT;
		nf_expect(epfd[i], 4, &data, &events, 1);
		close(epfd[i]);
	}
	/* A sanitizer's exit-time checks want descriptors of their own. */
	nf_free(&n, NF_LIMIT);
}
END_TEST

Suite *
st_nofile_suite(void)
{
	Suite *s = suite_create("stress: descriptor table full");
	TCase *tc = tcase_create("nofile");
	tcase_add_test(tc, create_fails_with_emfile_when_descriptor_table_is_full);
	tcase_add_test(tc, create_succeeds_with_one_descriptor_free);
	tcase_add_test(tc, ctl_add_mod_del_work_when_descriptor_table_is_full);
	tcase_add_test(tc, wait_reports_events_when_descriptor_table_is_full);
	tcase_add_test(tc, create_ctl_wait_work_again_after_descriptors_are_freed);
	suite_add_tcase(s, tc);
	return s;
}
