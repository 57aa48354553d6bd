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
 * Private clusters of one broker each.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

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

void test_0101(TCase *tc)
{
	tcase_add_test(tc, t0101_config_errors);
	tcase_add_test(tc, t0101_wrong_password);
	tcase_add_test(tc, t0101_set_acl_off);
}
