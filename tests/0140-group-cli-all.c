/*
 * 0140-group-cli-all — `group describe --all-groups`, `group reset-offsets
 * --all-groups / --all-topics / --dry-run` (kafka-consumer-groups.sh's
 * options) through the real binary (issue 13). A private one-broker cluster,
 * so "all groups" are exactly this test's.
 *
 *   1. Topics A (2 partitions) and B (1), 10 records per partition. Group
 *      G1 has offsets 10 on A/0, A/1, B/0; G2 on A/0, A/1 (set with the
 *      admin API).
 *   2. `describe --all-groups` lists both (JSON: an array of 2 with 3 and 2
 *      partitions; text: both GROUP headers).
 *   3. `reset-offsets G1 --all-topics --to-earliest --dry-run`: a plan of
 *      3 rows, nothing changed. Without --dry-run (the old default) the same.
 *   4. `--all-groups --all-topics --to-offset 4 --execute`: JSON array of two
 *      plans (3 and 2 rows); every committed offset reads 4 afterwards.
 *   5. `--all-groups --topic B --shift-by 1 --execute`: G1's B/0 5, G2 gets
 *      B/0 = 1 (from the log start, as Kafka does); its A offsets stay 4.
 *      Text plan has a GROUP column.
 *   6. Usage errors exit 2: --dry-run with --execute, GROUP with
 *      --all-groups, --topic with --all-topics, neither, --all-topics with
 *      --partition, describe GROUP --all-groups, list --all-groups.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

/* The committed offset of group/topic/partition through the admin API
 * (-1: none). */
static int64_t t0140_committed(fjord_t *admin, const char *group, const char *topic, int p)
{
	fjord_group_description_t *d = NULL;
	int64_t v = -1;
	int i;

	ck_assert_int_eq(fjord_admin_describe_group(admin, group, &d, 15000), FJORD_ERR_NO_ERROR);
	for (i = 0; i < d->partition_cnt; i++)
		if (!strcmp(d->partitions[i].topic, topic) && d->partitions[i].partition == p)
			v = d->partitions[i].committed;
	fjord_group_description_destroy(d);
	return v;
}

static void t0140_set(fjord_t *admin, const char *group, const char *a, const char *b)
{
	fjord_topic_partition_list_t *l = fjord_topic_partition_list_new(3);
	char errstr[256] = "";

	fjord_topic_partition_list_add(l, a, 0)->offset = 10;
	fjord_topic_partition_list_add(l, a, 1)->offset = 10;
	if (b)
		fjord_topic_partition_list_add(l, b, 0)->offset = 10;
	ck_assert_msg(fjord_admin_alter_group_offsets(admin, group, l, 15000, errstr,
	                                              sizeof(errstr)) == FJORD_ERR_NO_ERROR,
	              "alter offsets: %s", errstr);
	fjord_topic_partition_list_destroy(l);
}

/* Asserts the JSON array of reset plans holds group with n rows, all new. */
static void t0140_plan_has(json_t *arr, const char *group, int n, int64_t expect_new)
{
	size_t i, k;

	for (i = 0; i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i), *plan = json_object_get(o, "plan");

		if (strcmp(json_string_value(json_object_get(o, "group")), group))
			continue;
		ck_assert_int_eq((int)json_array_size(plan), n);
		for (k = 0; k < json_array_size(plan); k++)
			ck_assert_int_eq(
			    json_integer_value(json_object_get(json_array_get(plan, k), "new")),
			    expect_new);
		return;
	}
	ck_abort_msg("group %s not in the plans", group);
}

