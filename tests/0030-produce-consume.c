/*
 * 0030-produce-consume — 100,000 records across 4 partitions of a topic on
 * the shared cluster, consumed back from the beginning: exact count, order
 * per partition, no duplicates, contiguous offsets (the message verifier),
 * and watermarks that match.
 */
#include <stdio.h>

#include "test.h"

#define T0030_PARTITIONS 4
#define T0030_PER_PARTITION 25000

START_TEST(t0030_produce_consume)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("pc");
	int total = T0030_PARTITIONS * T0030_PER_PARTITION;

	test_create_topic(c, topic, T0030_PARTITIONS, 1);
	for (int p = 0; p < T0030_PARTITIONS; p++)
		test_produce_msgs(c, topic, p, T0030_PER_PARTITION, 64);

	test_msgver_t *mv = test_msgver_new(T0030_PARTITIONS);
	int got = test_consume_msgs(c, topic, T0030_PARTITIONS, FJORD_OFFSET_BEGINNING, total, mv,
	                            120000);
	test_say("consumed %d of %d", got, total);
	test_msgver_verify(mv, "100k across 4 partitions", total);

	fjord_t *admin = test_producer_new(c, NULL);
	for (int p = 0; p < T0030_PARTITIONS; p++) {
		int64_t lo = -1, hi = -1;
		fjord_err_t err = fjord_query_watermark_offsets(admin, topic, p, &lo, &hi, 10000);
		ck_assert_msg(err == FJORD_ERR_NO_ERROR, "watermarks [%d]: %s", p,
		              fjord_err2name(err));
		ck_assert_msg(lo == 0 && hi == T0030_PER_PARTITION,
		              "partition %d: watermarks %lld..%lld, expected 0..%d", p,
		              (long long)lo, (long long)hi, T0030_PER_PARTITION);
	}
	fjord_destroy(admin);
}
END_TEST

void test_0030(TCase *tc)
{
	tcase_add_test(tc, t0030_produce_consume);
}
