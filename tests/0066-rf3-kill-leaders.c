/*
 * 0066-rf3-kill-leaders — acknowledged acks=all records survive the SIGKILL
 * of partition leaders.
 *
 * A private 3-broker cluster (min.insync.replicas=2 as the broker default)
 * holds an RF=3 topic of 3 partitions. The acknowledged-record tracker
 * (repl_track.c) produces continuously with acks=all and retries=0, so every
 * failed attempt reaches the application as an error delivery report and is
 * produced again by the test: duplicates can then only be of records whose
 * first report was an error, and any other duplicate means an acknowledged
 * batch was stored twice. Meanwhile the test SIGKILLs the leader of each
 * partition in turn, waits for a new leader and for production to go on
 * with two brokers, restarts the killed broker and waits for the ISR to be
 * whole again before the next kill. Afterwards every partition is read from
 * offset 0: each acknowledged record is exactly at its acknowledged offset,
 * none is missing, acknowledged records are in production order per
 * partition, and duplicates are counted and printed.
 * T_CLUSTER: it kills its own brokers.
 */
#include <signal.h>

#include "repl_util.h"

#define T0066_PARTITIONS 3
#define T0066_PROGRESS 300 /* records acknowledged between steps */

START_TEST(t0066_kill_leaders)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS "min.insync.replicas=2\n");
	const char *topic = test_topic_name("rf3");
	static const char *const props[] = {
		"retries", "0", "message.timeout.ms", "30000", "request.timeout.ms", "15000", NULL
	};

	repl_create_topic(c, topic, T0066_PARTITIONS, 3, NULL);
	fjord_t *admin = repl_admin_new(c);
	repl_track_t *rt = repl_track_new(c, topic, T0066_PARTITIONS, 500, props);
	repl_track_start(rt);
	ck_assert_msg(repl_track_wait_progress(rt, T0066_PROGRESS, 60000),
	              "no acks=all production on the healthy cluster");

	for (int32_t p = 0; p < T0066_PARTITIONS; p++) {
		repl_pstate_t ps;
		ck_assert_msg(repl_wait_isr_full(admin, topic, T0066_PARTITIONS, 60000),
		              "ISR of %s not whole before killing the leader of partition %d",
		              topic, (int)p);
		ck_assert_int_eq(repl_pstate_get(admin, topic, p, &ps), 0);
		int idx = repl_broker_index(c, ps.leader);
		test_say("partition %d: leader %d (epoch %d), %d acknowledged so far: SIGKILL",
		         (int)p, (int)ps.leader, (int)ps.leader_epoch, repl_track_acked(rt));
		test_broker_kill(c, idx, SIGKILL);
		int32_t nl = repl_wait_leader(admin, topic, p, ps.leader, 60000);
		ck_assert_msg(nl >= 0, "partition %d: no new leader after killing broker %d",
		              (int)p, (int)ps.leader);
		test_say("partition %d: new leader %d", (int)p, (int)nl);
		ck_assert_msg(repl_track_wait_progress(rt, T0066_PROGRESS, 60000),
		              "production did not go on with two brokers after killing broker %d",
		              (int)ps.leader);
		test_broker_restart(c, idx);
		ck_assert_msg(repl_track_wait_progress(rt, T0066_PROGRESS, 60000),
		              "production stalled after broker %d came back", (int)ps.leader);
	}
	ck_assert_msg(repl_wait_isr_full(admin, topic, T0066_PARTITIONS, 60000),
	              "ISR of %s not whole after the last restart", topic);
	repl_track_stop(rt, 60000);
	ck_assert_msg(repl_wait_isr_full(admin, topic, T0066_PARTITIONS, 60000),
	              "ISR of %s not whole before reading back", topic);
	fjord_destroy(admin);
	repl_track_verify(rt, c, 0);
	test_cluster_destroy(c);
}
END_TEST

void test_0066(TCase *tc)
{
	tcase_add_test(tc, t0066_kill_leaders);
}
