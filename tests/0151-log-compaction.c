/*
 * 0151-log-compaction — cleanup.policy=compact against real brokers: a
 * private cluster of 3 brokers (log.cleaner.backoff.ms=200) and real
 * ZooKeeper. T_CLUSTER.
 *
 * a. `fjord topic alter --config cleanup.policy=compact` is accepted (the
 *    CLI's zkadmin path) and a bad policy refused naming the accepted
 *    values; the topic (RF 3, segment.bytes 16384) then takes a changelog
 *    of 100k updates to 1k keys, acks=all; every delivery report is counted
 *    and each key's latest acknowledged value kept.
 * b. a consumer reads from the beginning while the cleaners run: no key's
 *    value ever goes backwards (the sequence in the value only grows).
 * c. once compacted (min.cleanable.dirty.ratio 0.01), a read from the
 *    beginning finds at most one record per key below the active segments
 *    (about 1k records plus the active segment), and every key's latest
 *    acknowledged value.
 * d. a record without a key is refused (INVALID_RECORD), nothing appended.
 * e. a follower whose log is removed fetches the leader's compacted batches
 *    back from offset 0; then each replica compacts its own log: after a
 *    clean stop, every broker's segment files hold at most one record per
 *    key below its active segment and the same latest value per key as
 *    acknowledged.
 * With log.cleaner.enable=false (T0151_CLEANER=false) step c fails: the log
 * keeps all 100k records.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/record_batch.h"
#include "harness_int.h"
#include "test.h"

#define T0151_KEYS 1000
#define T0151_UPDATES 100000

typedef struct t0151_state {
	int64_t acked_seq[T0151_KEYS]; /* latest acknowledged sequence per key */
	int acked, failed;
	fjord_err_t first_err;
} t0151_state_t;

static t0151_state_t t0151_st;

static void t0151_dr(fjord_t *fj, const fjord_message_t *m, void *opaque)
{
	(void)fj;
	(void)opaque;
	if (m->err) {
		if (!t0151_st.failed++)
			t0151_st.first_err = m->err;
		return;
	}
	t0151_st.acked++;
	if (!m->opaque) /* the keyless probe */
		return;
	/* opaque: the update's sequence + 1; its key is sequence % keys. */
	int64_t seq = (int64_t)(intptr_t)m->opaque - 1;
	int k = (int)(seq % T0151_KEYS);
	if (seq > t0151_st.acked_seq[k])
		t0151_st.acked_seq[k] = seq;
}

static fjord_t *t0151_producer(test_cluster_t *c)
{
	char errstr[512];
	fjord_conf_t *conf = test_conf(c, "acks", "all", "linger.ms", "5", NULL);
	fjord_conf_set_dr_msg_cb(conf, t0151_dr);
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "%s", errstr);
	return p;
}

/* Reads the partition from the beginning to the high watermark: per key
 * the last sequence seen; fails when a key's sequence goes backwards.
 * Returns the records read. */
