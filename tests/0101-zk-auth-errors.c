/*
 * 0101-zk-auth-errors — what goes wrong with ZooKeeper credentials is a
 * clear error, and without zookeeper.set.acl nothing changes
 * (docs/security.md "ZooKeeper ACLs").
 *
 *  1. fjordd refuses at start-up, naming the key: a malformed
 *     zookeeper.auth (no password; another scheme than digest),
 *     zookeeper.set.acl=true without zookeeper.auth, a zookeeper.admin.acl
 *     entry that is not an ACL id. fjord_new refuses the same settings.
 *  2. A cluster with ACLs (identity digest:fjord): a second broker with the
 *     right user but a wrong password exits at start-up with an error that
 *     says ZooKeeper refused its identity and names zookeeper.auth; it left
 *     no registration behind. An SDK admin with the wrong password cannot
 *     create a topic ("not authenticated").
 *  3. zookeeper.auth without zookeeper.set.acl: the broker authenticates
 *     but its znodes keep ZooKeeper's open ACL (world:anyone all, as
 *     before), and an SDK admin without credentials creates topics.
 *  4. The migration of docs/security.md on a cluster that ran without
 *     ACLs: the broker restarted with credentials and set.acl, the
 *     documented zkCli.sh session (addauth, setAcl -R ...); afterwards a
 *     session without credentials cannot rewrite the old znodes nor the
 *     registration of a later restart, and the records written before and
 *     after are all read back.
 * Private clusters of one broker each.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#include "common/zkacl.h"
#include "common/zkpath.h"
#include "common/zkutil.h"
#include "harness_int.h"
#include "test.h"

/* A props file for broker id on c's chroot plus extra lines (static path). */
static const char *t0101_props(test_cluster_t *c, int id, const char *name, const char *extra)
{
	static char path[700];
	char *text = NULL;
	ck_assert(harness_path(path, sizeof(path), "%s/%s.properties", test_tmpdir(), name) == 0);
	ck_assert(asprintf(&text,
	                   "broker.id=%d\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=%s/%s-data\n"
	                   "zookeeper.connect=%s\nhttp.listener=127.0.0.1:0\n%s",
	                   id, test_tmpdir(), name, c->zk_connect, extra) > 0);
	ck_assert(harness_write_file(path, text) == 0);
	free(text);
	return path;
}

/* fjordd with extra must exit non-zero saying each of want1, want2. */
static void t0101_refused(test_cluster_t *c, int id, const char *name, const char *extra,
                          const char *want1, const char *want2)
{
	char *out = NULL;
	int rc = test_fjordd_run_expect_exit(t0101_props(c, id, name, extra), NULL, &out, 60000);
	test_say("fjordd with %s: exit %d: %s", name, rc, out ? out : "");
	ck_assert_msg(rc > 0, "fjordd started with %s (exit %d)", name, rc);
	ck_assert_msg(out && strstr(out, want1) && (!want2 || strstr(out, want2)),
	              "%s: the error does not say \"%s\"%s%s: %s", name, want1,
	              want2 ? " and " : "", want2 ? want2 : "", out ? out : "");
	free(out);
}

/* fjord_new(admin) with the pairs must fail saying want. */
static void t0101_sdk_refused(test_cluster_t *c, const char *k1, const char *v1, const char *k2,
                              const char *v2, const char *want)
{
	char err[512] = "";
	fjord_conf_t *conf = test_conf(c, k1, v1, k2, v2, NULL);
	fjord_t *fj = fjord_new(FJORD_ADMIN, conf, err, sizeof(err));
	test_say("fjord_new with %s=%s%s%s%s%s: %s", k1, v1, k2 ? " " : "", k2 ? k2 : "",
	         k2 ? "=" : "", v2 ? v2 : "", err);
	if (fj)
		fjord_destroy(fj);
	else
		fjord_conf_destroy(conf);
	ck_assert_msg(!fj, "fjord_new accepted %s=%s", k1, v1);
	ck_assert_msg(strstr(err, want), "fjord_new: \"%s\" does not say \"%s\"", err, want);
}

