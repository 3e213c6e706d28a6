/*
 * The descriptor table is the program's.  After it closes every epoll
 * instance it made, and everything else it opened, the table is exactly as
 * it was: no descriptor left open behind its back, none closed.  Real test
 * suites check the lowest free descriptor after each case, and daemons
 * close every descriptor after fork(); a hidden descriptor breaks both.
 *
 * The world below uses what makes a library keep descriptors of its own:
 * events held back by a small maxevents, a TCP socket never connected (its
 * EPOLLHUP is reported with no event behind it), an edge-triggered socket
 * watched both ways, nesting, and several instances at once.
 */
#include "config.h"

#include "ep_test.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

struct world {
	int ep[3];
	int p[2][2];
	int sv[2];
	int tcp;
};

static void
world_build_and_use(struct world *w)
{
	for (int i = 0; i < 3; i++)
		w->ep[i] = ep_create();
	for (int i = 0; i < 2; i++) {
		ekq_make_pipe(w->p[i]);
		ep_poke(w->p[i][1]);
		ep_add(w->ep[0], w->p[i][0], EPOLLIN | EPOLLET, (uint64_t)i);
	}
	/* Two ready edges, room for one: the other is held back. */
	struct epoll_event ev[1];
	ck_assert_int_eq(ep_wait(w->ep[0], ev, 1, EP_SOON), 1);

	ekq_make_socketpair(SOCK_STREAM, w->sv);
	ep_add(w->ep[1], w->sv[0], EPOLLIN | EPOLLOUT | EPOLLET, 10);
	ep_poke(w->sv[1]);
	w->tcp = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(w->tcp, 0);
	ep_add(w->ep[1], w->tcp, EPOLLIN | EPOLLOUT, 11);
	struct epoll_event evs[4];
	ck_assert_int_ge(ep_wait(w->ep[1], evs, 4, EP_SOON), 1);

	ep_add(w->ep[2], w->ep[0], EPOLLIN, 20);
	ck_assert_int_eq(ep_wait(w->ep[2], evs, 4, EP_SOON), 1);
}

static void
world_close(struct world *w)
{
	for (int i = 0; i < 3; i++)
		close(w->ep[i]);
	for (int i = 0; i < 2; i++) {
		close(w->p[i][0]);
		close(w->p[i][1]);
	}
	close(w->sv[0]);
	close(w->sv[1]);
	close(w->tcp);
}

START_TEST(closing_every_instance_restores_the_descriptor_table)
{
	struct ekq_fdset before;
	ekq_fdset_snapshot(&before);
	struct world w;
	world_build_and_use(&w);
	world_close(&w);
	if (ep_differs("diff-held-beacon")) {
		/* One descriptor of the library's may stay (README), until
		 * the next epoll_create1(). */
		ck_assert_int_le(ekq_fdset_extra(&before), 1);
		close(ep_create());
	}
	ck_assert_int_eq(ekq_fdset_extra(&before), 0);
}
END_TEST

/*
 * Where a library may keep a descriptor past close() (README: hosts
 * without EVFILT_USER), it keeps one per process, not one per instance,
 * and gives it back at the next epoll_create1().
 */
START_TEST(at_most_one_descriptor_outlives_the_instances_until_the_next_create)
{
	struct ekq_fdset before;
	ekq_fdset_snapshot(&before);
	struct world w[3];
	for (int i = 0; i < 3; i++)
		world_build_and_use(&w[i]);
	for (int i = 0; i < 3; i++)
		world_close(&w[i]);
	ck_assert_int_le(ekq_fdset_extra(&before), 1);
	close(ep_create());
	ck_assert_int_eq(ekq_fdset_extra(&before), 0);
}
END_TEST

START_TEST(instances_closed_one_by_one_leave_nothing_behind)
{
	struct ekq_fdset before;
	ekq_fdset_snapshot(&before);
	for (int round = 0; round < 20; round++) {
		struct world w;
		world_build_and_use(&w);
		world_close(&w);
	}
	close(ep_create());
	ck_assert_int_eq(ekq_fdset_extra(&before), 0);
}
END_TEST

Suite *
ep_hygiene_suite(void)
{
	Suite *s = suite_create("hygiene");
	TCase *tc = tcase_create("hygiene");
	tcase_add_test(tc, at_most_one_descriptor_outlives_the_instances_until_the_next_create);
	tcase_add_test(tc, instances_closed_one_by_one_leave_nothing_behind);
	suite_add_tcase(s, tc);
	/* README: hosts without EVFILT_USER, and compat/, keep one
	 * descriptor until the next epoll_create1(); there the case says so. */
	tc = tcase_create("hygiene_exact");
	tcase_set_tags(tc, "diff-held-beacon");
	tcase_add_test(tc, closing_every_instance_restores_the_descriptor_table);
	suite_add_tcase(s, tc);
	return s;
}
