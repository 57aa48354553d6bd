/*
 * 0131-consume-cli — `fjord consume` without a group, through the real
 * binary on the shared cluster, against a fixture produced through the SDK
 * (consume_cli_helpers.h: 3 partitions x 5 records with keys, headers,
 * CreateTime timestamps, a null key and a null value). Every output is
 * compared whole, counts included:
 *
 *   1. -e: `-o -3 -e` prints the last 3 records of each partition (9) and
 *      exits 0; `-o -10` is clamped to the log start (15); `-o 3 -p 0`;
 *      `-o beginning -n 2`; `-e` on an empty topic exits 0 with nothing.
 *   2. -F: every token (%t %p %o %k %s %K %S %T %h %% and escapes) of one
 *      partition, in order; nulls print nothing and size -1.
 *   3. Text: --print-timestamp, -O, --print-headers, -K columns; JSON: every
 *      record with timestamp, headers, and null key / value / header value.
 *   4. s@TIME and --from-time in every zone form (Z, +HH:MM, -HH:MM, +HHMM,
 *      epoch ms, local time from TZ) start at the first record at or after
 *      the time; a time after the last record prints nothing.
 *   5. Several topics and a ^regex: every record of each, once.
 *   6. -E base64 (the old -e moved); usage errors exit 2 with one line.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consume_cli_helpers.h"
#include "test.h"

#define T0131_PARTS 3

/* Runs the CLI, asserts exit 0 and returns stdout. */
static char *t0131_ok(test_cluster_t *c, const char *env, const char *args)
{
	int ex;
	char *out = cc_run(c, env, &ex, NULL, "%s", args);

	ck_assert_msg(ex == 0, "exit %d for: %s", ex, args);
	return out;
}

/* Asserts that `consume ... <args>` printed exactly `expect` (sorted
 * lines when sorted: partitions interleave) and exited 0. */
static void t0131_expect(test_cluster_t *c, const char *env, const char *args, const char *expect,
                         int sorted)
{
	char *out = t0131_ok(c, env, args), *got = sorted ? cc_sorted(out) : strdup(out);

	ck_assert_msg(!strcmp(got, expect), "consume %s\n--- got\n%s--- expected\n%s", args, got,
	              expect);
	free(got);
	free(out);
}

/* "P:O\n" for offsets from..CC_PER_PART-1 of every partition, sorted. */
static char *t0131_offsets(int parts, int from)
{
	char *s = calloc(1, 4096);
	int p, i;

	ck_assert_ptr_nonnull(s);
	for (p = 0; p < parts; p++)
		for (i = from; i < CC_PER_PART; i++)
			sprintf(s + strlen(s), "%d:%d\n", p, i);
	return s;
}

