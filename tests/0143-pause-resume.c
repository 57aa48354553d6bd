/*
 * 0143-pause-resume — the consumer's flow control and its quiet rebalances
 * (issue 13), against the shared cluster.
 *
 *  1. (t0143_pause) A consumer assigned both partitions of a topic polls
 *     until a record of partition 0 arrived (so more of it is fetched but
 *     not polled), then pauses partition 0. Records are produced to both
 *     while it is paused: poll returns every record of partition 1 and none
 *     of partition 0, whose position stays where it was. After
 *     fjord_resume() the rest of partition 0 arrives; the verifier checks
 *     all records of both partitions, in order, with no gap and no
 *     duplicate. Pausing a partition that is not assigned sets the
 *     element's err to _UNKNOWN_PARTITION.
 *  2. (t0143_quiet_rebalance) Two group members without a rebalance
 *     callback (the first alone, then a second joins, taking a partition
 *     from it): poll returns only records, never an _ASSIGN_PARTITIONS /
 *     _REVOKE_PARTITIONS event, and the group consumes everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrp_helpers.h"

#define T0143_CNT 50

/* Polls fj for ms (scaled) or until mv holds `until` records; records of
 * partition `forbidden` fail the test. Returns the events seen. */
static int t0143_poll(fjord_t *fj, test_msgver_t *mv, int until, int ms, int forbidden,
                      int64_t *last_p0)
{
	int64_t deadline = test_now_ms() + (int64_t)(ms * test_timeout_multiplier());
	int events = 0;
	while (test_now_ms() < deadline && (until <= 0 || test_msgver_cnt(mv) < until)) {
		fjord_message_t *m = fjord_consumer_poll(fj, 100);
		if (!m)
			continue;
		if (m->err) {
			test_say("event: %s [%d]: %s", m->topic ? m->topic : "-", (int)m->partition,
			         fjord_err2name(m->err));
			events++;
		} else {
			ck_assert_msg(m->partition != forbidden,
			              "poll returned offset %lld of paused partition %d",
			              (long long)m->offset, (int)m->partition);
			if (m->partition == 0 && last_p0)
				*last_p0 = m->offset;
			test_msgver_add(mv, m);
		}
		fjord_message_destroy(m);
	}
	return events;
}

static int64_t t0143_position(fjord_t *fj, const char *topic, int32_t partition)
{
	fjord_topic_partition_list_t *l = fjord_topic_partition_list_new(1);
	int64_t pos;
	fjord_topic_partition_list_add(l, topic, partition);
	ck_assert_int_eq(fjord_position(fj, l), FJORD_ERR_NO_ERROR);
	pos = l->elems[0].offset;
	fjord_topic_partition_list_destroy(l);
	return pos;
}

