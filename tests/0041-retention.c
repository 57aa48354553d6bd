/*
 * 0041-retention — size-based retention on a topic configured at creation
 * with a tiny segment.bytes and retention.bytes, on a private one-broker
 * cluster whose retention check runs every 200 ms: old segments are deleted,
 * the log start offset (low watermark) advances, and a consumer reading
 * from the beginning starts at the new log start. T_CLUSTER.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

#define T0041_MSGS 3000
#define T0041_SEGMENT_BYTES "16384"
#define T0041_RETENTION_BYTES "49152"

typedef struct t0041_arg {
	fjord_t *fj;
	const char *topic;
	int64_t lo;
} t0041_arg_t;

static int t0041_start_moved(void *arg)
{
	t0041_arg_t *a = arg;
	int64_t hi = -1;
	return fjord_query_watermark_offsets(a->fj, a->topic, 0, &a->lo, &hi, 5000) == 0 &&
	       a->lo > 0;
}

static int t0041_segments(test_cluster_t *c, const char *topic)
{
	char path[1024];
	int n = 0;
	ck_assert(harness_path(path, sizeof(path), "%s/%s-0", c->brokers[0].logdir, topic) == 0);
	DIR *d = opendir(path);
	ck_assert_msg(d, "no partition directory %s", path);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strlen(e->d_name) == 24 && !strcmp(e->d_name + 20, ".log"))
			n++;
	closedir(d);
	return n;
}

typedef struct t0041_seg_arg {
	test_cluster_t *c;
	const char *topic;
	int segs;
} t0041_seg_arg_t;

/* At most 6 segments of 16 KiB: 48 KiB of retention.bytes, the active one
 * and one that is partly needed to keep 48 KiB. */
static int t0041_few_segments(void *arg)
{
	t0041_seg_arg_t *a = arg;
	a->segs = t0041_segments(a->c, a->topic);
	return a->segs <= 6;
}

START_TEST(t0041_retention)
{
	test_cluster_t *c = test_cluster_new(1, "log.retention.check.interval.ms=200\n");
	const char *topic = test_topic_name("ret");
	char errstr[512];

	fjord_t *a = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	ck_assert_msg(a, "%s", errstr);
	const char *const configs[] = { "segment.bytes", T0041_SEGMENT_BYTES, "retention.bytes",
		                        T0041_RETENTION_BYTES, NULL };
	fjord_err_t err = fjord_admin_create_topic(a, topic, 1, 1, configs,
	                                           (int)(30000 * test_timeout_multiplier()), errstr,
	                                           sizeof(errstr));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "create: %s %s", fjord_err2name(err), errstr);

	/* ~3000 records of ~150 bytes in batches of a few KB: many segments. */
	test_produce_msgs_conf(c, topic, 0, T0041_MSGS, 100, "linger.ms", "1", "batch.size", "4096",
	                       NULL);
	t0041_arg_t arg = { a, topic, -1 };
	ck_assert_msg(test_wait_until(t0041_start_moved, &arg, 30000),
	              "log start offset never moved (retention did not delete segments)");
	/* The start may have moved while records were still arriving: the next
	 * checks (every 200 ms) bring the log down to retention.bytes plus the
	 * active segment. */
	t0041_seg_arg_t sa = { c, topic, -1 };
	int ok = test_wait_until(t0041_few_segments, &sa, 10000);
	test_say("log start offset now %lld; %d segment files left", (long long)arg.lo, sa.segs);
	ck_assert_msg(ok, "%d segments kept for retention.bytes=%s, segment.bytes=%s", sa.segs,
	              T0041_RETENTION_BYTES, T0041_SEGMENT_BYTES);

	/* From the beginning = from the (new) log start. */
	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	int64_t first = -1;
	int64_t deadline = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	while (first < 0 && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (m && !m->err)
			first = m->offset;
		if (m)
			fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	int64_t lo = -1, hi = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(a, topic, 0, &lo, &hi, 5000), 0);
	test_say("first record from the beginning: offset %lld; log %lld..%lld", (long long)first,
	         (long long)lo, (long long)hi);
	ck_assert_msg(first > 0 && first >= arg.lo && first <= lo,
	              "consumer from the beginning started at %lld (log start was %lld, now %lld)",
	              (long long)first, (long long)arg.lo, (long long)lo);
	ck_assert_int_eq(hi, T0041_MSGS);
	fjord_destroy(a);
	test_cluster_destroy(c);
}
END_TEST

void test_0041(TCase *tc)
{
	tcase_add_test(tc, t0041_retention);
}
