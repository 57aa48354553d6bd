/*
 * 0154-compaction-max-lag — max.compaction.lag.ms against a real broker
 * (private one-broker cluster, log.cleaner.backoff.ms=200). T_CLUSTER.
 *
 * Two compacted topics get the same records: 1500 distinct keys (a large
 * clean section once the first pass ran), then 50 updates of key k0, then
 * distinct filler keys so that the updates leave the active segment. The
 * dirty share is then far below min.cleanable.dirty.ratio=0.99, so the
 * cleaner leaves a log alone, unless the oldest dirty record is older than
 * max.compaction.lag.ms: topic "lag" (2000 ms) is compacted to one k0
 * record, topic "nolag" (the default, never) keeps all 51 k0 records. Every
 * record was acknowledged, and every key written reads back.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

#define T0154_DISTINCT 1500
#define T0154_UPDATES 50
#define T0154_FILLER 150

static int t0154_acked, t0154_failed;

static void t0154_dr(fjord_t *fj, const fjord_message_t *m, void *opaque)
{
	(void)fj;
	(void)opaque;
	if (m->err)
		t0154_failed++;
	else
		t0154_acked++;
}

static void t0154_create(test_cluster_t *c, const char *topic, const char *max_lag)
{
	const char *const configs[] = { "cleanup.policy",
		                        "compact",
		                        "segment.bytes",
		                        "4096",
		                        "min.cleanable.dirty.ratio",
		                        "0.99",
		                        max_lag ? "max.compaction.lag.ms" : NULL,
		                        max_lag,
		                        NULL };
	char errstr[512];
	fjord_t *a = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	fjord_err_t err;

	ck_assert_msg(a, "%s", errstr);
	err = fjord_admin_create_topic(a, topic, 1, 1, configs,
	                               (int)(30000 * test_timeout_multiplier()), errstr,
	                               sizeof(errstr));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "create %s: %s", topic, errstr);
	fjord_destroy(a);
}

static void t0154_produce(fjord_t *p, const char *topic, const char *key, int seq)
{
	char val[64];

	snprintf(val, sizeof(val), "%s:%d:xxxxxxxxxxxxxxxxxxxx", key, seq);
	ck_assert_int_eq(
	    fjord_produce(p, topic, 0, key, strlen(key), val, strlen(val), NULL, 0, -1, NULL),
	    FJORD_ERR_NO_ERROR);
}

/* Reads the whole partition: the k0 records, and how many distinct "d" keys. */
static void t0154_read(test_cluster_t *c, const char *topic, int *k0p, int *distinctp,
                       int *last_k0p)
{
	static char seen[T0154_DISTINCT];
	int64_t lo = -1, hi = -1, next = 0, deadline;
	fjord_topic_partition_list_t *parts;
	fjord_t *cons = test_consumer_new(c, NULL);
	int total = 0;

	memset(seen, 0, sizeof(seen));
	*k0p = *distinctp = 0;
	*last_k0p = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(cons, topic, 0, &lo, &hi, 30000), 0);
	parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while (next < hi && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		int d, seq;

		if (!m)
			continue;
		if (!m->err && m->key_len == 2 && !memcmp(m->key, "k0", 2)) {
			(*k0p)++;
			ck_assert(sscanf((const char *)m->value, "k0:%d", &seq) == 1);
			*last_k0p = seq;
		} else if (!m->err && m->key && m->key_len > 1 && m->key_len < 16 &&
		           ((const char *)m->key)[0] == 'd') {
			char kbuf[16];

			/* The key is not NUL-terminated: copy it first. */
			memcpy(kbuf, m->key, m->key_len);
			kbuf[m->key_len] = '\0';
			d = atoi(kbuf + 1);
			if (d >= 0 && d < T0154_DISTINCT && !seen[d]) {
				seen[d] = 1;
				(*distinctp)++;
			}
		}
		if (!m->err) {
			next = m->offset + 1;
			total++;
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	test_say("0154: %s [%lld, %lld): %d k0 records (last %d), %d distinct d keys, %d records\n",
	         topic, (long long)lo, (long long)hi, *k0p, *last_k0p, *distinctp, total);
	ck_assert_msg(next >= hi, "%s: read stopped at %lld of %lld", topic, (long long)next,
	              (long long)hi);
}

typedef struct t0154_wait {
	test_cluster_t *c;
	const char *topic;
	int k0, distinct, last;
} t0154_wait_t;

static int t0154_compacted(void *arg)
{
	t0154_wait_t *w = arg;

	t0154_read(w->c, w->topic, &w->k0, &w->distinct, &w->last);
	return w->k0 == 1;
}

typedef struct t0154_clean {
	test_cluster_t *c;
	const char *const *topics;
} t0154_clean_t;

/* Both topics' dirty ratio is 0 in /metrics: their first pass ran. */
static int t0154_first_pass_done(void *arg)
{
	t0154_clean_t *a = arg;
	char want[512], *body = NULL;
	int t, done = 1;

	if (harness_http_get(a->c->brokers[0].http_port, "/metrics", &body, 10000) != 200) {
		free(body);
		return 0;
	}
	for (t = 0; t < 2 && done; t++) {
		const char *line;

		snprintf(want, sizeof(want),
		         "fjord_log_cleaner_dirty_ratio{topic=\"%s\",partition=\"0\"} ",
		         a->topics[t]);
		line = strstr(body, want);
		done = line && strtod(line + strlen(want), NULL) == 0.0;
	}
	free(body);
	return done;
}

START_TEST(t0154_max_lag)
{
	test_cluster_t *c = test_cluster_new(1, "log.cleaner.backoff.ms=200\n");
	const char *lag = test_topic_name("lag"), *nolag = test_topic_name("nolag");
	const char *const topics[] = { lag, nolag };
	char errstr[512], key[32];
	fjord_conf_t *conf;
	fjord_t *p;
	t0154_wait_t w = { c, lag, 0, 0, 0 };
	int k0, distinct, last, i, t;
	int64_t t_updates;

	t0154_create(c, lag, "2000");
	t0154_create(c, nolag, NULL);
	conf = test_conf(c, "acks", "all", "linger.ms", "5", NULL);
	fjord_conf_set_dr_msg_cb(conf, t0154_dr);
	p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "%s", errstr);
	for (t = 0; t < 2; t++) {
		t0154_produce(p, topics[t], "k0", 0);
		for (i = 0; i < T0154_DISTINCT; i++) {
			snprintf(key, sizeof(key), "d%d", i);
			t0154_produce(p, topics[t], key, 0);
		}
	}
	ck_assert_int_eq(fjord_flush(p, 30000), 0);
	/* The first pass of each (everything is dirty: a share of 1). */
	{
		t0154_clean_t a = { c, topics };

		ck_assert_msg(test_wait_until(t0154_first_pass_done, &a, 30000),
		              "the first compaction passes did not run");
	}
	t_updates = test_now_ms();
	/* Small batches (a flush every 10 records): a segment rolls only
	 * between batches, and the updates must end up below the active one. */
	for (t = 0; t < 2; t++) {
		for (i = 1; i <= T0154_UPDATES; i++) {
			t0154_produce(p, topics[t], "k0", i);
			if (i % 10 == 0)
				ck_assert_int_eq(fjord_flush(p, 30000), 0);
		}
		for (i = 0; i < T0154_FILLER; i++) {
			snprintf(key, sizeof(key), "f%d", i);
			t0154_produce(p, topics[t], key, 0);
			if (i % 10 == 9)
				ck_assert_int_eq(fjord_flush(p, 30000), 0);
		}
	}
	ck_assert_int_eq(fjord_flush(p, 30000), 0);
	fjord_destroy(p);
	ck_assert_int_eq(t0154_failed, 0);
	ck_assert_int_eq(t0154_acked, 2 * (1 + T0154_DISTINCT + T0154_UPDATES + T0154_FILLER));

	ck_assert_msg(test_wait_until(t0154_compacted, &w, 30000),
	              "max.compaction.lag.ms=2000: %d records of k0 still there", w.k0);
	test_say("0154: compacted %lld ms after the updates began\n",
	         (long long)(test_now_ms() - t_updates));
	ck_assert_int_eq(w.last, T0154_UPDATES);
	ck_assert_int_eq(w.distinct, T0154_DISTINCT);
	/* The same dirty share without a lag bound: left alone. */
	t0154_read(c, nolag, &k0, &distinct, &last);
	test_say("0154: lag topic down to 1 k0 record; nolag keeps %d\n", k0);
	ck_assert_int_eq(k0, 1 + T0154_UPDATES);
	ck_assert_int_eq(last, T0154_UPDATES);
	ck_assert_int_eq(distinct, T0154_DISTINCT);
	test_cluster_destroy(c);
}
END_TEST

void test_0154(TCase *tc)
{
	tcase_add_test(tc, t0154_max_lag);
}
