/*
 * 0084-zkcli-topic-lifecycle — a topic's whole life driven by an operator
 * with the real zkCli.sh alone (paths relative to the cluster's chroot, as
 * `zkCli.sh -server host:port/chroot` sees them), on the shared cluster:
 *
 *  1. create: `create /config/topics/<t> '{...}'` then
 *     `create /brokers/topics/<t> '{...partitions...}'` — the controller
 *     writes partition states, leaders are elected, records produced to
 *     both partitions are consumed back, the config shows in metadata.
 *  2. add a partition: `set /brokers/topics/<t>` with the existing
 *     partitions unchanged and one appended — it gets a leader and takes
 *     records.
 *  3. config change through the SDK when the config znode was removed:
 *     fjord_admin_alter_topic_config() creates it again; then four threads,
 *     each with its own handle, alter one key each five times at once: no
 *     update is lost (the writes are version-conditional and retried).
 *  4. delete: `create /admin/delete_topics/<t>` — the topic leaves the
 *     metadata, every broker's log dirs of it are gone, and the controller
 *     removes /brokers/topics/<t>, /config/topics/<t> and the marker
 *     (`ls` with zkCli shows none of them).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zookeeper/zookeeper.h>

#include "common/zkutil.h"
#include "harness_int.h"
#include "repl_util.h"
#include "test.h"

#define T0084_PARTS 3
#define T0084_WRITERS 4
#define T0084_ROUNDS 5

static char *t0084_zkcli(test_cluster_t *c, const char *cmd)
{
	int status = -1;
	char *out = test_zkcli(c, cmd, &status);

	test_say("zkCli.sh %s", cmd);
	ck_assert_msg(out && status == 0, "zkCli.sh %s: exit %d: %s", cmd, status,
	              out ? out : "(no output)");
	return out;
}

/* 1 when broker index i holds a log dir of topic-p. */
static int t0084_has_dir(const test_cluster_t *c, int i, const char *topic, int p)
{
	char path[1024];
	struct stat st;

	ck_assert(harness_path(path, sizeof(path), "%s/%s-%d", c->brokers[i].logdir, topic, p) ==
	          0);
	return stat(path, &st) == 0;
}

typedef struct t0084_arg {
	test_cluster_t *c;
	fjord_t *admin;
	zhandle_t *zh;
	const char *topic;
} t0084_arg_t;

/* Gone everywhere: metadata, log dirs, and the three znodes. */
static int t0084_gone_pred(void *arg)
{
	t0084_arg_t *a = arg;
	fjord_metadata_t *md = NULL;
	char path[512];
	struct Stat st;
	int gone;

	if (fjord_metadata(a->admin, a->topic, &md, 5000) != FJORD_ERR_NO_ERROR)
		return 0;
	gone = md->topic_cnt == 1 && md->topics[0].err == FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	fjord_metadata_destroy(md);
	for (int i = 0; gone && i < a->c->broker_cnt; i++)
		for (int p = 0; gone && p < T0084_PARTS; p++)
			gone = !t0084_has_dir(a->c, i, a->topic, p);
	const char *parents[] = { "/brokers/topics", "/config/topics", "/admin/delete_topics" };
	for (size_t k = 0; gone && k < sizeof(parents) / sizeof(parents[0]); k++) {
		snprintf(path, sizeof(path), "%s/%s", parents[k], a->topic);
		gone = zoo_exists(a->zh, path, 0, &st) == ZNONODE;
	}
	return gone;
}

/* Concurrent writers: each sets its own key T0084_ROUNDS times. */
static const char *const t0084_keys[T0084_WRITERS] = { "flush.messages", "flush.ms", "segment.ms",
	                                               "max.message.bytes" };

typedef struct t0084_writer {
	test_cluster_t *c;
	const char *topic;
	int idx;
	fjord_err_t err;
	char errstr[512];
} t0084_writer_t;

static void *t0084_writer_main(void *arg)
{
	t0084_writer_t *w = arg;
	fjord_t *fj = fjord_new(FJORD_ADMIN, test_conf(w->c, NULL), w->errstr, sizeof(w->errstr));
	char value[32];

	if (!fj) {
		w->err = FJORD_ERR__FAIL;
		return NULL;
	}
	for (int r = 1; r <= T0084_ROUNDS && !w->err; r++) {
		snprintf(value, sizeof(value), "%d", 100000 + 10 * r + w->idx);
		const char *const set[] = { t0084_keys[w->idx], value };
		w->err = fjord_admin_alter_topic_config(fj, w->topic, set, 1, NULL, 0, w->errstr,
		                                        sizeof(w->errstr));
	}
	fjord_destroy(fj);
	return NULL;
}

