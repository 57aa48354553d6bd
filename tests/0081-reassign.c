/*
 * 0081-reassign — partition reassignment through /admin/reassign_partitions
 * (docs/zookeeper.md) on the shared 3-broker cluster.
 *
 *  a) An RF=1 topic with 2 partitions and an acks=all producer running the
 *     whole time. A plan written with the real zkCli.sh moves p0 from its
 *     broker to the two others (RF 1 -> 2) and p1 to another single broker.
 *     When the controller has removed the plan: each partition's assignment
 *     is its target, its ISR is the target set, its leader is in it, the
 *     old brokers' log directories are gone, and every acknowledged record
 *     is in the log exactly once, at its acknowledged offset (retries=0:
 *     records whose first report was an error are produced again by the
 *     tracker and may be stored twice, as 0063 explains).
 *  b) The same through the CLI: `fjord topic reassign --plan - --wait`
 *     (exit 0), then `--verify` (exit 0, "done"); `--generate` proposes a
 *     plan; a plan naming an unknown broker is refused by the SDK (exit 1)
 *     and nothing is written.
 *  c) Refused plans written with zkCli.sh: malformed JSON, an unknown topic,
 *     an unknown broker, a replica listed twice. Each time the controller
 *     removes the plan, the assignment is unchanged, its log says why, the
 *     marker /admin/errors/admin/reassign_partitions names the reason, and
 *     every broker is still registered.
 *  d) (t0081_in_progress) A plan stalled at "wait for the ISR" (its target
 *     broker is marked in controlled shutdown, so the leader keeps it out
 *     of the ISR): the controller logs that it waits, a second plan is
 *     refused by the CLI ("a reassignment is in progress"), --verify says
 *     in_progress (exit 1); once the marker is gone the plan completes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include "common/zkjson_admin.h"
#include "common/zkutil.h"
#include "harness_int.h"
#include "repl_util.h"
#include "test.h"

#define T0081_PLAN "/admin/reassign_partitions"
#define T0081_MARKER "/admin/errors/admin/reassign_partitions"

typedef struct t0081_wait {
	fjord_t *admin;
	zhandle_t *zh;
	test_cluster_t *c;
	const char *topic;
	int32_t partition;
	const int32_t *target;
	int target_cnt;
	char path[700];
} t0081_wait_t;

static zhandle_t *t0081_zk(test_cluster_t *c)
{
	char err[512] = "";
	zhandle_t *zh =
	    zkutil_connect(c->zk_connect, 10000, 10000, 0, NULL, NULL, err, sizeof(err));

	ck_assert_msg(zh, "%s", err);
	return zh;
}

static int t0081_plan_gone_pred(void *arg)
{
	t0081_wait_t *w = arg;
	struct Stat st;

	return zoo_exists(w->zh, T0081_PLAN, 0, &st) == ZNONODE;
}

static int t0081_path_gone_pred(void *arg)
{
	t0081_wait_t *w = arg;
	struct stat sb;

	return stat(w->path, &sb) != 0;
}

/* The partition's replicas are the target (in order), its ISR holds
 * exactly the target brokers and its leader is one of them. */
static int t0081_at_target_pred(void *arg)
{
	t0081_wait_t *w = arg;
	repl_pstate_t ps;
	int i;

	if (repl_pstate_get(w->admin, w->topic, w->partition, &ps) != 0 ||
	    ps.replica_cnt != w->target_cnt || ps.isr_cnt != w->target_cnt ||
	    !repl_ids_have(w->target, w->target_cnt, ps.leader))
		return 0;
	for (i = 0; i < w->target_cnt; i++)
		if (ps.replicas[i] != w->target[i] ||
		    !repl_ids_have(ps.isr, ps.isr_cnt, w->target[i]))
			return 0;
	return 1;
}

/* Writes json to the plan znode with zkCli.sh. */
static void t0081_zkcli_plan(test_cluster_t *c, const char *json)
{
	char cmd[2048];
	int st = -1;

	snprintf(cmd, sizeof(cmd), "create %s '%s'", T0081_PLAN, json);
	char *out = test_zkcli(c, cmd, &st);
	test_say("zkCli %s: exit %d: %s", cmd, st, out ? out : "(no output)");
	ck_assert_msg(out && st == 0, "zkCli.sh create failed (exit %d)", st);
	free(out);
}

