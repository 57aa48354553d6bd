/*
 * 0085-sdk-zk-down — an SDK handle whose ZooKeeper session expired keeps
 * producing and fetching with its last metadata while ZooKeeper stays
 * unreachable, and recovers when it returns (issue 17).
 *
 * A private 3-broker cluster; a producer and a manually assigned consumer
 * reach ZooKeeper through a proxy (tests/zk_proxy.c), the brokers directly.
 * The proxy cuts the SDK off until the server has expired both sessions,
 * then lets only reconnects of old sessions through: each handle learns its
 * session expired (error callback) and every new session it tries is
 * refused. zookeeper.session.timeout.ms is 120 s, so a handle whose I/O
 * thread opened the new session itself would sit in that connect for two
 * minutes. Meanwhile records must keep flowing: T0085_MSGS more are
 * produced, every one acknowledged and read back by the consumer. The
 * consumer is then destroyed with its reconnect still in flight. Finally
 * the proxy passes again; a topic created after that must become usable
 * through the producer (its new session and metadata), and every record
 * is verified (count, order, no duplicates). A group member, also behind
 * the proxy, loses its group session in the outage (its own, cgrp.c) and
 * must rejoin and consume records produced after ZooKeeper returned.
 * T_CLUSTER: it takes ZooKeeper away from its own clients.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrp_helpers.h"
#include "harness_int.h"

#define T0085_PARTITIONS 3
#define T0085_MSGS 150 /* per phase, spread over the partitions */

typedef struct t0085_state {
	atomic_int acked;
	atomic_int failed;
	atomic_int zk_errors; /* FJORD_ERR__ZOOKEEPER through the error callback */
} t0085_state_t;

typedef struct t0085_ctx {
	test_zkproxy_t *proxy;
	t0085_state_t prod, cons;
	fjord_t *consumer;
	fjord_t *member;                  /* group member, subscribed to topic */
	int member_seq[T0085_PARTITIONS]; /* highest msg= it read per partition */
	test_msgver_t *mv;
	int want_acked, want_read, want_refused;
	int seq[T0085_PARTITIONS];
	const char *topic;
} t0085_ctx_t;

static void t0085_dr(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	t0085_state_t *st = opaque;
	(void)fj;
	atomic_fetch_add(msg->err ? &st->failed : &st->acked, 1);
}

static void t0085_error(fjord_t *fj, fjord_err_t err, const char *reason, void *opaque)
{
	t0085_state_t *st = opaque;
	test_say("%s: error callback: %s: %s", fjord_name(fj), fjord_err2name(err), reason);
	if (err == FJORD_ERR__ZOOKEEPER)
		atomic_fetch_add(&st->zk_errors, 1);
}

static fjord_t *t0085_handle(test_cluster_t *c, test_zkproxy_t *proxy, fjord_type_t type,
                             t0085_state_t *st)
{
	char errstr[512];
	fjord_conf_t *conf = test_conf(c, "zookeeper.connect", test_zkproxy_connect(proxy),
	                               "zookeeper.session.timeout.ms", "120000", NULL);
	if (type == FJORD_PRODUCER) {
		ck_assert(fjord_conf_set(conf, "linger.ms", "5", errstr, sizeof(errstr)) ==
		          FJORD_CONF_OK);
		fjord_conf_set_dr_msg_cb(conf, t0085_dr);
	}
	fjord_conf_set_error_cb(conf, t0085_error);
	fjord_conf_set_opaque(conf, st);
	fjord_t *fj = fjord_new(type, conf, errstr, sizeof(errstr));
	ck_assert_msg(fj, "fjord_new: %s", errstr);
	return fj;
}

/* cnt records round-robin over the partitions; seq: the next msg= number
 * of each partition, advanced. */
static void t0085_produce(int *seq, fjord_t *p, const char *topic, int cnt)
{
	char key[96];
	for (int i = 0; i < cnt; i++) {
		int32_t part = i % T0085_PARTITIONS;
		int klen = snprintf(key, sizeof(key), "testid=0085, partition=%d, msg=%d",
		                    (int)part, seq[part]++);
		fjord_err_t err =
		    fjord_produce(p, topic, part, key, (size_t)klen, "v", 1, NULL, 0, 0, NULL);
		ck_assert_msg(err == FJORD_ERR_NO_ERROR, "produce #%d: %s", i, fjord_err2name(err));
	}
}

