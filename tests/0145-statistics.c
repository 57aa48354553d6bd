/*
 * 0145-statistics — statistics.interval.ms and the statistics callback
 * (issue 13), against the shared cluster.
 *
 * A producer with statistics.interval.ms=100 sends 20 records and flushes:
 * a later document (parsed with jansson) says type "producer", msg_cnt 0,
 * tx/rx/txbytes/rxbytes > 0 equal to the sums over its brokers, and a broker
 * object with nodeid, state UP and rtt min <= avg <= max, p99 <= max. A
 * group consumer with the same interval consumes the 20 records: a later
 * document has topics.<t>.partitions."0" with hi_offset 20, app_offset 20,
 * consumer_lag 0, fetchq_cnt 0, and cgrp state "up", assignment_size 1,
 * rebalance_cnt >= 1. A handle without the property gets no document.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cgrp_helpers.h"

#define T0145_CNT 20

static pthread_mutex_t t0145_lock = PTHREAD_MUTEX_INITIALIZER;
static char *t0145_last; /* newest document */
static int t0145_docs;

static void t0145_stats_cb(fjord_t *fj, const char *json, size_t len, void *opaque)
{
	(void)fj;
	(void)opaque;
	pthread_mutex_lock(&t0145_lock);
	free(t0145_last);
	t0145_last = strndup(json, len);
	t0145_docs++;
	pthread_mutex_unlock(&t0145_lock);
}

/* Waits for a document newer than the current count and parses it. */
static json_t *t0145_next_doc(void)
{
	int before, now = 0;
	json_error_t jerr;
	json_t *doc = NULL;
	pthread_mutex_lock(&t0145_lock);
	before = t0145_docs;
	pthread_mutex_unlock(&t0145_lock);
	int64_t deadline = test_now_ms() + (int64_t)(10000 * test_timeout_multiplier());
	while (test_now_ms() < deadline) {
		pthread_mutex_lock(&t0145_lock);
		now = t0145_docs;
		if (now > before + 1) /* a whole interval after the call */
			doc = json_loads(t0145_last, 0, &jerr);
		pthread_mutex_unlock(&t0145_lock);
		if (now > before + 1)
			break;
		usleep(20000);
	}
	ck_assert_msg(now > before + 1, "no statistics document in 10 s");
	ck_assert_msg(doc != NULL, "statistics document is not JSON: %s", jerr.text);
	return doc;
}

static json_int_t t0145_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	ck_assert_msg(json_is_integer(v), "field %s missing or not an integer", key);
	return json_integer_value(v);
}

