/*
 * 0033-long-poll — a consumer positioned at the end of an empty partition
 * has its fetch parked at the broker; a record produced then must reach it
 * promptly. The arrival is asserted (within a generous scaled deadline);
 * the latency is only reported, with a warning when it looks slow (timing
 * assertions are flaky on shared machines). Shared cluster.
 */
#include <stdio.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

START_TEST(t0033_long_poll)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("lp");

	test_create_topic(c, topic, 1, 1);
	fjord_t *cons = test_consumer_new(c, "fetch.wait.max.ms", "5000", NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_END;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);

	/* Let the consumer reach the partition and park its fetch: poll for a
	 * while; nothing may arrive from an empty partition. */
	int64_t until = test_now_ms() + 1500;
	while (test_now_ms() < until) {
		fjord_message_t *m = fjord_consumer_poll(cons, 100);
		if (m) {
			ck_assert_msg(m->err != FJORD_ERR_NO_ERROR,
			              "a record arrived from an empty partition (offset %lld)",
			              (long long)m->offset);
			fjord_message_destroy(m);
		}
	}

	fjord_t *prod = test_producer_new(c, "linger.ms", "0", NULL);
	int64_t t0 = test_now_ms();
	ck_assert_int_eq(fjord_produce(prod, topic, 0, "k", 1, "wake-up", 7, NULL, 0, 0, NULL),
	                 FJORD_ERR_NO_ERROR);
	int64_t deadline = t0 + (int64_t)(20000 * test_timeout_multiplier());
	fjord_message_t *got = NULL;
	while (!got && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 50);
		if (m && m->err == FJORD_ERR_NO_ERROR)
			got = m;
		else if (m)
			fjord_message_destroy(m);
	}
	int64_t latency = test_now_ms() - t0;
	ck_assert_msg(got, "the produced record never reached the parked consumer");
	ck_assert_int_eq(got->offset, 0);
	ck_assert_int_eq((int)got->value_len, 7);
	ck_assert(!memcmp(got->value, "wake-up", 7));
	fjord_message_destroy(got);
	test_say("record reached the parked consumer %lld ms after produce()", (long long)latency);
	if (latency > 1000)
		test_say("WARNING: slow wake-up (%lld ms; fetch.wait.max.ms is 5000): is the "
		         "parked fetch woken on append?",
		         (long long)latency);
	ck_assert_int_eq(fjord_flush(prod, 10000), FJORD_ERR_NO_ERROR);
	fjord_destroy(prod);
	fjord_destroy(cons);
}
END_TEST

void test_0033(TCase *tc)
{
	tcase_add_test(tc, t0033_long_poll);
}
