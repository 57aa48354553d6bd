/*
 * 0034-errors — errors reach the application as errors:
 *  - a record for a topic that does not exist fails (at produce() or in its
 *    delivery report) with an unknown-topic error;
 *  - a produce request sent by hand to a broker that does not lead the
 *    partition gets NOT_LEADER, while the leader accepts the same request;
 *  - a consumer assigned past the log end with auto.offset.reset=error gets
 *    an OFFSET_OUT_OF_RANGE event, and seeking back into range then works.
 * Shared cluster.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

static atomic_int t0034_dr_err;

static void t0034_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	(void)fj;
	(void)opaque;
	atomic_store(&t0034_dr_err, msg->err ? (int)msg->err : 1);
}

START_TEST(t0034_unknown_topic)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("missing");
	char errstr[256];

	atomic_store(&t0034_dr_err, 0);
	fjord_conf_t *conf = test_conf(c, "message.timeout.ms", "10000", NULL);
	fjord_conf_set_dr_msg_cb(conf, t0034_dr_cb);
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "%s", errstr);
	fjord_err_t err =
	    fjord_produce(p, topic, FJORD_PARTITION_UA, "k", 1, "v", 1, NULL, 0, 0, NULL);
	if (err == FJORD_ERR_NO_ERROR) {
		fjord_flush(p, (int)(30000 * test_timeout_multiplier()));
		err = (fjord_err_t)atomic_load(&t0034_dr_err);
		ck_assert_msg(err != 0, "no delivery report for the unknown topic");
	}
	fjord_destroy(p);
	test_say("record to unknown topic %s: %s", topic, fjord_err2name(err));
	ck_assert_msg(err == FJORD_ERR__UNKNOWN_TOPIC ||
	                  err == FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION,
	              "unknown topic reported as %s", fjord_err2name(err));
}
END_TEST

START_TEST(t0034_not_leader)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("nl");
	fjord_metadata_t *md = NULL;

	test_create_topic(c, topic, 1, 1);
	fjord_t *admin = test_producer_new(c, NULL);
	ck_assert_int_eq(fjord_metadata(admin, topic, &md, 10000), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(md->topic_cnt, 1);
	int leader = md->topics[0].partitions[0].leader;
	fjord_metadata_destroy(md);
	fjord_destroy(admin);
	test_say("partition 0 of %s is led by broker %d", topic, leader);

	for (int i = 0; i < c->broker_cnt; i++) {
		int rc = raw_produce_one(c->brokers[i].port, topic, 0, "k", "raw");
		test_say("raw produce to broker %d: error %d", c->brokers[i].id, rc);
		if (c->brokers[i].id == leader)
			ck_assert_msg(rc == 0, "the leader refused a raw produce: %d", rc);
		else
			ck_assert_msg(rc == FJORD_ERR_NOT_LEADER,
			              "broker %d (not the leader) answered %d, expected NOT_LEADER",
			              c->brokers[i].id, rc);
	}
}
END_TEST

START_TEST(t0034_out_of_range)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("oor");

	test_create_topic(c, topic, 1, 1);
	test_produce_msgs(c, topic, 0, 10, 10);
	fjord_t *cons = test_consumer_new(c, "auto.offset.reset", "error", NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = 1000;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);

	fjord_err_t seen = FJORD_ERR_NO_ERROR;
	int64_t deadline = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	while (!seen && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		ck_assert_msg(m->err != FJORD_ERR_NO_ERROR,
		              "got a record at offset %lld past the end", (long long)m->offset);
		seen = m->err;
		fjord_message_destroy(m);
	}
	test_say("fetch at offset 1000 of a 10-record log: %s", fjord_err2name(seen));
	ck_assert_msg(seen == FJORD_ERR_OFFSET_OUT_OF_RANGE || seen == FJORD_ERR__NO_OFFSET,
	              "expected OFFSET_OUT_OF_RANGE, got %s", fjord_err2name(seen));

	ck_assert_int_eq(fjord_seek(cons, topic, 0, 5, 10000), FJORD_ERR_NO_ERROR);
	fjord_message_t *got = NULL;
	deadline = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	while (!got && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (m && !m->err)
			got = m;
		else if (m)
			fjord_message_destroy(m);
	}
	ck_assert_msg(got, "nothing consumed after seeking to offset 5");
	ck_assert_int_eq(got->offset, 5);
	fjord_message_destroy(got);
	fjord_destroy(cons);
}
END_TEST

void test_0034(TCase *tc)
{
	tcase_add_test(tc, t0034_unknown_topic);
	tcase_add_test(tc, t0034_not_leader);
	tcase_add_test(tc, t0034_out_of_range);
}