START_TEST(t0145_statistics)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("stats");
	char errstr[512], group[200];
	const char *bname;
	json_t *doc, *b, *rtt, *p;
	json_int_t tx = 0, txb = 0, rx = 0, rxb = 0;
	int i, got = 0, brokers = 0;

	test_create_topic(c, topic, 1, 1);

	/* No property: no document. */
	fjord_conf_t *conf = test_conf(c, NULL);
	fjord_conf_set_stats_cb(conf, t0145_stats_cb);
	fjord_t *quiet = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(quiet != NULL, "%s", errstr);
	usleep(500000);
	fjord_destroy(quiet);
	ck_assert_int_eq(t0145_docs, 0);

	conf = test_conf(c, "statistics.interval.ms", "100", NULL);
	fjord_conf_set_stats_cb(conf, t0145_stats_cb);
	fjord_t *pr = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(pr != NULL, "%s", errstr);
	for (i = 0; i < T0145_CNT; i++)
		ck_assert_int_eq(fjord_produce(pr, topic, 0, NULL, 0, "v", 1, NULL, 0, 0, NULL),
		                 FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(fjord_flush(pr, (int)(30000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	doc = t0145_next_doc();
	ck_assert_str_eq(json_string_value(json_object_get(doc, "type")), "producer");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "name")), fjord_name(pr));
	ck_assert(t0145_int(doc, "ts") > 0 && t0145_int(doc, "time") > 1700000000);
	ck_assert_int_eq(t0145_int(doc, "msg_cnt"), 0);
	ck_assert_int_eq(t0145_int(doc, "msg_size"), 0);
	json_object_foreach (json_object_get(doc, "brokers"), bname, b) {
		brokers++;
		tx += t0145_int(b, "tx");
		txb += t0145_int(b, "txbytes");
		rx += t0145_int(b, "rx");
		rxb += t0145_int(b, "rxbytes");
		ck_assert(t0145_int(b, "nodeid") >= 0);
		ck_assert(t0145_int(b, "outbuf_cnt") >= 0 && t0145_int(b, "waitresp_cnt") >= 0);
		rtt = json_object_get(b, "rtt");
		ck_assert_msg(t0145_int(b, "rx") == 0 || t0145_int(rtt, "min") > 0,
		              "a broker that answered has no round-trip time");
		ck_assert(t0145_int(rtt, "min") <= t0145_int(rtt, "avg") &&
		          t0145_int(rtt, "avg") <= t0145_int(rtt, "max") &&
		          t0145_int(rtt, "p99") <= t0145_int(rtt, "max"));
		test_say("broker %s: state %s, tx %lld, rx %lld, rtt max %lld us", bname,
		         json_string_value(json_object_get(b, "state")),
		         (long long)t0145_int(b, "tx"), (long long)t0145_int(b, "rx"),
		         (long long)t0145_int(rtt, "max"));
	}
	ck_assert_msg(brokers >= 1, "no broker in the document");
	ck_assert(tx > 0 && rx > 0 && txb > 0 && rxb > 0);
	ck_assert_int_eq(t0145_int(doc, "tx"), tx);
	ck_assert_int_eq(t0145_int(doc, "txbytes"), txb);
	ck_assert_int_eq(t0145_int(doc, "rx"), rx);
	ck_assert_int_eq(t0145_int(doc, "rxbytes"), rxb);
	json_decref(doc);
	fjord_destroy(pr);

	/* A group consumer reads the 20 records. */
	snprintf(group, sizeof(group), "%s", tg_group_name("g"));
	conf = test_conf(c, "group.id", group, "auto.offset.reset", "earliest",
	                 "statistics.interval.ms", "100", NULL);
	fjord_conf_set_stats_cb(conf, t0145_stats_cb);
	fjord_t *co = fjord_new(FJORD_CONSUMER, conf, errstr, sizeof(errstr));
	ck_assert_msg(co != NULL, "%s", errstr);
	fjord_topic_partition_list_t *sub = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(sub, topic, -1);
	ck_assert_int_eq(fjord_subscribe(co, sub), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(sub);
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while (got < T0145_CNT && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(co, 100);
		if (m && !m->err)
			got++;
		if (m)
			fjord_message_destroy(m);
	}
	ck_assert_int_eq(got, T0145_CNT);
	doc = t0145_next_doc();
	ck_assert_str_eq(json_string_value(json_object_get(doc, "type")), "consumer");
	p = json_object_get(
	    json_object_get(json_object_get(json_object_get(doc, "topics"), topic), "partitions"),
	    "0");
	ck_assert_msg(p != NULL, "no topics.%s.partitions.0 in the document", topic);
	ck_assert_int_eq(t0145_int(p, "hi_offset"), T0145_CNT);
	ck_assert_int_eq(t0145_int(p, "app_offset"), T0145_CNT);
	ck_assert_int_eq(t0145_int(p, "consumer_lag"), 0);
	ck_assert_int_eq(t0145_int(p, "fetchq_cnt"), 0);
	json_t *cg = json_object_get(doc, "cgrp");
	ck_assert_msg(cg != NULL, "no cgrp in the document");
	ck_assert_str_eq(json_string_value(json_object_get(cg, "state")), "up");
	ck_assert_int_eq(t0145_int(cg, "assignment_size"), 1);
	ck_assert(t0145_int(cg, "rebalance_cnt") >= 1);
	ck_assert(t0145_int(doc, "rx") > 0);
	json_decref(doc);
	fjord_destroy(co);
	free(t0145_last);
	t0145_last = NULL;
}
END_TEST

void test_0145(TCase *tc)
{
	tcase_add_test(tc, t0145_statistics);
}