/* The controller's log (stdout+stderr of its fjordd), malloc'd. */
static char *t0081_controller_log(test_cluster_t *c, fjord_t *admin)
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

/* Waits until the old broker's directory of topic-p is gone. */
static void t0081_wait_dir_gone(t0081_wait_t *w, int32_t broker, const char *topic, int32_t p)
{
	snprintf(w->path, sizeof(w->path), "%s/%s-%d",
	         w->c->brokers[repl_broker_index(w->c, broker)].logdir, topic, (int)p);
	ck_assert_msg(test_wait_until(t0081_path_gone_pred, w, 30000),
	              "%s is still there after the reassignment", w->path);
}

/* The first broker id of c that is not in ids. */
static int32_t t0081_other(test_cluster_t *c, const int32_t *ids, int cnt)
{
	for (int i = 0; i < c->broker_cnt; i++)
		if (!repl_ids_have(ids, cnt, c->brokers[i].id))
			return c->brokers[i].id;
	ck_abort_msg("no broker outside the given set");
	return -1;
}

START_TEST(t0081_zkcli_move)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("move");
	fjord_t *admin = repl_admin_new(c);
	zhandle_t *zh = t0081_zk(c);
	repl_pstate_t p0, p1;
	char json[1024];

	repl_create_topic(c, topic, 2, 1, NULL);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &p0), 0);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 1, &p1), 0);
	int32_t old0 = p0.replicas[0], old1 = p1.replicas[0];
	int32_t t0[2], t1[1];
	t0[0] = t0081_other(c, &old0, 1);
	int32_t not_t0[2] = { old0, t0[0] };
	t0[1] = t0081_other(c, not_t0, 2);
	t1[0] = t0081_other(c, &old1, 1);
	test_say("%s: p0 %d -> [%d,%d], p1 %d -> [%d]", topic, (int)old0, (int)t0[0], (int)t0[1],
	         (int)old1, (int)t1[0]);

	/* retries=0, as 0063: a batch the old leader appended but could not
	 * confirm when leadership moved is reported failed and produced again by
	 * the tracker (at-least-once, as without Kafka's idempotent producer);
	 * acknowledged records must each be in the log exactly once, at their
	 * acknowledged offset. */
	static const char *const props[] = {
		"retries", "0", "message.timeout.ms", "30000", "request.timeout.ms", "15000", NULL
	};
	repl_track_t *rt = repl_track_new(c, topic, 2, 50, props);
	repl_track_start(rt);
	ck_assert_msg(repl_track_wait_progress(rt, 200, 30000), "no records acknowledged");

	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\",\"partition\":0,\"replicas\":"
	         "[%d,%d]},{\"topic\":\"%s\",\"partition\":1,\"replicas\":[%d]}]}",
	         topic, (int)t0[0], (int)t0[1], topic, (int)t1[0]);
	t0081_zkcli_plan(c, json);
	t0081_wait_t w = { admin, zh, c, topic, 0, t0, 2, "" };
	ck_assert_msg(test_wait_until(t0081_plan_gone_pred, &w, 60000),
	              "the controller did not finish the reassignment (%s still there)",
	              T0081_PLAN);
	ck_assert_msg(test_wait_until(t0081_at_target_pred, &w, 10000),
	              "%s-0 is not at its target [%d,%d]", topic, (int)t0[0], (int)t0[1]);
	t0081_wait_t w1 = { admin, zh, c, topic, 1, t1, 1, "" };
	ck_assert_msg(test_wait_until(t0081_at_target_pred, &w1, 10000),
	              "%s-1 is not at its target [%d]", topic, (int)t1[0]);
	/* The producer goes on against the new leaders. */
	ck_assert_msg(repl_track_wait_progress(rt, 200, 30000),
	              "no records acknowledged after the reassignment");
	t0081_wait_dir_gone(&w, old0, topic, 0);
	t0081_wait_dir_gone(&w, old1, topic, 1);
	repl_track_stop(rt, 60000);
	repl_track_verify(rt, c, 0);

	char *log = t0081_controller_log(c, admin);
	ck_assert_msg(strstr(log, "reassignment of 2 partition(s) complete"),
	              "the controller's log does not report the completed reassignment");
	free(log);
	zookeeper_close(zh);
	fjord_destroy(admin);
}
END_TEST

