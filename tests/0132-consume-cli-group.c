/*
 * 0132-consume-cli-group — `fjord consume -g` with the new options, and
 * `group reset-offsets --to-datetime` with zones, through the real binary on
 * the shared cluster (fixture: consume_cli_helpers.h, 3 partitions x 5).
 *
 *   1. `consume -g G T -B -e` prints all 15 records once and exits 0; the
 *      group then has committed offset 5 in each partition (read from
 *      ZooKeeper). Again with -e: nothing new, exits 0 with no output.
 *   2. `consume -g G2 '^regex' -o beginning -e` reads every record of the
 *      two topics the pattern matches, and none of a third.
 *   3. `group reset-offsets G --to-datetime` in the zone forms (Z, +HH:MM,
 *      -HH:MM, +HHMM, a fraction, local time from TZ) plans the first offset
 *      at or after the time; executed, the next `consume -g G -e` prints
 *      exactly those records.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgrp_helpers.h"
#include "consume_cli_helpers.h"
#include "test.h"

#define T0132_PARTS 3

static void t0132_expect(test_cluster_t *c, const char *env, const char *args, const char *expect)
{
	int ex;
	char *out = cc_run(c, env, &ex, NULL, "%s", args), *got;

	ck_assert_msg(ex == 0, "exit %d for: %s", ex, args);
	got = cc_sorted(out);
	ck_assert_msg(!strcmp(got, expect), "%s\n--- got\n%s--- expected\n%s", args, got, expect);
	free(got);
	free(out);
}

/* Asserts the --to-datetime plan (JSON) moves partition p to want[p]. */
static void t0132_plan(test_cluster_t *c, const char *env, const char *group, const char *topic,
                       const char *when, const int *want, int execute)
{
	json_error_t jerr;
	json_t *js, *plan;
	size_t i;
	char *out;
	int ex;

	out = cc_run(c, env, &ex, NULL,
	             "group reset-offsets %s --topic %s --to-datetime %s%s -f json", group, topic,
	             when, execute ? " --execute" : "");
	ck_assert_msg(ex == 0, "reset-offsets --to-datetime %s: exit %d", when, ex);
	js = json_loads(out, 0, &jerr);
	ck_assert_msg(js != NULL, "plan is not JSON: %s", jerr.text);
	plan = json_object_get(js, "plan");
	ck_assert_int_eq(json_array_size(plan), T0132_PARTS);
	for (i = 0; i < json_array_size(plan); i++) {
		json_t *e = json_array_get(plan, i);
		int p = (int)json_integer_value(json_object_get(e, "partition"));

		ck_assert(p >= 0 && p < T0132_PARTS);
		ck_assert_msg(json_integer_value(json_object_get(e, "new")) == want[p],
		              "%s: partition %d to %lld, expected %d", when, p,
		              (long long)json_integer_value(json_object_get(e, "new")), want[p]);
	}
	json_decref(js);
	free(out);
}

START_TEST(consume_cli_group)
{
	test_cluster_t *c = test_shared_cluster();
	char topic[256], rx1[256], rx2[256], other[256], group[256], group2[256];
	char args[1024], exp[4096] = "", *sorted, *out, *err;
	static const int at_2[T0132_PARTS] = { 2, 2, 2 }, at_2_or_3[T0132_PARTS] = { 3, 3, 2 };
	int p, i, ex;

	snprintf(topic, sizeof(topic), "%s", test_topic_name("fixture"));
	snprintf(rx1, sizeof(rx1), "%s", test_topic_name("rx1"));
	snprintf(rx2, sizeof(rx2), "%s", test_topic_name("rx2"));
	snprintf(other, sizeof(other), "%s", test_topic_name("other"));
	snprintf(group, sizeof(group), "%s", tg_group_name("g"));
	snprintf(group2, sizeof(group2), "%s", tg_group_name("g2"));
	test_create_topic(c, topic, T0132_PARTS, 1);
	cc_produce_fixture(c, topic, T0132_PARTS);

	/* 1. The group reads everything once and stops at the end. */
	for (p = 0; p < T0132_PARTS; p++)
		for (i = 0; i < CC_PER_PART; i++)
			sprintf(exp + strlen(exp), "%d:%d\n", p, i);
	snprintf(args, sizeof(args), "consume -g %s %s -B -e -F '%%p:%%o\\n'", group, topic);
	t0132_expect(c, NULL, args, exp);
	for (p = 0; p < T0132_PARTS; p++)
		ck_assert_int_eq(tg_committed(c, group, topic, p), CC_PER_PART);
	snprintf(args, sizeof(args), "consume -g %s %s -e", group, topic);
	t0132_expect(c, NULL, args, "");

	/* 2. A pattern with a group. */
	test_create_topic(c, rx1, 1, 1);
	test_create_topic(c, rx2, 2, 1);
	test_create_topic(c, other, 1, 1);
	cc_produce_fixture(c, rx1, 1);
	cc_produce_fixture(c, rx2, 2);
	cc_produce_fixture(c, other, 1);
	exp[0] = '\0';
	for (i = 0; i < CC_PER_PART; i++)
		sprintf(exp + strlen(exp), "%s 0 %d\n%s 0 %d\n%s 1 %d\n", rx1, i, rx2, i, rx2, i);
	sorted = cc_sorted(exp);
	snprintf(args, sizeof(args),
	         "consume -g %s '^t0132_%d_[0-9]+_rx[12]$' -o beginning -e -F '%%t %%p %%o\\n'",
	         group2, (int)getpid());
	t0132_expect(c, NULL, args, sorted);
	free(sorted);

	/* 3. --to-datetime in every form: 10:02:00Z is record 2 everywhere. */
	t0132_plan(c, NULL, group, topic, "2026-11-21T10:02Z", at_2, 0);
	t0132_plan(c, NULL, group, topic, "2026-11-21T11:02:00+01:00", at_2, 0);
	t0132_plan(c, NULL, group, topic, "2026-11-21T05:02-05:00", at_2, 0);
	t0132_plan(c, NULL, group, topic, "2026-11-21T15:32+0530", at_2, 0);
	t0132_plan(c, NULL, group, topic, "1795255320000", at_2, 0);
	t0132_plan(c, NULL, group, topic, "2026-11-21T10:02:01.5Z", at_2_or_3, 0);
	t0132_plan(c, "TZ=FJT-05:30", group, topic, "2026-11-21T15:32", at_2, 1);
	out = cc_run(c, NULL, &ex, &err, "group reset-offsets %s --topic %s --to-datetime 10:02",
	             group, topic);
	ck_assert_int_eq(ex, 2);
	ck_assert_msg(strstr(err, "+HH:MM"), "the error names the forms: %s", err);
	free(out);
	free(err);
	/* Executed: the group resumes at record 2 of each partition. */
	exp[0] = '\0';
	for (p = 0; p < T0132_PARTS; p++)
		for (i = 2; i < CC_PER_PART; i++)
			sprintf(exp + strlen(exp), "%d:%d\n", p, i);
	snprintf(args, sizeof(args), "consume -g %s %s -e -F '%%p:%%o\\n'", group, topic);
	t0132_expect(c, NULL, args, exp);
}
END_TEST

void test_0132(TCase *tc);

void test_0132(TCase *tc)
{
	tcase_add_test(tc, consume_cli_group);
}
