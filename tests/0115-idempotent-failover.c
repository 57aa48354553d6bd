/*
 * 0115-idempotent-failover — a retry sent to a new leader after the old one
 * stored the batch is a duplicate there.
 *
 * A private 3-broker cluster and an RF=3 topic of one partition. Idempotent
 * batches are produced with acks=-1 to the leader, so every replica stored
 * them (followers learn the producer state from the batches they
 * replicate). The leader is SIGKILLed; once another broker leads, the last
 * batch is sent again to it: the answer is success with the original base
 * offset and nothing is appended. An older retained batch is a duplicate
 * too, a stale epoch is fenced, and the next batch in sequence goes on at
 * the log end. Read back: each acknowledged record once, and the high
 * watermark says nothing else is there.
 * T_CLUSTER: it kills a broker.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "rawproto.h"
#include "repl_util.h"
#include "test.h"

#define T0115_PID 9001
#define T0115_EPOCH 3

/* Sends the idempotent batch with sequences seq..seq+2 (keys msg=seq...)
 * with acks=-1 to broker index i; returns the error and the base offset. */
static int t0115_send(test_cluster_t *c, int i, const char *topic, int16_t epoch, int32_t seq,
                      int64_t *basep)
{
	uint8_t buf[2048];
	char msg[512];
	size_t len = raw_batch_build_idempotent(buf, sizeof(buf), T0115_PID, epoch, seq, 0, seq, 3);
	int rc = raw_produce_when_led(c->brokers[i].port, topic, 0, -1, buf, len, basep, msg,
	                              sizeof(msg), 60000);
	test_say("broker %d, epoch %d, sequences %" PRId32 "-%" PRId32 ": %s, base offset %" PRId64
	         " %s",
	         c->brokers[i].id, (int)epoch, seq, seq + 2, fjord_err2name((fjord_err_t)rc),
	         *basep, msg);
	return rc;
}

START_TEST(t0115_idempotent_failover)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS);
	const char *topic = test_topic_name("idem-failover");
	int64_t base;
	repl_pstate_t ps;

	repl_create_topic(c, topic, 1, 3, NULL);
	fjord_t *admin = repl_admin_new(c);
	ck_assert_msg(repl_wait_isr_full(admin, topic, 1, 60000), "ISR of %s not whole", topic);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	int leader = repl_broker_index(c, ps.leader);
	for (int32_t s = 0; s < 12; s += 3) {
		ck_assert_int_eq(t0115_send(c, leader, topic, T0115_EPOCH, s, &base), 0);
		ck_assert_int_eq(base, s);
	}
	/* acks=-1 answered: every replica in the ISR has the four batches. */
	ck_assert_msg(repl_wait_isr_full(admin, topic, 1, 60000), "ISR of %s not whole", topic);
	test_say("leader %d (epoch %d) stored four batches: SIGKILL", (int)ps.leader,
	         (int)ps.leader_epoch);
	test_broker_kill(c, leader, SIGKILL);
	int32_t nl = repl_wait_leader(admin, topic, 0, ps.leader, 60000);
	ck_assert_msg(nl >= 0, "no new leader after killing broker %d", (int)ps.leader);
	int ni = repl_broker_index(c, nl);
	test_say("new leader %d", (int)nl);

	/* The retry of the last batch, and of an older one: duplicates. */
	ck_assert_int_eq(t0115_send(c, ni, topic, T0115_EPOCH, 9, &base), 0);
	ck_assert_int_eq(base, 9);
	ck_assert_int_eq(t0115_send(c, ni, topic, T0115_EPOCH, 3, &base), 0);
	ck_assert_int_eq(base, 3);
	/* The new leader knows the epoch, and where the sequence is. */
	ck_assert_int_eq(t0115_send(c, ni, topic, T0115_EPOCH - 1, 12, &base),
	                 FJORD_ERR_INVALID_PRODUCER_EPOCH);
	ck_assert_int_eq(t0115_send(c, ni, topic, T0115_EPOCH, 12, &base), 0);
	ck_assert_int_eq(base, 12);

	test_msgver_t *mv = test_msgver_new(1);
	ck_assert_int_eq(test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 15, mv, 30000), 15);
	test_msgver_verify(mv, "after the failover", 15);
	int64_t low = -1, high = -1;
	fjord_t *cons = test_consumer_new(c, NULL);
	ck_assert_int_eq(fjord_query_watermark_offsets(cons, topic, 0, &low, &high, 10000),
	                 FJORD_ERR_NO_ERROR);
	test_say("watermarks %" PRId64 "..%" PRId64, low, high);
	ck_assert_int_eq(high, 15);
	fjord_destroy(cons);
	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0115(TCase *tc)
{
	tcase_add_test(tc, t0115_idempotent_failover);
}