static char *t0081_run_cli(test_cluster_t *c, int *exitp, const char *input, const char *args)
{
	char *full = NULL;

	if (input)
		ck_assert(asprintf(&full, "printf '%%s' '%s' | %s -z %s %s", input, test_cli_path(),
		                   c->zk_connect, args) > 0);
	else
		ck_assert(asprintf(&full, "%s -z %s %s", test_cli_path(), c->zk_connect, args) > 0);
	char *out = test_run(full, exitp);
	test_say("$ %s\n=> exit %d\n%s", full, *exitp, out ? out : "");
	free(full);
	ck_assert_ptr_nonnull(out);
	return out;
}

START_TEST(t0081_cli)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("cli");
	fjord_t *admin = repl_admin_new(c);
	zhandle_t *zh = t0081_zk(c);
	repl_pstate_t ps;
	char json[512], args[1024], file[600];
	int ex = -1;

	repl_create_topic(c, topic, 1, 1, NULL);
	test_produce_msgs(c, topic, 0, 100, 64);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	int32_t old = ps.replicas[0], target[2];
	target[0] = t0081_other(c, &old, 1);
	target[1] = old;

	/* --generate writes nothing and proposes RF 1 over the given brokers. */
	snprintf(args, sizeof(args), "topic reassign --generate --topic %s --brokers %d", topic,
	         (int)target[0]);
	char *out = t0081_run_cli(c, &ex, NULL, args);
	ck_assert_int_eq(ex, 0);
	snprintf(json, sizeof(json), "{\"topic\":\"%s\",\"partition\":0,\"replicas\":[%d]}", topic,
	         (int)target[0]);
	ck_assert_msg(strstr(out, "Proposed partition reassignment configuration") &&
	                  strstr(out, json),
	              "--generate did not propose %s", json);
	free(out);
	t0081_wait_t w = { admin, zh, c, topic, 0, target, 2, "" };
	ck_assert(t0081_plan_gone_pred(&w));

	/* The SDK refuses an unknown broker before writing anything. */
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\","
	         "\"partition\":0,\"replicas\":[%d,4242]}]}",
	         topic, (int)old);
	out = t0081_run_cli(c, &ex, json, "topic reassign --plan -");
	ck_assert_int_eq(ex, 1);
	ck_assert_msg(strstr(out, "broker 4242 is not a registered broker"),
	              "the CLI does not say which broker is unknown");
	free(out);
	ck_assert(t0081_plan_gone_pred(&w));

	/* RF 1 -> 2 with a new preferred leader, waiting for the end. */
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\","
	         "\"partition\":0,\"replicas\":[%d,%d]}]}",
	         topic, (int)target[0], (int)target[1]);
	out = t0081_run_cli(c, &ex, json, "topic reassign --plan - --wait");
	ck_assert_msg(ex == 0, "reassign --wait exited %d", ex);
	ck_assert_msg(strstr(out, "reassignment complete"), "--wait did not report completion");
	free(out);
	ck_assert(t0081_plan_gone_pred(&w));
	ck_assert_msg(test_wait_until(t0081_at_target_pred, &w, 10000),
	              "%s-0 is not at its target [%d,%d]", topic, (int)target[0], (int)target[1]);

	snprintf(file, sizeof(file), "%s/t0081-plan-%d.json", test_tmpdir(), (int)getpid());
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs(json, f);
	fclose(f);
	snprintf(args, sizeof(args), "topic reassign --verify --plan %s --format json", file);
	out = t0081_run_cli(c, &ex, NULL, args);
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(strstr(out, "\"status\": \"done\""), "--verify does not say done");
	free(out);

	/* A partition not at the target: --verify exits 1. */
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\","
	         "\"partition\":0,\"replicas\":[%d]}]}",
	         topic, (int)old);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs(json, f);
	fclose(f);
	snprintf(args, sizeof(args), "topic reassign --verify --plan %s", file);
	out = t0081_run_cli(c, &ex, NULL, args);
	ck_assert_int_eq(ex, 1);
	ck_assert_msg(strstr(out, "not_started"), "--verify does not say not_started");
	free(out);

	test_msgver_t *mv = test_msgver_new(1);
	ck_assert_int_eq(test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 100, mv, 30000),
	                 100);
	test_msgver_verify(mv, "after the CLI reassignment", 100);
	zookeeper_close(zh);
	fjord_destroy(admin);
}
END_TEST

