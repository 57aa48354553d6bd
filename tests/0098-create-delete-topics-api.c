/*
 * 0098-create-delete-topics-api — CreateTopics / DeleteTopics through a
 * broker (no authorizer), the path of an admin handle with
 * bootstrap.servers only:
 *  - sdk: fjord_admin_create_topic on a bootstrap-only handle creates the
 *    topic (every partition led, records produced are all read back) and
 *    answers TOPIC_ALREADY_EXISTS, INVALID_TOPIC, INVALID_REPLICATION_FACTOR,
 *    INVALID_CONFIG as the ZooKeeper path does; fjord_admin_delete_topic
 *    removes it and answers UNKNOWN_TOPIC_OR_PARTITION for one that is not
 *    there.
 *  - raw: one CreateTopics request for several topics answers per topic, in
 *    order (a good one created, a duplicate name INVALID_REQUEST, 0
 *    partitions INVALID_PARTITIONS, an existing one TOPIC_ALREADY_EXISTS);
 *    one DeleteTopics likewise.
 * Shared cluster.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rawproto.h"
#include "test.h"

static fjord_t *t0098_bootstrap_admin(test_cluster_t *c)
{
	char bootstrap[256] = "", errstr[512];
	size_t off = 0;

	for (int i = 0; i < c->broker_cnt; i++)
		off += (size_t)snprintf(bootstrap + off, sizeof(bootstrap) - off, "%s127.0.0.1:%d",
		                        off ? "," : "", c->brokers[i].port);
	fjord_conf_t *conf = fjord_conf_new();
	ck_assert(fjord_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)) ==
	          FJORD_CONF_OK);
	fjord_t *fj = fjord_new(FJORD_ADMIN, conf, errstr, sizeof(errstr));
	ck_assert_msg(fj, "admin: %s", errstr);
	return fj;
}

static fjord_err_t t0098_create(fjord_t *fj, const char *topic, int parts, int rf,
                                const char *const *configs, char *errstr, size_t n)
{
	fjord_err_t err = fjord_admin_create_topic(
	    fj, topic, parts, rf, configs, (int)(30000 * test_timeout_multiplier()), errstr, n);
	test_say("create %s (%d, rf %d): %s %s", topic, parts, rf, fjord_err2name(err), errstr);
	return err;
}

START_TEST(t0098_sdk)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("api");
	const char *bad_cfg[] = { "retention.ms", "soon", NULL };
	char errstr[512] = "";
	fjord_t *fj = t0098_bootstrap_admin(c);
	fjord_metadata_t *md = NULL;

	ck_assert_int_eq(t0098_create(fj, topic, 3, 2, NULL, errstr, sizeof(errstr)),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(fjord_metadata(fj, topic, &md, 10000), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(md->topic_cnt, 1);
	ck_assert_int_eq(md->topics[0].partition_cnt, 3);
	for (int p = 0; p < 3; p++) {
		ck_assert_int_ge(md->topics[0].partitions[p].leader, 0);
		ck_assert_int_eq(md->topics[0].partitions[p].replica_cnt, 2);
	}
	fjord_metadata_destroy(md);
	test_produce_msgs(c, topic, -1, 100, 64);
	test_msgver_t *mv = test_msgver_new(3);
	ck_assert_int_eq(test_consume_msgs(c, topic, 3, FJORD_OFFSET_BEGINNING, 100, mv, 30000),
	                 100);
	test_msgver_verify(mv, "created through the broker", 100);

	ck_assert_int_eq(t0098_create(fj, topic, 1, 1, NULL, errstr, sizeof(errstr)),
	                 FJORD_ERR_TOPIC_ALREADY_EXISTS);
	ck_assert_int_eq(t0098_create(fj, "bad/name", 1, 1, NULL, errstr, sizeof(errstr)),
	                 FJORD_ERR_INVALID_TOPIC);
	ck_assert_int_eq(
	    t0098_create(fj, test_topic_name("rf"), 1, 9, NULL, errstr, sizeof(errstr)),
	    FJORD_ERR_INVALID_REPLICATION_FACTOR);
	ck_assert_int_eq(
	    t0098_create(fj, test_topic_name("cfg"), 1, 1, bad_cfg, errstr, sizeof(errstr)),
	    FJORD_ERR_INVALID_CONFIG);
	ck_assert_msg(strstr(errstr, "retention.ms"), "the error does not name the key: %s",
	              errstr);

	fjord_err_t err = fjord_admin_delete_topic(
	    fj, topic, (int)(30000 * test_timeout_multiplier()), errstr, sizeof(errstr));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "delete: %s: %s", fjord_err2name(err), errstr);
	ck_assert_int_eq(fjord_metadata(fj, topic, &md, 10000), FJORD_ERR_NO_ERROR);
	for (int i = 0; i < md->topic_cnt; i++)
		ck_assert_msg(strcmp(md->topics[i].topic, topic) || md->topics[i].err,
		              "%s still listed after its deletion", topic);
	fjord_metadata_destroy(md);
	err = fjord_admin_delete_topic(fj, topic, 5000, errstr, sizeof(errstr));
	ck_assert_int_eq(err, FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION);
	fjord_destroy(fj);
}
END_TEST

START_TEST(t0098_raw)
{
	test_cluster_t *c = test_shared_cluster();
	char good[128], existing[128];
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__CreateTopicsRequest cr = FJORD__CREATE_TOPICS_REQUEST__INIT;
	Fjord__CreatableTopic ct[5], *cts[5];
	int fd;

	snprintf(good, sizeof(good), "%s", test_topic_name("good"));
	snprintf(existing, sizeof(existing), "%s", test_topic_name("exists"));
	test_create_topic(c, existing, 1, 1);
	const char *names[5] = { good, "dup", "dup", test_topic_name("zero"), existing };
	const int expect[5] = { 0, FJORD_ERR_INVALID_REQUEST, FJORD_ERR_INVALID_REQUEST,
		                FJORD_ERR_INVALID_PARTITIONS, FJORD_ERR_TOPIC_ALREADY_EXISTS };
	for (int i = 0; i < 5; i++) {
		fjord__creatable_topic__init(&ct[i]);
		ct[i].name = (char *)names[i];
		ct[i].num_partitions = i == 3 ? 0 : -1;
		ct[i].replication_factor = -1;
		cts[i] = &ct[i];
	}
	cr.topics = cts;
	cr.n_topics = 5;
	req.correlation_id = 11;
	req.api = FJORD__API_KEY__CREATE_TOPICS;
	req.body_case = FJORD__REQUEST__BODY_CREATE_TOPICS;
	req.create_topics = &cr;
	fd = raw_connect(c->brokers[1].port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(raw_send_request(fd, &req, NULL, 0), 0);
	Fjord__Response *resp = raw_recv_response(fd, (int)(20000 * test_timeout_multiplier()));
	ck_assert_ptr_nonnull(resp);
	ck_assert_int_eq(resp->error, 0);
	ck_assert_ptr_nonnull(resp->create_topics);
	ck_assert_int_eq(resp->create_topics->n_topics, 5);
	for (int i = 0; i < 5; i++) {
		Fjord__TopicResult *r = resp->create_topics->topics[i];
		test_say("create %s: %d %s", r->name, r->error, r->error_message);
		ck_assert_str_eq(r->name, names[i]);
		ck_assert_int_eq(r->error, expect[i]);
	}
	fjord__response__free_unpacked(resp, NULL);

	/* The good one exists now: asking again says so. */
	cr.n_topics = 1;
	ck_assert_int_eq(raw_send_request(fd, &req, NULL, 0), 0);
	resp = raw_recv_response(fd, (int)(20000 * test_timeout_multiplier()));
	ck_assert_ptr_nonnull(resp);
	ck_assert_int_eq(resp->create_topics->topics[0]->error, FJORD_ERR_TOPIC_ALREADY_EXISTS);
	fjord__response__free_unpacked(resp, NULL);

	/* DeleteTopics: per topic, in order. */
	Fjord__DeleteTopicsRequest dr = FJORD__DELETE_TOPICS_REQUEST__INIT;
	char *dnames[3] = { good, (char *)test_topic_name("missing"), existing };
	const int dexpect[3] = { 0, FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION, 0 };
	dr.topics = dnames;
	dr.n_topics = 3;
	req.correlation_id = 12;
	req.api = FJORD__API_KEY__DELETE_TOPICS;
	req.body_case = FJORD__REQUEST__BODY_DELETE_TOPICS;
	req.delete_topics = &dr;
	ck_assert_int_eq(raw_send_request(fd, &req, NULL, 0), 0);
	resp = raw_recv_response(fd, (int)(20000 * test_timeout_multiplier()));
	ck_assert_ptr_nonnull(resp);
	ck_assert_ptr_nonnull(resp->delete_topics);
	ck_assert_int_eq(resp->delete_topics->n_topics, 3);
	for (int i = 0; i < 3; i++) {
		Fjord__TopicResult *r = resp->delete_topics->topics[i];
		test_say("delete %s: %d %s", r->name, r->error, r->error_message);
		ck_assert_str_eq(r->name, dnames[i]);
		ck_assert_int_eq(r->error, dexpect[i]);
	}
	fjord__response__free_unpacked(resp, NULL);
	close(fd);
}
END_TEST

void test_0098(TCase *tc)
{
	tcase_add_test(tc, t0098_sdk);
	tcase_add_test(tc, t0098_raw);
}
