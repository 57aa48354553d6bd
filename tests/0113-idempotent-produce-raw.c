/*
 * 0113-idempotent-produce-raw — the leader's idempotence checks on the wire.
 *
 * A private 1-broker cluster; idempotent batches written by hand
 * (rawproto.h) for a made-up producer id (the checks only need the id to be
 * >= 0: who handed it out is InitProducerId's business):
 * - sequences 0..4 in five batches get offsets 0..4; sending all five again
 *   answers each with its original base offset and stores nothing
 *   (fjord_produce_duplicates_total counts them);
 * - a gap answers OUT_OF_ORDER_SEQUENCE_NUMBER; a new epoch starts at 0
 *   (anything else is out of order) and fences the old epoch
 *   (INVALID_PRODUCER_EPOCH); an unknown producer starting at sequence 5
 *   gets UNKNOWN_PRODUCER_ID; two batches of the producer in one payload get
 *   INVALID_RECORD;
 * - read back: exactly the six acknowledged records, once each, in order,
 *   and the high watermark says the log holds nothing else.
 * T_CLUSTER: its own broker.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rawproto.h"
#include "repl_util.h"
#include "test.h"

#define T0113_PID 4242

/* Sends one idempotent batch of n records (keys msg=first_msg...) and
 * returns the partition's error; *basep gets the base offset. */
static int t0113_send(int port, const char *topic, int64_t pid, int16_t epoch, int32_t seq,
                      int first_msg, int n, int64_t *basep, char *msg, size_t msg_size)
{
	uint8_t buf[2048];
	size_t len = raw_batch_build_idempotent(buf, sizeof(buf), pid, epoch, seq, 0, first_msg, n);
	int rc = raw_produce_acks(port, topic, 0, 1, buf, len, basep, msg, msg_size);
	test_say("producer %" PRId64 " epoch %d seq %" PRId32 ": %s base offset %" PRId64 " %s",
	         pid, (int)epoch, seq, fjord_err2name((fjord_err_t)rc), *basep, msg);
	return rc;
}

START_TEST(t0113_idempotent_raw)
{
	test_cluster_t *c = test_cluster_new(1, NULL);
	const char *topic = test_topic_name("idem");
	int port = c->brokers[0].port;
	char msg[512];
	int64_t base;

	test_create_topic(c, topic, 1, 1);
	for (int s = 0; s < 5; s++) {
		ck_assert_int_eq(
		    t0113_send(port, topic, T0113_PID, 0, s, s, 1, &base, msg, sizeof(msg)), 0);
		ck_assert_int_eq(base, s);
	}
	/* Retries of all five: the original offsets, nothing stored. */
	for (int s = 0; s < 5; s++) {
		ck_assert_int_eq(
		    t0113_send(port, topic, T0113_PID, 0, s, s, 1, &base, msg, sizeof(msg)), 0);
		ck_assert_int_eq(base, s);
	}
	/* A gap. */
	ck_assert_int_eq(t0113_send(port, topic, T0113_PID, 0, 7, 90, 1, &base, msg, sizeof(msg)),
	                 FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
	ck_assert_ptr_nonnull(strstr(msg, "expected 5"));
	/* A new epoch must restart at 0; then the old epoch is fenced. */
	ck_assert_int_eq(t0113_send(port, topic, T0113_PID, 1, 5, 91, 1, &base, msg, sizeof(msg)),
	                 FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
	ck_assert_int_eq(t0113_send(port, topic, T0113_PID, 1, 0, 5, 1, &base, msg, sizeof(msg)),
	                 0);
	ck_assert_int_eq(base, 5);
	ck_assert_int_eq(t0113_send(port, topic, T0113_PID, 0, 5, 92, 1, &base, msg, sizeof(msg)),
	                 FJORD_ERR_INVALID_PRODUCER_EPOCH);
	/* A producer this partition never saw, not starting at 0. */
	ck_assert_int_eq(
	    t0113_send(port, topic, T0113_PID + 1, 0, 5, 93, 1, &base, msg, sizeof(msg)),
	    FJORD_ERR_UNKNOWN_PRODUCER_ID);
	/* Two batches of the producer in one payload. */
	{
		uint8_t buf[4096];
		size_t l1 = raw_batch_build_idempotent(buf, sizeof(buf), T0113_PID, 1, 1, 0, 94, 1);
		size_t l2 = raw_batch_build_idempotent(buf + l1, sizeof(buf) - l1, T0113_PID, 1, 2,
		                                       0, 95, 1);
		ck_assert_int_eq(
		    raw_produce_acks(port, topic, 0, 1, buf, l1 + l2, &base, msg, sizeof(msg)),
		    FJORD_ERR_INVALID_RECORD);
		ck_assert_ptr_nonnull(strstr(msg, "one batch per partition"));
	}

	/* Exactly the six acknowledged records. */
	test_msgver_t *mv = test_msgver_new(1);
	int got = test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 6, mv, 30000);
	ck_assert_int_eq(got, 6);
	test_msgver_verify(mv, "idempotent topic", 6);
	fjord_t *admin = test_consumer_new(c, NULL);
	int64_t low = -1, high = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(admin, topic, 0, &low, &high, 10000),
	                 FJORD_ERR_NO_ERROR);
	test_say("watermarks %" PRId64 "..%" PRId64, low, high);
	ck_assert_int_eq(high, 6);
	fjord_destroy(admin);

	char *body = repl_http_body(c, 0, "/metrics");
	ck_assert_ptr_nonnull(body);
	ck_assert_int_eq((int)repl_metric(body, "fjord_produce_duplicates_total"), 5);
	free(body);
	test_cluster_destroy(c);
}
END_TEST

void test_0113(TCase *tc)
{
	tcase_add_test(tc, t0113_idempotent_raw);
}
