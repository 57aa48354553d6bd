/*
 * 0138-perf-cli — `fjord perf produce --throughput` and `fjord perf e2e`
 * through the real binary on the shared cluster (issue 13).
 *
 *   1. `perf produce --throughput 500 --records 300` (JSON) acknowledges all
 *      300 records; the topic's log end offsets grow by exactly 300. The
 *      rate is only checked loosely, and only warns (no timed assertions).
 *   2. `--throughput 0`, `--throughput x` are usage errors (exit 2); -1 (no
 *      cap) is accepted.
 *   3. `perf e2e --rate 200 --count 150 --format json`: 150 produced,
 *      acknowledged and consumed, 0 duplicates, 150 latency samples and the
 *      fields p50, p99, p99.9, max, achieved_rate; the log end offsets grow
 *      by 150 more. The text output names the same fields.
 *   4. e2e usage errors (no --rate, --record-size below the stamp, two
 *      topics) exit 2; an unknown topic exits 1.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define T0138_PARTS 3

/* Sum of the high watermarks of the topic's partitions. */
static int64_t t0138_log_end(test_cluster_t *c, const char *topic)
{
	fjord_t *fj = test_consumer_new(c, NULL);
	int64_t sum = 0, low, high;
	int p;

	for (p = 0; p < T0138_PARTS; p++) {
		ck_assert_int_eq(fjord_query_watermark_offsets(fj, topic, p, &low, &high, 10000),
		                 FJORD_ERR_NO_ERROR);
		sum += high;
	}
	fjord_destroy(fj);
	return sum;
}

/* Parses the JSON object that starts the output (stderr is dropped). */
static json_t *t0138_json(const char *out)
{
	json_error_t jerr;
	json_t *js = json_loads(out, 0, &jerr);

	ck_assert_msg(js != NULL, "perf JSON: %s", jerr.text);
	return js;
}

static json_int_t t0138_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	ck_assert_msg(json_is_integer(v), "\"%s\" is not an integer", key);
	return json_integer_value(v);
}

static double t0138_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	ck_assert_msg(json_is_number(v), "\"%s\" is not a number", key);
	return json_number_value(v);
}

START_TEST(t0138_perf_cli)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("perf");
	json_t *js, *lat;
	char *out;
	int ex;

	test_create_topic(c, topic, T0138_PARTS, 1);

	/* 1. A capped produce run: every record acknowledged and stored. */
	out = test_cli(c, &ex,
	               "perf produce %s --records 300 --record-size 64 --throughput 500 "
	               "--format json 2>/dev/null",
	               topic);
	ck_assert_int_eq(ex, 0);
	js = t0138_json(out);
	ck_assert_int_eq(t0138_int(js, "records"), 300);
	ck_assert_int_eq(t0138_int(js, "failed"), 0);
	if (t0138_num(js, "records_per_sec") > 500 * 1.5)
		test_say("WARNING: --throughput 500 ran at %.0f records/s\n",
		         t0138_num(js, "records_per_sec"));
	json_decref(js);
	free(out);
	ck_assert_int_eq(t0138_log_end(c, topic), 300);

	/* 2. Bad caps are usage errors; -1 is no cap. */
	out = test_cli(c, &ex, "perf produce %s --records 1 --record-size 1 --throughput 0", topic);
	ck_assert_int_eq(ex, 2);
	ck_assert(strstr(out, "--throughput") != NULL);
	free(out);
	out = test_cli(c, &ex, "perf produce %s --records 1 --record-size 1 --throughput x", topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out =
	    test_cli(c, &ex, "perf produce %s --records 10 --record-size 8 --throughput -1", topic);
	ck_assert_int_eq(ex, 0);
	free(out);
	ck_assert_int_eq(t0138_log_end(c, topic), 310);
	out = test_cli(c, &ex, "perf produce --help");
	ck_assert_int_eq(ex, 0);
	ck_assert(strstr(out, "--throughput") != NULL);
	free(out);

	/* 3. End-to-end latency: every record produced, acknowledged and
	 * consumed once, and a latency sample per record. */
	out = test_cli(c, &ex,
	               "perf e2e %s --rate 200 --count 150 --acks all --format json 2>/dev/null",
	               topic);
	ck_assert_int_eq(ex, 0);
	js = t0138_json(out);
	ck_assert_int_eq(t0138_int(js, "count"), 150);
	ck_assert_int_eq(t0138_int(js, "produced"), 150);
	ck_assert_int_eq(t0138_int(js, "acked"), 150);
	ck_assert_int_eq(t0138_int(js, "failed"), 0);
	ck_assert_int_eq(t0138_int(js, "consumed"), 150);
	ck_assert_int_eq(t0138_int(js, "duplicates"), 0);
	ck_assert_int_eq(t0138_int(js, "target_rate"), 200);
	if (t0138_num(js, "achieved_rate") > 200 * 1.5)
		test_say("WARNING: --rate 200 achieved %.1f records/s\n",
		         t0138_num(js, "achieved_rate"));
	lat = json_object_get(js, "latency_ms");
	ck_assert(json_is_object(lat));
	ck_assert_int_eq(t0138_int(lat, "count"), 150);
	ck_assert(t0138_num(lat, "p50") >= 0);
	ck_assert(t0138_num(lat, "p99") >= t0138_num(lat, "p50"));
	ck_assert(t0138_num(lat, "p99.9") >= t0138_num(lat, "p99"));
	ck_assert(t0138_num(lat, "max") >= t0138_num(lat, "p99.9"));
	json_decref(js);
	free(out);
	ck_assert_int_eq(t0138_log_end(c, topic), 460);

	out = test_cli(c, &ex, "perf e2e %s --rate 500 --count 40 --record-size 100 2>/dev/null",
	               topic);
	ck_assert_int_eq(ex, 0);
	ck_assert(strstr(out, "40 produced, 40 acknowledged, 40 consumed, 0 duplicates") != NULL);
	ck_assert(strstr(out, "achieved") != NULL);
	ck_assert(strstr(out, "p50 ") != NULL && strstr(out, "p99 ") != NULL &&
	          strstr(out, "p99.9 ") != NULL && strstr(out, "max ") != NULL);
	free(out);
	ck_assert_int_eq(t0138_log_end(c, topic), 500);

	/* 4. Usage errors and an unknown topic. */
	out = test_cli(c, &ex, "perf e2e %s --count 10", topic);
	ck_assert_int_eq(ex, 2);
	ck_assert(strstr(out, "--rate") != NULL);
	free(out);
	out = test_cli(c, &ex, "perf e2e %s --rate 10 --count 10 --record-size 8", topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = test_cli(c, &ex, "perf e2e %s %s --rate 10 --count 10", topic, topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = test_cli(c, &ex, "perf e2e %s_missing --rate 10 --count 10", topic);
	ck_assert_int_eq(ex, 1);
	ck_assert(strstr(out, "does not exist") != NULL);
	free(out);
	ck_assert_int_eq(t0138_log_end(c, topic), 500);
}
END_TEST

void test_0138(TCase *tc)
{
	tcase_add_test(tc, t0138_perf_cli);
}
