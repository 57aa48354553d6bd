/*
 * 0100-zk-acl — ZooKeeper's own ACLs (docs/security.md "ZooKeeper ACLs"):
 * brokers with zookeeper.auth and zookeeper.set.acl=true, an admin identity
 * in zookeeper.admin.acl, against the real ZooKeeper.
 *
 *  1. Two brokers (identity digest:fjord) form a cluster; an SDK admin with
 *     its own identity (digest:admin, listing the brokers' id in its
 *     zookeeper.admin.acl) creates a topic of 2 partitions, RF 2; 200
 *     records produced are all consumed back (count, order, offsets).
 *  2. The ACLs ZooKeeper holds: a broker registration is the brokers'
 *     identity all + world read; the topic znode adds the admin identity.
 *  3. A ZooKeeper session without credentials reads every znode but its
 *     set and delete of /brokers/ids/<id>, the topic, its partition state,
 *     its config, /controller, /controller_epoch and /cluster/id, and its
 *     create of /admin/delete_topics/<t>, /brokers/topics/<x> and
 *     /brokers/ids/<x>, are refused with ZNOAUTH — also through zkCli.sh.
 *  4. An SDK admin without credentials can neither create nor delete a
 *     topic (clear error naming ZooKeeper's refusal; nothing changed); the
 *     admin with credentials creates a second topic and deletes it, which
 *     needs the controller (brokers' identity) to remove what the admin
 *     created.
 *  5. A consumer group with credentials (digest:app, zookeeper.set.acl)
 *     consumes all 200 records and commits; the session without
 *     credentials cannot rewrite its committed offsets or remove its member
 *     znode, and still reads them.
 *  6. A Kafka ACL znode (/kafka-acl/Topic/<t>) the admin writes
 *     through the SDK gets the admin subtrees' ACL; neither the session
 *     nor an SDK admin without credentials can change it.
 *     A SCRAM user an admin creates (/config/users/<user>) cannot even be
 *     read without credentials; the brokers' identity reads it.
 *  7. A broker frozen (SIGSTOP) until its session expires comes back
 *     (SIGCONT) with a new session that authenticates again: it registers
 *     anew, with its identity's ACL.
 * Private cluster (it owns the chroot whose ACLs it checks).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zookeeper/zookeeper.h>

#include "cgrp_helpers.h"
#include "common/zkacl.h"
#include "common/zkpath.h"
#include "common/zkutil.h"
#include "harness_int.h"
#include "test.h"

#define T0100_BROKER_AUTH "digest:fjord:broker-secret"
#define T0100_ADMIN_AUTH "digest:admin:admin-secret"
#define T0100_APP_AUTH "digest:app:app-secret"

/* "digest:<user>:<b64>" of "<user>:<password>" into out. */
static void t0100_id(const char *user_password, char *out, size_t n)
{
	char id[256];
	ck_assert_int_eq(zkacl_digest_id(user_password, id, sizeof(id)), 0);
	snprintf(out, n, "digest:%s", id);
}

/* zh (no credentials) may read path but neither set nor delete it. */
static void t0100_refused(zhandle_t *zh, const char *path)
{
	char *buf = NULL;
	int len = 0, rc;

	rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, NULL);
	ck_assert_msg(rc == ZOK, "read %s: %s", path, zkutil_err2str(rc));
	free(buf);
	rc = zoo_set(zh, path, "x", 1, -1);
	ck_assert_msg(rc == ZNOAUTH, "set %s without credentials: %s (expected not authenticated)",
	              path, zkutil_err2str(rc));
	rc = zoo_delete(zh, path, -1);
	/* A znode with children answers "not empty" before looking at the
	 * ACL of its parent; both leave it in place. */
	ck_assert_msg(rc == ZNOAUTH || rc == ZNOTEMPTY,
	              "delete %s without credentials: %s (expected not authenticated)", path,
	              zkutil_err2str(rc));
	test_say("%s: readable, set and delete refused (%s)", path, zkutil_err2str(rc));
}

