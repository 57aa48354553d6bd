/*
 * 0099-unit-acl — Kafka's ACL model without ZooKeeper (src/common/acl.c):
 * the exact JSON of a /kafka-acl znode (Kafka's brokers and tools read what
 * fjord writes), strict decoding of what an operator types with zkCli.sh
 * (each bad value refused naming the entry and field), adding and removing
 * entries, and the AclAuthorizer's rules: Deny wins, Describe implied by
 * Read/Write/Delete/Alter, All, principal and host wildcards, the "*"
 * resource, no ACL → allow.everyone.if.no.acl.found, a broken znode grants
 * nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "common/acl.h"
#include "test.h"

static void t0099_bad(const char *json, const char *want)
{
	acl_list_t l;
	char err[256] = "";

	ck_assert_int_eq(acl_list_decode(json, strlen(json), &l, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want), "error \"%s\" lacks \"%s\" for %s", err, want, json);
	ck_assert_int_eq(l.cnt, 0);
	ck_assert_ptr_null(l.entries);
	acl_list_clear(&l);
}

START_TEST(t0099_codec)
{
	const char *kafka = "{\"version\":1,\"acls\":[{\"principal\":\"User:alice\","
	                    "\"permissionType\":\"Allow\",\"operation\":\"Read\",\"host\":\"*\"},"
	                    "{\"principal\":\"User:bob\",\"permissionType\":\"Deny\","
	                    "\"operation\":\"Write\",\"host\":\"10.0.0.1\"}]}";
	acl_list_t l;
	acl_entry_t e = { (char *)"User:carol", (char *)"*", ACL_OP_DESCRIBE, 0 };
	char err[256];
	char *s;

	ck_assert_int_eq(acl_list_decode(kafka, strlen(kafka), &l, err, sizeof(err)), 0);
	ck_assert_int_eq(l.cnt, 2);
	ck_assert_str_eq(l.entries[0].principal, "User:alice");
	ck_assert_int_eq(l.entries[0].op, ACL_OP_READ);
	ck_assert_int_eq(l.entries[0].deny, 0);
	ck_assert_int_eq(l.entries[1].deny, 1);
	ck_assert_str_eq(l.entries[1].host, "10.0.0.1");
	s = acl_list_encode(&l);
	ck_assert_str_eq(s, kafka); /* byte for byte what Kafka writes */
	free(s);
	ck_assert_int_eq(acl_list_add(&l, &e), 1);
	ck_assert_int_eq(acl_list_add(&l, &e), 0); /* already there */
	ck_assert_int_eq(l.cnt, 3);
	ck_assert_int_eq(acl_list_remove(&l, &l.entries[0]), 1);
	ck_assert_int_eq(l.cnt, 2);
	ck_assert_str_eq(l.entries[0].principal, "User:bob");
	ck_assert_int_eq(acl_list_remove(&l, &e), 1);
	ck_assert_int_eq(acl_list_remove(&l, &e), 0);
	ck_assert_int_eq(l.cnt, 1);
	acl_list_clear(&l);

	/* Any case, extra fields ignored, duplicates kept once, no version. */
	const char *loose = "{\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"allow\","
	                    "\"operation\":\"clusteraction\",\"host\":\"*\",\"x\":1},"
	                    "{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
	                    "\"operation\":\"ClusterAction\",\"host\":\"*\"}],\"extra\":[]}";
	ck_assert_int_eq(acl_list_decode(loose, strlen(loose), &l, err, sizeof(err)), 0);
	ck_assert_int_eq(l.cnt, 1);
	ck_assert_int_eq(l.entries[0].op, ACL_OP_CLUSTER_ACTION);
	acl_list_clear(&l);
	ck_assert_int_eq(acl_list_decode("{\"acls\":[]}", 11, &l, err, sizeof(err)), 0);
	ck_assert_int_eq(l.cnt, 0);
	s = acl_list_encode(&l);
	ck_assert_str_eq(s, "{\"version\":1,\"acls\":[]}");
	free(s);

	t0099_bad("", "empty value");
	t0099_bad("{", "invalid JSON");
	t0099_bad("[]", "expected a JSON object");
	t0099_bad("{\"version\":2,\"acls\":[]}", "\"version\" must be 1");
	t0099_bad("{\"version\":1}", "missing \"acls\"");
	t0099_bad("{\"acls\":{}}", "\"acls\" must be an array");
	t0099_bad("{\"acls\":[1]}", "acls[0]: expected an object");
	t0099_bad(
	    "{\"acls\":[{\"permissionType\":\"Allow\",\"operation\":\"Read\",\"host\":\"*\"}]}",
	    "acls[0]: missing \"principal\"");
	t0099_bad("{\"acls\":[{\"principal\":\"alice\",\"permissionType\":\"Allow\","
	          "\"operation\":\"Read\",\"host\":\"*\"}]}",
	          "\"principal\" must be <type>:<name>");
	t0099_bad("{\"acls\":[{\"principal\":\"User:\",\"permissionType\":\"Allow\","
	          "\"operation\":\"Read\",\"host\":\"*\"}]}",
	          "\"principal\" must be <type>:<name>");
	t0099_bad("{\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Maybe\","
	          "\"operation\":\"Read\",\"host\":\"*\"}]}",
	          "\"permissionType\" must be Allow or Deny");
	t0099_bad("{\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
	          "\"operation\":\"Reed\",\"host\":\"*\"}]}",
	          "unknown \"operation\" \"Reed\"");
	t0099_bad("{\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
	          "\"operation\":\"Read\",\"host\":\"\"}]}",
	          "\"host\" must be a non-empty string");
	t0099_bad("{\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
	          "\"operation\":\"Read\",\"host\":\"*\"},{\"principal\":7}]}",
	          "acls[1]: \"principal\" must be a non-empty string");
}
END_TEST