/* 1. Where to start, and -e. */
static void t0131_exit_at_end(test_cluster_t *c, const char *topic)
{
	char args[512], eofx[256], bg[1024], *exp, *out;
	const char *empty = test_topic_name("empty");
	int64_t t0;

	exp = t0131_offsets(T0131_PARTS, CC_PER_PART - 3);
	snprintf(args, sizeof(args), "consume %s -o -3 -e -F '%%p:%%o\\n'", topic);
	t0131_expect(c, NULL, args, exp, 1);
	ck_assert_int_eq(cc_lines(exp), 9);
	free(exp);

	exp = t0131_offsets(T0131_PARTS, 0);
	snprintf(args, sizeof(args), "consume %s --offset -10 --exit -F '%%p:%%o\\n'", topic);
	t0131_expect(c, NULL, args, exp, 1);
	ck_assert_int_eq(cc_lines(exp), 15);
	snprintf(args, sizeof(args), "consume %s -B -e -F '%%p:%%o\\n'", topic);
	t0131_expect(c, NULL, args, exp, 1);
	snprintf(args, sizeof(args), "consume %s -o beginning -e -F '%%p:%%o\\n'", topic);
	t0131_expect(c, NULL, args, exp, 1);
	free(exp);

	snprintf(args, sizeof(args), "consume %s -o 3 -p 0 -e -F '%%p:%%o\\n'", topic);
	t0131_expect(c, NULL, args, "0:3\n0:4\n", 0);
	snprintf(args, sizeof(args), "consume %s -o beginning -p 2 -e -n 2 -F '%%p:%%o\\n'", topic);
	t0131_expect(c, NULL, args, "2:0\n2:1\n", 0);
	/* Without -e, reaching the end (-X enable.partition.eof=true) does not
	 * stop it: it waits for the record produced 2 s later, then -n 2. */
	snprintf(eofx, sizeof(eofx), "%s", test_topic_name("eofx"));
	test_create_topic(c, eofx, 1, 1);
	cc_produce_fixture(c, eofx, 1);
	snprintf(bg, sizeof(bg),
	         "{ sleep 2; printf 'late\\n' | %s -z %s produce %s -p 0 >/dev/null 2>&1; } &",
	         test_cli_path(), c->zk_connect, eofx);
	snprintf(args, sizeof(args),
	         "-X enable.partition.eof=true consume %s -o -1 -n 2 -F '%%p:%%o %%s\\n'", eofx);
	t0131_expect(c, bg, args, "0:4 \n0:5 late\n", 0);
	/* At the end already: nothing, exit 0. */
	snprintf(args, sizeof(args), "consume %s -o end -e", topic);
	t0131_expect(c, NULL, args, "", 0);

	test_create_topic(c, empty, T0131_PARTS, 1);
	snprintf(args, sizeof(args), "consume %s -e", empty);
	t0 = test_now_ms();
	out = t0131_ok(c, NULL, args);
	ck_assert_str_eq(out, "");
	free(out);
	if (test_now_ms() - t0 > 5000)
		test_say("WARNING: -e on an empty topic took %lld ms",
		         (long long)(test_now_ms() - t0));
}

/* 2. -F with every token, partition 1 in offset order. */
static void t0131_format_string(test_cluster_t *c, const char *topic)
{
	char args[512], exp[2048] = "";
	int i;

	for (i = 0; i < CC_PER_PART; i++) {
		char key[16], value[16];

		snprintf(key, sizeof(key), "k1-%d", i);
		snprintf(value, sizeof(value), "v1-%d", i);
		sprintf(exp + strlen(exp), "%s|1|%d|%s|%s|%d|%d|%lld|%s|100%%\t.\n", topic, i,
		        i == 3 ? "" : key, i == 4 ? "" : value, i == 3 ? -1 : 4, i == 4 ? -1 : 4,
		        (long long)cc_ts(1, i), i == 0 ? "h1=a,h2" : "");
	}
	snprintf(args, sizeof(args),
	         "consume %s -p 1 -B -e --format-string "
	         "'%%t|%%p|%%o|%%k|%%s|%%K|%%S|%%T|%%h|100%%%%\\t.\\n'",
	         topic);
	t0131_expect(c, NULL, args, exp, 0);
}

