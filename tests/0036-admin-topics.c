/*
 * 0036-admin-topics — topic administration through the SDK's admin API
 * (ZooKeeper mode): create, describe (metadata: partitions, replicas, ISR,
 * leaders, configs), create again (TOPIC_ALREADY_EXISTS), delete, describe
 * (UNKNOWN_TOPIC_OR_PARTITION), delete again, re-create with another
 * partition count (a fresh, empty log); invalid names, a replication factor
 * above the live brokers and a bad config value are refused with their
 * error codes. Shared cluster.
 */
#include <stdio.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

#define T0036_TIMEOUT ((int)(30000 * test_timeout_multiplier()))

static fjord_err_t t0036_create(fjord_t *a, const char *topic, int parts, int rf,
                                const char *const *configs)
{
	char errstr[512] = "";
	fjord_err_t err = fjord_admin_create_topic(a, topic, parts, rf, configs, T0036_TIMEOUT,
	                                           errstr, sizeof(errstr));
	test_say("create '%s' (%d, rf %d): %s %s", topic, parts, rf, fjord_err2name(err), errstr);
	return err;
}

static fjord_metadata_topic_t *t0036_describe(fjord_t *a, const char *topic, fjord_metadata_t **mdp)
{
	ck_assert_int_eq(fjord_metadata(a, topic, mdp, 10000), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq((*mdp)->topic_cnt, 1);
	return &(*mdp)->topics[0];
}

START_TEST(t0036_lifecycle)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("adm");
	char errstr[512];
	fjord_metadata_t *md = NULL;
	fjord_t *a = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	ck_assert_msg(a, "%s", errstr);

	const char *const configs[] = { "retention.ms", "3600000", NULL };
	ck_assert_int_eq(t0036_create(a, topic, 3, 2, configs), FJORD_ERR_NO_ERROR);
	fjord_metadata_topic_t *t = t0036_describe(a, topic, &md);
	ck_assert_int_eq(t->err, FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(t->partition_cnt, 3);
	for (int i = 0; i < 3; i++) {
		fjord_metadata_partition_t *p = &t->partitions[i];
		ck_assert_int_eq(p->id, i);
		ck_assert_int_eq(p->replica_cnt, 2);
		ck_assert_msg(p->leader >= 1 && p->leader <= 3, "partition %d leader %d", i,
		              (int)p->leader);
		ck_assert_msg(p->isr_cnt >= 1 && p->isr_cnt <= 2, "partition %d ISR size %d", i,
		              p->isr_cnt);
	}
	int found = 0;
	for (int i = 0; i < t->config_cnt; i++)
		if (!strcmp(t->config_names[i], "retention.ms") &&
		    !strcmp(t->config_values[i], "3600000"))
			found = 1;
	ck_assert_msg(found, "retention.ms=3600000 not in the topic's configs");
	fjord_metadata_destroy(md);

	ck_assert_int_eq(t0036_create(a, topic, 3, 2, NULL), FJORD_ERR_TOPIC_ALREADY_EXISTS);
	/* acks=1: the leader's append is enough, whatever the followers do. */
	test_produce_msgs_conf(c, topic, 0, 50, 10, "acks", "1", NULL);

	fjord_err_t err = fjord_admin_delete_topic(a, topic, T0036_TIMEOUT, errstr, sizeof(errstr));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "delete: %s %s", fjord_err2name(err), errstr);
	t = t0036_describe(a, topic, &md);
	ck_assert_int_eq(t->err, FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION);
	fjord_metadata_destroy(md);
	err = fjord_admin_delete_topic(a, topic, T0036_TIMEOUT, errstr, sizeof(errstr));
	ck_assert_int_eq(err, FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION);

	/* Re-create under the same name: a new, empty log. */
	ck_assert_int_eq(t0036_create(a, topic, 2, 1, NULL), FJORD_ERR_NO_ERROR);
	t = t0036_describe(a, topic, &md);
	ck_assert_int_eq(t->partition_cnt, 2);
	fjord_metadata_destroy(md);
	int64_t lo = -1, hi = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(a, topic, 0, &lo, &hi, 10000),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_msg(lo == 0 && hi == 0, "re-created topic is not empty: %lld..%lld",
	              (long long)lo, (long long)hi);
	test_produce_msgs(c, topic, 1, 20, 10);
	test_msgver_t *mv = test_msgver_new(2);
	test_consume_msgs(c, topic, 2, FJORD_OFFSET_BEGINNING, 20, mv, 30000);
	test_msgver_verify(mv, "re-created topic", 20);
	fjord_destroy(a);
}
END_TEST

START_TEST(t0036_invalid)
{
	test_cluster_t *c = test_shared_cluster();
	char errstr[512];
	char longname[300];
	fjord_t *a = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	ck_assert_msg(a, "%s", errstr);

	memset(longname, 'x', 260);
	longname[260] = '\0';
	const char *bad_names[] = {
		"", ".", "..", "has/slash", "has space", "bad*chars", longname
	};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		ck_assert_msg(t0036_create(a, bad_names[i], 1, 1, NULL) == FJORD_ERR_INVALID_TOPIC,
		              "topic name '%.40s' was not refused as INVALID_TOPIC", bad_names[i]);
	const char *topic = test_topic_name("inv");
	ck_assert_int_eq(t0036_create(a, topic, 1, 4, NULL), FJORD_ERR_INVALID_REPLICATION_FACTOR);
	const char *const bad_cfg[] = { "retention.ms", "soon", NULL };
	ck_assert_int_eq(t0036_create(a, topic, 1, 1, bad_cfg), FJORD_ERR_INVALID_CONFIG);
	const char *const unknown_cfg[] = { "no.such.topic.config", "1", NULL };
	ck_assert_int_eq(t0036_create(a, topic, 1, 1, unknown_cfg), FJORD_ERR_INVALID_CONFIG);
	/* None of the refused creations left the topic behind. */
	fjord_metadata_t *md = NULL;
	ck_assert_int_eq(fjord_metadata(a, topic, &md, 10000), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(md->topics[0].err, FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION);
	fjord_metadata_destroy(md);
	fjord_destroy(a);
}
END_TEST

void test_0036(TCase *tc)
{
	tcase_add_test(tc, t0036_lifecycle);
	tcase_add_test(tc, t0036_invalid);
}