START_TEST(t0140_group_cli_all)
{
	test_cluster_t *c = test_cluster_new(1, NULL);
	char ta[200], tb[200], g1[200], g2[200];
	json_t *js;
	fjord_t *admin;
	char *out;
	int ex;

	snprintf(ta, sizeof(ta), "%s", test_topic_name("a"));
	snprintf(tb, sizeof(tb), "%s", test_topic_name("b"));
	snprintf(g1, sizeof(g1), "%s", test_topic_name("g1"));
	snprintf(g2, sizeof(g2), "%s", test_topic_name("g2"));
	test_create_topic(c, ta, 2, 1);
	test_create_topic(c, tb, 1, 1);
	test_produce_msgs(c, ta, 0, 10, 16);
	test_produce_msgs(c, ta, 1, 10, 16);
	test_produce_msgs(c, tb, 0, 10, 16);
	admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), NULL, 0);
	ck_assert_ptr_nonnull(admin);
	t0140_set(admin, g1, ta, tb);
	t0140_set(admin, g2, ta, NULL);

	/* 2. describe --all-groups. */
	out = test_cli(c, &ex, "group describe --all-groups --format json 2>/dev/null");
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert(json_is_array(js));
	ck_assert_int_eq((int)json_array_size(js), 2);
	for (size_t i = 0; i < 2; i++) {
		json_t *o = json_array_get(js, i);
		const char *g = json_string_value(json_object_get(o, "group"));
		ck_assert_int_eq((int)json_array_size(json_object_get(o, "partitions")),
		                 !strcmp(g, g1) ? 3 : 2);
	}
	json_decref(js);
	free(out);
	out = test_cli(c, &ex, "group describe --all-groups");
	ck_assert_int_eq(ex, 0);
	{
		char h1[256], h2[256];
		snprintf(h1, sizeof(h1), "GROUP %s: 0 member(s)", g1);
		snprintf(h2, sizeof(h2), "GROUP %s: 0 member(s)", g2);
		ck_assert(strstr(out, h1) && strstr(out, h2));
	}
	free(out);

	/* 3. --dry-run, and the default, change nothing. */
	out = test_cli(c, &ex,
	               "group reset-offsets %s --all-topics --to-earliest --dry-run --format json "
	               "2>/dev/null",
	               g1);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(js);
	ck_assert(json_is_false(json_object_get(js, "executed")));
	ck_assert_int_eq((int)json_array_size(json_object_get(js, "plan")), 3);
	json_decref(js);
	free(out);
	out = test_cli(c, &ex, "group reset-offsets %s --all-topics --to-earliest", g1);
	ck_assert_int_eq(ex, 0);
	ck_assert(strstr(out, "dry run") != NULL);
	free(out);
	ck_assert_int_eq(t0140_committed(admin, g1, ta, 0), 10);
	ck_assert_int_eq(t0140_committed(admin, g1, tb, 0), 10);

	/* 4. Every group, every topic. */
	out = test_cli(c, &ex,
	               "group reset-offsets --all-groups --all-topics --to-offset 4 --execute "
	               "--format json 2>/dev/null");
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert(json_is_array(js));
	ck_assert_int_eq((int)json_array_size(js), 2);
	t0140_plan_has(js, g1, 3, 4);
	t0140_plan_has(js, g2, 2, 4);
	json_decref(js);
	free(out);
	ck_assert_int_eq(t0140_committed(admin, g1, ta, 0), 4);
	ck_assert_int_eq(t0140_committed(admin, g1, ta, 1), 4);
	ck_assert_int_eq(t0140_committed(admin, g1, tb, 0), 4);
	ck_assert_int_eq(t0140_committed(admin, g2, ta, 0), 4);
	ck_assert_int_eq(t0140_committed(admin, g2, ta, 1), 4);
	ck_assert_int_eq(t0140_committed(admin, g2, tb, 0), -1);

	/* 5. Every group, one topic. */
	out = test_cli(c, &ex, "group reset-offsets --all-groups --topic %s --shift-by 1 --execute",
	               tb);
	ck_assert_int_eq(ex, 0);
	ck_assert(strstr(out, "GROUP") && strstr(out, "CURRENT") && strstr(out, "NEW"));
	free(out);
	ck_assert_int_eq(t0140_committed(admin, g1, tb, 0), 5);
	ck_assert_int_eq(t0140_committed(admin, g2, tb, 0), 1);
	ck_assert_int_eq(t0140_committed(admin, g2, ta, 0), 4);

	/* 6. Usage errors. */
	const char *bad[] = {
		"group reset-offsets G --topic T --to-earliest --dry-run --execute",
		"group reset-offsets G --all-groups --topic T --to-earliest",
		"group reset-offsets G --topic T --all-topics --to-earliest",
		"group reset-offsets G --to-earliest",
		"group reset-offsets G --all-topics --partition 0 --to-earliest",
		"group describe G --all-groups",
		"group list --all-groups",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = test_cli(c, &ex, "%s", bad[i]);
		ck_assert_msg(ex == 2, "'%s' exited %d", bad[i], ex);
		free(out);
	}
	ck_assert_int_eq(t0140_committed(admin, g1, ta, 0), 4);
	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0140(TCase *tc)
{
	tcase_add_test(tc, t0140_group_cli_all);
}