/* 3. Text columns and JSON. */
static void t0131_text_json(test_cluster_t *c, const char *topic)
{
	char args[512], exp[2048] = "", *out, *line, *save = NULL;
	json_error_t jerr;
	int i, n = 0;

	for (i = 0; i < CC_PER_PART; i++) {
		char key[16], value[16];

		snprintf(key, sizeof(key), "k2-%d", i);
		snprintf(value, sizeof(value), "v2-%d", i);
		sprintf(exp + strlen(exp), "CreateTime:%lld\t2:%d\t%s\t%s\t%s\n",
		        (long long)cc_ts(2, i), i, i == 0 ? "h1:a,h2" : "NO_HEADERS",
		        i == 3 ? "" : key, i == 4 ? "" : value);
	}
	snprintf(args, sizeof(args),
	         "consume %s -p 2 -B -e --print-timestamp --print-offset --print-headers "
	         "--print-key",
	         topic);
	t0131_expect(c, NULL, args, exp, 0);
	/* Without options: the value alone; a null value is an empty line. */
	snprintf(args, sizeof(args), "consume %s -p 2 -B -e", topic);
	t0131_expect(c, NULL, args, "v2-0\nv2-1\nv2-2\nv2-3\n\n", 0);

	snprintf(args, sizeof(args), "consume %s -B -e -f json", topic);
	out = t0131_ok(c, NULL, args);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		json_t *o = json_loads(line, 0, &jerr), *h;
		int p, off;

		ck_assert_msg(o != NULL, "not JSON: %s (%s)", line, jerr.text);
		ck_assert_str_eq(json_string_value(json_object_get(o, "topic")), topic);
		p = (int)json_integer_value(json_object_get(o, "partition"));
		off = (int)json_integer_value(json_object_get(o, "offset"));
		ck_assert(p >= 0 && p < T0131_PARTS && off >= 0 && off < CC_PER_PART);
		ck_assert(json_integer_value(json_object_get(o, "timestamp")) == cc_ts(p, off));
		if (off == 3)
			ck_assert(json_is_null(json_object_get(o, "key")));
		else
			ck_assert(json_is_string(json_object_get(o, "key")));
		if (off == 4)
			ck_assert(json_is_null(json_object_get(o, "value")));
		else
			ck_assert(json_is_string(json_object_get(o, "value")));
		h = json_object_get(o, "headers");
		ck_assert(json_is_array(h));
		ck_assert_int_eq(json_array_size(h), off == 0 ? 2 : 0);
		if (off == 0) {
			ck_assert_str_eq(
			    json_string_value(json_object_get(json_array_get(h, 0), "key")), "h1");
			ck_assert_str_eq(
			    json_string_value(json_object_get(json_array_get(h, 0), "value")), "a");
			ck_assert_str_eq(
			    json_string_value(json_object_get(json_array_get(h, 1), "key")), "h2");
			ck_assert(json_is_null(json_object_get(json_array_get(h, 1), "value")));
		}
		json_decref(o);
	}
	ck_assert_int_eq(n, T0131_PARTS * CC_PER_PART);
	free(out);
}

/* 4. Times: the first record at or after 10:02:00Z is record 2 of every
 * partition (partition p's is p seconds later). */
static void t0131_times(test_cluster_t *c, const char *topic)
{
	static const char *const forms[] = {
		"-o s@2026-11-21T10:02Z",
		"-o s@2026-11-21T11:02:00+01:00",
		"-o s@2026-11-21T05:02:00.000-05:00",
		"--from-time 2026-11-21T15:32+0530",
		"--from-time 1795255320000",
	};
	char args[512], *exp = t0131_offsets(T0131_PARTS, 2);
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(args, sizeof(args), "consume %s %s -e -F '%%p:%%o\\n'", topic, forms[i]);
		t0131_expect(c, NULL, args, exp, 1);
	}
	/* No zone: local time, here UTC+05:30 from TZ. */
	snprintf(args, sizeof(args), "consume %s --from-time 2026-11-21T15:32 -e -F '%%p:%%o\\n'",
	         topic);
	t0131_expect(c, "TZ=FJT-05:30", args, exp, 1);
	free(exp);
	/* 10:02:01.5Z: partition 0's record 2 (10:02:00) is before it. */
	snprintf(args, sizeof(args), "consume %s -o s@2026-11-21T10:02:01.500Z -e -F '%%p:%%o\\n'",
	         topic);
	t0131_expect(c, NULL, args, "0:3\n0:4\n1:3\n1:4\n2:2\n2:3\n2:4\n", 1);
	/* After every record: nothing, exit 0. */
	snprintf(args, sizeof(args), "consume %s --from-time 2026-11-22T00:00Z -e", topic);
	t0131_expect(c, NULL, args, "", 0);
}

