/*
 * 0078-group-new-partitions — partitions added to a subscribed topic
 * trigger a rebalance and are consumed.
 *
 * In Kafka's ZooKeeper mode an operator adds partitions by rewriting the
 * topic's assignment znode with more partitions; the controller then writes
 * the new partitions' states. Here the real zkCli.sh does that to a 2-
 * partition topic while a group member consumes it: the group leader sees
 * the new partition count in its metadata, assigns partitions 2 and 3, and
 * their records arrive. Shared cluster.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrp_helpers.h"

typedef struct t0078_wait {
	test_cluster_t *c;
	const char *topic;
} t0078_wait_t;

/* All four partitions exist and have a leader. */
static int t0078_grown(void *arg)
{
	t0078_wait_t *w = arg;
	fjord_t *fj = test_producer_new(w->c, NULL);
	fjord_metadata_t *md = NULL;
	int ok = 0;

	if (fjord_metadata(fj, w->topic, &md, 5000) == FJORD_ERR_NO_ERROR && md->topic_cnt == 1 &&
	    md->topics[0].partition_cnt == 4) {
		ok = 1;
		for (int i = 0; i < 4; i++)
			ok &= md->topics[0].partitions[i].leader >= 0;
	}
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return ok;
}

START_TEST(t0078_new_partitions)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("grow");
	char group[200], cmd[1024];
	test_msgver_t *mv = test_msgver_new(4);
	fjord_metadata_t *md = NULL;
	int got = 0, status = -1;

	snprintf(group, sizeof(group), "%s", tg_group_name("g"));
	test_create_topic(c, topic, 2, 1);
	tg_produce(c, topic, 2, 20);
	fjord_t *a = tg_member_new(c, group, topic, NULL);
	{
		int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
		while (test_msgver_cnt(mv) < 40 && test_now_ms() < deadline)
			got += tg_poll(a, mv, 40, 100, NULL);
	}
	ck_assert_msg(got == 40, "consumed %d of 40 before the topic grew", got);
	ck_assert_int_eq(tg_assigned_cnt(a), 2);

	/* Partitions 2 and 3 go to the brokers of 0 and 1, as an operator
	 * would write them. */
	fjord_t *fj = test_producer_new(c, NULL);
	ck_assert_int_eq(fjord_metadata(fj, topic, &md, 10000), FJORD_ERR_NO_ERROR);
	int32_t r0 = md->topics[0].partitions[0].replicas[0];
	int32_t r1 = md->topics[0].partitions[1].replicas[0];
	fjord_metadata_destroy(md);
	fjord_destroy(fj);
	snprintf(cmd, sizeof(cmd),
	         "set /brokers/topics/%s '{\"version\":1,\"partitions\":{\"0\":[%d],\"1\":[%d],"
	         "\"2\":[%d],\"3\":[%d]}}'",
	         topic, (int)r0, (int)r1, (int)r0, (int)r1);
	free(test_zkcli(c, cmd, &status));
	ck_assert_msg(status == 0, "zkCli.sh %s exited %d", cmd, status);
	t0078_wait_t w = { c, topic };
	ck_assert_msg(test_wait_until(t0078_grown, &w, 30000),
	              "%s did not grow to 4 partitions with leaders", topic);

	test_produce_msgs(c, topic, 2, 20, 16);
	test_produce_msgs(c, topic, 3, 20, 16);
	{
		int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
		while (test_msgver_cnt(mv) < 80 && test_now_ms() < deadline)
			got += tg_poll(a, mv, 80, 100, NULL);
	}
	ck_assert_msg(got == 80, "consumed %d of 80 after the topic grew to 4 partitions", got);
	ck_assert_int_eq(tg_assigned_cnt(a), 4);
	test_msgver_verify(mv, "grown topic", 80);
	fjord_destroy(a);
}
END_TEST

void test_0078(TCase *tc)
{
	tcase_add_test(tc, t0078_new_partitions);
}
