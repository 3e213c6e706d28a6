/*
 * More ready fds than maxevents.  Linux hands out the head of its ready
 * list and re-queues level-triggered fds at the tail (ep_send_events), so
 * successive calls cycle through every ready fd: none is starved and none
 * comes back before all the others have had their turn.  Edge-triggered
 * fds that did not fit stay queued for the next call.  One call never
 * returns one registration twice.
 */
#include "config.h"

#include "ep_test.h"

#include <sys/socket.h>
#include <unistd.h>

#define NFDS 10
#define MAXEV 3

/* NFDS pipe write ends (all writable), data = index. */
static int
many_ready(uint32_t extra)
{
	int epfd = ep_create();
	for (int i = 0; i < NFDS; i++) {
		int p[2];
		ekq_make_pipe(p);
		ep_add(epfd, p[1], EPOLLOUT | extra, (uint64_t)i);
	}
	return epfd;
}

/* Collect `total` events in calls of at most MAXEV; returns the order. */
static void
collect(int epfd, uint64_t *order, int total)
{
	int got = 0;
	while (got < total) {
		struct epoll_event ev[MAXEV];
		int n = ep_wait(epfd, ev, MAXEV, EP_SOON);
		ck_assert_int_ge(n, 1);
		ck_assert_int_le(n, MAXEV);
		for (int i = 0; i < n && got < total; i++) {
			ck_assert_mask(ev[i].events, EPOLLOUT);
			ck_assert(ev[i].data.u64 < NFDS);
			order[got++] = ev[i].data.u64;
		}
	}
}

START_TEST(fairness_successive_calls_return_every_ready_fd)
{
	int epfd = many_ready(0);
	int seen[NFDS] = { 0 };
	/* ceil(NFDS / MAXEV) calls suffice. */
	for (int call = 0; call < (NFDS + MAXEV - 1) / MAXEV; call++) {
		struct epoll_event ev[MAXEV];
		int n = ep_wait(epfd, ev, MAXEV, EP_SOON);
		ck_assert_int_eq(n, MAXEV);
		for (int i = 0; i < n; i++)
			seen[ev[i].data.u64]++;
	}
	for (int i = 0; i < NFDS; i++)
		ck_assert_msg(seen[i] > 0, "fd #%d starved", i);
}
END_TEST

START_TEST(fairness_no_fd_comes_back_before_all_had_their_turn)
{
	int epfd = many_ready(0);
	uint64_t order[NFDS];
	collect(epfd, order, NFDS);
	int seen[NFDS] = { 0 };
	for (int i = 0; i < NFDS; i++)
		ck_assert_msg(seen[order[i]]++ == 0, "fd #%d twice in one round",
		    (int)order[i]);
}
END_TEST

START_TEST(fairness_level_fds_are_returned_equally_often)
{
	int epfd = many_ready(0);
	uint64_t order[NFDS * MAXEV];
	collect(epfd, order, NFDS * MAXEV);
	int seen[NFDS] = { 0 };
	for (int i = 0; i < NFDS * MAXEV; i++)
		seen[order[i]]++;
	for (int i = 0; i < NFDS; i++)
		ck_assert_int_eq(seen[i], MAXEV);
}
END_TEST

START_TEST(fairness_edge_events_that_did_not_fit_wait_for_the_next_call)
{
	int epfd = many_ready(EPOLLET);
	uint64_t order[NFDS];
	collect(epfd, order, NFDS);
	int seen[NFDS] = { 0 };
	for (int i = 0; i < NFDS; i++)
		ck_assert_int_eq(seen[order[i]]++, 0);
	/* And then they are all consumed. */
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(fairness_one_call_never_returns_an_fd_twice)
{
	/* Readable and writable: one event carrying both bits. */
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_poke(sv[1]);
	ep_add(epfd, sv[0], EPOLLIN | EPOLLOUT, 1);
	ep_add(epfd, sv[1], EPOLLIN | EPOLLOUT, 2);
	struct epoll_event ev[8];
	int n = ep_wait(epfd, ev, 8, EP_SOON);
	ck_assert_int_eq(n, 2);
	ck_assert(ev[0].data.u64 != ev[1].data.u64);
	for (int i = 0; i < n; i++)
		ck_assert_mask(ev[i].events, ev[i].data.u64 == 1 ?
		    (uint32_t)(EPOLLIN | EPOLLOUT) : (uint32_t)EPOLLOUT);
}
END_TEST

START_TEST(fairness_maxevents_one_cycles_through_all)
{
	int epfd = many_ready(0);
	int seen[NFDS] = { 0 };
	for (int i = 0; i < NFDS; i++) {
		struct epoll_event ev;
		ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_SOON), 1);
		ck_assert_int_eq(seen[ev.data.u64]++, 0);
	}
}
END_TEST