START_TEST(t0101_config_errors)
{
	test_cluster_t *c = test_cluster_new(0, NULL);

	t0101_refused(c, 7, "nopassword", "zookeeper.auth=digest:fjord\n", "zookeeper.auth",
	              "digest:<user>:<password>");
	t0101_refused(c, 7, "emptyuser", "zookeeper.auth=digest::secret\n", "zookeeper.auth",
	              "non-empty user");
	t0101_refused(c, 7, "sasl", "zookeeper.auth=sasl:fjord\n", "zookeeper.auth",
	              "\"sasl\" is not supported");
	t0101_refused(c, 7, "setacl-noauth", "zookeeper.set.acl=true\n", "zookeeper.set.acl",
	              "needs zookeeper.auth");
	t0101_refused(c, 7, "badadmin",
	              "zookeeper.auth=digest:fjord:x\nzookeeper.set.acl=true\n"
	              "zookeeper.admin.acl=digest:admin:abc, admin\n",
	              "zookeeper.admin.acl", "\"admin\" is not a ZooKeeper ACL id");

	t0101_sdk_refused(c, "zookeeper.auth", "digest:nopassword", NULL, NULL, "zookeeper.auth");
	t0101_sdk_refused(c, "zookeeper.set.acl", "true", NULL, NULL, "needs zookeeper.auth");
	t0101_sdk_refused(c, "zookeeper.auth", "digest:a:b", "zookeeper.admin.acl", "digest:x",
	                  "zookeeper.admin.acl");
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0101_wrong_password)
{
	char err[512], path[ZKPATH_MAX];
	const char *topic = test_topic_name("wrongpw");
	test_cluster_t *c =
	    test_cluster_new(1, "zookeeper.auth=digest:fjord:right\nzookeeper.set.acl=true\n");

	t0101_refused(c, 2, "wrongpw",
	              "zookeeper.auth=digest:fjord:wrong\nzookeeper.set.acl=true\n",
	              "not authenticated", "zookeeper.auth");
	zhandle_t *zh =
	    zkutil_connect(c->zk_connect, 10000, 10000, 0, NULL, NULL, err, sizeof(err));
	ck_assert_msg(zh, "%s", err);
	ck_assert_int_eq(zoo_exists(zh, zkpath_broker(path, 2), 0, NULL), ZNONODE);

	fjord_t *admin = fjord_new(
	    FJORD_ADMIN,
	    test_conf(c, "zookeeper.auth", "digest:fjord:wrong", "zookeeper.set.acl", "true", NULL),
	    err, sizeof(err));
	ck_assert_msg(admin, "%s", err);
	fjord_err_t e = fjord_admin_create_topic(admin, topic, 1, 1, NULL, 10000, err, sizeof(err));
	test_say("create with a wrong password: %s: %s", fjord_err2name(e), err);
	ck_assert_msg(e != FJORD_ERR_NO_ERROR && strstr(err, "not authenticated"),
	              "create with a wrong password: %s: %s", fjord_err2name(e), err);
	fjord_destroy(admin);
	ck_assert_int_eq(zoo_exists(zh, zkpath_topic(path, topic), 0, NULL), ZNONODE);
	zkutil_close(zh);
	test_cluster_destroy(c);
}
END_TEST

/* path's ACL is ZooKeeper's open one (world:anyone all). */
static void t0101_open(zhandle_t *zh, const char *path)
{
	struct ACL_vector acl;
	struct Stat st;

	ck_assert_int_eq(zoo_get_acl(zh, path, &acl, &st), ZOK);
	test_say("%s ACL: %d entries, first %s:%s 0x%x", path, acl.count,
	         acl.count ? acl.data[0].id.scheme : "", acl.count ? acl.data[0].id.id : "",
	         acl.count ? acl.data[0].perms : 0);
	ck_assert_msg(acl.count == 1 && !strcmp(acl.data[0].id.scheme, "world") &&
	                  !strcmp(acl.data[0].id.id, "anyone") && acl.data[0].perms == ZOO_PERM_ALL,
	              "%s is not open", path);
	deallocate_ACL_vector(&acl);
}

START_TEST(t0101_set_acl_off)
{
	char err[512], path[ZKPATH_MAX];
	const char *topic = test_topic_name("open");
	test_cluster_t *c = test_cluster_new(1, "zookeeper.auth=digest:fjord:secret\n");

	zhandle_t *zh =
	    zkutil_connect(c->zk_connect, 10000, 10000, 0, NULL, NULL, err, sizeof(err));
	ck_assert_msg(zh, "%s", err);
	test_create_topic(c, topic, 1, 1); /* an admin without credentials */
	t0101_open(zh, zkpath_broker(path, c->brokers[0].id));
	t0101_open(zh, ZKPATH_BROKER_IDS);
	t0101_open(zh, ZKPATH_CONTROLLER);
	t0101_open(zh, ZKPATH_CONSUMERS);
	t0101_open(zh, zkpath_topic(path, topic));
	t0101_open(zh, zkpath_state(path, topic, 0));
	zkutil_close(zh);
	test_cluster_destroy(c);
}
END_TEST

/* The migration of docs/security.md "Turning ACLs on in a running
 * cluster", step 2, in one zkCli.sh session (commands on its stdin). */
