/*
 * 0008-unit-deadline — timed waits on the monotonic clock.
 *
 * deadline_after_ms is CLOCK_MONOTONIC now + ms, normalised (tv_nsec below
 * one second), negative counting as 0; a condition variable made with
 * deadline_cond_init waits until such a deadline and no less. The last
 * check is the one a CLOCK_REALTIME condition variable fails: its clock
 * reads decades past any monotonic deadline, so the wait would return at
 * once (the SDK's waits were realtime: a wall-clock step changed them).
 * Timing is asserted only as a lower bound.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "common/deadline.h"
#include "test.h"

static int64_t t0008_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

START_TEST(deadline_values)
{
	struct timespec ts;
	int64_t before, after, d;

	for (int64_t ms = -5; ms <= 2500; ms += 499) {
		before = t0008_mono_ns();
		deadline_after_ms(&ts, ms);
		after = t0008_mono_ns();
		ck_assert(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
		d = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		int64_t want = (ms < 0 ? 0 : ms) * 1000000;
		ck_assert_msg(d >= before + want && d <= after + want,
		              "deadline for %lld ms is not monotonic now + ms", (long long)ms);
	}
	deadline_after_ms(&ts, 999); /* tv_nsec carries into tv_sec */
	ck_assert(ts.tv_nsec < 1000000000);
}
END_TEST

START_TEST(deadline_cond_waits)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond;
	struct timespec ts;
	int64_t t0, waited;
	int rc;

	ck_assert_int_eq(deadline_cond_init(&cond), 0);
	pthread_mutex_lock(&lock);
	t0 = t0008_mono_ns();
	deadline_after_ms(&ts, 200);
	do
		rc = pthread_cond_timedwait(&cond, &lock, &ts);
	while (rc == 0); /* spurious wake-ups */
	waited = (t0008_mono_ns() - t0) / 1000000;
	pthread_mutex_unlock(&lock);
	ck_assert_int_eq(rc, ETIMEDOUT);
	ck_assert_msg(waited >= 190, "a 200 ms wait returned after %lld ms", (long long)waited);
	pthread_cond_destroy(&cond);
}
END_TEST

void test_0008(TCase *tc);

void test_0008(TCase *tc)
{
	tcase_add_test(tc, deadline_values);
	tcase_add_test(tc, deadline_cond_waits);
}
