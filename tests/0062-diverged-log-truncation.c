/*
 * 0062-diverged-log-truncation — a deposed leader's unreplicated tail is
 * removed when it comes back, so replicas never diverge.
 *
 * A private 3-broker cluster, one RF=3 partition (replica.lag.time.max.ms
 * long enough that nobody leaves the ISR meanwhile). 1000 records are
 * replicated everywhere. Both followers are SIGSTOPped. A stopped
 * follower may still have a long-poll fetch parked at the leader, whose
 * answer the kernel buffers for it, so the leader first appends one record
 * (acks=1) that such a fetch takes along, then 500 more that nobody can
 * copy. The leader is SIGKILLed and the followers SIGCONTed: one of them
 * becomes leader at a new epoch with L = 1000 or 1001 records and takes
 * 300 acks=all records. The old leader (1501 records) is restarted: as a
 * follower it asks the new leader where its epoch ended
 * (OffsetForLeaderEpoch), truncates its unreplicated tail and fetches. In
 * the end all three replicas hold L + 300 records, byte-identical.
 * T_CLUSTER: it kills brokers.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "repl_logs.h"
#include "repl_util.h"
#include "test.h"

#define T0062_PROPS "zookeeper.session.timeout.ms=3000\nreplica.lag.time.max.ms=60000\n"

START_TEST(t0062_diverged_truncation)
{
	test_cluster_t *c = test_cluster_new(3, T0062_PROPS);
	const char *topic = test_topic_name("div");
	int all[3] = { 0, 1, 2 }, followers[2], k = 0;
	repl_pstate_t ps;

	repl_create_topic(c, topic, 1, 3, NULL);
	fjord_t *admin = repl_admin_new(c);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	int32_t old = ps.leader;
	int leader = repl_broker_index(c, old);
	for (int i = 0; i < 3; i++)
		if (i != leader)
			followers[k++] = i;

	test_produce_msgs_conf(c, topic, 0, 1000, 100, "acks", "all", NULL);
	ck_assert(repl_logs_wait_synced(c, all, 3, 1000, 30000));

	test_broker_kill(c, followers[0], SIGSTOP);
	test_broker_kill(c, followers[1], SIGSTOP);
	test_produce_msgs_conf(c, topic, 0, 1, 100, "acks", "1", NULL);
	test_produce_msgs_conf(c, topic, 0, 500, 100, "acks", "1", NULL);
	char *body = repl_http_body(c, leader, "/metrics");
	double leo = repl_metric(body, "fjord_log_end_offset{");
	free(body);
	test_say("leader %d appended alone up to %.0f: SIGKILL, SIGCONT the followers", (int)old,
	         leo);
	ck_assert_int_eq((int64_t)leo, 1501);
	test_broker_kill(c, leader, SIGKILL);
	test_broker_kill(c, followers[0], SIGCONT);
	test_broker_kill(c, followers[1], SIGCONT);

	int32_t now = repl_wait_leader(admin, topic, 0, old, 30000);
	ck_assert_msg(now >= 0, "no new leader after killing broker %d", (int)old);
	body = repl_http_body(c, repl_broker_index(c, now), "/metrics");
	int64_t base = (int64_t)repl_metric(body, "fjord_log_end_offset{");
	free(body);
	test_say("broker %d leads now with %lld records", (int)now, (long long)base);
	ck_assert_msg(base == 1000 || base == 1001, "the new leader has %lld records",
	              (long long)base);
	test_produce_msgs_conf(c, topic, 0, 300, 100, "acks", "all", NULL);

	test_broker_restart(c, leader);
	ck_assert_msg(repl_logs_wait_synced(c, all, 3, base + 300, 60000),
	              "the old leader did not truncate to the new leader's log");
	repl_logs_assert_identical(c, all, 3, topic, 0);
	ck_assert_msg(repl_wait_isr_full(admin, topic, 1, 30000),
	              "the old leader did not rejoin the ISR");

	char log[1100];
	repl_logs_broker_log(c, leader, log, sizeof(log));
	char *text = harness_read_file(log, NULL);
	char expect[96];
	snprintf(expect, sizeof(expect), "truncating from log end offset 1501 to %lld",
	         (long long)base);
	ck_assert_msg(text && strstr(text, expect), "the old leader's log does not say \"%s\"",
	              expect);
	free(text);
	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0062(TCase *tc)
{
	tcase_add_test(tc, t0062_diverged_truncation);
}