/* Reads what the consumer has; true once acked and read reach their goals. */
static int t0085_flowing_pred(void *arg)
{
	t0085_ctx_t *x = arg;
	fjord_message_t *m;
	while ((m = fjord_consumer_poll(x->consumer, 20))) {
		if (!m->err)
			test_msgver_add(x->mv, m);
		fjord_message_destroy(m);
	}
	return atomic_load(&x->prod.acked) >= x->want_acked &&
	       test_msgver_cnt(x->mv) >= x->want_read;
}

/* Drains the group member; true once it read every record produced to
 * topic so far (it may read some twice: at-least-once). */
static int t0085_member_pred(void *arg)
{
	t0085_ctx_t *x = arg;
	fjord_message_t *m;
	int done = 1;
	while ((m = fjord_consumer_poll(x->member, 20))) {
		char key[96] = "";
		int kp = -1, seq = -1;
		if (!m->err && m->key && m->key_len < sizeof(key))
			memcpy(key, m->key, m->key_len); /* keys are not NUL-terminated */
		if (sscanf(key, "testid=0085, partition=%d, msg=%d", &kp, &seq) == 2 && kp >= 0 &&
		    kp < T0085_PARTITIONS && seq > x->member_seq[kp])
			x->member_seq[kp] = seq;
		fjord_message_destroy(m);
	}
	for (int i = 0; i < T0085_PARTITIONS; i++)
		done &= x->member_seq[i] == x->seq[i] - 1;
	return done;
}

static int t0085_sessions_gone_pred(void *arg)
{
	return test_zkproxy_sessions_gone(((t0085_ctx_t *)arg)->proxy);
}

/* Both handles learnt of the expiry and had a new session refused. */
static int t0085_expired_pred(void *arg)
{
	t0085_ctx_t *x = arg;
	return atomic_load(&x->prod.zk_errors) > 0 && atomic_load(&x->cons.zk_errors) > 0 &&
	       test_zkproxy_refused(x->proxy) >= x->want_refused;
}

static int t0085_acked_pred(void *arg)
{
	t0085_ctx_t *x = arg;
	return atomic_load(&x->prod.acked) >= x->want_acked;
}