static void t0100_create_refused(zhandle_t *zh, const char *path)
{
	int rc = zoo_create(zh, path, "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
	ck_assert_msg(rc == ZNOAUTH,
	              "create %s without credentials: %s (expected not authenticated)", path,
	              zkutil_err2str(rc));
}

/* Asserts path's ACL is exactly the digest users given (each all rights)
 * plus world:anyone read. ZooKeeper shows a digest id as "<user>:x" to a
 * session without admin rights on the znode, so users are compared. */
static int t0100_is_user(const char *id, const char *user)
{
	size_t n = user ? strlen(user) : 0;
	return user && !strncmp(id, "digest:", 7) && !strncmp(id + 7, user, n) && id[7 + n] == ':';
}

static void t0100_acl_is(zhandle_t *zh, const char *path, const char *id1, const char *id2)
{
	struct ACL_vector acl;
	struct Stat st;
	int rc = zoo_get_acl(zh, path, &acl, &st);
	int want = 1 + (id1 != NULL) + (id2 != NULL), seen = 0;

	ck_assert_msg(rc == ZOK, "getAcl %s: %s", path, zkutil_err2str(rc));
	for (int i = 0; i < acl.count; i++) {
		char id[512];
		snprintf(id, sizeof(id), "%s:%s", acl.data[i].id.scheme, acl.data[i].id.id);
		test_say("%s ACL: %s perms 0x%x", path, id, acl.data[i].perms);
		if (!strcmp(id, "world:anyone"))
			ck_assert_msg(acl.data[i].perms == ZOO_PERM_READ ||
			                  (!strcmp(path, ZKPATH_CONSUMERS) &&
			                   acl.data[i].perms == (ZOO_PERM_READ | ZOO_PERM_CREATE)),
			              "%s: world has 0x%x", path, acl.data[i].perms);
		else
			ck_assert_msg(t0100_is_user(id, id1) || t0100_is_user(id, id2),
			              "%s: unexpected ACL entry %s", path, id);
		if (strcmp(id, "world:anyone"))
			ck_assert_msg(acl.data[i].perms == ZOO_PERM_ALL, "%s: %s has 0x%x", path,
			              id, acl.data[i].perms);
		seen++;
	}
	ck_assert_msg(seen == want, "%s: %d ACL entries, expected %d", path, seen, want);
	deallocate_ACL_vector(&acl);
}

typedef struct t0100_reg {
	zhandle_t *zh;
	const char *path;
	int64_t old_owner; /* wait for: gone (0) or held by another session */
	int want;          /* 0: gone, 1: registered by a new session */
} t0100_reg_t;

static int t0100_reg_pred(void *arg)
{
	t0100_reg_t *r = arg;
	struct Stat st;
	int rc = zoo_exists(r->zh, r->path, 0, &st);
	return r->want ? rc == ZOK && st.ephemeralOwner != r->old_owner : rc == ZNONODE;
}

START_TEST(t0100_zk_acl)
{
	char broker_id[300], admin_id[300], extra[1024], path[ZKPATH_MAX], err[512];
	char topic2[300], *out;
	const char *topic = test_topic_name("acl");
	test_msgver_t *mv = test_msgver_new(2), *mv2 = test_msgver_new(2);
	struct String_vector sv;
	int status = -1, rc;

	t0100_id("fjord:broker-secret", broker_id, sizeof(broker_id));
	t0100_id("admin:admin-secret", admin_id, sizeof(admin_id));
	snprintf(extra, sizeof(extra),
	         "zookeeper.auth=" T0100_BROKER_AUTH "\nzookeeper.set.acl=true\n"
	         "zookeeper.admin.acl=%s\n",
	         admin_id);
	test_cluster_t *c = test_cluster_new(2, extra);

	/* 1. A working cluster. */
	test_create_topic_conf(c, topic, 2, 2, "zookeeper.auth", T0100_ADMIN_AUTH,
	                       "zookeeper.set.acl", "true", "zookeeper.admin.acl", broker_id, NULL);
	test_produce_msgs(c, topic, -1, 200, 64);
	ck_assert_int_eq(test_consume_msgs(c, topic, 2, FJORD_OFFSET_BEGINNING, 200, mv, 30000),
	                 200);
	test_msgver_verify(mv, "produced through brokers with ZooKeeper ACLs", 200);

	/* 2. The ACLs ZooKeeper holds. */
	zhandle_t *zh =
	    zkutil_connect(c->zk_connect, 10000, 10000, 0, NULL, NULL, err, sizeof(err));
	ck_assert_msg(zh, "%s", err);
	t0100_acl_is(zh, zkpath_broker(path, c->brokers[0].id), "fjord", NULL);
	t0100_acl_is(zh, ZKPATH_CONTROLLER, "fjord", NULL);
	t0100_acl_is(zh, zkpath_topic(path, topic), "admin", "fjord");
	t0100_acl_is(zh, zkpath_state(path, topic, 0), "fjord", "admin");
	t0100_acl_is(zh, ZKPATH_CONSUMERS, "fjord", "admin"); /* + world create */

	/* 3. A session without credentials. */
	t0100_refused(zh, zkpath_broker(path, c->brokers[0].id));
	t0100_refused(zh, zkpath_broker(path, c->brokers[1].id));
	t0100_refused(zh, zkpath_topic(path, topic));
	t0100_refused(zh, zkpath_state(path, topic, 0));
	t0100_refused(zh, zkpath_topic_config(path, topic));
	t0100_refused(zh, ZKPATH_CONTROLLER);
	t0100_refused(zh, ZKPATH_CONTROLLER_EPOCH);
	t0100_refused(zh, ZKPATH_CLUSTER_ID);
	t0100_create_refused(zh, zkpath_delete_topic(path, topic));
	t0100_create_refused(zh, zkpath_topic(path, "t0100-intruder"));
	t0100_create_refused(zh, zkpath_broker(path, 99));
	snprintf(path, sizeof(path), "set /brokers/ids/%d '{}'", c->brokers[0].id);
	out = test_zkcli(c, path, &status);
	test_say("zkCli.sh %s: exit %d: %s", path, status, out ? out : "");
	/* zkCli.sh prints "Insufficient permission" on stderr and exits 1. */
	ck_assert_msg(status != 0, "zkCli.sh %s succeeded without credentials", path);
	free(out);
	{
		char *v = NULL;
		ck_assert_int_eq(zkutil_get(zh, zkpath_broker(path, c->brokers[0].id), NULL, NULL,
		                            &v, NULL, NULL),
		                 ZOK);
		ck_assert_msg(v && strstr(v, "\"endpoints\""), "registration rewritten: %s",
		              v ? v : "");
		free(v);
	}
	snprintf(path, sizeof(path), "getAcl /brokers/ids/%d", c->brokers[0].id);
	out = test_zkcli(c, path, &status);
	ck_assert_msg(out && strstr(out, "'digest,'fjord:") && strstr(out, "'world,'anyone"),
	              "zkCli.sh %s: %s", path, out ? out : "(no output)");
	free(out);

	/* 4. SDK admins without and with credentials. */
	fjord_t *anon = fjord_new(FJORD_ADMIN, test_conf(c, NULL), err, sizeof(err));
	ck_assert_msg(anon, "%s", err);
	snprintf(topic2, sizeof(topic2), "%s", test_topic_name("acl2"));
	fjord_err_t e = fjord_admin_create_topic(anon, topic2, 1, 1, NULL, 10000, err, sizeof(err));
	test_say("create without credentials: %s: %s", fjord_err2name(e), err);
	ck_assert_msg(e != FJORD_ERR_NO_ERROR && strstr(err, "not authenticated"),
	              "create without credentials: %s: %s", fjord_err2name(e), err);
	e = fjord_admin_delete_topic(anon, topic, 10000, err, sizeof(err));
	test_say("delete without credentials: %s: %s", fjord_err2name(e), err);
	ck_assert_msg(e != FJORD_ERR_NO_ERROR && strstr(err, "not authenticated"),
	              "delete without credentials: %s: %s", fjord_err2name(e), err);
	fjord_destroy(anon);
	ck_assert_int_eq(zoo_exists(zh, zkpath_topic(path, topic), 0, NULL), ZOK);
	ck_assert_int_eq(zoo_exists(zh, zkpath_topic(path, topic2), 0, NULL), ZNONODE);
	ck_assert_int_eq(zoo_exists(zh, zkpath_delete_topic(path, topic), 0, NULL), ZNONODE);

	test_create_topic_conf(c, topic2, 2, 2, "zookeeper.auth", T0100_ADMIN_AUTH,
	                       "zookeeper.set.acl", "true", "zookeeper.admin.acl", broker_id, NULL);
	fjord_t *admin =
	    fjord_new(FJORD_ADMIN,
	              test_conf(c, "zookeeper.auth", T0100_ADMIN_AUTH, "zookeeper.set.acl", "true",
	                        "zookeeper.admin.acl", broker_id, NULL),
	              err, sizeof(err));
	ck_assert_msg(admin, "%s", err);
	e = fjord_admin_delete_topic(admin, topic2, (int)(30000 * test_timeout_multiplier()), err,
	                             sizeof(err));
	ck_assert_msg(e == FJORD_ERR_NO_ERROR, "delete %s with credentials: %s: %s", topic2,
	              fjord_err2name(e), err);
	fjord_destroy(admin);
	ck_assert_int_eq(zoo_exists(zh, zkpath_topic(path, topic2), 0, NULL), ZNONODE);
	ck_assert_int_eq(zoo_exists(zh, zkpath_topic_config(path, topic2), 0, NULL), ZNONODE);
	test_say("topic %s created and deleted by the admin identity", topic2);

	/* 5. A consumer group with credentials. */
	const char *group = tg_group_name("g");
	fjord_t *m = tg_member_new(c, group, topic, "zookeeper.auth", T0100_APP_AUTH,
	                           "zookeeper.set.acl", "true", NULL);
	ck_assert_int_eq(tg_poll(m, mv2, 200, 30000, NULL), 200);
	ck_assert_int_eq(fjord_commit(m, NULL, 0), FJORD_ERR_NO_ERROR);
	test_msgver_verify(mv2, "consumed by a group with credentials", 200);
	ck_assert_int_eq(tg_committed(c, group, topic, 0) + tg_committed(c, group, topic, 1), 200);
	snprintf(path, sizeof(path), "/consumers/%s/offsets/%s/0", group, topic);
	t0100_refused(zh, path);
	snprintf(path, sizeof(path), "/consumers/%s/ids", group);
	rc = zkutil_children(zh, path, NULL, NULL, &sv);
	ck_assert_msg(rc == ZOK && sv.count == 1, "%s: %s, %d members", path, zkutil_err2str(rc),
	              rc == ZOK ? sv.count : -1);
	snprintf(path, sizeof(path), "/consumers/%s/ids/%s", group, sv.data[0]);
	deallocate_String_vector(&sv);
	t0100_refused(zh, path);
	fjord_destroy(m);
	ck_assert_int_eq(tg_committed(c, group, topic, 0) + tg_committed(c, group, topic, 1), 200);

	/* 6. Kafka's ACL znodes written through the SDK admin (zookeeper.connect)
	 * get the admin subtrees' ACL: an admin with credentials adds one; a
	 * session or an admin without them cannot change it. */
	{
		fjord_acl_t ka = { FJORD_ACL_TOPIC,
			           (char *)topic,
			           (char *)"User:alice",
			           (char *)"*",
			           (char *)"Read",
			           0,
			           NULL };
		fjord_t *kadmin =
		    fjord_new(FJORD_ADMIN,
		              test_conf(c, "zookeeper.auth", T0100_ADMIN_AUTH, "zookeeper.set.acl",
		                        "true", "zookeeper.admin.acl", broker_id, NULL),
		              err, sizeof(err));
		int changed = -1;
		ck_assert_msg(kadmin, "%s", err);
		e = fjord_admin_acl_add(kadmin, &ka, 1, &changed, err, sizeof(err));
		ck_assert_msg(e == FJORD_ERR_NO_ERROR && changed == 1, "acl add: %s: %s",
		              fjord_err2name(e), err);
		fjord_destroy(kadmin);
		snprintf(path, sizeof(path), "/kafka-acl/Topic/%s", topic);
		t0100_acl_is(zh, path, "admin", "fjord");
		t0100_refused(zh, path);
		ka.operation = (char *)"Write";
		kadmin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), err, sizeof(err));
		ck_assert_msg(kadmin, "%s", err);
		e = fjord_admin_acl_add(kadmin, &ka, 1, &changed, err, sizeof(err));
		test_say("acl add without credentials: %s: %s", fjord_err2name(e), err);
		ck_assert_msg(e != FJORD_ERR_NO_ERROR && strstr(err, "not authenticated"),
		              "acl add without credentials: %s: %s", fjord_err2name(e), err);
		fjord_destroy(kadmin);
	}

	/* 6b. SCRAM credentials (/config/users/<user>) an admin writes are kept
	 * from the world: a session without credentials cannot even read them,
	 * the brokers' identity can. */
	{
		fjord_t *uadmin =
		    fjord_new(FJORD_ADMIN,
		              test_conf(c, "zookeeper.auth", T0100_ADMIN_AUTH, "zookeeper.set.acl",
		                        "true", "zookeeper.admin.acl", broker_id, NULL),
		              err, sizeof(err));
		char *v = NULL;
		ck_assert_msg(uadmin, "%s", err);
		e = fjord_admin_upsert_scram_user(uadmin, "alice", "alice-secret", 0, 0, err,
		                                  sizeof(err));
		ck_assert_msg(e == FJORD_ERR_NO_ERROR, "upsert alice: %s: %s", fjord_err2name(e),
		              err);
		fjord_destroy(uadmin);
		rc = zkutil_get(zh, "/config/users/alice", NULL, NULL, &v, NULL, NULL);
		test_say("read /config/users/alice without credentials: %s", zkutil_err2str(rc));
		ck_assert_msg(rc == ZNOAUTH, "read /config/users/alice without credentials: %s",
		              zkutil_err2str(rc));
		free(v);
		zhandle_t *bzh = NULL;
		zkacl_t *bza = NULL;
		ck_assert_int_eq(zkacl_new(T0100_BROKER_AUTH, 0, NULL, &bza, err, sizeof(err)), 0);
		bzh = zkutil_connect_acl(c->zk_connect, 10000, 10000, 0, bza, NULL, NULL, NULL,
		                         NULL, err, sizeof(err));
		ck_assert_msg(bzh, "%s", err);
		rc = zkutil_get(bzh, "/config/users/alice", NULL, NULL, &v, NULL, NULL);
		ck_assert_msg(rc == ZOK && v && strstr(v, "SCRAM-SHA-256"),
		              "brokers' identity reads /config/users/alice: %s",
		              zkutil_err2str(rc));
		free(v);
		zkutil_close(bzh);
		zkacl_destroy(bza);
	}

	/* 7. A session expiry: the broker's new session authenticates again
	 * before it registers (without credentials the create under
	 * /brokers/ids would be refused and it would never come back). */
	{
		char rpath[ZKPATH_MAX];
		struct Stat st;
		t0100_reg_t r = { zh, zkpath_broker(rpath, c->brokers[1].id), 0, 0 };
		int st_child = 0;

		ck_assert_int_eq(zoo_exists(zh, rpath, 0, &st), ZOK);
		r.old_owner = st.ephemeralOwner;
		test_broker_kill(c, 1, SIGSTOP);
		ck_assert_msg(test_wait_until(t0100_reg_pred, &r, 30000),
		              "%s still there while its broker is stopped", rpath);
		test_broker_kill(c, 1, SIGCONT);
		r.want = 1;
		ck_assert_msg(test_wait_until(t0100_reg_pred, &r, 30000),
		              "broker %d did not register again after its session expired",
		              c->brokers[1].id);
		ck_assert_msg(harness_child_alive(c->brokers[1].pid, &st_child), "broker %d exited",
		              c->brokers[1].id);
		test_say("%s registered again by a new session", rpath);
		t0100_acl_is(zh, rpath, "fjord", NULL);
		t0100_refused(zh, rpath);
	}

	zkutil_close(zh);
	test_cluster_destroy(c);
}
END_TEST

void test_0100(TCase *tc)
{
	tcase_add_test(tc, t0100_zk_acl);
}
