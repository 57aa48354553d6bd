/*
 * 0114-idempotent-recovery — an idempotent producer's retry after a crash of
 * its partition's only broker is still a duplicate.
 *
 * A private 1-broker cluster; three idempotent batches (sequences 0-1, 2-3,
 * 4-5) are acknowledged, then the broker is SIGKILLed (no clean shutdown:
 * the log is recovered at start, the producer state rebuilt from the
 * segments' batch headers) and restarted. Resending the last batch, then
 * the first, answers each with its original base offset; the next batch in
 * sequence goes on at the log end, and a gap is still refused. Read back:
 * the eight acknowledged records, once each, and nothing else in the log.
 * T_CLUSTER: it kills its broker.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "rawproto.h"
#include "test.h"

#define T0114_PID 31337

/* Sends the idempotent batch with sequences seq, seq+1 (keys msg=seq...)
 * to the broker, waiting for it to lead the partition; returns the error
 * and the base offset. */
static int t0114_send(test_cluster_t *c, const char *topic, int32_t seq, int64_t *basep)
{
	uint8_t buf[2048];
	char msg[512];
	size_t len = raw_batch_build_idempotent(buf, sizeof(buf), T0114_PID, 0, seq, 0, seq, 2);
	int rc = raw_produce_when_led(c->brokers[0].port, topic, 0, 1, buf, len, basep, msg,
	                              sizeof(msg), 60000);
	test_say("sequences %" PRId32 "-%" PRId32 ": %s, base offset %" PRId64 " %s", seq, seq + 1,
	         fjord_err2name((fjord_err_t)rc), *basep, msg);
	return rc;
}

START_TEST(t0114_idempotent_recovery)
{
	test_cluster_t *c = test_cluster_new(1, NULL);
	const char *topic = test_topic_name("idem-crash");
	int64_t base;

	test_create_topic(c, topic, 1, 1);
	for (int32_t s = 0; s < 6; s += 2) {
		ck_assert_int_eq(t0114_send(c, topic, s, &base), 0);
		ck_assert_int_eq(base, s);
	}
	test_say("three batches acknowledged: SIGKILL");
	test_broker_kill(c, 0, SIGKILL);
	test_broker_restart(c, 0);

	/* Retries of the last and of the first batch: duplicates. */
	ck_assert_int_eq(t0114_send(c, topic, 4, &base), 0);
	ck_assert_int_eq(base, 4);
	ck_assert_int_eq(t0114_send(c, topic, 0, &base), 0);
	ck_assert_int_eq(base, 0);
	/* The producer goes on where it was; a gap is still one. */
	ck_assert_int_eq(t0114_send(c, topic, 9, &base), FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
	ck_assert_int_eq(t0114_send(c, topic, 6, &base), 0);
	ck_assert_int_eq(base, 6);

	test_msgver_t *mv = test_msgver_new(1);
	ck_assert_int_eq(test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 8, mv, 30000), 8);
	test_msgver_verify(mv, "after the crash", 8);
	fjord_t *cons = test_consumer_new(c, NULL);
	int64_t low = -1, high = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(cons, topic, 0, &low, &high, 10000),
	                 FJORD_ERR_NO_ERROR);
	test_say("watermarks %" PRId64 "..%" PRId64, low, high);
	ck_assert_int_eq(high, 8);
	fjord_destroy(cons);
	test_cluster_destroy(c);
}
END_TEST

void test_0114(TCase *tc)
{
	tcase_add_test(tc, t0114_idempotent_recovery);
}
