/*
 * 0061-isr-shrink-expand — the leader takes a stalled follower out of the
 * ISR and lets it back in once it has caught up.
 *
 * A private 3-broker cluster with replica.lag.time.max.ms=1000, one RF=3
 * partition with min.insync.replicas=2. A follower is SIGSTOPped; acks=all
 * produces keep working: they wait until the leader drops the follower from
 * the ISR (a conditional write of the state znode by the leader, counted in
 * its fjord_isr_shrinks_total) and then complete with ISR = 2. The
 * follower is SIGCONTed soon after (before its ZooKeeper session expires),
 * fetches what it missed and rejoins the ISR (fjord_isr_expands_total);
 * more acks=all records follow, every replica ends identical and a
 * consumer sees every record. T_CLUSTER: it stops brokers.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>

#include "harness_int.h"
#include "repl_logs.h"
#include "repl_util.h"
#include "test.h"

#define T0061_PROPS "zookeeper.session.timeout.ms=4000\nreplica.lag.time.max.ms=1000\n"
#define T0061_MSGS 500

typedef struct t0061_isr {
	fjord_t *admin;
	const char *topic;
	int32_t gone;
	int isr_cnt;
} t0061_isr_t;

/* ZooKeeper's ISR (as the SDK's watch-fed view shows it) lacks w->gone. */
static int t0061_isr_without(void *arg)
{
	t0061_isr_t *w = arg;
	repl_pstate_t ps;

	if (repl_pstate_get(w->admin, w->topic, 0, &ps) != 0)
		return 0;
	w->isr_cnt = ps.isr_cnt;
	return ps.isr_cnt == 2 && !repl_ids_have(ps.isr, ps.isr_cnt, w->gone);
}

START_TEST(t0061_isr_shrink_expand)
{
	test_cluster_t *c = test_cluster_new(3, T0061_PROPS);
	const char *topic = test_topic_name("isr");
	const char *const configs[] = { "min.insync.replicas", "2", NULL };
	int all[3] = { 0, 1, 2 };
	repl_pstate_t ps;

	repl_create_topic(c, topic, 1, 3, configs);
	fjord_t *admin = repl_admin_new(c);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	int leader = repl_broker_index(c, ps.leader);
	int32_t fid = ps.replicas[0] == ps.leader ? ps.replicas[1] : ps.replicas[0];
	int follower = repl_broker_index(c, fid);

	test_produce_msgs_conf(c, topic, 0, T0061_MSGS, 100, "acks", "all", NULL);
	test_say("SIGSTOP follower %d (leader %d)", (int)fid, (int)ps.leader);
	int64_t t0 = test_now_ms();
	test_broker_kill(c, follower, SIGSTOP);
	/* Completes only once the ISR no longer waits for the stopped one. */
	test_produce_msgs_conf(c, topic, 0, T0061_MSGS, 100, "acks", "all", NULL);
	test_say("acks=all with a stopped follower took %lld ms", (long long)(test_now_ms() - t0));
	t0061_isr_t w = { admin, topic, fid, 0 };
	int left = test_wait_until(t0061_isr_without, &w, 10000);
	test_broker_kill(c, follower, SIGCONT);
	ck_assert_msg(left, "stopped follower %d still in the ISR (%d members)", (int)fid,
	              w.isr_cnt);
	char *body = repl_http_body(c, leader, "/metrics");
	double shrinks = repl_metric(body, "fjord_isr_shrinks_total");
	free(body);
	ck_assert_msg(shrinks >= 1, "the leader did not count an ISR shrink (%.0f)", shrinks);

	ck_assert_msg(repl_wait_isr_full(admin, topic, 1, 30000),
	              "follower %d did not rejoin the ISR", (int)fid);
	body = repl_http_body(c, leader, "/metrics");
	double expands = repl_metric(body, "fjord_isr_expands_total");
	free(body);
	ck_assert_msg(expands >= 1, "the leader did not count an ISR expansion (%.0f)", expands);
	test_say("ISR shrinks %.0f, expands %.0f", shrinks, expands);

	test_produce_msgs_conf(c, topic, 0, T0061_MSGS, 100, "acks", "all", NULL);
	ck_assert(repl_logs_wait_synced(c, all, 3, 3 * T0061_MSGS, 30000));
	repl_logs_assert_identical(c, all, 3, topic, 0);
	int64_t lo = -1, hi = -1;
	fjord_t *cons = test_consumer_new(c, NULL);
	ck_assert_int_eq(fjord_query_watermark_offsets(cons, topic, 0, &lo, &hi, 10000),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(cons);
	ck_assert_int_eq(hi, 3 * T0061_MSGS);

	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0061(TCase *tc)
{
	tcase_add_test(tc, t0061_isr_shrink_expand);
}