START_TEST(t0099_names)
{
	acl_op_t op;
	acl_res_type_t t;

	for (int i = 0; i < ACL_OP_CNT; i++) {
		ck_assert_int_eq(acl_op_parse(acl_op_name((acl_op_t)i), &op), 0);
		ck_assert_int_eq(op, i);
	}
	ck_assert_int_eq(acl_op_parse("Bogus", &op), -1);
	ck_assert_int_eq(acl_res_type_parse("topic", &t), 0);
	ck_assert_int_eq(t, ACL_RES_TOPIC);
	ck_assert_int_eq(acl_res_type_parse("Cluster", &t), 0);
	ck_assert_int_eq(t, ACL_RES_CLUSTER);
	ck_assert_int_eq(acl_res_type_parse("TransactionalId", &t), -1);
	char v[64];
	acl_change_value(v, sizeof(v), ACL_RES_TOPIC, "orders");
	ck_assert_str_eq(v, "Topic:orders");
}
END_TEST

/* A set with one resource per call of put, from JSON. */
static void t0099_put(acl_set_t *s, acl_res_type_t type, const char *name, const char *json)
{
	acl_list_t l;
	char err[256];

	if (acl_list_decode(json, strlen(json), &l, err, sizeof(err)) < 0)
		ck_assert_int_eq(acl_set_put(s, type, name, NULL, err), 0);
	else
		ck_assert_int_eq(acl_set_put(s, type, name, &l, NULL), 0);
	acl_list_clear(&l);
}

#define E(p, perm, op, host)                                                                       \
	"{\"principal\":\"" p "\",\"permissionType\":\"" perm "\",\"operation\":\"" op             \
	"\",\"host\":\"" host "\"}"