START_TEST(t0085_sdk_zk_down)
{
	test_cluster_t *c = test_cluster_new(3, NULL);
	t0085_ctx_t x;
	memset(&x, 0, sizeof(x));
	x.topic = test_topic_name("zkdown");
	test_create_topic(c, x.topic, T0085_PARTITIONS, 2);
	x.proxy = test_zkproxy_new(c);
	fjord_t *p = t0085_handle(c, x.proxy, FJORD_PRODUCER, &x.prod);
	x.consumer = t0085_handle(c, x.proxy, FJORD_CONSUMER, &x.cons);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(T0085_PARTITIONS);
	for (int i = 0; i < T0085_PARTITIONS; i++)
		fjord_topic_partition_list_add(parts, x.topic, i)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(x.consumer, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	x.mv = test_msgver_new(T0085_PARTITIONS);
	for (int i = 0; i < T0085_PARTITIONS; i++)
		x.member_seq[i] = -1;
	x.member = tg_member_new(c, tg_group_name("zkdown"), x.topic, "zookeeper.connect",
	                         test_zkproxy_connect(x.proxy), NULL);

	/* Phase 1: ZooKeeper reachable. */
	t0085_produce(x.seq, p, x.topic, T0085_MSGS);
	x.want_acked = x.want_read = T0085_MSGS;
	ck_assert_msg(test_wait_until(t0085_flowing_pred, &x, 60000),
	              "before the outage: %d acknowledged, %d read of %d",
	              atomic_load(&x.prod.acked), test_msgver_cnt(x.mv), T0085_MSGS);
	ck_assert_msg(test_wait_until(t0085_member_pred, &x, 60000),
	              "the group member did not read the records produced before the outage");

	/* Phase 2: the sessions expire and ZooKeeper stays unreachable. */
	test_zkproxy_set_mode(x.proxy, TEST_ZKPROXY_CUT);
	int64_t t0 = test_now_ms();
	ck_assert_msg(test_wait_until(t0085_sessions_gone_pred, &x, 60000),
	              "ZooKeeper did not expire the SDK's sessions");
	test_say("the server expired the SDK sessions after %d ms", (int)(test_now_ms() - t0));
	x.want_refused = 3; /* producer, consumer, group session */
	test_zkproxy_set_mode(x.proxy, TEST_ZKPROXY_REFUSE_NEW);
	ck_assert_msg(test_wait_until(t0085_expired_pred, &x, 60000),
	              "handles did not see the expiry or try a new session (ZooKeeper errors: "
	              "producer %d, consumer %d; new sessions refused %d)",
	              atomic_load(&x.prod.zk_errors), atomic_load(&x.cons.zk_errors),
	              test_zkproxy_refused(x.proxy));
	int refused0 = test_zkproxy_refused(x.proxy);
	test_say("both sessions expired, %d new session(s) refused: producing %d more", refused0,
	         T0085_MSGS);
	t0 = test_now_ms();
	t0085_produce(x.seq, p, x.topic, T0085_MSGS);
	x.want_acked = x.want_read = 2 * T0085_MSGS;
	int flowing = test_wait_until(t0085_flowing_pred, &x, 30000);
	test_say("while ZooKeeper was unreachable: %d of %d acknowledged, %d read back in %d ms "
	         "(new sessions refused meanwhile: %d)",
	         atomic_load(&x.prod.acked) - T0085_MSGS, T0085_MSGS,
	         test_msgver_cnt(x.mv) - T0085_MSGS, (int)(test_now_ms() - t0),
	         test_zkproxy_refused(x.proxy) - refused0);
	ck_assert_msg(flowing,
	              "records stopped flowing while ZooKeeper was unreachable: %d of %d "
	              "acknowledged, %d of %d read back",
	              atomic_load(&x.prod.acked) - T0085_MSGS, T0085_MSGS,
	              test_msgver_cnt(x.mv) - T0085_MSGS, T0085_MSGS);
	ck_assert_int_eq(atomic_load(&x.prod.failed), 0);

	/* A reconnect is in flight (nothing got through): destroy must not wait
	 * for it. Timing only warns. */
	t0 = test_now_ms();
	fjord_destroy(x.consumer);
	int destroy_ms = (int)(test_now_ms() - t0);
	test_say("%sconsumer destroyed in %d ms with its reconnect in flight",
	         destroy_ms > 3000 ? "WARNING: " : "", destroy_ms);
	x.consumer = NULL;

	/* Phase 3: ZooKeeper returns; metadata made after that reaches the
	 * producer through its new session. */
	test_zkproxy_set_mode(x.proxy, TEST_ZKPROXY_PASS);
	const char *topic2 = test_topic_name("zkback");
	test_create_topic(c, topic2, T0085_PARTITIONS, 1);
	int seq2[T0085_PARTITIONS] = { 0 };
	t0085_produce(seq2, p, topic2, 10);
	x.want_acked = 2 * T0085_MSGS + 10;
	ck_assert_msg(test_wait_until(t0085_acked_pred, &x, 60000),
	              "after ZooKeeper returned: %d of 10 records to new topic %s acknowledged "
	              "(%d failed)",
	              atomic_load(&x.prod.acked) - 2 * T0085_MSGS, topic2,
	              atomic_load(&x.prod.failed));
	fjord_metadata_t *md = NULL;
	ck_assert_int_eq(fjord_metadata(p, topic2, &md, 10000), FJORD_ERR_NO_ERROR);
	fjord_metadata_destroy(md);
	t0085_produce(x.seq, p, x.topic, 30);
	x.want_acked += 30;
	ck_assert_msg(test_wait_until(t0085_acked_pred, &x, 60000),
	              "after ZooKeeper returned: records to %s not acknowledged", x.topic);
	ck_assert_msg(test_wait_until(t0085_member_pred, &x, 90000),
	              "the group member did not rejoin and read the records produced after "
	              "ZooKeeper returned (highest read: %d %d %d, produced: %d %d %d)",
	              x.member_seq[0], x.member_seq[1], x.member_seq[2], x.seq[0] - 1, x.seq[1] - 1,
	              x.seq[2] - 1);
	test_say("the group member rejoined and read up to the last record");
	ck_assert_int_eq(atomic_load(&x.prod.failed), 0);
	test_msgver_verify(x.mv, "records produced before and during the outage", 2 * T0085_MSGS);
	fjord_destroy(x.member);
	fjord_destroy(p);
	test_zkproxy_destroy(x.proxy);
	test_cluster_destroy(c);
}
END_TEST

void test_0085(TCase *tc)
{
	tcase_add_test(tc, t0085_sdk_zk_down);
}
