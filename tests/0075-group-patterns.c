/*
 * 0075-group-patterns — a group subscribed to a '^' pattern consumes every
 * matching topic, and a topic created later that matches triggers a
 * rebalance (the leader sees it in the metadata) and is consumed too;
 * a topic that does not match is left alone. (Partitions added to a
 * subscribed topic: 0078.)
 */
#include <stdio.h>
#include <string.h>

#include "cgrp_helpers.h"

START_TEST(t0075_patterns)
{
	test_cluster_t *c = test_shared_cluster();
	char prefix[200], pattern[220], t1[240], t2[240], other[240], group[200];
	test_msgver_t *mv = test_msgver_new(2);
	fjord_t *a, *b;
	int got;

	snprintf(prefix, sizeof(prefix), "%s", test_topic_name("pat"));
	snprintf(pattern, sizeof(pattern), "^%s\\..*", prefix);
	snprintf(t1, sizeof(t1), "%s.one", prefix);
	snprintf(t2, sizeof(t2), "%s.two", prefix);
	snprintf(other, sizeof(other), "%sX.three", prefix);
	snprintf(group, sizeof(group), "%s", tg_group_name("g"));
	test_create_topic(c, t1, 2, 1);
	tg_produce(c, t1, 2, 50);

	a = tg_member_new(c, group, pattern, NULL);
	b = tg_member_new(c, group, pattern, NULL);
	got = 0;
	{
		int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
		while (test_msgver_cnt(mv) < 100 && test_now_ms() < deadline) {
			got += tg_poll(a, mv, 100, 100, NULL);
			got += tg_poll(b, mv, 100, 100, NULL);
		}
	}
	ck_assert_msg(got == 100, "pattern group consumed %d of 100 from %s", got, t1);

	/* A new matching topic and a non-matching one. */
	test_create_topic(c, other, 1, 1);
	test_produce_msgs(c, other, 0, 10, 16);
	test_create_topic(c, t2, 2, 1);
	tg_produce(c, t2, 2, 50);
	{
		int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
		while (test_msgver_cnt(mv) < 200 && test_now_ms() < deadline) {
			got += tg_poll(a, mv, 200, 100, NULL);
			got += tg_poll(b, mv, 200, 100, NULL);
		}
	}
	ck_assert_msg(got == 200, "pattern group consumed %d of 200 after %s appeared", got, t2);
	/* Nothing from the non-matching topic (it would be a duplicate key or
	 * a count beyond 200), and both members got work. */
	tg_poll(a, mv, 0, 500, NULL);
	tg_poll(b, mv, 0, 500, NULL);
	ck_assert_int_eq(test_msgver_cnt(mv), 200);
	ck_assert_msg(tg_assigned_cnt(a) + tg_assigned_cnt(b) == 4,
	              "assigned %d + %d partitions, expected 4 (2 topics x 2)", tg_assigned_cnt(a),
	              tg_assigned_cnt(b));
	fjord_destroy(a);
	fjord_destroy(b);
	test_msgver_destroy(mv);
}
END_TEST

void test_0075(TCase *tc)
{
	tcase_add_test(tc, t0075_patterns);
}
