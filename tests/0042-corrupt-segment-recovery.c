/*
 * 0042-corrupt-segment-recovery — corruption after a SIGKILL loses only
 * the corrupt batch.
 *
 * One broker with log.segment.bytes=16384 (dozens of segments per
 * partition). Topic A gets a CRC-breaking flip inside the records of batch
 * 2 of its second segment, topic B a flip in the batchLength field of the
 * same batch (recovery must resynchronise), topic C a torn tail (half a
 * batch appended to its active segment); then SIGKILL before the damage is
 * made and a restart. Proves:
 *   - every segment file is still there and the log end offsets are
 *     unchanged for A and B (today's code cut at the bad batch and deleted
 *     every later segment);
 *   - every record outside the corrupt batch reads back (acknowledged -
 *     corrupt batch's records == read; verifier: order, no duplicates,
 *     offsets contiguous except the corrupt range), and a read of the
 *     corrupt offsets gets CORRUPT_MESSAGE naming them;
 *   - the corruption is in broker.log (segment file, byte and offset
 *     range), /metrics (fjord_log_corrupt_ranges, _partitions) and /health;
 *   - new produces to A still work and read back;
 *   - C's torn tail is cut and nothing before it is lost.
 * T_CLUSTER: it kills its own broker.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corrupt_util.h"
#include "harness_int.h"
#include "test.h"

#define T0042_MSGS 4000
#define T0042_TORN_MSGS 500

typedef struct t0042_case {
	const char *topic;
	char seg[1024];
	int seg_cnt;
	corrupt_batch_t bad;
} t0042_case_t;

static void t0042_produce(test_cluster_t *c, const char *topic, int cnt)
{
	/* Small batches: many batches per segment, many segments. */
	test_produce_msgs_conf(c, topic, 0, cnt, 100, "batch.size", "2048", "linger.ms", "5", NULL);
}

static void t0042_pick(test_cluster_t *c, t0042_case_t *k)
{
	char **segs;
	k->seg_cnt = corrupt_segments(c, 0, k->topic, 0, &segs);
	ck_assert_msg(k->seg_cnt >= 5, "%s: only %d segments", k->topic, k->seg_cnt);
	snprintf(k->seg, sizeof(k->seg), "%s", segs[1]);
	corrupt_free_paths(segs, k->seg_cnt);
	ck_assert_int_ge(corrupt_batch_count(k->seg), 4);
	corrupt_batch(k->seg, 2, &k->bad);
	test_say("%s: %d segments; damaging offsets %lld-%lld at byte %lld of %s", k->topic,
	         k->seg_cnt, (long long)k->bad.base, (long long)k->bad.last, (long long)k->bad.pos,
	         k->seg);
}

