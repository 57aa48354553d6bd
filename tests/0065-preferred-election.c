/*
 * 0065-preferred-election — moving leadership back to the preferred (first)
 * replica on request, and away from a broker in controlled shutdown, in a
 * private 3-broker cluster (docs/zookeeper.md).
 *
 *  1. An RF=3 topic; its preferred replica X leads. X is SIGKILLed and
 *     restarted, so leadership moves away; we wait until X is back in the
 *     ISR (the leader's ISR expansion).
 *  2. A malformed plan (a partition listed twice) is written with the real
 *     zkCli.sh: the controller refuses it, removes the znode, logs why, and
 *     the partition's state is unchanged.
 *  3. A valid plan naming the partition plus an unknown partition and an
 *     unknown topic: leadership returns to X (leader_epoch + 1), the unknown
 *     entries are skipped, the znode is removed.
 *  4. A controlled-shutdown marker for X (/admin/controlled_shutdown/<X>,
 *     ephemeral, written here as a stopping broker would): the RF=3
 *     partition gets another leader from its ISR and X leaves that ISR; a
 *     partition whose only replica is X keeps X as leader (no one else can
 *     take it without losing records).
 *  5. (t0065_auto) With auto.leader.rebalance.enable (the default), a
 *     check interval of 1 s and leader.imbalance.per.broker.percentage=0,
 *     leadership returns to the restarted preferred replica by itself, with
 *     no request znode.
 * T_CLUSTER: it kills its own brokers.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#include "common/zkjson_admin.h"
#include "common/zkutil.h"
#include "harness_int.h"
#include "repl_util.h"
#include "test.h"

#define T0065_PLAN "/admin/preferred_replica_election"

typedef struct t0065_wait {
	fjord_t *admin;
	zhandle_t *zh;
	const char *topic;
	int32_t id;
	repl_pstate_t before;
} t0065_wait_t;

static int t0065_plan_gone_pred(void *arg)
{
	t0065_wait_t *w = arg;
	struct Stat st;

	return zoo_exists(w->zh, T0065_PLAN, 0, &st) == ZNONODE;
}

/* Leader is w->id with a higher leader_epoch than before. */
static int t0065_leader_is_pred(void *arg)
{
	t0065_wait_t *w = arg;
	repl_pstate_t ps;

	return repl_pstate_get(w->admin, w->topic, 0, &ps) == 0 && ps.leader == w->id &&
	       ps.leader_epoch > w->before.leader_epoch;
}

/* Leader is neither w->id nor -1, leader_epoch higher than before, and
 * w->id is out of the ISR. */
static int t0065_moved_off_pred(void *arg)
{
	t0065_wait_t *w = arg;
	repl_pstate_t ps;

	return repl_pstate_get(w->admin, w->topic, 0, &ps) == 0 && ps.leader >= 0 &&
	       ps.leader != w->id && ps.leader_epoch > w->before.leader_epoch &&
	       !repl_ids_have(ps.isr, ps.isr_cnt, w->id);
}

static int t0065_in_isr_pred(void *arg)
{
	t0065_wait_t *w = arg;
	repl_pstate_t ps;

	return repl_pstate_get(w->admin, w->topic, 0, &ps) == 0 && ps.leader >= 0 &&
	       repl_ids_have(ps.isr, ps.isr_cnt, w->id);
}

/* Writes the plan with zkCli.sh and waits until the controller removed it. */
static void t0065_plan(test_cluster_t *c, t0065_wait_t *w, const char *json)
{
	char cmd[1024];
	int st = -1;

	snprintf(cmd, sizeof(cmd), "create %s '%s'", T0065_PLAN, json);
	char *out = test_zkcli(c, cmd, &st);
	test_say("zkCli %s: exit %d: %s", cmd, st, out ? out : "(no output)");
	ck_assert_msg(out && st == 0, "zkCli.sh create failed (exit %d)", st);
	free(out);
	ck_assert_msg(test_wait_until(t0065_plan_gone_pred, w, 30000),
	              "the controller did not remove %s", T0065_PLAN);
}

