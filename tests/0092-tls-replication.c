/*
 * 0092-tls-replication — replication over an SSL inter-broker listener,
 * real ZooKeeper and real brokers (keys made at run time).
 *
 * t0092_replicate: two brokers with PLAINTEXT and SSL listeners,
 * inter.broker.listener.name=SSL and ssl.client.auth=required, so each
 * follower must verify its leader against ssl.ca.location (and its
 * advertised host 127.0.0.1) and present its own certificate. Records
 * produced with acks=all to an RF=2 topic are acknowledged, every
 * partition's ISR holds both brokers, the followers' logs hold the same
 * bytes as their leaders', each follower logged its connection to the
 * leader's SSL port and each leader the follower's principal
 * (User:CN=localhost,O=fjord); the broker znode maps the SSL listener to
 * SSL in listener_security_protocol_map.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness_int.h"
#include "test.h"
#include "tls_helpers.h"

#define T0092_MSGS 2000
#define T0092_PARTS 2

typedef struct t0092_wait {
	test_cluster_t *c;
	const char *topic;
} t0092_wait_t;

/* Every partition has both replicas in its ISR. */
static int t0092_full_isr(void *arg)
{
	t0092_wait_t *w = arg;
	fjord_t *fj = test_producer_new(w->c, NULL);
	fjord_metadata_t *md = NULL;
	int ok = 0;

	if (fjord_metadata(fj, w->topic, &md, 10000) == FJORD_ERR_NO_ERROR && md->topic_cnt == 1) {
		ok = md->topics[0].partition_cnt == T0092_PARTS;
		for (int p = 0; p < md->topics[0].partition_cnt; p++)
			if (md->topics[0].partitions[p].isr_cnt != 2)
				ok = 0;
	}
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return ok;
}

/* Bytes of the .log segments of topic-partition on broker i. */
static long t0092_log_bytes(test_cluster_t *c, int i, const char *topic, int partition)
{
	char dir[900], path[1200];
	long total = 0;
	struct dirent *de;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/%s-%d", c->brokers[i].logdir, topic, partition);
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 4 && strcmp(de->d_name + n - 4, ".log") == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (stat(path, &st) == 0)
				total += (long)st.st_size;
		}
	}
	closedir(d);
	return total;
}

/* Both brokers hold the same non-empty bytes for every partition. */
static int t0092_same_logs(void *arg)
{
	t0092_wait_t *w = arg;

	for (int p = 0; p < T0092_PARTS; p++) {
		long a = t0092_log_bytes(w->c, 0, w->topic, p),
		     b = t0092_log_bytes(w->c, 1, w->topic, p);
		if (a <= 0 || a != b)
			return 0;
	}
	return 1;
}

START_TEST(t0092_replicate)
{
	tls_pki_t pki;
	char props[4096], want[200];
	int failed = 0;
	fjord_err_t first_err = FJORD_ERR_NO_ERROR;

	tls_pki_make(&pki, "pki");
	tls_broker_props(&pki, props, sizeof(props), "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
	                 "inter.broker.listener.name=SSL\nssl.client.auth=required\n");
	test_cluster_t *c = test_cluster_new(2, props);
	const char *topic = test_topic_name("repl");
	t0092_wait_t w = { c, topic };

	test_create_topic(c, topic, T0092_PARTS, 2);
	int acked = test_produce_range(c, topic, -1, 0, T0092_MSGS, 500, &failed, &first_err,
	                               "acks", "all", NULL);
	ck_assert_msg(acked == T0092_MSGS, "acknowledged %d of %d (%s)", acked, T0092_MSGS,
	              fjord_err2name(first_err));
	ck_assert_msg(test_wait_until(t0092_full_isr, &w, 30000),
	              "the ISR of %s did not hold both brokers", topic);
	ck_assert_msg(test_wait_until(t0092_same_logs, &w, 30000),
	              "the followers' logs of %s differ from the leaders'", topic);
	for (int p = 0; p < T0092_PARTS; p++)
		test_say("%s-%d: %ld bytes on each broker", topic, p,
		         t0092_log_bytes(c, 0, topic, p));

	for (int i = 0; i < 2; i++) {
		int other = 1 - i;
		snprintf(want, sizeof(want), "connected to leader broker %d at 127.0.0.1:%d",
		         c->brokers[other].id, test_listener_port(c, other, "SSL"));
		ck_assert_msg(tls_log_has(c, i, want), "broker %d did not log \"%s\"",
		              c->brokers[i].id, want);
		ck_assert_msg(tls_log_has(c, i, "principal User:CN=localhost,O=fjord"),
		              "broker %d did not log its follower's principal", c->brokers[i].id);
	}
	/* The znode's protocol map says which listener is SSL (Kafka's tools
	 * read it). */
	snprintf(want, sizeof(want), "get /brokers/ids/%d", c->brokers[0].id);
	int st = -1;
	char *znode = test_zkcli(c, want, &st);
	ck_assert_msg(znode && strstr(znode, "\"listener_security_protocol_map\":{\"PLAINTEXT\":"
	                                     "\"PLAINTEXT\",\"SSL\":\"SSL\"}"),
	              "the broker znode's protocol map lacks SSL:SSL: %s", znode ? znode : "");
	free(znode);
	test_msgver_t *mv = test_msgver_new(T0092_PARTS);
	test_consume_msgs(c, topic, T0092_PARTS, FJORD_OFFSET_BEGINNING, T0092_MSGS, mv, 30000);
	test_msgver_verify(mv, "consumed after replication over SSL", T0092_MSGS);
	test_cluster_destroy(c);
}
END_TEST

void test_0092(TCase *tc)
{
	tcase_add_test(tc, t0092_replicate);
}