/* Writes a plan that must be refused; checks the outcome. */
static void t0081_refused(test_cluster_t *c, t0081_wait_t *w, const char *json, const char *reason)
{
	repl_pstate_t before, after;
	char *buf = NULL;
	int len = 0;

	ck_assert_int_eq(repl_pstate_get(w->admin, w->topic, 0, &before), 0);
	t0081_zkcli_plan(c, json);
	ck_assert_msg(test_wait_until(t0081_plan_gone_pred, w, 30000),
	              "the controller did not remove the refused plan %s", json);
	ck_assert_int_eq(repl_pstate_get(w->admin, w->topic, 0, &after), 0);
	ck_assert_int_eq(after.replica_cnt, before.replica_cnt);
	for (int i = 0; i < after.replica_cnt; i++)
		ck_assert_int_eq(after.replicas[i], before.replicas[i]);
	ck_assert_int_eq(after.leader_epoch, before.leader_epoch);
	char *log = t0081_controller_log(c, w->admin);
	ck_assert_msg(strstr(log, "refusing " T0081_PLAN) && strstr(log, reason),
	              "the controller's log does not say \"%s\"", reason);
	free(log);
	/* The marker is written by the same pass, after the log line. */
	for (int tries = 0; tries < 100; tries++) {
		free(buf);
		buf = NULL;
		if (zkutil_get(w->zh, T0081_MARKER, NULL, NULL, &buf, &len, NULL) == ZOK &&
		    strstr(buf, reason))
			break;
		harness_sleep_ms(100);
	}
	ck_assert_msg(buf && strstr(buf, reason), "%s does not name \"%s\": %s", T0081_MARKER,
	              reason, buf ? buf : "(none)");
	free(buf);
	for (int i = 0; i < c->broker_cnt; i++)
		ck_assert_msg(repl_broker_registered(w->admin, c->brokers[i].id),
		              "broker %d is gone after a refused plan", c->brokers[i].id);
}

START_TEST(t0081_refusals)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("refuse");
	fjord_t *admin = repl_admin_new(c);
	zhandle_t *zh = t0081_zk(c);
	repl_pstate_t ps;
	char json[1024];

	repl_create_topic(c, topic, 1, 1, NULL);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	int32_t old = ps.replicas[0];
	int32_t other = t0081_other(c, &old, 1);
	t0081_wait_t w = { admin, zh, c, topic, 0, NULL, 0, "" };

	t0081_refused(c, &w, "{\"version\":1,\"partitions\":[{\"topic\":", "invalid JSON");
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\","
	         "\"partition\":0,\"replicas\":[%d]},{\"topic\":\"no-such-topic-0081\","
	         "\"partition\":0,\"replicas\":[%d]}]}",
	         topic, (int)other, (int)other);
	t0081_refused(c, &w, json, "partitions[1] (no-such-topic-0081-0): unknown topic");
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\","
	         "\"partition\":0,\"replicas\":[%d,4242]}]}",
	         topic, (int)other);
	t0081_refused(c, &w, json, "broker 4242 is not a registered broker");
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\","
	         "\"partition\":0,\"replicas\":[%d,%d]}]}",
	         topic, (int)other, (int)other);
	char want[64];
	snprintf(want, sizeof(want), "lists broker %d twice", (int)other);
	t0081_refused(c, &w, json, want);
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\","
	         "\"partition\":5,\"replicas\":[%d]}]}",
	         topic, (int)other);
	t0081_refused(c, &w, json, "unknown partition (the topic has 1)");
	zookeeper_close(zh);
	fjord_destroy(admin);
}
END_TEST

static int t0081_log_has_pred(void *arg)
{
	t0081_wait_t *w = arg;
	char *log = t0081_controller_log(w->c, w->admin);
	int found = strstr(log, w->path) != NULL;

	free(log);
	return found;
}