/*
 * Three level registrations of different shapes: a unix stream socket never
 * connected (EPOLLHUP, and nothing else, with no events asked for), a
 * socket whose peer is gone watched in three directions, and a readable
 * pipe.  After a full wait, calls of one must still cycle through all three.
 */
START_TEST(fairness_maxevents_one_cycles_past_a_hangup_and_a_three_way_fd)
{
	int epfd = ep_create();
	int lone = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(lone, 0);
	int sv[2], p[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	close(sv[1]);
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ep_add(epfd, lone, 0, 0);
	ep_add(epfd, sv[0], EPOLLIN | EPOLLOUT | EPOLLPRI, 1);
	ep_add(epfd, p[0], EPOLLIN, 2);
	struct epoll_event all[8];
	ck_assert_int_eq(ep_wait(epfd, all, 8, EP_SOON), 3);
	for (int round = 0; round < 3; round++) {
		int seen[3] = { 0 };
		for (int i = 0; i < 3; i++) {
			struct epoll_event ev;
			ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_SOON), 1);
			ck_assert(ev.data.u64 < 3);
			ck_assert_msg(seen[ev.data.u64]++ == 0, "round %d: #%d "
			    "twice before the others had their turn", round,
			    (int)ev.data.u64);
		}
	}
	close(lone);
	close(sv[0]);
	close(p[0]);
	close(p[1]);
	close(epfd);
}
END_TEST

/*
 * More ready than one batch of kevents, and more hangups than a pass puts
 * back: 160 readable pipes and 20 whose writer is gone (EPOLLHUP, which
 * stays).  Taken three at a time, every round of 180 reports names each
 * one once, as Linux's ready list cycles.
 */
#define NBIG 160
#define NHUP 20

START_TEST(fairness_more_ready_than_a_kevent_batch_cycles_through_all)
{
	int epfd = ep_create();
	for (int i = 0; i < NBIG + NHUP; i++) {
		int p[2];
		ekq_make_pipe(p);
		if (i < NBIG)
			ep_poke(p[1]);
		else
			close(p[1]);
		ep_add(epfd, p[0], EPOLLIN, (uint64_t)i);
	}
	for (int round = 0; round < 2; round++) {
		int seen[NBIG + NHUP] = { 0 };
		int got = 0;
		while (got < NBIG + NHUP) {
			struct epoll_event ev[MAXEV];
			int n = ep_wait(epfd, ev, MAXEV, EP_SOON);
			ck_assert_int_ge(n, 1);
			for (int i = 0; i < n && got < NBIG + NHUP; i++, got++) {
				uint64_t k = ev[i].data.u64;
				ck_assert(k < NBIG + NHUP);
				ck_assert_mask(ev[i].events,
				    k < NBIG ? EPOLLIN : EPOLLHUP);
				ck_assert_msg(seen[k]++ == 0, "round %d: #%d "
				    "twice before the others had their turn",
				    round, (int)k);
			}
		}
	}
}
END_TEST

Suite *
ep_fairness_suite(void)
{
	Suite *s = suite_create("fairness");
	TCase *tc = tcase_create("fairness");
	tcase_add_test(tc, fairness_successive_calls_return_every_ready_fd);
	tcase_add_test(tc, fairness_no_fd_comes_back_before_all_had_their_turn);
	tcase_add_test(tc, fairness_level_fds_are_returned_equally_often);
	tcase_add_test(tc, fairness_edge_events_that_did_not_fit_wait_for_the_next_call);
	tcase_add_test(tc, fairness_one_call_never_returns_an_fd_twice);
	tcase_add_test(tc, fairness_maxevents_one_cycles_through_all);
	tcase_add_test(tc,
	    fairness_maxevents_one_cycles_past_a_hangup_and_a_three_way_fd);
	tcase_add_test(tc,
	    fairness_more_ready_than_a_kevent_batch_cycles_through_all);
	suite_add_tcase(s, tc);
	return s;
}
