/*
 * 0152-compaction-tombstones — tombstones on a compacted topic against a
 * real broker (private one-broker cluster, log.cleaner.backoff.ms=200) and
 * ZooKeeper. T_CLUSTER.
 *
 * Keys k0-k99 get a value, then k0-k49 a tombstone (null value), on a topic
 * with cleanup.policy=compact, delete.retention.ms=1000, small segments and
 * min.cleanable.dirty.ratio=0.01. Filler records to other keys keep rolling
 * segments (the active segment is never cleaned). Within the deadline a read
 * from the beginning finds neither a value nor a tombstone of k0-k49, and
 * every k50-k99 with its value: deleted keys vanish, the others stay.
 * Every record was acknowledged. fjordd refuses bad log.cleaner.* and
 * log.cleanup.policy values at start-up, naming the key. With T0152_CLEANER=false
 * (log.cleaner.enable=false) the deleted keys never vanish and the test
 * fails.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

static int t0152_acked, t0152_failed;

static void t0152_dr(fjord_t *fj, const fjord_message_t *m, void *opaque)
{
	(void)fj;
	(void)opaque;
	if (m->err)
		t0152_failed++;
	else
		t0152_acked++;
}

static void t0152_produce(fjord_t *p, const char *topic, const char *key, const char *val)
{
	fjord_err_t err = fjord_produce(p, topic, 0, key, strlen(key), val, val ? strlen(val) : 0,
	                                NULL, 0, -1, NULL);
	ck_assert_int_eq(err, FJORD_ERR_NO_ERROR);
}

typedef struct t0152_arg {
	test_cluster_t *c;
	fjord_t *p;
	const char *topic;
	int filler;
	int deleted_seen, kept_seen; /* at the last check */
} t0152_arg_t;

/* One check: reads the partition from the beginning to the high watermark;
 * 1 when no k0-k49 record is left and all of k50-k99 are there. Produces
 * filler records first, so that segments keep rolling. */
