/*
 * 0035-list-offsets — watermarks and offsets by timestamp (ListOffsets
 * through the SDK): an empty partition has low = high = 0; after ten records
 * with timestamps one second apart, high = 10, and looking offsets up by
 * time finds the first record at or after the given time (-1 past the end).
 * A consumer started at FJORD_OFFSET_END receives only records produced
 * later; one at FJORD_OFFSET_BEGINNING starts at offset 0. Shared cluster.
 */
#include <stdio.h>
#include <time.h>

#include "harness_int.h"
#include "test.h"

#define T0035_MSGS 10

static int64_t t0035_first_offset(test_cluster_t *c, const char *topic, int64_t start,
                                  int64_t *offp)
{
	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = start;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	*offp = -1;
	int64_t deadline = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	while (*offp < 0 && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (m && !m->err)
			*offp = m->offset;
		if (m)
			fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	return *offp;
}

START_TEST(t0035_list_offsets)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("lo");
	int64_t lo = -5, hi = -5;
	struct timespec ts;

	test_create_topic(c, topic, 1, 1);
	fjord_t *p = test_producer_new(c, NULL);
	ck_assert_int_eq(fjord_query_watermark_offsets(p, topic, 0, &lo, &hi, 10000),
	                 FJORD_ERR_NO_ERROR);
	test_say("empty partition: low %lld high %lld", (long long)lo, (long long)hi);
	ck_assert(lo == 0 && hi == 0);

	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t t0 = (int64_t)ts.tv_sec * 1000 - 3600 * 1000; /* an hour ago */
	for (int i = 0; i < T0035_MSGS; i++) {
		char v[16];
		int n = snprintf(v, sizeof(v), "r%d", i);
		ck_assert_int_eq(
		    fjord_produce(p, topic, 0, NULL, 0, v, (size_t)n, NULL, 0, t0 + i * 1000, NULL),
		    FJORD_ERR_NO_ERROR);
	}
	ck_assert_int_eq(fjord_flush(p, (int)(20000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(fjord_query_watermark_offsets(p, topic, 0, &lo, &hi, 10000),
	                 FJORD_ERR_NO_ERROR);
	test_say("after %d records: low %lld high %lld", T0035_MSGS, (long long)lo, (long long)hi);
	ck_assert(lo == 0 && hi == T0035_MSGS);

	static const struct {
		int64_t delta;  /* ms after t0 */
		int64_t expect; /* offset */
	} cases[] = { { -60000, 0 }, { 0, 0 },     { 1, 1 },        { 3500, 4 },
		      { 9000, 9 },   { 9001, -1 }, { 86400000, -1 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
		fjord_topic_partition_list_add(parts, topic, 0)->offset = t0 + cases[i].delta;
		fjord_err_t err = fjord_offsets_for_times(p, parts, 10000);
		int64_t got = parts->elems[0].offset;
		fjord_err_t perr = parts->elems[0].err;
		fjord_topic_partition_list_destroy(parts);
		test_say("offset for t0%+lld ms: %lld (%s/%s)", (long long)cases[i].delta,
		         (long long)got, fjord_err2name(err), fjord_err2name(perr));
		ck_assert_int_eq(err, FJORD_ERR_NO_ERROR);
		ck_assert_msg(got == cases[i].expect, "t0%+lld ms: offset %lld, expected %lld",
		              (long long)cases[i].delta, (long long)got,
		              (long long)cases[i].expect);
	}

	int64_t off;
	t0035_first_offset(c, topic, FJORD_OFFSET_BEGINNING, &off);
	ck_assert_int_eq(off, 0);

	/* From the end: only a record produced after the assignment. */
	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_END;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	int64_t until = test_now_ms() + 1000;
	while (test_now_ms() < until) {
		fjord_message_t *m = fjord_consumer_poll(cons, 100);
		if (m)
			ck_assert_msg(m->err, "consumer at END got old offset %lld",
			              (long long)m->offset);
		if (m)
			fjord_message_destroy(m);
	}
	ck_assert_int_eq(fjord_produce(p, topic, 0, NULL, 0, "late", 4, NULL, 0, 0, NULL),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(fjord_flush(p, 10000), FJORD_ERR_NO_ERROR);
	off = -1;
	int64_t deadline = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	while (off < 0 && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (m && !m->err)
			off = m->offset;
		if (m)
			fjord_message_destroy(m);
	}
	ck_assert_int_eq(off, T0035_MSGS);
	fjord_destroy(cons);
	fjord_destroy(p);
}
END_TEST

void test_0035(TCase *tc)
{
	tcase_add_test(tc, t0035_list_offsets);
}
