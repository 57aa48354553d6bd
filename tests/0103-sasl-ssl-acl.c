/*
 * 0103-sasl-ssl-acl — TLS, SASL, the authorizer and the broker's
 * DeleteTopics together, real ZooKeeper and real brokers (keys made at run
 * time by tls_pki_make).
 *
 * Two brokers with no PLAINTEXT listener at all: a SASL_SSL listener for
 * clients and a BROKER listener mapped to SASL_SSL for replication
 * (SCRAM-SHA-512, user "broker", created once the brokers run: their
 * fetchers retry the login), authorizer.class.name=AclAuthorizer,
 * super.users=User:broker, allow.everyone.if.no.acl.found=false. SCRAM
 * users alice and bob; alice has Allow Write and Read on topic T (RF=2,
 * min.insync.replicas=2), bob nothing.
 *  - alice produces T0103_MSGS records with acks=all over SASL_SSL: every
 *    one is acknowledged, which needs the follower to fetch over its
 *    SASL_SSL connection as the super user; she reads every one back
 *    (count, order, no duplicate); the leader logged the follower's login
 *    as User:broker on its BROKER listener.
 *  - bob over SASL_SSL: his produce fails with TOPIC_AUTHORIZATION_FAILED
 *    naming T and the high watermark does not move; his consumer gets
 *    TOPIC_AUTHORIZATION_FAILED; his bootstrap-only DeleteTopics of T is
 *    refused with TOPIC_AUTHORIZATION_FAILED and alice still reads all
 *    T0103_MSGS records.
 *  - bob with a wrong password: SASL_AUTHENTICATION_FAILED; a
 *    sasl_plaintext client on the SASL_SSL port gets an error that points
 *    at TLS, within its timeout.
 * Private cluster.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"
#include "tls_helpers.h"

#define T0103_MSGS 400
#define T0103_EXTRA                                                                                \
	"listener.security.protocol.map=SASL_SSL:SASL_SSL,BROKER:SASL_SSL\n"                       \
	"inter.broker.listener.name=BROKER\n"                                                      \
	"sasl.enabled.mechanisms=SCRAM-SHA-512\n"                                                  \
	"sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512\n"                                     \
	"inter.broker.sasl.username=broker\n"                                                      \
	"inter.broker.sasl.password=broker-secret\n"                                               \
	"authorizer.class.name=kafka.security.authorizer.AclAuthorizer\n"                          \
	"super.users=User:broker\n"                                                                \
	"allow.everyone.if.no.acl.found=false\n"

/* The CA every client trusts (set once the PKI exists). */
static char t0103_ca[600];

/* SDK properties of a SASL_SSL client logging in as user/pw. */
#define T0103_SASL(user, pw)                                                                       \
	"client.listener", "SASL_SSL", "security.protocol", "sasl_ssl", "ssl.ca.location",         \
	    t0103_ca, "sasl.mechanism", "SCRAM-SHA-512", "sasl.username", user, "sasl.password",   \
	    pw

/* What the delivery reports of one producer said. */
typedef struct t0103_dr {
	pthread_mutex_t lock;
	int ok, failed;
	fjord_err_t first_err;
	char first_text[512];
} t0103_dr_t;

static void t0103_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	t0103_dr_t *st = opaque;

	(void)fj;
	pthread_mutex_lock(&st->lock);
	if (msg->err == FJORD_ERR_NO_ERROR) {
		st->ok++;
	} else if (st->failed++ == 0) {
		st->first_err = msg->err;
		snprintf(st->first_text, sizeof(st->first_text), "%s",
		         msg->errstr ? msg->errstr : "");
	}
	pthread_mutex_unlock(&st->lock);
}

/* Produces records first..first+cnt-1 (the verifier's key shape) to
 * partition 0 of topic with acks=all as user/pw over SASL_SSL; waits for
 * every report. Returns how many were acknowledged; the first failure in
 * st. */
