/*
 * 0067-min-insync — acks=all honours the topic's min.insync.replicas.
 *
 * A private 3-broker cluster (broker default min.insync.replicas=1) holds an
 * RF=3 topic of one partition with the topic config min.insync.replicas=2.
 *  1. 100 records are produced with acks=all on the healthy cluster.
 *  2. Both followers are SIGKILLed; once the ISR is the leader alone, 50
 *     records produced with acks=all and retries=0 must each get a
 *     NOT_ENOUGH_REPLICAS delivery report and nothing may be acknowledged.
 *  3. A producer with retries (the SDK's default) starts 100 more records
 *     while two brokers are still down, then one broker comes back: every
 *     record is acknowledged (the SDK retried NOT_ENOUGH_REPLICAS until the
 *     ISR had two members).
 *  4. After recovery the log holds the records of 1 and 3 at their
 *     acknowledged offsets in order, and no record of 2 unless its report
 *     said POSSIBLY_PERSISTED. Then the third broker returns, the leader is
 *     SIGKILLed, and the new leader must serve the same log: what was
 *     acknowledged was replicated.
 * T_CLUSTER: it kills its own brokers.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "repl_util.h"

#define T0067_P1 100 /* phase 1: msg 0..99 */
#define T0067_P2 50  /* phase 2: msg 1000.. */
#define T0067_P3 100 /* phase 3: msg 2000.. */
#define T0067_SEQ_MAX 2100

typedef struct t0067_state {
	atomic_int reports;
	atomic_int acked;
	atomic_int wrong_err;          /* phase 2: a report other than NOT_ENOUGH_REPLICAS */
	atomic_int possibly;           /* phase 2: POSSIBLY_PERSISTED reports */
	int64_t offset[T0067_SEQ_MAX]; /* acknowledged offset per msg, -1 none */
	int phase2_possibly[T0067_P2];
} t0067_state_t;

static void t0067_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	t0067_state_t *st = opaque;
	int seq = (int)(intptr_t)msg->opaque;
	(void)fj;
	if (msg->err == FJORD_ERR_NO_ERROR && msg->status == FJORD_MSG_STATUS_PERSISTED) {
		st->offset[seq] = msg->offset;
		atomic_fetch_add(&st->acked, 1);
	} else if (seq >= 1000 && seq < 1000 + T0067_P2) {
		if (msg->err != FJORD_ERR_NOT_ENOUGH_REPLICAS) {
			atomic_fetch_add(&st->wrong_err, 1);
			test_say("phase 2 msg=%d: %s (%s)", seq, fjord_err2name(msg->err),
			         msg->errstr ? msg->errstr : "");
		}
		if (msg->status == FJORD_MSG_STATUS_POSSIBLY_PERSISTED) {
			st->phase2_possibly[seq - 1000] = 1;
			atomic_fetch_add(&st->possibly, 1);
		}
	} else {
		test_say("msg=%d failed: %s", seq, fjord_err2name(msg->err));
	}
	atomic_fetch_add(&st->reports, 1);
}

static fjord_t *t0067_producer(test_cluster_t *c, t0067_state_t *st, int retries)
{
	char errstr[512] = "";
	fjord_conf_t *conf =
	    test_conf(c, "acks", "all", "linger.ms", "5", "message.timeout.ms", "90000", NULL);
	if (!retries)
		ck_assert(fjord_conf_set(conf, "retries", "0", errstr, sizeof(errstr)) ==
		          FJORD_CONF_OK);
	fjord_conf_set_dr_msg_cb(conf, t0067_dr_cb);
	fjord_conf_set_opaque(conf, st);
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "producer: %s", errstr);
	return p;
}

static void t0067_produce(fjord_t *p, const char *topic, int first, int cnt)
{
	char key[96];
	for (int i = first; i < first + cnt; i++) {
		int klen = snprintf(key, sizeof(key), "testid=0067, partition=0, msg=%d", i);
		ck_assert_int_eq(fjord_produce(p, topic, 0, key, (size_t)klen, "v", 1, NULL, 0, 0,
		                               (void *)(intptr_t)i),
		                 FJORD_ERR_NO_ERROR);
	}
}

