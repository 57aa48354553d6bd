/*
 * 0121-kafka-kcat — kcat (librdkafka, Debian's package) against the Kafka
 * listeners of three real brokers.
 *
 * t0121_kcat: `kcat -L` lists the three brokers at their Kafka ports and
 * the topic's partitions with leaders; `kcat -P -K:` produces keyed records
 * with acks=all once per codec (none, gzip, snappy, lz4, zstd) and an
 * auto-created topic gets records too; `kcat -C -o beginning -e` reads
 * every record back, each key once with its value (counted against what
 * was produced); the fjord SDK reads the same records from the fjord
 * listener (one log, two protocols); a leader killed with SIGKILL between
 * two produce runs loses nothing acknowledged.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "test.h"

#define T0121_EXTRA                                                                                \
	"listeners=PLAINTEXT://127.0.0.1:0,KAFKA://127.0.0.1:0\n"                                  \
	"kafka.listener.names=KAFKA\n"                                                             \
	"default.replication.factor=3\n"                                                           \
	"num.partitions=2\n"
#define T0121_PER_CODEC 300

static const char *const t0121_codecs[] = { "none", "gzip", "snappy", "lz4", "zstd" };

/* bootstrap.servers of the live brokers' Kafka listeners. */
static void t0121_bootstrap(test_cluster_t *c, char *out, size_t size)
{
	size_t off = 0;
	out[0] = '\0';
	for (int i = 0; i < c->broker_cnt; i++) {
		if (!c->brokers[i].pid)
			continue;
		off += (size_t)snprintf(out + off, size - off, "%s127.0.0.1:%d", off ? "," : "",
		                        test_listener_port(c, i, "KAFKA"));
	}
}

/* Produces keys prefix-0..cnt-1 with kcat; asserts it exits 0 and said
 * nothing of a failed delivery. */
static void t0121_produce(test_cluster_t *c, const char *topic, const char *codec,
                          const char *prefix, int cnt)
{
	char path[600], bs[200], *cmd = NULL, *out;
	FILE *f;
	int st = -1;

	ck_assert(harness_path(path, sizeof(path), "%s/t0121-%s.txt", test_tmpdir(), prefix) == 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < cnt; i++)
		fprintf(f, "%s-%d:value-%s-%d\n", prefix, i, prefix, i);
	fclose(f);
	t0121_bootstrap(c, bs, sizeof(bs));
	ck_assert(asprintf(&cmd,
	                   "timeout 120 kcat -b %s -P -t %s -K: -z %s -X acks=all "
	                   "-X message.timeout.ms=60000 < %s 2>&1",
	                   bs, topic, codec, path) > 0);
	out = test_run(cmd, &st);
	test_say("kcat -P %s (%d records): exit %d %s", codec, cnt, st, out ? out : "");
	ck_assert_int_eq(st, 0);
	ck_assert_msg(!out || !strstr(out, "Delivery failed"), "kcat: %s", out);
	free(out);
	free(cmd);
}

/* Consumes the whole topic with kcat and checks that every key of
 * prefixes[k]-0..cnts[k]-1 came exactly once with its value. */
static void t0121_consume_check(test_cluster_t *c, const char *topic, const char *const *prefixes,
                                const int *cnts, int n)
{
	char bs[200], *cmd = NULL, *out, *save = NULL;
	int st = -1, total = 0, want = 0, **seen = calloc((size_t)n, sizeof(int *));

	ck_assert_ptr_nonnull(seen);
	for (int k = 0; k < n; k++) {
		seen[k] = calloc((size_t)cnts[k], sizeof(int));
		want += cnts[k];
	}
	t0121_bootstrap(c, bs, sizeof(bs));
	ck_assert(
	    asprintf(
	        &cmd,
	        "timeout 120 kcat -b %s -C -t %s -o beginning -e -q -f '%%k|%%s\\n' 2>/dev/null",
	        bs, topic) > 0);
	out = test_run(cmd, &st);
	ck_assert_int_eq(st, 0);
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(line, '|'), *dash;
		int k, idx;
		ck_assert_msg(bar, "kcat printed \"%s\"", line);
		*bar = '\0';
		dash = strrchr(line, '-');
		ck_assert_ptr_nonnull(dash);
		for (k = 0; k < n && (strncmp(line, prefixes[k], (size_t)(dash - line)) ||
		                      strlen(prefixes[k]) != (size_t)(dash - line));
		     k++)
			;
		ck_assert_msg(k < n, "unexpected key %s", line);
		idx = atoi(dash + 1);
		ck_assert(idx >= 0 && idx < cnts[k]);
		char want_val[200];
		snprintf(want_val, sizeof(want_val), "value-%s", line);
		ck_assert_str_eq(bar + 1, want_val);
		ck_assert_msg(seen[k][idx] == 0, "key %s read twice", line);
		seen[k][idx] = 1;
		total++;
	}
	test_say("kcat -C %s: %d records read, %d produced", topic, total, want);
	ck_assert_int_eq(total, want);
	for (int k = 0; k < n; k++)
		free(seen[k]);
	free(seen);
	free(out);
	free(cmd);
}