static void t0101_migrate_acls(test_cluster_t *c, const char *b, const char *a)
{
	char *cmd = NULL, *out;
	int status = -1;
	char both[600], own[300];

	snprintf(both, sizeof(both), "digest:fjord:%s:cdrwa,digest:admin:%s:cdrwa,world:anyone:r",
	         b, a);
	snprintf(own, sizeof(own), "digest:fjord:%s:cdrwa,world:anyone:r", b);
	ck_assert(asprintf(&cmd,
	                   "printf '%%s\\n' 'addauth digest fjord:secret' 'setAcl / %s' "
	                   "'setAcl -R /brokers %s' 'setAcl -R /brokers/topics %s' "
	                   "'setAcl -R /admin %s' 'setAcl -R /config %s' 'setAcl -R /cluster %s' "
	                   "'setAcl /controller_epoch %s' 'setAcl /consumers %sc' 'quit' | "
	                   "CLIENT_JVMFLAGS='-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' "
	                   "ZOO_LOG4J_PROP=ERROR,CONSOLE /usr/share/zookeeper/bin/zkCli.sh "
	                   "-server %s 2>&1",
	                   both, own, both, both, both, own, own, both, c->zk_connect) > 0);
	out = test_run(cmd, &status);
	test_say("zkCli.sh migration: exit %d: %s", status, out ? out : "");
	ck_assert_msg(out && !strstr(out, "Insufficient permission") && !strstr(out, "Exception"),
	              "zkCli.sh migration failed: %s", out ? out : "(no output)");
	free(out);
	free(cmd);
}

/* Open cluster -> ACLs with the documented migration. */
START_TEST(t0101_migrate)
{
	char err[512], path[ZKPATH_MAX], b[128], a[128], id[256];
	const char *topic = test_topic_name("migrate");
	test_cluster_t *c = test_cluster_new(1, NULL);
	test_msgver_t *mv = test_msgver_new(1);

	test_create_topic(c, topic, 1, 1);
	test_produce_msgs(c, topic, 0, 50, 32);
	ck_assert_int_eq(zkacl_digest_id("fjord:secret", id, sizeof(id)), 0);
	snprintf(b, sizeof(b), "%s", strchr(id, ':') + 1);
	ck_assert_int_eq(zkacl_digest_id("admin:admin-secret", id, sizeof(id)), 0);
	snprintf(a, sizeof(a), "%s", strchr(id, ':') + 1);

	/* Step 1: brokers restarted with credentials and ACLs. */
	snprintf(c->brokers[0].extra, sizeof(c->brokers[0].extra),
	         "zookeeper.auth=digest:fjord:secret\nzookeeper.set.acl=true\n"
	         "zookeeper.admin.acl=digest:admin:%s\n",
	         a);
	test_broker_restart(c, 0);
	/* Step 2: the existing znodes. */
	t0101_migrate_acls(c, b, a);
	/* A later restart registers anew: fjord's own ACL, not setAcl's. */
	test_broker_restart(c, 0);

	zhandle_t *zh =
	    zkutil_connect(c->zk_connect, 10000, 10000, 0, NULL, NULL, err, sizeof(err));
	ck_assert_msg(zh, "%s", err);
	char p2[ZKPATH_MAX], p3[ZKPATH_MAX], p4[ZKPATH_MAX], p5[ZKPATH_MAX];
	const char *more[] = { zkpath_broker(p5, c->brokers[0].id),
		               zkpath_topic(p2, topic),
		               zkpath_state(p3, topic, 0),
		               zkpath_topic_config(p4, topic),
		               ZKPATH_CLUSTER_ID,
		               ZKPATH_CONTROLLER_EPOCH,
		               NULL };
	for (int i = 0; more[i]; i++) {
		int rc = zoo_set(zh, more[i], "x", 1, -1);
		test_say("set %s without credentials after the migration: %s", more[i],
		         zkutil_err2str(rc));
		ck_assert_msg(rc == ZNOAUTH, "set %s: %s", more[i], zkutil_err2str(rc));
	}
	ck_assert_int_eq(zoo_create(zh, zkpath_delete_topic(path, topic), NULL, -1,
	                            &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0),
	                 ZNOAUTH);
	zkutil_close(zh);
	/* The cluster still works: more records, all read back. */
	test_produce_range(c, topic, 0, 50, 50, 32, NULL, NULL, NULL);
	ck_assert_int_eq(test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 100, mv, 30000),
	                 100);
	test_msgver_verify(mv, "after the migration", 100);
	test_cluster_destroy(c);
}
END_TEST

void test_0101(TCase *tc)
{
	tcase_add_test(tc, t0101_config_errors);
	tcase_add_test(tc, t0101_wrong_password);
	tcase_add_test(tc, t0101_set_acl_off);
	tcase_add_test(tc, t0101_migrate);
}
