/*
 * 0095-sasl-replication — replication over a SASL_PLAINTEXT inter-broker
 * listener, real brokers and ZooKeeper.
 *
 * Two brokers listen on PLAINTEXT (clients, the harness) and
 * SASL_PLAINTEXT (inter.broker.listener.name), with
 * sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512 and
 * inter.broker.sasl.username/password naming user "broker", created with
 * the admin API once the brokers run (their fetchers retry the login until
 * it exists). An RF=2 topic with min.insync.replicas=2 takes T0095_MSGS
 * records with acks=all, which the leader acknowledges only once the
 * follower has fetched them over its SASL connection; both replicas stay
 * in the ISR, and every record is read back. Start-up refuses, with a
 * message naming the key: a SASL inter-broker listener without
 * inter.broker.sasl.password, a mechanism fjord does not have in
 * sasl.enabled.mechanisms, an inter-broker mechanism that is not enabled,
 * and a SASL_SSL listener without the TLS certificate and key.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

#define T0095_MSGS 500
#define T0095_EXTRA                                                                                \
	"listeners=PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0\n"                         \
	"inter.broker.listener.name=SASL_PLAINTEXT\n"                                              \
	"sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512\n"                                     \
	"min.insync.replicas=2\n"

typedef struct t0095_isr_arg {
	test_cluster_t *c;
	const char *topic;
} t0095_isr_arg_t;

/* Both replicas in the ISR (ZooKeeper's view). */
static int t0095_full_isr(void *arg)
{
	t0095_isr_arg_t *a = arg;
	fjord_t *fj = test_consumer_new(a->c, NULL);
	fjord_metadata_t *md = NULL;
	int ok = 0;

	if (fjord_metadata(fj, a->topic, &md, 5000) == FJORD_ERR_NO_ERROR && md->topic_cnt == 1 &&
	    md->topics[0].partition_cnt == 1)
		ok = md->topics[0].partitions[0].isr_cnt == 2;
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return ok;
}

/* fjordd with T0095_EXTRA plus extra exits non-zero naming want. */
static void t0095_refused(test_cluster_t *c, const char *extra, const char *want)
{
	char path[700], *out = NULL, *props = NULL;
	static int n;

	snprintf(path, sizeof(path), "%s/refused-%d.properties", test_tmpdir(), n++);
	ck_assert_int_ge(asprintf(&props,
	                          "broker.id=9\nlog.dirs=%s/refused-data\nzookeeper.connect=%s\n"
	                          "http.listener=127.0.0.1:0\n" T0095_EXTRA "%s",
	                          test_tmpdir(), c->zk_connect, extra),
	                 0);
	ck_assert_int_eq(harness_write_file(path, props), 0);
	free(props);
	int rc = test_fjordd_run_expect_exit(path, NULL, &out, 20000);
	ck_assert_msg(rc != 0 && out && strstr(out, want),
	              "fjordd with %s: exit %d, want \"%s\":\n%s", extra, rc, want, out ? out : "");
	free(out);
}

START_TEST(t0095_replication)
{
	char extra[1024], errstr[512];
	test_cluster_t *c;
	const char *topic = test_topic_name("sasl_repl");
	test_msgver_t *mv;
	fjord_t *admin;

	snprintf(extra, sizeof(extra),
	         T0095_EXTRA "inter.broker.sasl.username=broker\n"
	                     "inter.broker.sasl.password=broker-secret\n");
	c = test_cluster_new(2, extra);
	admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	ck_assert_msg(admin, "admin: %s", errstr);
	ck_assert_int_eq(fjord_admin_upsert_scram_user(admin, "broker", "broker-secret",
	                                               FJORD_SCRAM_SHA_512, 0, errstr,
	                                               sizeof(errstr)),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(admin);

	test_create_topic(c, topic, 1, 2);
	test_produce_msgs_conf(c, topic, 0, T0095_MSGS, 100, "acks", "all", NULL);
	t0095_isr_arg_t a = { c, topic };
	ck_assert_msg(test_wait_until(t0095_full_isr, &a, 20000),
	              "the follower did not stay in the ISR");
	mv = test_msgver_new(1);
	ck_assert_int_eq(
	    test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, T0095_MSGS, mv, 30000),
	    T0095_MSGS);
	test_msgver_verify(mv, "replicated over SASL", T0095_MSGS);

	/* Configurations the broker refuses at start-up. */
	t0095_refused(c, "inter.broker.sasl.username=broker\n", "inter.broker.sasl.password");
	t0095_refused(c,
	              "inter.broker.sasl.username=broker\ninter.broker.sasl.password=x\n"
	              "sasl.enabled.mechanisms=SCRAM-SHA-512,GSSAPI\n",
	              "unknown SASL mechanism \"GSSAPI\"");
	t0095_refused(c,
	              "inter.broker.sasl.username=broker\ninter.broker.sasl.password=x\n"
	              "sasl.enabled.mechanisms=PLAIN\n",
	              "sasl.mechanism.inter.broker.protocol SCRAM-SHA-512 is not in "
	              "sasl.enabled.mechanisms");
	t0095_refused(
	    c,
	    "inter.broker.sasl.username=broker\ninter.broker.sasl.password=x\n"
	    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_SSL\n",
	    "(SASL_SSL): a TLS listener needs ssl.certificate.location and ssl.key.location");
	test_cluster_destroy(c);
}
END_TEST

void test_0095(TCase *tc)
{
	tcase_add_test(tc, t0095_replication);
}