/* The controller's log (stdout+stderr of its fjordd), malloc'd. */
static char *t0065_controller_log(test_cluster_t *c, fjord_t *admin)
{
	fjord_metadata_t *md = NULL;
	char path[600];

	ck_assert_int_eq(fjord_metadata(admin, NULL, &md, 5000), FJORD_ERR_NO_ERROR);
	int i = repl_broker_index(c, md->controller_id);
	fjord_metadata_destroy(md);
	/* logdir is <broker dir>/data; the log is <broker dir>/broker.log. */
	snprintf(path, sizeof(path), "%s", c->brokers[i].logdir);
	char *slash = strrchr(path, '/');
	ck_assert_ptr_nonnull(slash);
	snprintf(slash, sizeof(path) - (size_t)(slash - path), "/broker.log");
	char *log = harness_read_file(path, NULL);
	ck_assert_msg(log, "cannot read %s", path);
	return log;
}

START_TEST(t0065_preferred)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS);
	const char *topic = test_topic_name("pref");
	const char *solo = test_topic_name("solo");
	fjord_t *admin = repl_admin_new(c);
	char err[512] = "", json[600], path[300];
	zhandle_t *zh =
	    zkutil_connect(c->zk_connect, 10000, 10000, 0, NULL, NULL, err, sizeof(err));
	ck_assert_msg(zh, "%s", err);
	t0065_wait_t w = { admin, zh, topic, -1, { 0 } };

	repl_create_topic(c, topic, 1, 3, NULL);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &w.before), 0);
	int32_t x = w.before.replicas[0];
	ck_assert_msg(w.before.leader == x, "%s-0: leader %d is not the preferred replica %d",
	              topic, (int)w.before.leader, (int)x);

	/* 1. Leadership moves away from X and X rejoins the ISR. */
	test_broker_kill(c, repl_broker_index(c, x), SIGKILL);
	int32_t other = repl_wait_leader(admin, topic, 0, x, 30000);
	ck_assert_msg(other >= 0, "%s-0: no new leader after killing broker %d", topic, (int)x);
	test_broker_restart(c, repl_broker_index(c, x));
	w.id = x;
	ck_assert_msg(test_wait_until(t0065_in_isr_pred, &w, 60000),
	              "%s-0: the restarted broker %d never rejoined the ISR", topic, (int)x);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &w.before), 0);
	test_say("%s-0: leader %d (epoch %d), preferred %d back in the ISR", topic,
	         (int)w.before.leader, (int)w.before.leader_epoch, (int)x);
	ck_assert_int_ne(w.before.leader, x);

	/* 2. A malformed plan changes nothing and is removed. */
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\",\"partition\":0},"
	         "{\"topic\":\"%s\",\"partition\":0}]}",
	         topic, topic);
	t0065_plan(c, &w, json);
	repl_pstate_t ps;
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	ck_assert_msg(ps.leader == w.before.leader && ps.leader_epoch == w.before.leader_epoch,
	              "a refused plan changed %s-0: leader %d epoch %d (was %d epoch %d)", topic,
	              (int)ps.leader, (int)ps.leader_epoch, (int)w.before.leader,
	              (int)w.before.leader_epoch);
	char *log = t0065_controller_log(c, admin);
	ck_assert_msg(strstr(log, "refusing " T0065_PLAN) && strstr(log, "listed twice"),
	              "the controller's log does not say why the plan was refused");
	free(log);

	/* 3. A valid plan (with entries it must skip) moves leadership back. */
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\",\"partition\":0},"
	         "{\"topic\":\"%s\",\"partition\":7},{\"topic\":\"no-such-topic-0065\","
	         "\"partition\":0}]}",
	         topic, topic);
	t0065_plan(c, &w, json);
	ck_assert_msg(test_wait_until(t0065_leader_is_pred, &w, 10000),
	              "%s-0: leadership did not return to the preferred replica %d", topic, (int)x);
	log = t0065_controller_log(c, admin);
	ck_assert_msg(strstr(log, "unknown partition") && strstr(log, "unknown topic"),
	              "the controller's log does not name the skipped entries");
	free(log);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &w.before), 0);
	test_say("%s-0: leader %d (epoch %d) after the preferred election", topic,
	         (int)w.before.leader, (int)w.before.leader_epoch);

	/* 4. Controlled shutdown of X: the RF=3 partition moves, an RF=1
	 * partition on X stays. */
	snprintf(path, sizeof(path), "/brokers/topics/%s", solo);
	snprintf(json, sizeof(json), "{\"version\":1,\"partitions\":{\"0\":[%d]}}", (int)x);
	ck_assert_int_eq(zkutil_create_recursive(zh, path, json, (int)strlen(json)), ZOK);
	t0065_wait_t ws = { admin, zh, solo, -1, { 0 } };
	ck_assert_msg(repl_wait_leader(admin, solo, 0, -1, 30000) == x, "%s-0 is not led by %d",
	              solo, (int)x);
	ck_assert_int_eq(repl_pstate_get(admin, solo, 0, &ws.before), 0);
	char *marker = zkjson_admin_shutdown_encode(x, 1);
	ck_assert_ptr_nonnull(marker);
	ck_assert_int_eq(zkutil_create_recursive(zh, "/admin/controlled_shutdown", NULL, -1), ZOK);
	snprintf(path, sizeof(path), "/admin/controlled_shutdown/%d", (int)x);
	ck_assert_int_eq(zoo_create(zh, path, marker, (int)strlen(marker), &ZOO_OPEN_ACL_UNSAFE,
	                            ZOO_EPHEMERAL, NULL, 0),
	                 ZOK);
	free(marker);
	ck_assert_msg(test_wait_until(t0065_moved_off_pred, &w, 30000),
	              "%s-0: leadership did not leave broker %d in controlled shutdown", topic,
	              (int)x);
	ck_assert_int_eq(repl_pstate_get(admin, solo, 0, &ps), 0);
	ck_assert_msg(ps.leader == x && ps.leader_epoch == ws.before.leader_epoch,
	              "%s-0 (only replica %d): leader %d epoch %d, expected it kept", solo, (int)x,
	              (int)ps.leader, (int)ps.leader_epoch);
	test_say("controlled shutdown of %d: %s-0 moved, %s-0 kept its only replica", (int)x, topic,
	         solo);
	ck_assert_int_eq(zoo_delete(zh, path, -1), ZOK);

	zookeeper_close(zh);
	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0065_auto)
{
	test_cluster_t *c =
	    test_cluster_new(3, REPL_BROKER_PROPS "leader.imbalance.check.interval.seconds=1\n"
	                                          "leader.imbalance.per.broker.percentage=0\n");
	const char *topic = test_topic_name("auto");
	fjord_t *admin = repl_admin_new(c);
	t0065_wait_t w = { admin, NULL, topic, -1, { 0 } };

	repl_create_topic(c, topic, 1, 3, NULL);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &w.before), 0);
	int32_t x = w.before.replicas[0];
	ck_assert_int_eq(w.before.leader, x);

	test_broker_kill(c, repl_broker_index(c, x), SIGKILL);
	ck_assert_msg(repl_wait_leader(admin, topic, 0, x, 30000) >= 0,
	              "%s-0: no new leader after killing broker %d", topic, (int)x);
	test_broker_restart(c, repl_broker_index(c, x));
	w.id = x;
	ck_assert_msg(test_wait_until(t0065_in_isr_pred, &w, 60000),
	              "%s-0: the restarted broker %d never rejoined the ISR", topic, (int)x);
	/* Leadership may already be back; the epoch only needs to exceed the
	 * one of the failover. */
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &w.before), 0);
	if (w.before.leader != x) {
		test_say("%s-0: leader %d (epoch %d); waiting for the automatic rebalance to %d",
		         topic, (int)w.before.leader, (int)w.before.leader_epoch, (int)x);
		ck_assert_msg(test_wait_until(t0065_leader_is_pred, &w, 30000),
		              "%s-0: leadership did not return to the preferred replica %d "
		              "without a request",
		              topic, (int)x);
	}
	repl_pstate_t ps;
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	ck_assert_int_eq(ps.leader, x);
	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0065(TCase *tc)
{
	tcase_add_test(tc, t0065_auto);
	tcase_add_test(tc, t0065_preferred);
}
