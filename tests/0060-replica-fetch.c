/*
 * 0060-replica-fetch — followers copy the leader's log.
 *
 * A private 3-broker cluster, one RF=3 partition, 20k records produced
 * with acks=all (each acknowledgement needs the HW past it, so the
 * followers must have fetched it). Then: every replica reaches LEO = HW =
 * 20000 (the followers learn the HW from the leader), the three replicas'
 * segment files are byte-identical (offsets and leader epochs kept as the
 * leader wrote them), a consumer reads everything from the leader, and
 * after SIGKILL of the leader a consumer reads everything again from the
 * new leader. T_CLUSTER: it kills a broker.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>

#include "harness_int.h"
#include "repl_logs.h"
#include "repl_util.h"
#include "test.h"

#define T0060_MSGS 20000

START_TEST(t0060_replica_fetch)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS);
	const char *topic = test_topic_name("rf");
	int all[3] = { 0, 1, 2 };
	repl_pstate_t ps;

	repl_create_topic(c, topic, 1, 3, NULL);
	fjord_t *admin = repl_admin_new(c);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	test_say("leader %d, ISR of %d", (int)ps.leader, ps.isr_cnt);

	test_produce_msgs_conf(c, topic, 0, T0060_MSGS, 100, "acks", "all", "linger.ms", "5", NULL);
	ck_assert_msg(repl_logs_wait_synced(c, all, 3, T0060_MSGS, 30000),
	              "replicas did not all reach LEO = HW = %d", T0060_MSGS);
	repl_logs_assert_identical(c, all, 3, topic, 0);

	/* The followers fetched as replicas: the leader kept them in the ISR. */
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	ck_assert_int_eq(ps.isr_cnt, 3);

	test_msgver_t *mv = test_msgver_new(1);
	test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, T0060_MSGS, mv, 60000);
	test_msgver_verify(mv, "from the first leader", T0060_MSGS);

	/* The copies are real: the new leader serves all of them. */
	int32_t old = ps.leader;
	test_broker_kill(c, repl_broker_index(c, old), SIGKILL);
	int32_t now = repl_wait_leader(admin, topic, 0, old, 30000);
	ck_assert_msg(now >= 0, "no new leader after killing broker %d", (int)old);
	test_say("broker %d killed, broker %d leads", (int)old, (int)now);
	mv = test_msgver_new(1);
	test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, T0060_MSGS, mv, 60000);
	test_msgver_verify(mv, "from the new leader", T0060_MSGS);

	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0060(TCase *tc)
{
	tcase_add_test(tc, t0060_replica_fetch);
}
