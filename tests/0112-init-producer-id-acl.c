/*
 * 0112-init-producer-id-acl — InitProducerId under the authorizer
 * (authorizer.class.name=AclAuthorizer, super.users without the client,
 * which is User:ANONYMOUS on PLAINTEXT as in 0096). After each ACL change
 * the test waits until the broker has loaded it (fjord_acl_loads_total):
 *  - no ACL, then Read on a topic and Write on it for someone else:
 *    CLUSTER_AUTHORIZATION_FAILED with a message, no id;
 *  - Write on that topic: an id (Kafka 2.8+: Write on any topic suffices);
 *  - that Write removed: refused again; IdempotentWrite on the cluster: an
 *    id;
 *  - that removed too: refused; Write on the topic "*": an id.
 * Every id handed out is new. Private cluster of one broker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

#define T0112_ANON "User:ANONYMOUS"

static uint64_t t0112_loads(test_broker_t *b)
{
	const char *want = "\nfjord_acl_loads_total ";
	char *body = NULL, *p;
	uint64_t v;

	ck_assert_int_eq(harness_http_get(b->http_port, "/metrics", &body, 5000), 200);
	p = strstr(body, want);
	ck_assert_msg(p, "no fjord_acl_loads_total in /metrics");
	v = strtoull(p + strlen(want), NULL, 10);
	free(body);
	return v;
}

typedef struct t0112_loaded {
	test_broker_t *b;
	uint64_t want;
} t0112_loaded_t;

static int t0112_loads_reached(void *arg)
{
	t0112_loaded_t *l = arg;
	return t0112_loads(l->b) >= l->want;
}

/* Adds or removes one Allow entry through the admin API and waits until
 * the broker has loaded the change. */
static void t0112_set_acl(test_cluster_t *c, int remove, fjord_acl_resource_type_t type,
                          const char *name, const char *principal, const char *op)
{
	char errstr[512] = "";
	fjord_acl_t a = { type, (char *)name, (char *)principal, (char *)"*", (char *)op, 0, NULL };
	t0112_loaded_t l = { &c->brokers[0], t0112_loads(&c->brokers[0]) + 1 };
	fjord_t *admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	int changed = -1;

	ck_assert_msg(admin, "%s", errstr);
	fjord_err_t err =
	    remove ? fjord_admin_acl_remove(admin, &a, 1, &changed, errstr, sizeof(errstr))
	           : fjord_admin_acl_add(admin, &a, 1, &changed, errstr, sizeof(errstr));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "acl: %s: %s", fjord_err2name(err), errstr);
	ck_assert_int_eq(changed, 1);
	fjord_destroy(admin);
	ck_assert_msg(test_wait_until(t0112_loads_reached, &l, 30000),
	              "the broker did not load the ACL change");
	test_say("%s Allow %s for %s on %s", remove ? "removed" : "added", op, principal, name);
}

static void t0112_expect_denied(test_cluster_t *c, const char *why)
{
	char msg[512];
	int64_t pid;
	int32_t epoch;
	int fd = raw_connect(c->brokers[0].port);

	ck_assert_int_ge(fd, 0);
	int err = raw_init_producer_id_fd(fd, -1, -1, &pid, &epoch, msg, sizeof(msg));
	test_say("%s: %d %s", why, err, msg);
	ck_assert_msg(err == FJORD_ERR_CLUSTER_AUTHORIZATION_FAILED, "%s: error %d, id %lld", why,
	              err, (long long)pid);
	ck_assert_msg(strstr(msg, "IdempotentWrite"), "the message does not say what is needed");
	ck_assert(pid == -1 && epoch == -1);
	/* Asking for an epoch bump is refused the same way. */
	err = raw_init_producer_id_fd(fd, 7, 0, &pid, &epoch, msg, sizeof(msg));
	ck_assert_int_eq(err, FJORD_ERR_CLUSTER_AUTHORIZATION_FAILED);
	close(fd);
}

static int64_t t0112_expect_id(test_cluster_t *c, const char *why)
{
	int64_t pid;
	int32_t epoch;
	int err = raw_init_producer_id(c->brokers[0].port, -1, -1, &pid, &epoch);

	test_say("%s: %d id %lld", why, err, (long long)pid);
	ck_assert_msg(err == 0, "%s: error %d", why, err);
	ck_assert(pid >= 0 && epoch == 0);
	return pid;
}

START_TEST(t0112_init_producer_id_acl)
{
	test_cluster_t *c =
	    test_cluster_new(1, "authorizer.class.name=kafka.security.authorizer.AclAuthorizer\n"
	                        "super.users=User:admin\n");
	const char *topic = test_topic_name("pid");
	int64_t got[3];

	t0112_expect_denied(c, "no ACL");
	t0112_set_acl(c, 0, FJORD_ACL_TOPIC, topic, T0112_ANON, "Read");
	t0112_set_acl(c, 0, FJORD_ACL_TOPIC, topic, "User:someone", "Write");
	t0112_expect_denied(c, "Read on a topic, Write for someone else");

	t0112_set_acl(c, 0, FJORD_ACL_TOPIC, topic, T0112_ANON, "Write");
	got[0] = t0112_expect_id(c, "Write on a topic");

	t0112_set_acl(c, 1, FJORD_ACL_TOPIC, topic, T0112_ANON, "Write");
	t0112_expect_denied(c, "Write removed");
	t0112_set_acl(c, 0, FJORD_ACL_CLUSTER, "kafka-cluster", T0112_ANON, "IdempotentWrite");
	got[1] = t0112_expect_id(c, "IdempotentWrite on the cluster");

	t0112_set_acl(c, 1, FJORD_ACL_CLUSTER, "kafka-cluster", T0112_ANON, "IdempotentWrite");
	t0112_expect_denied(c, "IdempotentWrite removed");
	t0112_set_acl(c, 0, FJORD_ACL_TOPIC, "*", T0112_ANON, "Write");
	got[2] = t0112_expect_id(c, "Write on every topic (\"*\")");

	ck_assert(got[0] != got[1] && got[1] != got[2] && got[0] != got[2]);
	test_cluster_destroy(c);
}
END_TEST

void test_0112(TCase *tc);

void test_0112(TCase *tc)
{
	tcase_add_test(tc, t0112_init_producer_id_acl);
}