static int t0152_gone(void *arg)
{
	t0152_arg_t *a = arg;
	for (int i = 0; i < 40; i++) {
		char key[32], val[96];
		snprintf(key, sizeof(key), "f%d", a->filler % 20);
		snprintf(val, sizeof(val), "filler-%d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", a->filler);
		a->filler++;
		t0152_produce(a->p, a->topic, key, val);
	}
	ck_assert_int_eq(fjord_flush(a->p, 30000), 0);

	fjord_t *adm = fjord_new(FJORD_ADMIN, test_conf(a->c, NULL), NULL, 0);
	int64_t lo = -1, hi = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(adm, a->topic, 0, &lo, &hi, 10000), 0);
	fjord_destroy(adm);
	fjord_t *cons = test_consumer_new(a->c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, a->topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	char kept[50] = { 0 };
	int64_t next = 0;
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	a->deleted_seen = 0;
	while (next < hi && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (!m->err && m->key && ((const char *)m->key)[0] == 'k') {
			int k = atoi((const char *)m->key + 1);
			if (k < 50)
				a->deleted_seen++;
			else if (m->value) {
				char want[32];
				snprintf(want, sizeof(want), "v%d", k);
				ck_assert_msg(m->value_len == strlen(want) &&
				                  !memcmp(m->value, want, m->value_len),
				              "key k%d: wrong value", k);
				kept[k - 50] = 1;
			}
		}
		if (!m->err)
			next = m->offset + 1;
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	a->kept_seen = 0;
	for (int k = 0; k < 50; k++)
		a->kept_seen += kept[k];
	/* Kept keys are never lost, whatever the cleaner did so far. */
	ck_assert_msg(a->kept_seen == 50, "only %d of k50-k99 read back", a->kept_seen);
	return a->deleted_seen == 0;
}

START_TEST(t0152_tombstones)
{
	const char *cleaner = getenv("T0152_CLEANER");
	char extra[256];
	snprintf(extra, sizeof(extra), "log.cleaner.backoff.ms=200\nlog.cleaner.enable=%s\n",
	         cleaner ? cleaner : "true");
	test_cluster_t *c = test_cluster_new(1, extra);
	const char *topic = test_topic_name("tomb");
	char errstr[512];

	fjord_t *a = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	ck_assert_msg(a, "%s", errstr);
	const char *const configs[] = { "cleanup.policy",
		                        "compact",
		                        "segment.bytes",
		                        "2048",
		                        "min.cleanable.dirty.ratio",
		                        "0.01",
		                        "delete.retention.ms",
		                        "1000",
		                        NULL };
	fjord_err_t err = fjord_admin_create_topic(a, topic, 1, 1, configs,
	                                           (int)(30000 * test_timeout_multiplier()), errstr,
	                                           sizeof(errstr));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "create: %s %s", fjord_err2name(err), errstr);
	fjord_destroy(a);

	fjord_conf_t *conf = test_conf(c, "acks", "all", "linger.ms", "1", NULL);
	fjord_conf_set_dr_msg_cb(conf, t0152_dr);
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "%s", errstr);
	for (int k = 0; k < 100; k++) {
		char key[16], val[16];
		snprintf(key, sizeof(key), "k%d", k);
		snprintf(val, sizeof(val), "v%d", k);
		t0152_produce(p, topic, key, val);
	}
	for (int k = 0; k < 50; k++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", k);
		t0152_produce(p, topic, key, NULL);
	}
	ck_assert_int_eq(fjord_flush(p, 30000), 0);
	ck_assert_int_eq(t0152_failed, 0);
	ck_assert_int_eq(t0152_acked, 150);

	t0152_arg_t arg = { .c = c, .p = p, .topic = topic };
	int ok = test_wait_until(t0152_gone, &arg, 60000);
	test_say("0152: %d filler records later: %d records of deleted keys left, %d kept keys",
	         arg.filler, arg.deleted_seen, arg.kept_seen);
	ck_assert_msg(ok, "%d records of deleted keys (values or tombstones) still in the log",
	              arg.deleted_seen);
	ck_assert_int_eq(t0152_failed, 0);
	ck_assert_int_eq(t0152_acked, 150 + arg.filler);
	fjord_destroy(p);
	test_cluster_destroy(c);
}
END_TEST

/* fjordd refuses bad cleaner settings at start-up, naming the key. */
START_TEST(t0152_bad_broker_keys)
{
	static const char *const bad[][2] = {
		{ "log.cleanup.policy=forever\n", "cleanup.policy" },
		{ "log.cleaner.min.cleanable.ratio=1.5\n", "log.cleaner.min.cleanable.ratio" },
		{ "log.cleaner.threads=0\n", "log.cleaner.threads" },
		{ "log.cleaner.dedupe.buffer.size=1000\n", "log.cleaner.dedupe.buffer.size" },
		{ "log.cleaner.io.max.bytes.per.second=0\n",
		  "log.cleaner.io.max.bytes.per.second" },
	};
	test_cluster_t *c = test_cluster_new(0, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[700], *text = NULL, *out = NULL;
		ck_assert(harness_path(path, sizeof(path), "%s/bad%zu.properties", test_tmpdir(),
		                       i) == 0);
		ck_assert(
		    asprintf(&text,
		             "broker.id=9\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=%s/bad%zu\n"
		             "zookeeper.connect=%s\nhttp.listener=127.0.0.1:0\n%s",
		             test_tmpdir(), i, c->zk_connect, bad[i][0]) > 0);
		ck_assert(harness_write_file(path, text) == 0);
		free(text);
		int rc = test_fjordd_run_expect_exit(path, NULL, &out, 30000);
		test_say("fjordd with %s: exit %d: %s", bad[i][0], rc, out ? out : "");
		ck_assert_msg(rc > 0 && out && strstr(out, bad[i][1]), "%s: exit %d: %s", bad[i][0],
		              rc, out ? out : "");
		free(out);
	}
	test_cluster_destroy(c);
}
END_TEST

void test_0152(TCase *tc)
{
	tcase_add_test(tc, t0152_tombstones);
	tcase_add_test(tc, t0152_bad_broker_keys);
}
