/*
 * 0020-broker-config-and-registration — fjordd's start-up checks against a
 * real ZooKeeper: an unknown config key stops start-up naming the key; a
 * started broker registers /brokers/ids/<id> with readable JSON (read back
 * with zkCli.sh); a second broker with the same broker.id is refused; a
 * meta.properties whose cluster id differs from ZooKeeper's stops start-up
 * with a message about it. T_CLUSTER: it starts its own brokers under a
 * private chroot.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

/* Writes a props file for broker id with log dir logdir on c's chroot plus
 * extra lines; returns its path (static buffer). */
static const char *t0020_props(test_cluster_t *c, int id, const char *name, const char *extra)
{
	static char path[700];
	char *text = NULL;
	ck_assert(harness_path(path, sizeof(path), "%s/%s.properties", test_tmpdir(), name) == 0);
	ck_assert(asprintf(&text,
	                   "broker.id=%d\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=%s/%s-data\n"
	                   "zookeeper.connect=%s\nhttp.listener=127.0.0.1:0\n%s",
	                   id, test_tmpdir(), name, c->zk_connect, extra ? extra : "") > 0);
	ck_assert(harness_write_file(path, text) == 0);
	free(text);
	return path;
}

START_TEST(t0020_bad_key)
{
	test_cluster_t *c = test_cluster_new(0, NULL);
	char *out = NULL;
	const char *props = t0020_props(c, 7, "badkey", "no.such.broker.key=12\n");
	int rc = test_fjordd_run_expect_exit(props, NULL, &out, 30000);
	test_say("fjordd with an unknown key: exit %d: %s", rc, out);
	ck_assert_msg(rc > 0, "fjordd accepted an unknown key (exit %d)", rc);
	ck_assert_msg(strstr(out, "no.such.broker.key"), "the error does not name the key: %s",
	              out);
	free(out);

	props = t0020_props(c, 7, "badvalue", "num.partitions=lots\n");
	rc = test_fjordd_run_expect_exit(props, NULL, &out, 30000);
	test_say("fjordd with a bad value: exit %d: %s", rc, out);
	ck_assert_msg(rc > 0, "fjordd accepted num.partitions=lots (exit %d)", rc);
	ck_assert_msg(strstr(out, "num.partitions"), "the error does not name the key: %s", out);
	free(out);
	test_cluster_destroy(c);
}
END_TEST

/* The JSON line of zkCli's `get` output. */
static json_t *t0020_zk_get_json(test_cluster_t *c, const char *path)
{
	char cmd[300];
	int st = -1;
	json_error_t jerr;
	snprintf(cmd, sizeof(cmd), "get %s", path);
	char *out = test_zkcli(c, cmd, &st);
	ck_assert_ptr_nonnull(out);
	char *line = NULL;
	for (char *p = strtok(out, "\n"); p; p = strtok(NULL, "\n"))
		if (*p == '{')
			line = p;
	ck_assert_msg(line, "zkCli get %s: no JSON in its output (exit %d)", path, st);
	json_t *js = json_loads(line, 0, &jerr);
	ck_assert_msg(js, "zkCli get %s: unreadable JSON '%s': %s", path, line, jerr.text);
	free(out);
	return js;
}

START_TEST(t0020_registration)
{
	test_cluster_t *c = test_cluster_new(1, NULL);
	test_broker_t *b = &c->brokers[0];
	char path[64];
	char *out = NULL;

	snprintf(path, sizeof(path), "/brokers/ids/%d", b->id);
	json_t *js = t0020_zk_get_json(c, path);
	char *dump = json_dumps(js, JSON_COMPACT);
	test_say("%s = %s", path, dump);
	free(dump);
	ck_assert_int_eq(json_integer_value(json_object_get(js, "version")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(js, "host")), "127.0.0.1");
	ck_assert_int_eq(json_integer_value(json_object_get(js, "port")), b->port);
	json_decref(js);

	js = t0020_zk_get_json(c, "/cluster/id");
	const char *cluster_id = json_string_value(json_object_get(js, "id"));
	ck_assert_msg(cluster_id && *cluster_id, "/cluster/id has no id");
	char *cid = strdup(cluster_id);
	json_decref(js);

	/* A second broker with the same id while the first one lives. */
	const char *props = t0020_props(c, b->id, "dupid", NULL);
	int rc = test_fjordd_run_expect_exit(props, NULL, &out, 60000);
	test_say("second broker.id=%d: exit %d: %s", b->id, rc, out);
	ck_assert_msg(rc > 0, "a second broker with broker.id %d started (exit %d)", b->id, rc);
	ck_assert_msg(strstr(out, "in use") || strstr(out, "already registered"),
	              "the refusal does not say the id is in use: %s", out);
	free(out);
	ck_assert_msg(harness_child_alive(b->pid, NULL), "the first broker died");

	/* Cluster id mismatch: stop the broker, change meta.properties. */
	test_broker_kill(c, 0, SIGTERM);
	char meta[700];
	ck_assert(harness_path(meta, sizeof(meta), "%s/meta.properties", b->logdir) == 0);
	char *text = harness_read_file(meta, NULL);
	ck_assert_msg(text, "no %s after a clean start and stop", meta);
	char *line = strstr(text, "cluster.id=");
	ck_assert_msg(line, "%s has no cluster.id line: %s", meta, text);
	ck_assert_msg(strstr(text, cid), "%s does not hold the cluster id %s: %s", meta, cid, text);
	char *eol = strchr(line, '\n');
	char *edited = NULL;
	ck_assert(asprintf(&edited, "%.*scluster.id=NotThisCluster0000000000%s", (int)(line - text),
	                   text, eol ? eol : "\n") > 0);
	ck_assert(harness_write_file(meta, edited) == 0);
	rc = test_fjordd_run_expect_exit(b->props, NULL, &out, 60000);
	test_say("cluster id mismatch: exit %d: %s", rc, out);
	ck_assert_msg(rc > 0, "fjordd started with a foreign meta.properties (exit %d)", rc);
	ck_assert_msg(strstr(out, "NotThisCluster0000000000") || strstr(out, cid),
	              "the error does not show the cluster ids: %s", out);
	ck_assert_msg(strstr(out, "meta.properties"), "the error does not name meta.properties: %s",
	              out);
	free(out);
	free(edited);
	free(text);
	free(cid);
	test_cluster_destroy(c);
}
END_TEST

void test_0020(TCase *tc)
{
	tcase_add_test(tc, t0020_bad_key);
	tcase_add_test(tc, t0020_registration);
}
