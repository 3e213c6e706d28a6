/*
 * EVFILT_TIMER: a min-heap of deadlines (CLOCK_MONOTONIC ns) that the
 * helper thread sleeps on.  Everything here runs under ekq_helper_lock.
 *
 * FreeBSD's rules (sys/kern/kern_event.c: timer2sbintime(),
 * filt_timervalidate(), filt_timerstart(), filt_timerexpire()):
 * - data < 0 is EINVAL; data 0 is one unit, except with EV_ONESHOT, where
 *   it fires at once;
 * - fflags other than one unit (NOTE_SECONDS, NOTE_MSECONDS,
 *   NOTE_USECONDS, NOTE_NSECONDS; none means milliseconds) and
 *   NOTE_ABSTIME are EINVAL, and so are two units at once;
 * - NOTE_ABSTIME is a CLOCK_REALTIME time, taken against the clock when
 *   the timer is set (FreeBSD subtracts the boot time once), and fires
 *   once; a time already past fires at once;
 * - a periodic timer is re-armed a period after the previous deadline, not
 *   after the moment it ran, so late runs do not lose expirations.
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define NOTE_TIMER_UNITS \
	(NOTE_SECONDS | NOTE_MSECONDS | NOTE_USECONDS | NOTE_NSECONDS)

static struct ekq_hknote **ekq_heap;
static size_t ekq_nheap, ekq_capheap;

static void
heap_set(size_t i, struct ekq_hknote *hk)
{
	ekq_heap[i] = hk;
	hk->heap = i;
}

static void
sift_up(size_t i)
{
	struct ekq_hknote *hk = ekq_heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (ekq_heap[parent]->next_ns <= hk->next_ns)
			break;
		heap_set(i, ekq_heap[parent]);
		i = parent;
	}
	heap_set(i, hk);
}

static void
sift_down(size_t i)
{
	struct ekq_hknote *hk = ekq_heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= ekq_nheap)
			break;
		if (c + 1 < ekq_nheap &&
		    ekq_heap[c + 1]->next_ns < ekq_heap[c]->next_ns)
			c++;
		if (hk->next_ns <= ekq_heap[c]->next_ns)
			break;
		heap_set(i, ekq_heap[c]);
		i = c;
	}
	heap_set(i, hk);
}

static int
heap_push(struct ekq_hknote *hk)
{
	if (ekq_nheap == ekq_capheap) {
		size_t cap = ekq_capheap ? ekq_capheap * 2 : 64;
		struct ekq_hknote **h = realloc(ekq_heap, cap * sizeof *h);
		if (h == NULL)
			return ENOMEM;
		ekq_heap = h;
		ekq_capheap = cap;
	}
	heap_set(ekq_nheap++, hk);
	sift_up(hk->heap);
	return 0;
}

static void
heap_remove(struct ekq_hknote *hk)
{
	size_t i = hk->heap;
	hk->heap = EKQ_NOHEAP;
	struct ekq_hknote *last = ekq_heap[--ekq_nheap];
	if (last == hk)
		return;
	heap_set(i, last);
	sift_up(i);
	sift_down(last->heap);
}

/* timer2sbintime(): data in the unit of fflags, in ns (saturating). */
static int
to_ns(int64_t data, uint32_t fflags, uint64_t *ns)
{
	uint64_t unit;
	switch (fflags & NOTE_TIMER_UNITS) {
	case 0:
	case NOTE_MSECONDS:
		unit = 1000000u;
		break;
	case NOTE_SECONDS:
		unit = 1000000000u;
		break;
	case NOTE_USECONDS:
		unit = 1000u;
		break;
	case NOTE_NSECONDS:
		unit = 1u;
		break;
	default:
		return EINVAL;
	}
	/* Past a century is forever, as FreeBSD's SBT_MAX is. */
	const uint64_t cap = UINT64_C(100) * 365 * 86400 * 1000000000u;
	*ns = (uint64_t)data > cap / unit ? cap : (uint64_t)data * unit;
	return 0;
}

static uint64_t
realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
ekq_timer_disarm_locked(struct ekq_hknote *hk)
{
	if (hk->heap != EKQ_NOHEAP)
		heap_remove(hk);
}

int
ekq_timer_arm_locked(struct ekq_hknote *hk)
{
	ekq_timer_disarm_locked(hk);
	int64_t data = hk->kn.sdata;
	uint32_t fflags = hk->kn.sfflags;
	if (data < 0)
		return EINVAL;
	if (data == 0 && !(hk->kn.flags & EV_ONESHOT))
		data = 1;
	if (fflags & ~(uint32_t)(NOTE_TIMER_UNITS | NOTE_ABSTIME))
		return EINVAL;
	uint64_t ns;
	if (to_ns(data, fflags, &ns) != 0)
		return EINVAL;
	uint64_t now = ekq_now_ns();
	if (fflags & NOTE_ABSTIME) {
		uint64_t real = realtime_ns();
		hk->next_ns = now + (ns > real ? ns - real : 0);
		hk->period_ns = 0;
	} else {
		hk->next_ns = now + ns;
		hk->period_ns = (hk->kn.flags & EV_ONESHOT) ? 0 : ns;
	}
	int err = heap_push(hk);
	if (err != 0)
		return err;
	if (hk->heap == 0)
		ekq_helper_wake_locked(); /* a nearer deadline */
	return 0;
}

void
ekq_timer_expire_locked(uint64_t now)
{
	while (ekq_nheap > 0 && ekq_heap[0]->next_ns <= now) {
		struct ekq_hknote *hk = ekq_heap[0];
		int64_t n = 1;
		if (hk->period_ns == 0) {
			heap_remove(hk);
		} else {
			uint64_t late = (now - hk->next_ns) / hk->period_ns;
			n += (int64_t)late;
			hk->next_ns += (late + 1) * hk->period_ns;
			sift_down(0);
		}
		ekq_helper_fired_locked(hk, n);
	}
}

uint64_t
ekq_timer_next_locked(void)
{
	return ekq_nheap > 0 ? ekq_heap[0]->next_ns : UINT64_MAX;
}

void
ekq_timer_forget_all_locked(void)
{
	for (size_t i = 0; i < ekq_nheap; i++)
		ekq_heap[i]->heap = EKQ_NOHEAP;
	ekq_nheap = 0;
}