START_TEST(t0143_pause)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("pause");
	test_msgver_t *mv = test_msgver_new(2);
	fjord_topic_partition_list_t *l = fjord_topic_partition_list_new(2);
	fjord_topic_partition_list_t *p0 = fjord_topic_partition_list_new(2);
	int64_t last_p0 = -1, pos;
	int p, before;

	test_create_topic(c, topic, 2, 1);
	for (p = 0; p < 2; p++)
		ck_assert_int_eq(
		    test_produce_range(c, topic, p, 0, T0143_CNT, 32, NULL, NULL, NULL), T0143_CNT);
	/* Small fetches: partition 0 arrives in several answers. */
	fjord_t *fj = test_consumer_new(c, "max.partition.fetch.bytes", "1024", NULL);
	fjord_topic_partition_list_add(l, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	fjord_topic_partition_list_add(l, topic, 1)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(fj, l), FJORD_ERR_NO_ERROR);

	/* Poll until the first record of partition 0, then pause it. */
	{
		int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
		while (last_p0 < 0 && test_now_ms() < deadline)
			t0143_poll(fj, mv, test_msgver_cnt(mv) + 1, 1000, -1, &last_p0);
	}
	ck_assert_msg(last_p0 >= 0, "no record of partition 0 in 30 s");
	fjord_topic_partition_list_add(p0, topic, 0);
	fjord_topic_partition_list_add(p0, topic, 7); /* not assigned */
	ck_assert_int_eq(fjord_pause(fj, p0), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(p0->elems[0].err, FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(p0->elems[1].err, FJORD_ERR__UNKNOWN_PARTITION);
	pos = t0143_position(fj, topic, 0);
	ck_assert_msg(pos == last_p0 + 1, "position %lld after pause, last polled %lld",
	              (long long)pos, (long long)last_p0);
	before = test_msgver_cnt(mv);
	test_say("paused partition 0 at %lld with %d records polled", (long long)pos, before);
	ck_assert_msg(before < 2 * T0143_CNT, "everything was polled before the pause");

	/* Produce more to both while 0 is paused: only 1's arrive. */
	for (p = 0; p < 2; p++)
		ck_assert_int_eq(
		    test_produce_range(c, topic, p, T0143_CNT, T0143_CNT, 32, NULL, NULL, NULL),
		    T0143_CNT);
	/* Everything of partition 1, plus what of 0 came before the pause. */
	int want1 = 2 * T0143_CNT + (int)(last_p0 + 1);
	t0143_poll(fj, mv, want1, 30000, 0, NULL);
	ck_assert_msg(test_msgver_cnt(mv) == want1, "%d records while paused, expected %d",
	              test_msgver_cnt(mv), want1);
	/* Nothing of partition 0 arrives later either (2 s more). */
	t0143_poll(fj, mv, 0, 2000, 0, NULL);
	ck_assert_int_eq(test_msgver_cnt(mv), want1);
	ck_assert_int_eq(t0143_position(fj, topic, 0), pos);

	/* Resume: the rest of partition 0, from its position. */
	ck_assert_int_eq(fjord_resume(fj, p0), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(p0->elems[0].err, FJORD_ERR_NO_ERROR);
	t0143_poll(fj, mv, 4 * T0143_CNT, 30000, -1, NULL);
	t0143_poll(fj, mv, 0, 1000, -1, NULL); /* a duplicate would show now */
	ck_assert_int_eq(t0143_position(fj, topic, 0), 2 * T0143_CNT);
	test_msgver_verify(mv, "pause and resume", 4 * T0143_CNT);

	fjord_topic_partition_list_destroy(p0);
	fjord_topic_partition_list_destroy(l);
	fjord_destroy(fj);
}
END_TEST

START_TEST(t0143_quiet_rebalance)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("quiet");
	char group[200];
	test_msgver_t *mv = test_msgver_new(2);
	int events = 0, p;

	snprintf(group, sizeof(group), "%s", tg_group_name("g"));
	test_create_topic(c, topic, 2, 1);
	for (p = 0; p < 2; p++)
		ck_assert_int_eq(test_produce_range(c, topic, p, 0, 20, 16, NULL, NULL, NULL), 20);
	fjord_t *a = tg_member_new(c, group, topic, NULL);
	events += t0143_poll(a, mv, 40, 30000, -1, NULL);
	ck_assert_msg(test_msgver_cnt(mv) == 40, "member a consumed %d of 40", test_msgver_cnt(mv));
	ck_assert_int_eq(tg_assigned_cnt(a), 2);
	ck_assert_int_eq(fjord_commit(a, NULL, 0), FJORD_ERR_NO_ERROR);

	/* A second member: a loses one partition (revoke) and b gets it. */
	fjord_t *b = tg_member_new(c, group, topic, NULL);
	{
		int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
		while (test_now_ms() < deadline &&
		       (tg_assigned_cnt(a) != 1 || tg_assigned_cnt(b) != 1)) {
			events += t0143_poll(a, mv, 0, 200, -1, NULL);
			events += t0143_poll(b, mv, 0, 200, -1, NULL);
		}
	}
	ck_assert_msg(tg_assigned_cnt(a) == 1 && tg_assigned_cnt(b) == 1,
	              "no 1/1 split: a %d, b %d", tg_assigned_cnt(a), tg_assigned_cnt(b));
	for (p = 0; p < 2; p++)
		ck_assert_int_eq(test_produce_range(c, topic, p, 20, 20, 16, NULL, NULL, NULL), 20);
	{
		int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
		while (test_now_ms() < deadline && test_msgver_cnt(mv) < 80) {
			events += t0143_poll(a, mv, 80, 200, -1, NULL);
			events += t0143_poll(b, mv, 80, 200, -1, NULL);
		}
	}
	ck_assert_msg(events == 0, "poll returned %d rebalance events without a rebalance_cb",
	              events);
	test_msgver_verify(mv, "two quiet members", 80);
	fjord_destroy(b);
	fjord_destroy(a);
}
END_TEST

void test_0143(TCase *tc)
{
	tcase_add_test(tc, t0143_pause);
	tcase_add_test(tc, t0143_quiet_rebalance);
}
