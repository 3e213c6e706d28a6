#include "config.h"

#include "ekq_test.h"

#include <sys/types.h>
#include <sys/event.h>
#include <unistd.h>

START_TEST(kqueue_returns_a_descriptor)
{
	int kq = kqueue();
	ck_assert_int_ge(kq, 0);
	close(kq);
}
END_TEST

Suite *
kq_smoke_suite(void)
{
	Suite *s = suite_create("smoke");
	TCase *tc = tcase_create("smoke");
	tcase_add_test(tc, kqueue_returns_a_descriptor);
	suite_add_tcase(s, tc);
	return s;
}
