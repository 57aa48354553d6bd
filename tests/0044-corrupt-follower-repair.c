/*
 * 0044-corrupt-follower-repair — a follower re-fetches its corrupt range
 * from the leader and ends up with an intact log.
 *
 * Two brokers, an RF=2 topic with small segments, 3000 records produced
 * with acks=all (all acknowledged) and replicated. The follower is
 * SIGKILLed, a CRC-breaking byte is flipped in batch 2 of its second
 * segment, and it is restarted. Proves:
 *   - recovery on the follower keeps the range and reports it (broker.log,
 *     fjord_log_corrupt_ranges 1);
 *   - the follower truncates to the range's first offset, fetches the rest
 *     again from the leader, and ends with no corrupt range and the
 *     leader's log end offset, back in the ISR;
 *   - with the leader SIGKILLed the repaired follower leads, and every
 *     acknowledged record reads back from it (verifier: count, order, no
 *     duplicates, contiguous offsets, CRCs checked by the consumer).
 * Fails on the old code: recovery there cut the follower's log at the bad
 * batch and the later data came back only by re-replication; with the
 * storage change alone (no repair) the follower keeps the range and the
 * wait for fjord_log_corrupt_ranges 0 times out.
 * T_CLUSTER: it kills its own brokers.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corrupt_util.h"
#include "harness_int.h"
#include "repl_util.h"
#include "test.h"

#define T0044_MSGS 3000

typedef struct t0044_wait {
	test_cluster_t *c;
	int i;
	char leo_line[256], bad_line[256];
} t0044_wait_t;

/* The follower has no corrupt range left and has the whole log. */
static int t0044_repaired(void *arg)
{
	t0044_wait_t *w = arg;
	return corrupt_metric(w->c, w->i, w->bad_line) == 0 &&
	       corrupt_metric(w->c, w->i, w->leo_line) == T0044_MSGS;
}

START_TEST(t0044_follower_repair)
{
	test_cluster_t *c = test_cluster_new(2, REPL_BROKER_PROPS "log.segment.bytes=16384\n");
	const char *topic = test_topic_name("repair");
	fjord_t *admin = repl_admin_new(c);
	repl_pstate_t ps;
	t0044_wait_t w = { .c = c };
	char **segs, seg[1024];
	corrupt_batch_t bad;

	repl_create_topic(c, topic, 1, 2, NULL);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	int32_t leader = ps.leader;
	int li = repl_broker_index(c, leader), fi = 1 - li;
	test_produce_msgs_conf(c, topic, 0, T0044_MSGS, 100, "acks", "all", "batch.size", "2048",
	                       "linger.ms", "5", NULL);
	w.i = fi;
	snprintf(w.leo_line, sizeof(w.leo_line),
	         "fjord_log_end_offset{topic=\"%s\",partition=\"0\"} ", topic);
	snprintf(w.bad_line, sizeof(w.bad_line),
	         "fjord_log_corrupt_ranges{topic=\"%s\",partition=\"0\"} ", topic);
	ck_assert_msg(test_wait_until(t0044_repaired, &w, 30000), "follower never caught up");

	test_say("leader %d, follower %d has all %d records: SIGKILL it", leader, c->brokers[fi].id,
	         T0044_MSGS);
	test_broker_kill(c, fi, SIGKILL);
	int n = corrupt_segments(c, fi, topic, 0, &segs);
	ck_assert_int_ge(n, 4);
	snprintf(seg, sizeof(seg), "%s", segs[1]);
	corrupt_free_paths(segs, n);
	corrupt_batch(seg, 2, &bad);
	corrupt_flip(seg, bad.pos + 61 + 9, 0x10);
	test_say("follower: damaged offsets %lld-%lld in %s", (long long)bad.base,
	         (long long)bad.last, seg);
	test_broker_restart(c, fi);

	char want[64];
	snprintf(want, sizeof(want), "offsets %lld-%lld", (long long)bad.base, (long long)bad.last);
	ck_assert_msg(corrupt_log_has(c, fi, "corrupt data in", seg, want, NULL),
	              "the follower did not report %s", want);
	ck_assert_msg(test_wait_until(t0044_repaired, &w, 60000),
	              "follower still has corrupt ranges (%lld) or log end offset %lld",
	              corrupt_metric(c, fi, w.bad_line), corrupt_metric(c, fi, w.leo_line));
	char trunc[64];
	snprintf(trunc, sizeof(trunc), "truncating to %lld and fetching", (long long)bad.base);
	ck_assert(corrupt_log_has(c, fi, "corrupt ranges from offset", trunc, NULL));
	ck_assert_msg(repl_wait_isr_full(admin, topic, 1, 30000), "follower not back in the ISR");

	test_say("follower repaired: SIGKILL the leader %d", leader);
	test_broker_kill(c, li, SIGKILL);
	int32_t now = repl_wait_leader(admin, topic, 0, leader, 30000);
	ck_assert_int_eq(now, c->brokers[fi].id);
	test_msgver_t *mv = test_msgver_new(1);
	ck_assert_int_eq(corrupt_read(c, topic, 0, T0044_MSGS, -1, -1, mv, NULL, 0), 0);
	test_msgver_verify(mv, "from the repaired follower", T0044_MSGS);
	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0044(TCase *tc)
{
	tcase_add_test(tc, t0044_follower_repair);
}