typedef struct t0067_reports_arg {
	t0067_state_t *st;
	int want;
} t0067_reports_arg_t;

static int t0067_reports_pred(void *arg)
{
	t0067_reports_arg_t *a = arg;
	return atomic_load(&a->st->reports) >= a->want;
}

typedef struct t0067_isr_arg {
	fjord_t *admin;
	const char *topic;
	int want;
} t0067_isr_arg_t;

static int t0067_isr_pred(void *arg)
{
	t0067_isr_arg_t *a = arg;
	repl_pstate_t ps;
	return repl_pstate_get(a->admin, a->topic, 0, &ps) == 0 && ps.leader >= 0 &&
	       ps.isr_cnt == a->want;
}

/* Reads the partition and checks the acknowledged records of phases 1 and
 * 3, and the absence of phase 2's NOT_PERSISTED records. */
static void t0067_verify(test_cluster_t *c, const char *topic, t0067_state_t *st, const char *when)
{
	fjord_t *cons = test_consumer_new(c, NULL);
	int64_t lo = -1, hi = -1, next = 0;
	int at_cnt = 0, bad = 0;
	int *copies = calloc(T0067_SEQ_MAX, sizeof(int));
	int64_t deadline = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());

	ck_assert_ptr_nonnull(copies);
	ck_assert_int_eq(fjord_query_watermark_offsets(cons, topic, 0, &lo, &hi, 10000),
	                 FJORD_ERR_NO_ERROR);
	int *at = malloc(sizeof(int) * (size_t)(hi > 0 ? hi : 1));
	ck_assert_ptr_nonnull(at);
	for (int64_t o = 0; o < hi; o++)
		at[o] = -1;
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = 0;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	while (next < hi && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (!m->err && m->offset >= next && m->offset < hi) {
			char kbuf[96] = "";
			int seq = -1;
			if (m->key && m->key_len < sizeof(kbuf))
				memcpy(kbuf, m->key, m->key_len);
			if (sscanf(kbuf, "testid=0067, partition=0, msg=%d", &seq) != 1 ||
			    seq < 0 || seq >= T0067_SEQ_MAX)
				seq = -1;
			at[m->offset] = seq;
			if (seq >= 0)
				copies[seq]++;
			next = m->offset + 1;
			at_cnt++;
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	test_say("%s: read %d of %lld records", when, at_cnt, (long long)hi);
	ck_assert_msg(next == hi, "%s: read up to offset %lld of %lld", when, (long long)next,
	              (long long)hi);
	int64_t prev = -1;
	for (int s = 0; s < T0067_SEQ_MAX; s++) {
		int phase2 = s >= 1000 && s < 1000 + T0067_P2;
		if (phase2) {
			if (copies[s] && !st->phase2_possibly[s - 1000]) {
				test_say("%s: msg=%d was reported NOT_PERSISTED but is in the log",
				         when, s);
				bad++;
			}
			continue;
		}
		if (st->offset[s] < 0)
			continue;
		if (st->offset[s] >= hi || at[st->offset[s]] != s || copies[s] != 1 ||
		    st->offset[s] <= prev) {
			if (bad < 10)
				test_say("%s: msg=%d acknowledged at %lld: %d copies, %s", when, s,
				         (long long)st->offset[s], copies[s],
				         st->offset[s] >= hi      ? "beyond the log end"
				         : at[st->offset[s]] != s ? "another record is there"
				                                  : "out of order");
			bad++;
		}
		prev = st->offset[s];
	}
	free(at);
	free(copies);
	ck_assert_msg(bad == 0,
	              "%s: %d acknowledged records wrong or unacknowledged records "
	              "stored (see above)",
	              when, bad);
}

START_TEST(t0067_min_insync)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS);
	const char *topic = test_topic_name("misr");
	static const char *const configs[] = { "min.insync.replicas", "2", NULL };
	t0067_state_t *st = calloc(1, sizeof(*st));
	repl_pstate_t ps;

	ck_assert_ptr_nonnull(st);
	for (int i = 0; i < T0067_SEQ_MAX; i++)
		st->offset[i] = -1;
	repl_create_topic(c, topic, 1, 3, configs);
	fjord_t *admin = repl_admin_new(c);

	/* 1. healthy */
	fjord_t *p = t0067_producer(c, st, 1);
	t0067_produce(p, topic, 0, T0067_P1);
	ck_assert_int_eq(fjord_flush(p, (int)(60000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(p);
	ck_assert_int_eq(atomic_load(&st->acked), T0067_P1);

	/* 2. two brokers down */
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	int32_t leader = ps.leader;
	int down[2], nd = 0;
	for (int i = 0; i < c->broker_cnt; i++)
		if (c->brokers[i].id != leader)
			down[nd++] = i;
	test_say("leader %d; SIGKILL brokers %d and %d", (int)leader, c->brokers[down[0]].id,
	         c->brokers[down[1]].id);
	test_broker_kill(c, down[0], SIGKILL);
	test_broker_kill(c, down[1], SIGKILL);
	t0067_isr_arg_t isr1 = { admin, topic, 1 };
	ck_assert_msg(test_wait_until(t0067_isr_pred, &isr1, 60000),
	              "the ISR did not shrink to the leader alone");
	atomic_store(&st->reports, 0);
	p = t0067_producer(c, st, 0);
	t0067_produce(p, topic, 1000, T0067_P2);
	fjord_flush(p, (int)(60000 * test_timeout_multiplier()));
	fjord_destroy(p);
	test_say("phase 2: %d reports, %d acknowledged, %d other errors, %d POSSIBLY_PERSISTED",
	         atomic_load(&st->reports), atomic_load(&st->acked) - T0067_P1,
	         atomic_load(&st->wrong_err), atomic_load(&st->possibly));
	ck_assert_int_eq(atomic_load(&st->reports), T0067_P2);
	ck_assert_msg(atomic_load(&st->acked) == T0067_P1,
	              "%d record(s) acknowledged with one in-sync replica and "
	              "min.insync.replicas=2",
	              atomic_load(&st->acked) - T0067_P1);
	ck_assert_msg(atomic_load(&st->wrong_err) == 0, "%d report(s) were not NOT_ENOUGH_REPLICAS",
	              atomic_load(&st->wrong_err));

	/* 3. produce with retries, then bring one broker back */
	atomic_store(&st->reports, 0);
	p = t0067_producer(c, st, 1);
	t0067_produce(p, topic, 2000, T0067_P3);
	test_broker_restart(c, down[0]);
	t0067_reports_arg_t ra = { st, T0067_P3 };
	ck_assert_msg(test_wait_until(t0067_reports_pred, &ra, 90000),
	              "phase 3: only %d of %d delivery reports", atomic_load(&st->reports),
	              T0067_P3);
	fjord_destroy(p);
	ck_assert_msg(atomic_load(&st->acked) == T0067_P1 + T0067_P3,
	              "phase 3: %d of %d records acknowledged after a broker came back",
	              atomic_load(&st->acked) - T0067_P1, T0067_P3);

	/* 4. recovery: read back, then fail the leader over and read again */
	t0067_verify(c, topic, st, "after one broker returned");
	test_broker_restart(c, down[1]);
	ck_assert_msg(repl_wait_isr_full(admin, topic, 1, 60000), "ISR not whole again");
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	test_say("SIGKILL the leader %d", (int)ps.leader);
	test_broker_kill(c, repl_broker_index(c, ps.leader), SIGKILL);
	ck_assert_msg(repl_wait_leader(admin, topic, 0, ps.leader, 60000) >= 0,
	              "no new leader after killing broker %d", (int)ps.leader);
	t0067_verify(c, topic, st, "on the new leader");
	fjord_destroy(admin);
	free(st);
	test_cluster_destroy(c);
}
END_TEST

void test_0067(TCase *tc)
{
	tcase_add_test(tc, t0067_min_insync);
}
