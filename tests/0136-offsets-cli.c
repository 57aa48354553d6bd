/*
 * 0136-offsets-cli — `fjord offsets` (kafka-get-offsets) through the real
 * binary against the shared cluster, compared with the SDK.
 *
 * A 3-partition topic gets, per partition p, 5 records stamped T0 and 3+p
 * records stamped T0+10 s (`fjord produce --timestamp`, exit 0: all
 * acknowledged). Then:
 *   - `offsets T` (latest) prints T:p:8+p for each partition, equal to the
 *     high watermark fjord_query_watermark_offsets reads;
 *   - `--time earliest` the log start offsets (0);
 *   - `--time T0+10000` offset 5 in every partition, equal to
 *     fjord_offsets_for_times; `--time` after the last record -1 (the SDK
 *     says -1 too); `--time T0` 0;
 *   - `-p 1` one line; `--format json` the same numbers;
 *   - a bad --time is exit 2, an unknown topic or partition exit 1.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test.h"

#define T0136_PARTS 3

/* The expected `offsets` text for offs[p]. */
static void t0136_expect(const char *out, const char *topic, const int64_t *offs)
{
	char want[1024];
	size_t len = 0;

	for (int p = 0; p < T0136_PARTS; p++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%s:%d:%lld\n", topic, p,
		                        (long long)offs[p]);
	ck_assert_str_eq(out, want);
}

START_TEST(t0136_offsets)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("offsets_cli");
	int64_t t0 = (int64_t)time(NULL) * 1000 - 60000, lows[T0136_PARTS], highs[T0136_PARTS];
	int64_t at[T0136_PARTS], none[T0136_PARTS], zero[T0136_PARTS];
	fjord_topic_partition_list_t *parts;
	json_t *js, *e;
	json_error_t jerr;
	fjord_t *fj;
	char *out, want[256];
	size_t i;
	int ex;

	test_create_topic(c, topic, T0136_PARTS, 1);
	for (int p = 0; p < T0136_PARTS; p++) {
		out = test_cli_sh(c, &ex, "seq 1 5 | $F produce %s -p %d --timestamp %lld", topic,
		                  p, (long long)t0);
		ck_assert_int_eq(ex, 0);
		free(out);
		out = test_cli_sh(c, &ex, "seq 1 %d | $F produce %s -p %d --timestamp %lld", 3 + p,
		                  topic, p, (long long)(t0 + 10000));
		ck_assert_int_eq(ex, 0);
		free(out);
	}

	fj = test_consumer_new(c, NULL);
	for (int p = 0; p < T0136_PARTS; p++) {
		ck_assert_int_eq(
		    fjord_query_watermark_offsets(fj, topic, p, &lows[p], &highs[p], 10000), 0);
		ck_assert_int_eq(highs[p], 8 + p); /* what was acknowledged */
		ck_assert_int_eq(lows[p], 0);
		zero[p] = 0;
	}
	parts = fjord_topic_partition_list_new(2 * T0136_PARTS);
	for (int p = 0; p < T0136_PARTS; p++)
		fjord_topic_partition_list_add(parts, topic, p)->offset = t0 + 10000;
	for (int p = 0; p < T0136_PARTS; p++)
		fjord_topic_partition_list_add(parts, topic, p)->offset = t0 + 20000;
	ck_assert_int_eq(fjord_offsets_for_times(fj, parts, 10000), 0);
	for (int p = 0; p < T0136_PARTS; p++) {
		at[p] = parts->elems[p].offset;
		none[p] = parts->elems[T0136_PARTS + p].offset;
		ck_assert_int_eq(at[p], 5);
		ck_assert_int_eq(none[p], -1);
	}
	fjord_topic_partition_list_destroy(parts);
	fjord_destroy(fj);

	out = test_cli_sh(c, &ex, "$F offsets %s", topic);
	ck_assert_int_eq(ex, 0);
	t0136_expect(out, topic, highs);
	free(out);
	out = test_cli_sh(c, &ex, "$F offsets %s --time latest", topic);
	ck_assert_int_eq(ex, 0);
	t0136_expect(out, topic, highs);
	free(out);
	out = test_cli_sh(c, &ex, "$F offsets %s --time earliest", topic);
	ck_assert_int_eq(ex, 0);
	t0136_expect(out, topic, lows);
	free(out);
	out = test_cli_sh(c, &ex, "$F offsets %s --time %lld", topic, (long long)(t0 + 10000));
	ck_assert_int_eq(ex, 0);
	t0136_expect(out, topic, at);
	free(out);
	out = test_cli_sh(c, &ex, "$F offsets %s --time %lld", topic, (long long)(t0 + 20000));
	ck_assert_int_eq(ex, 0);
	t0136_expect(out, topic, none);
	free(out);
	out = test_cli_sh(c, &ex, "$F offsets %s -t %lld", topic, (long long)t0);
	ck_assert_int_eq(ex, 0);
	t0136_expect(out, topic, zero);
	free(out);

	out = test_cli_sh(c, &ex, "$F offsets %s -p 1", topic);
	ck_assert_int_eq(ex, 0);
	snprintf(want, sizeof(want), "%s:1:%lld\n", topic, (long long)highs[1]);
	ck_assert_str_eq(out, want);
	free(out);

	out = test_cli_sh(c, &ex, "$F offsets %s --format json", topic);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, &jerr);
	ck_assert_msg(js, "JSON: %s", jerr.text);
	ck_assert_int_eq(json_array_size(js), T0136_PARTS);
	json_array_foreach (js, i, e) {
		ck_assert_str_eq(json_string_value(json_object_get(e, "topic")), topic);
		ck_assert_int_eq(json_integer_value(json_object_get(e, "partition")), (int)i);
		ck_assert_int_eq(json_integer_value(json_object_get(e, "offset")), highs[i]);
	}
	json_decref(js);
	free(out);

	out = test_cli_sh(c, &ex, "$F offsets %s --time yesterday 2>&1", topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = test_cli_sh(c, &ex, "$F offsets no_such_topic_0136 2>&1");
	ck_assert_int_eq(ex, 1);
	ck_assert_ptr_nonnull(strstr(out, "does not exist"));
	free(out);
	out = test_cli_sh(c, &ex, "$F offsets %s -p 7 2>&1", topic);
	ck_assert_int_eq(ex, 1);
	free(out);
	out = test_cli_sh(c, &ex, "$F offsets --help");
	ck_assert_int_eq(ex, 0);
	ck_assert_ptr_nonnull(strstr(out, "--time"));
	free(out);
}
END_TEST

void test_0136(TCase *tc)
{
	tcase_add_test(tc, t0136_offsets);
}