static int t0151_read_below(test_cluster_t *c, const char *topic, int64_t *last_seq, int64_t below,
                            int *below_cnt, int *below_dups)
{
	static char seen_below[T0151_KEYS];
	memset(seen_below, 0, sizeof(seen_below));
	if (below_cnt)
		*below_cnt = 0;
	if (below_dups)
		*below_dups = 0;
	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_t *a = fjord_new(FJORD_ADMIN, test_conf(c, NULL), NULL, 0);
	int64_t lo = -1, hi = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(a, topic, 0, &lo, &hi, 10000), 0);
	fjord_destroy(a);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	for (int k = 0; k < T0151_KEYS; k++)
		last_seq[k] = -1;
	int n = 0;
	int64_t next = 0;
	int64_t deadline = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());
	while (next < hi && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (!m->err && m->key && m->value) {
			int k = atoi((const char *)m->key + 1);
			long long seq = strtoll((const char *)m->value, NULL, 10);
			ck_assert_int_lt(k, T0151_KEYS);
			ck_assert_msg(seq > last_seq[k],
			              "key k%d went backwards: %lld after %lld (offset %lld)", k,
			              seq, (long long)last_seq[k], (long long)m->offset);
			last_seq[k] = seq;
			n++;
			next = m->offset + 1;
			if (m->offset < below && below_cnt) {
				(*below_cnt)++;
				if (seen_below[k]++)
					(*below_dups)++;
			}
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	ck_assert_msg(next >= hi, "read stopped at %lld of %lld", (long long)next, (long long)hi);
	return n;
}

static int t0151_read(test_cluster_t *c, const char *topic, int64_t *last_seq)
{
	return t0151_read_below(c, topic, last_seq, -1, NULL, NULL);
}

/* The smallest base offset of an active segment among the brokers: below
 * it every replica's segments are closed, hence cleanable. */
static int64_t t0151_active_base(test_cluster_t *c, const char *topic)
{
	int64_t min = INT64_MAX;
	for (int i = 0; i < c->broker_cnt; i++) {
		char dir[1024];
		ck_assert(harness_path(dir, sizeof(dir), "%s/%s-0", c->brokers[i].logdir, topic) ==
		          0);
		DIR *d = opendir(dir);
		struct dirent *e;
		int64_t max = 0;
		ck_assert_ptr_nonnull(d);
		while ((e = readdir(d)))
			if (strlen(e->d_name) == 24 && !strcmp(e->d_name + 20, ".log")) {
				int64_t b = strtoll(e->d_name, NULL, 10);
				if (b > max)
					max = b;
			}
		closedir(d);
		if (max < min)
			min = max;
	}
	return min;
}

static void t0151_expect_latest(const int64_t *seen, const char *what)
{
	for (int k = 0; k < T0151_KEYS; k++)
		ck_assert_msg(seen[k] == t0151_st.acked_seq[k],
		              "%s: key k%d: latest acknowledged %lld, read %lld", what, k,
		              (long long)t0151_st.acked_seq[k], (long long)seen[k]);
}

static char *t0151_cli(test_cluster_t *c, const char *args, int *exitp)
{
	char *cmd = NULL, *out;
	ck_assert(asprintf(&cmd, "%s -z %s %s", test_cli_path(), c->zk_connect, args) > 0);
	out = test_run(cmd, exitp);
	test_say("fjord %s -> exit %d: %s", args, *exitp, out ? out : "");
	free(cmd);
	ck_assert(out);
	return out;
}

typedef struct t0151_compact_arg {
	test_cluster_t *c;
	const char *topic;
	int cnt, below_cnt, below_dups;
	int64_t active_base;
} t0151_compact_arg_t;

/* Compacted: below the active segments, at most one record per key (every
 * closed segment is cleanable with min.cleanable.dirty.ratio 0.01). */
static int t0151_compacted(void *arg)
{
	t0151_compact_arg_t *a = arg;
	int64_t seen[T0151_KEYS];
	a->active_base = t0151_active_base(a->c, a->topic);
	a->cnt =
	    t0151_read_below(a->c, a->topic, seen, a->active_base, &a->below_cnt, &a->below_dups);
	return a->below_dups == 0 && a->below_cnt <= T0151_KEYS;
}

/* Every broker's /metrics shows the partition fully compacted (dirty
 * ratio 0: nothing cleanable past its clean point). */
static int t0151_all_clean(void *arg)
{
	t0151_compact_arg_t *a = arg;
	char want[512];
	snprintf(want, sizeof(want), "fjord_log_cleaner_dirty_ratio{topic=\"%s\",partition=\"0\"} ",
	         a->topic);
	for (int i = 0; i < a->c->broker_cnt; i++) {
		char *body = NULL;
		if (harness_http_get(a->c->brokers[i].http_port, "/metrics", &body, 10000) != 200) {
			free(body);
			return 0;
		}
		const char *line = strstr(body, want);
		int clean = line && strtod(line + strlen(want), NULL) == 0.0;
		free(body);
		if (!clean)
			return 0;
	}
	return 1;
}

/* A gauge of broker i's /metrics for partition 0 of topic; -1 if absent. */
static double t0151_metric(test_cluster_t *c, int i, const char *name, const char *topic)
{
	char want[512], *body = NULL;
	double v = -1;
	snprintf(want, sizeof(want), "%s{topic=\"%s\",partition=\"0\"} ", name, topic);
	if (harness_http_get(c->brokers[i].http_port, "/metrics", &body, 10000) == 200) {
		const char *line = strstr(body, want);
		if (line)
			v = strtod(line + strlen(want), NULL);
	}
	free(body);
	return v;
}

typedef struct t0151_caught_up_arg {
	test_cluster_t *c;
	int i;
	const char *topic;
	int64_t hw;
} t0151_caught_up_arg_t;

/* Broker i's replica reached the high watermark. */
static int t0151_caught_up(void *arg)
{
	t0151_caught_up_arg_t *a = arg;
	return t0151_metric(a->c, a->i, "fjord_log_end_offset", a->topic) >= (double)a->hw;
}

/* One broker's replica from its segment files (the broker stopped): the
 * last value per key below the high watermark. */
static int t0151_replica(test_cluster_t *c, int i, const char *topic, int64_t hw, int64_t *seq)
{
	char dir[1024];
	ck_assert(harness_path(dir, sizeof(dir), "%s/%s-0", c->brokers[i].logdir, topic) == 0);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	ck_assert_int_ge(n, 0);
	for (int k = 0; k < T0151_KEYS; k++)
		seq[k] = -1;
	rb_reader_t rr;
	rb_reader_init(&rr);
	int segs = 0, recs = 0;
	int64_t active = 0;
	static char once[T0151_KEYS];
	memset(once, 0, sizeof(once));
	for (int j = 0; j < n; j++)
		if (strlen(names[j]->d_name) == 24 && !strcmp(names[j]->d_name + 20, ".log"))
			active = strtoll(names[j]->d_name, NULL, 10);
	for (int j = 0; j < n; j++) {
		const char *nm = names[j]->d_name;
		size_t l = strlen(nm);
		if (l == 24 && strcmp(nm + 20, ".log") == 0) {
			char path[1200];
			snprintf(path, sizeof(path), "%s/%s", dir, nm);
			FILE *f = fopen(path, "rb");
			ck_assert_ptr_nonnull(f);
			struct stat st;
			ck_assert_int_eq(fstat(fileno(f), &st), 0);
			uint8_t *buf = malloc((size_t)st.st_size + 1);
			ck_assert_uint_eq(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
			fclose(f);
			rb_iter_t it;
			const uint8_t *b;
			size_t sz;
			rb_iter_init(&it, buf, (size_t)st.st_size, 1, 0);
			while (rb_iter_next(&it, &b, &sz) == 1) {
				rb_record_t rec;
				ck_assert_int_eq(rb_reader_open(&rr, b, sz), 0);
				while (rb_reader_next(&rr, &rec) == 1) {
					if (rec.offset >= hw || !rec.key || !rec.value)
						continue;
					int k = atoi((const char *)rec.key + 1);
					if (rec.offset < active) {
						/* Closed segments: compacted, one per key. */
						recs++;
						ck_assert_msg(!once[k]++,
						              "broker %d: key k%d twice below %lld",
						              c->brokers[i].id, k,
						              (long long)active);
					}
					char v[32];
					snprintf(v, sizeof(v), "%.*s", (int)rec.value_len,
					         rec.value);
					seq[k] = strtoll(v, NULL, 10);
				}
			}
			ck_assert_msg(it.err == FJORD_ERR_NO_ERROR, "%s: %s", path,
			              it.errmsg ? it.errmsg : "");
			free(buf);
			segs++;
		}
		free(names[j]);
	}
	free(names);
	rb_reader_destroy(&rr);
	test_say("broker %d: %d segment files, %d records below its active segment (%lld)",
	         c->brokers[i].id, segs, recs, (long long)active);
	return recs;
}

START_TEST(t0151_compaction)
{
	const char *cleaner = getenv("T0151_CLEANER");
	char extra[256];
	snprintf(extra, sizeof(extra), "log.cleaner.backoff.ms=200\nlog.cleaner.enable=%s\n",
	         cleaner ? cleaner : "true");
	test_cluster_t *c = test_cluster_new(3, extra);
	const char *topic = test_topic_name("compact");
	char errstr[512], args[512];
	int ex = -1;

	/* a. The CLI: created as delete, altered to compact; a bad value refused. */
	fjord_t *a = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	ck_assert_msg(a, "%s", errstr);
	const char *const configs[] = { "segment.bytes", "16384", NULL };
	ck_assert_int_eq(fjord_admin_create_topic(a, topic, 1, 3, configs,
	                                          (int)(30000 * test_timeout_multiplier()), errstr,
	                                          sizeof(errstr)),
	                 FJORD_ERR_NO_ERROR);
	snprintf(args, sizeof(args), "topic alter %s --config cleanup.policy=compacted", topic);
	char *out = t0151_cli(c, args, &ex);
	ck_assert_msg(ex == 1 && strstr(out, "compact,delete"), "bad policy: exit %d: %s", ex, out);
	free(out);
	snprintf(args, sizeof(args),
	         "topic alter %s --config cleanup.policy=compact --config "
	         "min.cleanable.dirty.ratio=0.01",
	         topic);
	out = t0151_cli(c, args, &ex);
	ck_assert_msg(ex == 0 && strstr(out, "altered"), "alter: exit %d: %s", ex, out);
	free(out);

	/* d (first, so that the brokers have the policy before the changelog):
	 * a keyless record is refused. */
	memset(&t0151_st, 0, sizeof(t0151_st));
	fjord_t *p = t0151_producer(c);
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while (test_now_ms() < deadline) {
		int before = t0151_st.failed;
		ck_assert_int_eq(fjord_produce(p, topic, 0, NULL, 0, "v", 1, NULL, 0, -1, NULL), 0);
		fjord_flush(p, 30000);
		if (t0151_st.failed > before && t0151_st.first_err == FJORD_ERR_INVALID_RECORD)
			break;
		usleep(100000); /* the config change reaches the brokers through ZooKeeper */
		memset(&t0151_st, 0, sizeof(t0151_st));
	}
	ck_assert_msg(t0151_st.failed == 1 && t0151_st.first_err == FJORD_ERR_INVALID_RECORD,
	              "keyless record: %d failed, %s", t0151_st.failed,
	              fjord_err2name(t0151_st.first_err));
	int keyless_acked = t0151_st.acked;
	memset(&t0151_st, 0, sizeof(t0151_st));
	for (int k = 0; k < T0151_KEYS; k++)
		t0151_st.acked_seq[k] = -1;

	/* The changelog. */
	int64_t t0 = test_now_ms();
	for (int i = 0; i < T0151_UPDATES; i++) {
		char key[16], val[32];
		int kl = snprintf(key, sizeof(key), "k%d", i % T0151_KEYS);
		int vl = snprintf(val, sizeof(val), "%d", i);
		fjord_err_t err;
		while ((err = fjord_produce(p, topic, 0, key, (size_t)kl, val, (size_t)vl, NULL, 0,
		                            -1, (void *)(intptr_t)(i + 1))) ==
		       FJORD_ERR__QUEUE_FULL)
			fjord_poll(p, 10);
		ck_assert_int_eq(err, FJORD_ERR_NO_ERROR);
	}
	ck_assert_int_eq(fjord_flush(p, (int)(120000 * test_timeout_multiplier())), 0);
	test_say("0151: %d updates acknowledged in %lld ms", t0151_st.acked,
	         (long long)(test_now_ms() - t0));
	ck_assert_int_eq(t0151_st.failed, 0);
	ck_assert_int_eq(t0151_st.acked, T0151_UPDATES);
	ck_assert_int_eq(keyless_acked, 0);

	/* b. A read from the beginning while the cleaners work: no key goes
	 * backwards (checked inside). */
	int64_t seen[T0151_KEYS];
	int n = t0151_read(c, topic, seen);
	test_say("0151: read during compaction: %d records", n);
	t0151_expect_latest(seen, "during compaction");

	/* c. Compacted: about one record per key plus the active segment. */
	t0151_compact_arg_t ca = { .c = c, .topic = topic };
	int ok = test_wait_until(t0151_compacted, &ca, 60000);
	test_say("0151: after compaction: %d records, %d below the active segments (from offset "
	         "%lld), %d repeated keys there",
	         ca.cnt, ca.below_cnt, (long long)ca.active_base, ca.below_dups);
	ck_assert_msg(ok, "not compacted: %d records below offset %lld, %d of them repeat a key",
	              ca.below_cnt, (long long)ca.active_base, ca.below_dups);
	ck_assert_int_le(ca.cnt, T0151_KEYS + (T0151_UPDATES - ca.active_base));
	ck_assert_int_lt(ca.cnt, T0151_UPDATES / 10);
	n = t0151_read(c, topic, seen);
	t0151_expect_latest(seen, "after compaction");

	char *metrics = NULL;
	ck_assert_int_eq(harness_http_get(c->brokers[0].http_port, "/metrics", &metrics, 10000),
	                 200);
	ck_assert_ptr_nonnull(strstr(metrics, "fjord_log_cleaner_runs_total"));
	ck_assert_ptr_nonnull(strstr(metrics, "fjord_log_cleaner_dirty_ratio{topic=\""));
	free(metrics);

	/* A follower that lost its log fetches the leader's compacted batches
	 * (gaps inside and between them, empty batches) from offset 0. */
	int64_t lo = -1, hw = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(a, topic, 0, &lo, &hw, 10000), 0);
	int follower = -1;
	for (int i = 0; i < 3 && follower < 0; i++)
		if (t0151_metric(c, i, "fjord_high_watermark", topic) >= 0 &&
		    t0151_metric(c, i, "fjord_replica_fetcher_lag", topic) >= 0)
			follower = i;
	ck_assert_msg(follower >= 0, "no follower found in /metrics");
	test_broker_kill(c, follower, SIGKILL);
	char pdir[1024];
	ck_assert(harness_path(pdir, sizeof(pdir), "%s/%s-0", c->brokers[follower].logdir, topic) ==
	          0);
	ck_assert_int_eq(harness_rmtree(pdir), 0);
	test_broker_restart(c, follower);
	t0151_caught_up_arg_t cu = { c, follower, topic, hw };
	ck_assert_msg(test_wait_until(t0151_caught_up, &cu, 60000),
	              "broker %d did not fetch the compacted log back", c->brokers[follower].id);
	test_say("0151: broker %d fetched the compacted log again up to %lld",
	         c->brokers[follower].id, (long long)hw);

	/* e. Every replica compacted on its own, the same latest values. */
	ck_assert_msg(test_wait_until(t0151_all_clean, &ca, 60000),
	              "a replica's dirty ratio stayed above 0");
	ck_assert_int_eq(fjord_query_watermark_offsets(a, topic, 0, &lo, &hw, 10000), 0);
	fjord_destroy(p);
	fjord_destroy(a);
	for (int i = 0; i < 3; i++)
		test_broker_kill(c, i, SIGTERM);
	for (int i = 0; i < 3; i++) {
		int64_t rs[T0151_KEYS];
		int recs = t0151_replica(c, i, topic, hw, rs);
		t0151_expect_latest(rs, "replica");
		ck_assert_int_le(recs, T0151_KEYS);
	}
	test_cluster_destroy(c);
}
END_TEST

void test_0151(TCase *tc)
{
	tcase_add_test(tc, t0151_compaction);
}
