/*
 * 0068-zk-session-expiry — a broker whose ZooKeeper session expired comes
 * back by itself (Kafka brokers of the ZooKeeper era needed a restart).
 *
 * A private 3-broker cluster (3 s sessions) holds an RF=3 topic of three
 * partitions. The leader of partition 0 is frozen with SIGSTOP until
 * ZooKeeper drops its registration and the controller moves its leadership
 * and removes it from every ISR; records are produced with acks=all
 * meanwhile. After SIGCONT the same process (no restart) must re-register
 * /brokers/ids/<id>, catch up and rejoin every ISR, and report its session
 * as connected in /health and /metrics. To prove it can lead again, the two
 * other brokers are then SIGKILLed: it must become the leader of every
 * partition (and the controller) and serve every acknowledged record.
 * T_CLUSTER: it stops and kills its own brokers.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "repl_util.h"

#define T0068_PARTITIONS 3
#define T0068_MSGS 300 /* per produce round, spread by the partitioner */

typedef struct t0068_arg {
	fjord_t *admin;
	const char *topic;
	int32_t id;
	int want; /* registered / in ISR / leads: 1 yes, 0 no */
} t0068_arg_t;

static int t0068_registered_pred(void *arg)
{
	t0068_arg_t *a = arg;
	return repl_broker_registered(a->admin, a->id) == a->want;
}

/* Every partition: the broker is in (want 1) or out of (want 0) the ISR,
 * and the leader is someone else when it is out. */
static int t0068_isr_pred(void *arg)
{
	t0068_arg_t *a = arg;
	for (int p = 0; p < T0068_PARTITIONS; p++) {
		repl_pstate_t ps;
		if (repl_pstate_get(a->admin, a->topic, p, &ps) < 0 || ps.leader < 0)
			return 0;
		if (repl_ids_have(ps.isr, ps.isr_cnt, a->id) != a->want)
			return 0;
		if (!a->want && ps.leader == a->id)
			return 0;
	}
	return 1;
}

static int t0068_leads_all_pred(void *arg)
{
	t0068_arg_t *a = arg;
	for (int p = 0; p < T0068_PARTITIONS; p++) {
		repl_pstate_t ps;
		if (repl_pstate_get(a->admin, a->topic, p, &ps) < 0 || ps.leader != a->id)
			return 0;
	}
	return 1;
}

START_TEST(t0068_session_expiry)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS "min.insync.replicas=2\n");
	const char *topic = test_topic_name("zkexp");
	repl_pstate_t ps;
	int st = 0;

	repl_create_topic(c, topic, T0068_PARTITIONS, 3, NULL);
	fjord_t *admin = repl_admin_new(c);
	test_produce_msgs_conf(c, topic, -1, T0068_MSGS, 20, "acks", "all", NULL);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	int32_t id = ps.leader;
	int idx = repl_broker_index(c, id);
	pid_t pid = c->brokers[idx].pid;
	t0068_arg_t a = { admin, topic, id, 0 };

	test_say("SIGSTOP broker %d (pid %d), leader of partition 0", (int)id, (int)pid);
	int64_t t0 = test_now_ms();
	test_broker_kill(c, idx, SIGSTOP);
	ck_assert_msg(test_wait_until(t0068_registered_pred, &a, 30000),
	              "/brokers/ids/%d still exists while the broker is stopped", (int)id);
	test_say("registration of broker %d gone after %d ms", (int)id, (int)(test_now_ms() - t0));
	ck_assert_msg(test_wait_until(t0068_isr_pred, &a, 30000),
	              "broker %d was not moved out of leadership and the ISRs", (int)id);
	for (int32_t p = 0; p < T0068_PARTITIONS; p++) /* keys differ from round 1's */
		test_produce_msgs_conf(c, topic, p, T0068_MSGS / T0068_PARTITIONS, 20, "acks",
		                       "all", NULL);

	test_say("SIGCONT broker %d", (int)id);
	test_broker_kill(c, idx, SIGCONT);
	a.want = 1;
	ck_assert_msg(test_wait_until(t0068_registered_pred, &a, 30000),
	              "broker %d did not re-register after its session expired", (int)id);
	ck_assert_msg(harness_child_alive(pid, &st), "broker %d exited instead of recovering",
	              (int)id);
	ck_assert_msg(test_wait_until(t0068_isr_pred, &a, 60000),
	              "broker %d did not rejoin every ISR", (int)id);
	test_say("broker %d re-registered and back in every ISR after %d ms", (int)id,
	         (int)(test_now_ms() - t0));

	char *health = repl_http_body(c, idx, "/health");
	test_say("broker %d /health: %s", (int)id, health);
	ck_assert_msg(strstr(health, "\"zookeeper\":\"connected\""),
	              "broker %d /health does not report a connected session: %s", (int)id, health);
	free(health);
	char *metrics = repl_http_body(c, idx, "/metrics");
	double zs = repl_metric(metrics, "fjord_zookeeper_session_state");
	free(metrics);
	ck_assert_msg(zs == 1, "broker %d fjord_zookeeper_session_state is %g, not 1 (connected)",
	              (int)id, zs);

	/* It can lead again: leave it alone in the cluster. */
	for (int i = 0; i < c->broker_cnt; i++)
		if (i != idx)
			test_broker_kill(c, i, SIGKILL);
	ck_assert_msg(test_wait_until(t0068_leads_all_pred, &a, 60000),
	              "broker %d, alone, did not become the leader of every partition", (int)id);
	fjord_metadata_t *md = NULL;
	ck_assert_int_eq(fjord_metadata(admin, NULL, &md, 5000), FJORD_ERR_NO_ERROR);
	test_say("controller now: %d (epoch %d)", (int)md->controller_id,
	         (int)md->controller_epoch);
	ck_assert_msg(md->controller_id == id, "controller is %d, not the only live broker %d",
	              (int)md->controller_id, (int)id);
	fjord_metadata_destroy(md);
	fjord_destroy(admin);

	test_msgver_t *mv = test_msgver_new(T0068_PARTITIONS);
	test_consume_msgs(c, topic, T0068_PARTITIONS, FJORD_OFFSET_BEGINNING, 2 * T0068_MSGS, mv,
	                  60000);
	test_msgver_verify(mv, "records served by the recovered broker", 2 * T0068_MSGS);
	test_cluster_destroy(c);
}
END_TEST

void test_0068(TCase *tc)
{
	tcase_add_test(tc, t0068_session_expiry);
}