static const char *t0084_config(const fjord_metadata_topic_t *t, const char *name)
{
	for (int i = 0; i < t->config_cnt; i++)
		if (!strcmp(t->config_names[i], name))
			return t->config_values[i];
	return NULL;
}

START_TEST(t0084_lifecycle)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("zkcli");
	char cmd[1024], err[512] = "", path[512], *out;
	fjord_metadata_t *md = NULL;
	int32_t b0 = c->brokers[0].id, b1 = c->brokers[1].id, b2 = c->brokers[2].id;
	fjord_t *admin = repl_admin_new(c);
	zhandle_t *zh =
	    zkutil_connect(c->zk_connect, 10000, 10000, 0, NULL, NULL, err, sizeof(err));

	ck_assert_msg(zh, "%s", err);
	ck_assert_int_ge(c->broker_cnt, 3);

	/* 1. Create with zkCli: the live broker ids, the config, then the
	 * assignment. */
	out = t0084_zkcli(c, "ls /brokers/ids");
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%d", (int)c->brokers[i].id);
		ck_assert_msg(strstr(out, path), "ls /brokers/ids does not list broker %s: %s",
		              path, out);
	}
	free(out);
	snprintf(
	    cmd, sizeof(cmd),
	    "create /config/topics/%s '{\"version\":1,\"config\":{\"retention.ms\":\"86400000\"}}'",
	    topic);
	free(t0084_zkcli(c, cmd));
	snprintf(cmd, sizeof(cmd),
	         "create /brokers/topics/%s "
	         "'{\"version\":1,\"partitions\":{\"0\":[%d,%d],\"1\":[%d,%d]}}'",
	         topic, (int)b0, (int)b1, (int)b1, (int)b2);
	free(t0084_zkcli(c, cmd));
	ck_assert_msg(repl_wait_isr_full(admin, topic, 2, 30000),
	              "%s: the controller did not elect leaders with full ISRs", topic);
	snprintf(cmd, sizeof(cmd), "get /brokers/topics/%s/partitions/0/state", topic);
	out = t0084_zkcli(c, cmd);
	snprintf(path, sizeof(path), "\"leader\":%d", (int)b0);
	ck_assert_msg(strstr(out, path), "partition 0's state does not name leader %d: %s", (int)b0,
	              out);
	free(out);
	ck_assert_int_eq(fjord_metadata(admin, topic, &md, 10000), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(md->topics[0].err, FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(md->topics[0].partition_cnt, 2);
	ck_assert_str_eq(t0084_config(&md->topics[0], "retention.ms") ?: "(none)", "86400000");
	fjord_metadata_destroy(md);
	test_produce_msgs(c, topic, 0, 40, 20);
	test_produce_msgs(c, topic, 1, 40, 20);
	test_msgver_t *mv = test_msgver_new(2);
	test_consume_msgs(c, topic, 2, FJORD_OFFSET_BEGINNING, 80, mv, 30000);
	test_msgver_verify(mv, "topic created with zkCli", 80);
	ck_assert(t0084_has_dir(c, 0, topic, 0) && t0084_has_dir(c, 1, topic, 0) &&
	          t0084_has_dir(c, 1, topic, 1) && t0084_has_dir(c, 2, topic, 1));

	/* 2. Add partition 2, the existing ones unchanged. */
	snprintf(
	    cmd, sizeof(cmd),
	    "set /brokers/topics/%s '{\"version\":1,\"partitions\":{\"0\":[%d,%d],\"1\":[%d,%d],"
	    "\"2\":[%d,%d]}}'",
	    topic, (int)b0, (int)b1, (int)b1, (int)b2, (int)b2, (int)b0);
	free(t0084_zkcli(c, cmd));
	ck_assert_msg(repl_wait_isr_full(admin, topic, T0084_PARTS, 30000),
	              "%s-2: the added partition got no leader", topic);
	snprintf(cmd, sizeof(cmd), "get /brokers/topics/%s/partitions/2/state", topic);
	out = t0084_zkcli(c, cmd);
	snprintf(path, sizeof(path), "\"leader\":%d", (int)b2);
	ck_assert_msg(strstr(out, path), "partition 2's state does not name leader %d: %s", (int)b2,
	              out);
	free(out);
	test_produce_msgs(c, topic, 2, 30, 20);
	mv = test_msgver_new(T0084_PARTS);
	test_consume_msgs(c, topic, T0084_PARTS, FJORD_OFFSET_BEGINNING, 110, mv, 30000);
	test_msgver_verify(mv, "after adding a partition with zkCli", 110);

	/* 3. Without a config znode, a config change creates it. */
	snprintf(path, sizeof(path), "/config/topics/%s", topic);
	ck_assert_int_eq(zoo_delete(zh, path, -1), ZOK);
	const char *const set[] = { "retention.bytes", "1000000" };
	fjord_err_t ferr =
	    fjord_admin_alter_topic_config(admin, topic, set, 1, NULL, 0, err, sizeof(err));
	ck_assert_msg(ferr == FJORD_ERR_NO_ERROR, "alter: %s: %s", fjord_err2name(ferr), err);
	ck_assert_int_eq(
	    fjord_admin_alter_topic_config(admin, topic, NULL, 0, NULL, 0, err, sizeof(err)),
	    FJORD_ERR__INVALID_ARG);
	ck_assert_int_eq(fjord_metadata(admin, topic, &md, 10000), FJORD_ERR_NO_ERROR);
	ck_assert_str_eq(t0084_config(&md->topics[0], "retention.bytes") ?: "(none)", "1000000");
	ck_assert_ptr_null(t0084_config(&md->topics[0], "retention.ms"));
	fjord_metadata_destroy(md);
	t0084_writer_t w[T0084_WRITERS];
	pthread_t th[T0084_WRITERS];
	fflush(NULL);
	for (int i = 0; i < T0084_WRITERS; i++) {
		w[i] = (t0084_writer_t){ c, topic, i, FJORD_ERR_NO_ERROR, "" };
		ck_assert_int_eq(pthread_create(&th[i], NULL, t0084_writer_main, &w[i]), 0);
	}
	for (int i = 0; i < T0084_WRITERS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(w[i].err == FJORD_ERR_NO_ERROR, "writer %d: %s: %s", i,
		              fjord_err2name(w[i].err), w[i].errstr);
	}
	ck_assert_int_eq(fjord_metadata(admin, topic, &md, 10000), FJORD_ERR_NO_ERROR);
	ck_assert_str_eq(t0084_config(&md->topics[0], "retention.bytes") ?: "(none)", "1000000");
	for (int i = 0; i < T0084_WRITERS; i++) {
		char want[32];
		snprintf(want, sizeof(want), "%d", 100000 + 10 * T0084_ROUNDS + i);
		ck_assert_msg(t0084_config(&md->topics[0], t0084_keys[i]) &&
		                  !strcmp(t0084_config(&md->topics[0], t0084_keys[i]), want),
		              "concurrent alters lost an update: %s=%s, expected %s", t0084_keys[i],
		              t0084_config(&md->topics[0], t0084_keys[i]) ?: "(none)", want);
	}
	fjord_metadata_destroy(md);

	/* 4. Delete with zkCli. */
	snprintf(cmd, sizeof(cmd), "create /admin/delete_topics/%s", topic);
	free(t0084_zkcli(c, cmd));
	t0084_arg_t a = { c, admin, zh, topic };
	ck_assert_msg(test_wait_until(t0084_gone_pred, &a, 60000),
	              "%s: not deleted everywhere (metadata, log dirs, znodes)", topic);
	const char *lists[] = { "ls /brokers/topics", "ls /config/topics",
		                "ls /admin/delete_topics" };
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
		out = t0084_zkcli(c, lists[k]);
		ck_assert_msg(!strstr(out, topic), "zkCli %s still lists %s: %s", lists[k], topic,
		              out);
		free(out);
	}
	/* A later alter knows the topic is gone. */
	ferr = fjord_admin_alter_topic_config(admin, topic, set, 1, NULL, 0, err, sizeof(err));
	ck_assert_msg(ferr == FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION, "alter after delete: %s: %s",
	              fjord_err2name(ferr), err);
	test_say("%s: created, extended and deleted with zkCli.sh", topic);
	zookeeper_close(zh);
	fjord_destroy(admin);
}
END_TEST

void test_0084(TCase *tc)
{
	tcase_add_test(tc, t0084_lifecycle);
}