START_TEST(t0081_in_progress)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("wait");
	fjord_t *admin = repl_admin_new(c);
	zhandle_t *zh = t0081_zk(c);
	repl_pstate_t ps;
	char json[512], path[128];
	int ex = -1;

	repl_create_topic(c, topic, 1, 1, NULL);
	test_produce_msgs(c, topic, 0, 50, 64);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	int32_t old = ps.replicas[0];
	int32_t x = t0081_other(c, &old, 1);

	/* X in controlled shutdown (the marker a stopping broker writes): its
	 * leader does not add it to the ISR, so the plan stalls at step 2. */
	char *marker = zkjson_admin_shutdown_encode(x, 1);
	ck_assert_ptr_nonnull(marker);
	ck_assert_int_eq(zkutil_create_recursive(zh, "/admin/controlled_shutdown", NULL, -1), ZOK);
	snprintf(path, sizeof(path), "/admin/controlled_shutdown/%d", (int)x);
	ck_assert_int_eq(zoo_create(zh, path, marker, (int)strlen(marker), &ZOO_OPEN_ACL_UNSAFE,
	                            ZOO_EPHEMERAL, NULL, 0),
	                 ZOK);
	free(marker);
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"partitions\":[{\"topic\":\"%s\","
	         "\"partition\":0,\"replicas\":[%d]}]}",
	         topic, (int)x);
	t0081_zkcli_plan(c, json);
	int32_t target[1] = { x };
	t0081_wait_t w = { admin, zh, c, topic, 0, target, 1, "" };
	snprintf(w.path, sizeof(w.path), "%s-0: waiting for [%d] to join the ISR", topic, (int)x);
	ck_assert_msg(test_wait_until(t0081_log_has_pred, &w, 30000),
	              "the controller's log does not say \"%s\"", w.path);

	/* A second plan is refused while this one runs; --verify says so. */
	{
		char *out = t0081_run_cli(c, &ex, json, "topic reassign --plan -");
		ck_assert_int_eq(ex, 1);
		ck_assert_msg(strstr(out, "a reassignment is in progress"),
		              "the CLI does not say a reassignment is in progress");
		free(out);
		fjord_reassignment_t again = { topic, 0, target, 1 };
		char es[256];
		ck_assert_int_eq(fjord_admin_reassign_partitions(admin, &again, 1, es, sizeof(es)),
		                 FJORD_ERR_REASSIGNMENT_IN_PROGRESS);
		ck_assert_msg(strstr(es, "in progress"), "%s", es);
		char file[600], args[700];
		snprintf(file, sizeof(file), "%s/t0081-wait-%d.json", test_tmpdir(), (int)getpid());
		FILE *f = fopen(file, "w");
		ck_assert_ptr_nonnull(f);
		fputs(json, f);
		fclose(f);
		snprintf(args, sizeof(args), "topic reassign --verify --plan %s", file);
		out = t0081_run_cli(c, &ex, NULL, args);
		ck_assert_int_eq(ex, 1);
		ck_assert_msg(strstr(out, "in_progress"), "--verify does not say in_progress");
		free(out);
	}
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	ck_assert_int_eq(ps.leader, old);
	ck_assert_int_eq(ps.replica_cnt, 2);

	/* The broker is back to normal: the plan goes on and completes. */
	ck_assert_int_eq(zoo_delete(zh, path, -1), ZOK);
	ck_assert_msg(test_wait_until(t0081_plan_gone_pred, &w, 60000),
	              "the stalled reassignment did not complete");
	ck_assert_msg(test_wait_until(t0081_at_target_pred, &w, 10000),
	              "%s-0 is not at its target [%d]", topic, (int)x);
	test_msgver_t *mv = test_msgver_new(1);
	ck_assert_int_eq(test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 50, mv, 30000), 50);
	test_msgver_verify(mv, "after the stalled reassignment", 50);
	zookeeper_close(zh);
	fjord_destroy(admin);
}
END_TEST

void test_0081(TCase *tc)
{
	tcase_add_test(tc, t0081_refusals);
	tcase_add_test(tc, t0081_zkcli_move);
	tcase_add_test(tc, t0081_cli);
	tcase_add_test(tc, t0081_in_progress);
}