START_TEST(t0121_kcat)
{
	test_cluster_t *c = test_cluster_new(3, T0121_EXTRA);
	const char *topic = test_topic_name("kcat");
	const char *prefixes[8];
	int cnts[8], n = 0, st = -1;
	char bs[200], *cmd = NULL, *out, auto_topic[200];
	size_t k;

	test_create_topic(c, topic, 3, 3);
	t0121_bootstrap(c, bs, sizeof(bs));
	/* -L: the brokers at their Kafka ports, the topic and its leaders. */
	ck_assert(asprintf(&cmd, "timeout 60 kcat -b %s -L -t %s", bs, topic) > 0);
	out = test_run(cmd, &st);
	test_say("kcat -L: %s", out);
	ck_assert_int_eq(st, 0);
	ck_assert_ptr_nonnull(strstr(out, " 3 brokers:"));
	for (int i = 0; i < 3; i++) {
		char want[80];
		snprintf(want, sizeof(want), "at 127.0.0.1:%d", test_listener_port(c, i, "KAFKA"));
		ck_assert_msg(strstr(out, want), "kcat -L lacks \"%s\"", want);
	}
	ck_assert_ptr_nonnull(strstr(out, "with 3 partitions"));
	ck_assert_ptr_null(strstr(out, "leader -1"));
	free(out);
	free(cmd);

	for (k = 0; k < sizeof(t0121_codecs) / sizeof(t0121_codecs[0]); k++) {
		prefixes[n] = t0121_codecs[k];
		cnts[n] = T0121_PER_CODEC;
		t0121_produce(c, topic, t0121_codecs[k], prefixes[n], cnts[n]);
		n++;
	}
	/* The leader of partition 0 dies; the next run still gets all acked. */
	int killed = -1;
	{
		fjord_t *h = test_producer_new(c, NULL);
		fjord_metadata_t *md = NULL;
		int32_t leader = -1;
		ck_assert_int_eq(fjord_metadata(h, topic, &md, 10000), FJORD_ERR_NO_ERROR);
		leader = md->topics[0].partitions[0].leader;
		fjord_metadata_destroy(md);
		fjord_destroy(h);
		for (int i = 0; i < 3; i++)
			if (c->brokers[i].id == leader) {
				test_say("killing broker %d (leader of partition 0)", leader);
				test_broker_kill(c, i, SIGKILL);
				killed = i;
			}
	}
	prefixes[n] = "afterkill";
	cnts[n] = T0121_PER_CODEC;
	t0121_produce(c, topic, "lz4", prefixes[n], cnts[n]);
	n++;
	t0121_consume_check(c, topic, prefixes, cnts, n);

	/* The fjord SDK reads the same log through the fjord listener. */
	{
		test_msgver_t *mv = test_msgver_new(3);
		int got = 0;
		fjord_t *cons = test_consumer_new(c, "auto.offset.reset", "earliest", NULL);
		fjord_topic_partition_list_t *tp = fjord_topic_partition_list_new(3);
		for (int p = 0; p < 3; p++)
			fjord_topic_partition_list_add(tp, topic, p)->offset = 0;
		ck_assert_int_eq(fjord_assign(cons, tp), FJORD_ERR_NO_ERROR);
		fjord_topic_partition_list_destroy(tp);
		int64_t end = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());
		while (got < n * T0121_PER_CODEC && test_now_ms() < end) {
			fjord_message_t *m = fjord_consumer_poll(cons, 500);
			if (!m)
				continue;
			if (m->err == FJORD_ERR_NO_ERROR)
				got++;
			fjord_message_destroy(m);
		}
		test_say("fjord SDK read %d records of the kcat-produced topic", got);
		ck_assert_int_eq(got, n * T0121_PER_CODEC);
		fjord_destroy(cons);
		test_msgver_destroy(mv);
	}

	/* Auto-creation by a producing kcat (num.partitions 2, RF 3). */
	snprintf(auto_topic, sizeof(auto_topic), "%s_auto", topic);
	ck_assert_int_ge(killed, 0);
	test_broker_restart(c, killed);
	prefixes[0] = "auto";
	cnts[0] = 50;
	t0121_produce(c, auto_topic, "gzip", prefixes[0], cnts[0]);
	t0121_consume_check(c, auto_topic, prefixes, cnts, 1);
	t0121_bootstrap(c, bs, sizeof(bs));
	ck_assert(asprintf(&cmd, "timeout 60 kcat -b %s -L -t %s", bs, auto_topic) > 0);
	out = test_run(cmd, &st);
	ck_assert_int_eq(st, 0);
	ck_assert_msg(strstr(out, "with 2 partitions"), "auto-created topic: %s", out);
	free(out);
	free(cmd);
	test_cluster_destroy(c);
}
END_TEST

void test_0121(TCase *tc)
{
	tcase_add_test(tc, t0121_kcat);
}