/* 5. Several topics, and a pattern. */
static void t0131_topics(test_cluster_t *c, const char *topic)
{
	char rx1[256], rx2[256], args[1024], exp[4096] = "", *sorted;
	const char *other = test_topic_name("other");
	int i;

	snprintf(rx1, sizeof(rx1), "%s", test_topic_name("rx1"));
	snprintf(rx2, sizeof(rx2), "%s", test_topic_name("rx2"));
	test_create_topic(c, rx1, 1, 1);
	test_create_topic(c, rx2, 2, 1);
	test_create_topic(c, other, 1, 1);
	cc_produce_fixture(c, rx1, 1);
	cc_produce_fixture(c, rx2, 2);
	cc_produce_fixture(c, other, 1);

	/* Two names (and one twice): every record of each, once. */
	for (i = 0; i < CC_PER_PART; i++)
		sprintf(exp + strlen(exp), "%s %d %d\n%s %d %d\n%s %d %d\n", rx1, 0, i, rx2, 0, i,
		        rx2, 1, i);
	sorted = cc_sorted(exp);
	snprintf(args, sizeof(args), "consume %s %s %s -B -e -F '%%t %%p %%o\\n'", rx1, rx2, rx1);
	t0131_expect(c, NULL, args, sorted, 1);
	/* The pattern matches rx1 and rx2, not `other` nor the fixture topic. */
	snprintf(args, sizeof(args), "consume '^t0131_%d_[0-9]+_rx[12]$' -B -e -F '%%t %%p %%o\\n'",
	         (int)getpid());
	t0131_expect(c, NULL, args, sorted, 1);
	free(sorted);
	(void)topic;
}

/* 6. -E base64; usage errors. */
static void t0131_usage(test_cluster_t *c, const char *topic)
{
	static const char *const bad[] = {
		"-o bogus",
		"-o -0",
		"-o --3",
		"-o +-3",
		"-o s@yesterday",
		"--from-time 2026-11-21T10:00+25:00",
		"-o -3 --from-time 0",
		"-F '%x'",
		"-F 'x\\q'",
		"-F '%s' -f json",
		"-g grp -o -3",
		"-g grp --from-time 0",
		"-g grp -p 0",
		"-e base64",
		"-E hex",
	};
	char args[512], *out, *err;
	size_t i;
	int ex;

	snprintf(args, sizeof(args), "consume %s -p 1 -o 0 -n 1 -E base64 -F '%%k %%s\\n'", topic);
	t0131_expect(c, NULL, args, "azEtMA== djEtMA==\n", 0);
	snprintf(args, sizeof(args), "consume %s -p 1 -o 0 -n 1 --encoding base64 -K", topic);
	t0131_expect(c, NULL, args, "azEtMA==\tdjEtMA==\n", 0);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = cc_run(c, NULL, &ex, &err, "consume %s %s", topic, bad[i]);
		/* "-e base64" reads base64 as a second topic, which does not
		 * exist: exit 1, no records. */
		ck_assert_msg(ex == (strcmp(bad[i], "-e base64") ? 2 : 1), "%s: exit %d", bad[i],
		              ex);
		ck_assert_str_eq(out, "");
		ck_assert_msg(!strncmp(err, "fjord", 5), "%s: %s", bad[i], err);
		if (strstr(bad[i], "yesterday") || strstr(bad[i], "25:00"))
			ck_assert_msg(strstr(err, "epoch milliseconds") && strstr(err, "+HH:MM"),
			              "the error names the forms: %s", err);
		free(out);
		free(err);
	}
	/* The new options are in --help. */
	out = cc_run(c, NULL, &ex, NULL, "consume --help");
	ck_assert_int_eq(ex, 0);
	ck_assert(strstr(out, "--exit") && strstr(out, "--from-time") &&
	          strstr(out, "--format-string") && strstr(out, "--print-timestamp") &&
	          strstr(out, "--print-headers") && strstr(out, "--encoding") &&
	          strstr(out, "s@TIME") && strstr(out, "^REGEX"));
	free(out);
}

START_TEST(consume_cli)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("fixture");
	char keep[256];

	snprintf(keep, sizeof(keep), "%s", topic);
	test_create_topic(c, keep, T0131_PARTS, 1);
	cc_produce_fixture(c, keep, T0131_PARTS);
	t0131_exit_at_end(c, keep);
	t0131_format_string(c, keep);
	t0131_text_json(c, keep);
	t0131_times(c, keep);
	t0131_topics(c, keep);
	t0131_usage(c, keep);
}
END_TEST

void test_0131(TCase *tc);

void test_0131(TCase *tc)
{
	tcase_add_test(tc, consume_cli);
}