static int t0103_produce(test_cluster_t *c, const char *topic, int first, int cnt, const char *user,
                         const char *pw, t0103_dr_t *st)
{
	char key[128], errstr[512];
	fjord_conf_t *conf =
	    test_conf(c, T0103_SASL(user, pw), "acks", "all", "message.timeout.ms", "30000", NULL);

	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	fjord_conf_set_dr_msg_cb(conf, t0103_dr_cb);
	fjord_conf_set_opaque(conf, st);
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "producer: %s", errstr);
	for (int i = first; i < first + cnt; i++) {
		int klen = snprintf(key, sizeof(key), "testid=%s, partition=0, msg=%d",
		                    harness_current.num, i);
		ck_assert_int_eq(
		    fjord_produce(p, topic, 0, key, (size_t)klen, "v", 1, NULL, 0, 0, NULL),
		    FJORD_ERR_NO_ERROR);
	}
	ck_assert_int_eq(fjord_flush(p, (int)(90000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(p);
	pthread_mutex_lock(&st->lock);
	int ok = st->ok;
	ck_assert_int_eq(st->ok + st->failed, cnt);
	test_say("%s: %d acknowledged, %d failed (%s: %s)", user, st->ok, st->failed,
	         fjord_err2name(st->first_err), st->first_text);
	pthread_mutex_unlock(&st->lock);
	pthread_mutex_destroy(&st->lock);
	return ok;
}

/* Partition 0's high watermark as alice sees it (Describe, implied). */
static int64_t t0103_high(test_cluster_t *c, const char *topic)
{
	fjord_t *fj = test_consumer_new(c, T0103_SASL("alice", "alice-secret"), NULL);
	int64_t lo = -1, hi = -1;

	ck_assert_int_eq(fjord_query_watermark_offsets(fj, topic, 0, &lo, &hi,
	                                               (int)(20000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(fj);
	return hi;
}

/* Alice reads partition 0 from the beginning: every one of want records,
 * checked by the verifier. */
static void t0103_alice_reads(test_cluster_t *c, const char *topic, int want, const char *what)
{
	test_msgver_t *mv = test_msgver_new(1);
	int got =
	    tls_consume(c, topic, 1, want, mv, 60000, T0103_SASL("alice", "alice-secret"), NULL);
	ck_assert_int_eq(got, want);
	test_msgver_verify(mv, what, want);
}

/* Bob's consumer of partition 0: the first error event (its text in
 * what); *readp counts records read before it. */
static fjord_err_t t0103_bob_consumes(test_cluster_t *c, const char *topic, int *readp, char *what,
                                      size_t what_size)
{
	fjord_t *cons = test_consumer_new(c, T0103_SASL("bob", "bob-secret"), NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_err_t seen = FJORD_ERR_NO_ERROR;
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());

	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	*readp = 0;
	while (test_now_ms() < deadline && !seen) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (m->err) {
			seen = m->err;
			snprintf(what, what_size, "%s", m->errstr ? m->errstr : "");
		} else {
			(*readp)++;
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	return seen;
}

typedef struct t0103_describe {
	int port;
	const char *topic;
} t0103_describe_t;

/* A bootstrap-only SDK conf (no zookeeper.connect) for user/pw on the
 * SASL_SSL listener at port. */
static fjord_conf_t *t0103_bootstrap_conf(int port, const char *user, const char *pw)
{
	char bootstrap[64], errstr[512];
	fjord_conf_t *conf = fjord_conf_new();
	const char *const props[] = { "bootstrap.servers", bootstrap, T0103_SASL(user, pw) };

	snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%d", port);
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i += 2)
		if (strcmp(props[i], "client.listener") != 0) /* no metadata from ZooKeeper */
			ck_assert_msg(fjord_conf_set(conf, props[i], props[i + 1], errstr,
			                             sizeof(errstr)) == FJORD_CONF_OK,
			              "%s: %s", props[i], errstr);
	return conf;
}

/* Alice's Metadata for the topic through the broker at port answers it
 * without error: the broker has loaded her ACLs. */
static int t0103_alice_describes(void *arg)
{
	t0103_describe_t *d = arg;
	char errstr[512];
	fjord_metadata_t *md = NULL;
	int ok = 0;
	fjord_t *fj = fjord_new(FJORD_ADMIN, t0103_bootstrap_conf(d->port, "alice", "alice-secret"),
	                        errstr, sizeof(errstr));

	ck_assert_msg(fj, "%s", errstr);
	if (fjord_metadata(fj, d->topic, &md, 5000) == FJORD_ERR_NO_ERROR && md->topic_cnt == 1)
		ok = md->topics[0].err == FJORD_ERR_NO_ERROR && md->topics[0].partition_cnt == 1 &&
		     md->topics[0].partitions[0].leader >= 0;
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return ok;
}

/* The admin handle of the test (zookeeper.connect) adds users and ACLs
 * and creates the topic. */
static void t0103_setup(test_cluster_t *c, const char *topic)
{
	char errstr[512] = "";
	const char *const topic_conf[] = { "min.insync.replicas", "2", NULL };
	fjord_acl_t acls[] = {
		{ FJORD_ACL_TOPIC, (char *)topic, (char *)"User:alice", (char *)"*",
		  (char *)"Write", 0, NULL },
		{ FJORD_ACL_TOPIC, (char *)topic, (char *)"User:alice", (char *)"*", (char *)"Read",
		  0, NULL },
	};
	static const char *const users[][2] = {
		{ "broker", "broker-secret" },
		{ "alice", "alice-secret" },
		{ "bob", "bob-secret" },
	};
	int changed = -1;
	fjord_t *admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));

	ck_assert_msg(admin, "admin: %s", errstr);
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		ck_assert_msg(fjord_admin_upsert_scram_user(admin, users[i][0], users[i][1],
		                                            FJORD_SCRAM_SHA_512, 0, errstr,
		                                            sizeof(errstr)) == FJORD_ERR_NO_ERROR,
		              "user %s: %s", users[i][0], errstr);
	ck_assert_msg(fjord_admin_acl_add(admin, acls, 2, &changed, errstr, sizeof(errstr)) ==
	                  FJORD_ERR_NO_ERROR,
	              "acl add: %s", errstr);
	ck_assert_int_eq(changed, 2);
	ck_assert_msg(fjord_admin_create_topic(admin, topic, 1, 2, topic_conf,
	                                       (int)(30000 * test_timeout_multiplier()), errstr,
	                                       sizeof(errstr)) == FJORD_ERR_NO_ERROR,
	              "create %s: %s", topic, errstr);
	fjord_destroy(admin);
	for (int i = 0; i < c->broker_cnt; i++) {
		t0103_describe_t d = { test_listener_port(c, i, "SASL_SSL"), topic };
		ck_assert_msg(test_wait_until(t0103_alice_describes, &d, 30000),
		              "broker %d never let alice describe %s over SASL_SSL",
		              c->brokers[i].id, topic);
	}
}

/* The follower fetched over the leader's BROKER listener, which logged
 * the follower's login as User:broker. */
static void t0103_replicated_over_sasl_ssl(test_cluster_t *c)
{
	char want[200];
	int followers = 0;

	for (int i = 0; i < 2; i++) {
		int leader = 1 - i;
		snprintf(want, sizeof(want), "connected to leader broker %d at 127.0.0.1:%d",
		         c->brokers[leader].id, test_listener_port(c, leader, "BROKER"));
		if (!tls_log_has(c, i, want))
			continue;
		followers++;
		ck_assert_msg(
		    tls_log_has(c, leader, "authenticated as User:broker (SCRAM-SHA-512)"),
		    "broker %d did not log its follower's SASL login", c->brokers[leader].id);
	}
	ck_assert_msg(followers == 1,
	              "%d brokers logged a fetcher connection to the other's BROKER "
	              "listener (want 1)",
	              followers);
}

START_TEST(t0103_together)
{
	tls_pki_t pki;
	char props[4096], errs[4096], errstr[512], what[512] = "";
	t0103_dr_t st;
	int read = -1;

	tls_pki_make(&pki, "pki");
	snprintf(t0103_ca, sizeof(t0103_ca), "%s", pki.ca);
	tls_broker_props(&pki, props, sizeof(props), "SASL_SSL://127.0.0.1:0,BROKER://127.0.0.1:0",
	                 T0103_EXTRA);
	test_cluster_t *c = test_cluster_new(2, props);
	const char *topic = test_topic_name("sasl_ssl_acl");
	int port = test_listener_port(c, 0, "SASL_SSL");

	t0103_setup(c, topic);

	/* alice: acks=all needs both replicas (min.insync.replicas=2), so the
	 * follower fetched every record over SASL_SSL as User:broker. */
	ck_assert_int_eq(t0103_produce(c, topic, 0, T0103_MSGS, "alice", "alice-secret", &st),
	                 T0103_MSGS);
	t0103_alice_reads(c, topic, T0103_MSGS, "alice over SASL_SSL");
	ck_assert_int_eq(t0103_high(c, topic), T0103_MSGS);
	t0103_replicated_over_sasl_ssl(c);

	/* bob may not write: refused, named, nothing stored. */
	ck_assert_int_eq(t0103_produce(c, topic, T0103_MSGS, 20, "bob", "bob-secret", &st), 0);
	ck_assert_msg(st.first_err == FJORD_ERR_TOPIC_AUTHORIZATION_FAILED,
	              "bob's produce failed with %s", fjord_err2name(st.first_err));
	ck_assert_msg(strstr(st.first_text, topic), "bob's report does not name %s: %s", topic,
	              st.first_text);
	ck_assert_int_eq(t0103_high(c, topic), T0103_MSGS);

	/* bob may not read. */
	fjord_err_t err = t0103_bob_consumes(c, topic, &read, what, sizeof(what));
	test_say("bob's consumer: %s \"%s\"", fjord_err2name(err), what);
	ck_assert_msg(err == FJORD_ERR_TOPIC_AUTHORIZATION_FAILED, "bob's consumer event %s: %s",
	              fjord_err2name(err), what);
	ck_assert_int_eq(read, 0);

	/* bob may not delete, through the broker (bootstrap.servers only). */
	fjord_t *admin = fjord_new(FJORD_ADMIN, t0103_bootstrap_conf(port, "bob", "bob-secret"),
	                           errstr, sizeof(errstr));
	ck_assert_msg(admin, "%s", errstr);
	err = fjord_admin_delete_topic(admin, topic, (int)(30000 * test_timeout_multiplier()),
	                               errstr, sizeof(errstr));
	fjord_destroy(admin);
	test_say("bob's DeleteTopics: %s: %s", fjord_err2name(err), errstr);
	ck_assert_msg(err == FJORD_ERR_TOPIC_AUTHORIZATION_FAILED, "bob's DeleteTopics gave %s: %s",
	              fjord_err2name(err), errstr);
	t0103_alice_reads(c, topic, T0103_MSGS, "after bob's refused requests");
	ck_assert_int_eq(t0103_high(c, topic), T0103_MSGS);

	/* bob with a wrong password. */
	err = tls_metadata("127.0.0.1", port, errs, sizeof(errs), 10000,
	                   T0103_SASL("bob", "not-bobs"), NULL);
	ck_assert_msg(err == FJORD_ERR_SASL_AUTHENTICATION_FAILED, "a wrong password gave %s (%s)",
	              fjord_err2name(err), errs);

	/* sasl_plaintext on the SASL_SSL port: an error pointing at TLS, no
	 * hang (tls_metadata's timeout bounds the call). */
	int64_t t0 = test_now_ms();
	err = tls_metadata("127.0.0.1", port, errs, sizeof(errs), 4000, "security.protocol",
	                   "sasl_plaintext", "sasl.mechanism", "SCRAM-SHA-512", "sasl.username",
	                   "alice", "sasl.password", "alice-secret", NULL);
	test_say("sasl_plaintext on SASL_SSL: %s after %d ms: %s", fjord_err2name(err),
	         (int)(test_now_ms() - t0), errs);
	ck_assert_msg(err != FJORD_ERR_NO_ERROR, "a sasl_plaintext client got metadata");
	ck_assert_msg(
	    strstr(errs, "is the listener SSL (TLS)? security.protocol is sasl_plaintext"),
	    "the sasl_plaintext client's error does not point at TLS: %s", errs);
	test_cluster_destroy(c);
}
END_TEST

void test_0103(TCase *tc)
{
	tcase_add_test(tc, t0103_together);
}
