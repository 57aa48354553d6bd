/*
 * 0116-idempotent-expiry — producer.id.expiration.ms: a partition forgets an
 * idle idempotent producer.
 *
 * A private 1-broker cluster with producer.id.expiration.ms=1000 and a
 * retention check every 100 ms. An idempotent batch (sequence 0) is
 * acknowledged; then a probe with a gap (sequence 5, never appended: while
 * the producer is known it is OUT_OF_ORDER_SEQUENCE_NUMBER) is sent until
 * the answer is UNKNOWN_PRODUCER_ID: the state expired. The retry of the
 * first batch is then a new producer's first batch, stored again at the
 * log end (not a duplicate any more), fjord_producer_ids_expired_total
 * counts the expiry, and the log holds exactly the two acknowledged
 * batches. With expiry off the probe never changes answer and the test
 * fails at its deadline.
 * T_CLUSTER: its own broker with its own settings.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rawproto.h"
#include "repl_util.h"
#include "test.h"

#define T0116_PID 777

typedef struct t0116 {
	int port;
	const char *topic;
	int last_rc;
} t0116_t;

/* Sends the batch of sequence seq (one record, key msg=msg). */
static int t0116_send(t0116_t *t, int32_t seq, int msg, int64_t *basep)
{
	uint8_t buf[1024];
	char why[512];
	size_t len = raw_batch_build_idempotent(buf, sizeof(buf), T0116_PID, 0, seq, 0, msg, 1);
	return raw_produce_acks(t->port, t->topic, 0, 1, buf, len, basep, why, sizeof(why));
}

/* The gap probe answers UNKNOWN_PRODUCER_ID (it appends nothing either way). */
static int t0116_forgotten(void *arg)
{
	t0116_t *t = arg;
	int64_t base;
	t->last_rc = t0116_send(t, 5, 99, &base);
	return t->last_rc == FJORD_ERR_UNKNOWN_PRODUCER_ID;
}

START_TEST(t0116_expiry)
{
	test_cluster_t *c = test_cluster_new(
	    1, "producer.id.expiration.ms=1000\nlog.retention.check.interval.ms=100\n");
	t0116_t t = { .port = c->brokers[0].port, .topic = test_topic_name("idem-expiry") };
	int64_t base;

	test_create_topic(c, t.topic, 1, 1);
	ck_assert_int_eq(t0116_send(&t, 0, 0, &base), 0);
	ck_assert_int_eq(base, 0);
	ck_assert_msg(test_wait_until(t0116_forgotten, &t, 30000),
	              "the producer's state did not expire: the gap probe still answers %s",
	              fjord_err2name((fjord_err_t)t.last_rc));
	test_say("producer state expired");
	/* The first batch again: a new producer's, stored again. */
	ck_assert_int_eq(t0116_send(&t, 0, 1, &base), 0);
	ck_assert_int_eq(base, 1);

	char *body = repl_http_body(c, 0, "/metrics");
	ck_assert_ptr_nonnull(body);
	ck_assert_int_ge((int)repl_metric(body, "fjord_producer_ids_expired_total"), 1);
	free(body);
	test_msgver_t *mv = test_msgver_new(1);
	ck_assert_int_eq(test_consume_msgs(c, t.topic, 1, FJORD_OFFSET_BEGINNING, 2, mv, 30000), 2);
	test_msgver_verify(mv, "expiry topic", 2);
	fjord_t *cons = test_consumer_new(c, NULL);
	int64_t low = -1, high = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(cons, t.topic, 0, &low, &high, 10000),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(high, 2);
	fjord_destroy(cons);
	test_cluster_destroy(c);
}
END_TEST

void test_0116(TCase *tc)
{
	tcase_add_test(tc, t0116_expiry);
}