START_TEST(t0099_rules)
{
	acl_set_t *s = acl_set_new();
	const char *A = "User:alice", *B = "User:bob", *H = "10.0.0.1";

	t0099_put(s, ACL_RES_TOPIC, "reads",
	          "{\"acls\":[" E("User:alice", "Allow", "Read", "*") "]}");
	t0099_put(s, ACL_RES_TOPIC, "deny",
	          "{\"acls\":[" E("User:*", "Allow", "All", "*") "," E("User:bob", "Deny", "Write",
	                                                               "*") "]}");
	t0099_put(s, ACL_RES_TOPIC, "host",
	          "{\"acls\":[" E("User:alice", "Allow", "Write", "10.0.0.1") "]}");
	t0099_put(s, ACL_RES_TOPIC, "broken",
	          "{\"acls\":[" E("User:alice", "Allow", "Nope", "*") "]}");
	t0099_put(s, ACL_RES_TOPIC, "empty", "{\"acls\":[]}");
	t0099_put(s, ACL_RES_GROUP, "*", "{\"acls\":[" E("User:bob", "Allow", "Read", "*") "]}");
	t0099_put(s, ACL_RES_CLUSTER, ACL_CLUSTER_NAME,
	          "{\"acls\":[" E("User:alice", "Allow", "ClusterAction",
	                          "*") "," E("User:alice", "Deny", "All", "10.0.0.9") "]}");
	acl_set_finish(s);

	/* Allow Read: Read, and Describe by implication; not Write. */
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "reads", A, H, ACL_OP_READ, 0), 1);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "reads", A, H, ACL_OP_DESCRIBE, 0), 1);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "reads", A, H, ACL_OP_WRITE, 0), 0);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "reads", B, H, ACL_OP_READ, 0), 0);
	/* ACLs exist: allow.everyone.if.no.acl.found does not apply. */
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "reads", B, H, ACL_OP_READ, 1), 0);
	/* User:* All, but a Deny on Write wins for bob only. */
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "deny", A, H, ACL_OP_WRITE, 0), 1);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "deny", B, H, ACL_OP_WRITE, 0), 0);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "deny", B, H, ACL_OP_READ, 0), 1);
	/* A Deny of Write does not deny Describe (Kafka denies by op or All). */
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "deny", B, H, ACL_OP_DESCRIBE, 0), 1);
	/* "User:*" is not a principal type wildcard for other types. */
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "deny", "Group:x", H, ACL_OP_READ, 0), 0);
	/* Host rules. */
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "host", A, H, ACL_OP_WRITE, 0), 1);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "host", A, "10.0.0.2", ACL_OP_WRITE, 0),
	                 0);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "host", A, NULL, ACL_OP_WRITE, 0), 0);
	/* No ACL: allow.everyone.if.no.acl.found decides. */
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "none", A, H, ACL_OP_WRITE, 0), 0);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "none", A, H, ACL_OP_WRITE, 1), 1);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "empty", A, H, ACL_OP_WRITE, 1), 1);
	/* A broken znode grants nothing, even with allow.everyone. */
	ck_assert_int_eq(acl_authorize(s, ACL_RES_TOPIC, "broken", A, H, ACL_OP_READ, 1), 0);
	ck_assert_ptr_nonnull(acl_set_find(s, ACL_RES_TOPIC, "broken")->error);
	/* The "*" resource applies to every group. */
	ck_assert_int_eq(acl_authorize(s, ACL_RES_GROUP, "g1", B, H, ACL_OP_READ, 0), 1);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_GROUP, "g1", A, H, ACL_OP_READ, 1), 0);
	/* Cluster: ClusterAction allowed, All denied from one host. */
	ck_assert_int_eq(
	    acl_authorize(s, ACL_RES_CLUSTER, ACL_CLUSTER_NAME, A, H, ACL_OP_CLUSTER_ACTION, 0), 1);
	ck_assert_int_eq(acl_authorize(s, ACL_RES_CLUSTER, ACL_CLUSTER_NAME, A, "10.0.0.9",
	                               ACL_OP_CLUSTER_ACTION, 0),
	                 0);
	ck_assert_int_eq(
	    acl_authorize(s, ACL_RES_CLUSTER, ACL_CLUSTER_NAME, A, H, ACL_OP_CREATE, 0), 0);
	/* No set yet: nothing allowed. */
	ck_assert_int_eq(acl_authorize(NULL, ACL_RES_TOPIC, "none", A, H, ACL_OP_READ, 1), 0);
	ck_assert_int_eq(s->cnt, 7);
	acl_set_free(s);
}
END_TEST

void test_0099(TCase *tc)
{
	tcase_add_test(tc, t0099_codec);
	tcase_add_test(tc, t0099_names);
	tcase_add_test(tc, t0099_rules);
}