static int64_t t0042_hi(test_cluster_t *c, const char *topic)
{
	int64_t lo = -1, hi = -1;
	fjord_t *cons = test_consumer_new(c, NULL);
	ck_assert_int_eq(fjord_query_watermark_offsets(cons, topic, 0, &lo, &hi, 10000),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(cons);
	return hi;
}

/* After the restart: everything but the corrupt batch, and the reports. */
static void t0042_check(test_cluster_t *c, t0042_case_t *k)
{
	char **segs, err[512], want[128], mline[256];
	int n = corrupt_segments(c, 0, k->topic, 0, &segs);
	int nbad = (int)(k->bad.last - k->bad.base + 1);
	corrupt_free_paths(segs, n);
	ck_assert_msg(n == k->seg_cnt, "%s: %d segments after recovery, %d before", k->topic, n,
	              k->seg_cnt);
	int64_t hi = t0042_hi(c, k->topic);
	ck_assert_int_eq(hi, T0042_MSGS);

	test_msgver_t *mv = test_msgver_new(1);
	test_msgver_expect_gap(mv, 0, k->bad.base, k->bad.last);
	int events =
	    corrupt_read(c, k->topic, 0, hi, k->bad.base, k->bad.last, mv, err, sizeof(err));
	ck_assert_int_eq(events, 1);
	snprintf(want, sizeof(want), "offsets %lld-%lld", (long long)k->bad.base,
	         (long long)k->bad.last);
	ck_assert_msg(strstr(err, want) != NULL, "consumer error '%s' lacks '%s'", err, want);
	test_say("%s: read %d of %d acknowledged (%d in the corrupt batch)", k->topic,
	         test_msgver_cnt(mv), T0042_MSGS, nbad);
	test_msgver_verify(mv, k->topic, T0042_MSGS - nbad);

	char range[64];
	snprintf(range, sizeof(range), "bytes %lld-", (long long)k->bad.pos);
	ck_assert_msg(corrupt_log_has(c, 0, "corrupt data in", k->seg, range, want, NULL),
	              "broker.log does not report %s %s in %s", range, want, k->seg);
	snprintf(mline, sizeof(mline), "fjord_log_corrupt_ranges{topic=\"%s\",partition=\"0\"} ",
	         k->topic);
	ck_assert_int_eq(corrupt_metric(c, 0, mline), 1);
	char *health = corrupt_health(c, 0);
	char h1[256], h2[128];
	snprintf(h1, sizeof(h1), "\"topic\":\"%s\"", k->topic);
	snprintf(h2, sizeof(h2), "\"offsets\":[%lld,%lld]", (long long)k->bad.base,
	         (long long)k->bad.last);
	ck_assert_msg(strstr(health, h1) && strstr(health, h2), "/health: %s", health);
	free(health);
}

START_TEST(t0042_corrupt_segments)
{
	test_cluster_t *c = test_cluster_new(1, "log.segment.bytes=16384\n");
	t0042_case_t a = { .topic = test_topic_name("crc") };
	t0042_case_t b = { .topic = test_topic_name("len") };
	const char *torn = test_topic_name("torn");
	char **segs;

	test_create_topic(c, a.topic, 1, 1);
	test_create_topic(c, b.topic, 1, 1);
	test_create_topic(c, torn, 1, 1);
	/* test_produce_msgs asserts that every record was acknowledged. */
	t0042_produce(c, a.topic, T0042_MSGS);
	t0042_produce(c, b.topic, T0042_MSGS);
	t0042_produce(c, torn, T0042_TORN_MSGS);
	test_say("%d + %d + %d records acknowledged: SIGKILL", T0042_MSGS, T0042_MSGS,
	         T0042_TORN_MSGS);
	test_broker_kill(c, 0, SIGKILL);

	t0042_pick(c, &a);
	t0042_pick(c, &b);
	/* A: inside the records (CRC range). B: batchLength grows by 256. */
	corrupt_flip(a.seg, a.bad.pos + 61 + 7, 0x04);
	corrupt_flip(b.seg, b.bad.pos + 10, 0x01);
	/* C: the first half of a batch appended to the active segment. */
	int n = corrupt_segments(c, 0, torn, 0, &segs);
	corrupt_batch_t first;
	corrupt_batch(segs[0], 0, &first);
	uint8_t *half = malloc(first.size / 2);
	int fd = open(segs[0], O_RDONLY);
	ck_assert_int_eq(pread(fd, half, first.size / 2, first.pos), (ssize_t)(first.size / 2));
	close(fd);
	fd = open(segs[n - 1], O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, half, first.size / 2), (ssize_t)(first.size / 2));
	close(fd);
	free(half);
	corrupt_free_paths(segs, n);

	test_broker_restart(c, 0);
	t0042_check(c, &a);
	t0042_check(c, &b);
	ck_assert_int_eq(corrupt_metric(c, 0, "fjord_log_corrupt_partitions "), 2);

	/* C: the torn tail is cut, every acknowledged record is there. */
	ck_assert_int_eq(t0042_hi(c, torn), T0042_TORN_MSGS);
	char mline[256];
	snprintf(mline, sizeof(mline), "fjord_log_corrupt_ranges{topic=\"%s\",partition=\"0\"} ",
	         torn);
	ck_assert_int_eq(corrupt_metric(c, 0, mline), 0);
	ck_assert(corrupt_log_has(c, 0, torn, "torn tail", NULL));
	test_msgver_t *mv = test_msgver_new(1);
	ck_assert_int_eq(corrupt_read(c, torn, 0, T0042_TORN_MSGS, -1, -1, mv, NULL, 0), 0);
	test_msgver_verify(mv, torn, T0042_TORN_MSGS);

	/* New produces to a partition with a corrupt range work. */
	t0042_produce(c, a.topic, 100);
	mv = test_msgver_new(1);
	ck_assert_int_eq(test_consume_msgs(c, a.topic, 1, T0042_MSGS, 100, mv, 30000), 100);
	test_msgver_verify(mv, "new records", 100);
	test_cluster_destroy(c);
}
END_TEST

void test_0042(TCase *tc)
{
	tcase_add_test(tc, t0042_corrupt_segments);
}
