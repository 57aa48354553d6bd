/*
 * 0077-group-cli — consumer group administration through the real `fjord`
 * binary, with groups driven by the CLI's own `consume -g` and by the SDK,
 * on the shared cluster.
 *
 *   1. `consume -g G --from-beginning -n 40` reads a 4-partition topic of 40
 *      records and leaves the group, committing (auto commit).
 *   2. `group list` (text, JSON) shows G; `group describe` (text, JSON)
 *      shows 4 partitions committed at 10 with log end 10, lag 0 and
 *      lag-ms 0, no members, a generation, leader, strategy and a reason.
 *   3. `reset-offsets --to-earliest` without --execute prints the plan
 *      (CURRENT 10, NEW 0) and changes nothing (zkCli reads 10).
 *   4. While an SDK member of G is live: reset --execute and delete are
 *      refused (exit 1, a message about live members); describe lists the
 *      member and its owned partitions.
 *   5. After it leaves: reset --to-offset 5 --execute applies (zkCli reads
 *      5, describe shows lag 5 per partition, total 20, lag-ms > 0), and the
 *      next `consume -g G` starts there: exactly offsets 5..9 of each partition.
 *   6. Plans for --shift-by and --to-datetime; usage errors exit 2.
 *      `consume -g` stopped by SIGINT (once it printed everything) exits 0
 *      and has committed everything on its way out.
 *   7. `group delete G`; G is gone from the list and describe says so (1).
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define T0077_PARTS 4
#define T0077_PER_PART 10

/* Runs `fjord -z ZK <args>` and logs it. */
static char *t0077_run(test_cluster_t *c, int *exitp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *t0077_run(test_cluster_t *c, int *exitp, const char *fmt, ...)
{
	char *args = NULL, *full = NULL, *out;
	va_list ap;

	va_start(ap, fmt);
	ck_assert(vasprintf(&args, fmt, ap) > 0);
	va_end(ap);
	ck_assert(asprintf(&full, "%s -z %s --timeout 15000 %s", test_cli_path(), c->zk_connect,
	                   args) > 0);
	out = test_run(full, exitp);
	ck_assert_ptr_nonnull(out);
	test_say("$ %s\n=> exit %d\n%s", full, *exitp, out);
	free(args);
	free(full);
	return out;
}

/* `group describe G --format json` (stderr dropped), parsed. */
static json_t *t0077_describe(test_cluster_t *c, const char *group)
{
	json_error_t jerr;
	json_t *js;
	char *out;
	int ex;

	out = t0077_run(c, &ex, "group describe %s --format json 2>/dev/null", group);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, &jerr);
	ck_assert_msg(js != NULL, "describe JSON: %s", jerr.text);
	free(out);
	return js;
}

static json_int_t t0077_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	ck_assert_msg(json_is_integer(v), "\"%s\" is not an integer", key);
	return json_integer_value(v);
}

/* The committed offset of one partition as an operator reads it. */
static long long t0077_zk_offset(test_cluster_t *c, const char *group, const char *topic, int p)
{
	char cmd[512], *out, *line;
	long long v = -1;
	int st;

	snprintf(cmd, sizeof(cmd), "get /consumers/%s/offsets/%s/%d", group, topic, p);
	out = test_zkcli(c, cmd, &st);
	ck_assert_ptr_nonnull(out);
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char *end;
		long long x = strtoll(line, &end, 10);
		if (end != line && *end == '\0')
			v = x;
	}
	free(out);
	return v;
}

typedef struct t0077_member {
	fjord_t *admin;
	fjord_t *consumer;
	const char *group;
} t0077_member_t;

/* The SDK member is in the group and owns every partition. */
static int t0077_member_owns_all(void *arg)
{
	t0077_member_t *m = arg;
	fjord_group_description_t *d = NULL;
	fjord_message_t *msg;
	int owned = 0, i;

	while ((msg = fjord_consumer_poll(m->consumer, 50)) != NULL)
		fjord_message_destroy(msg);
	if (fjord_admin_describe_group(m->admin, m->group, &d, 5000))
		return 0;
	for (i = 0; i < d->partition_cnt; i++)
		owned += d->partitions[i].owner != NULL;
	i = d->member_cnt == 1 && owned == T0077_PARTS;
	fjord_group_description_destroy(d);
	return i;
}

static int t0077_group_empty(void *arg)
{
	t0077_member_t *m = arg;
	fjord_group_description_t *d = NULL;
	int empty;

	if (fjord_admin_describe_group(m->admin, m->group, &d, 5000))
		return 0;
	empty = d->member_cnt == 0;
	fjord_group_description_destroy(d);
	return empty;
}

START_TEST(t0077_group_cli)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("gcli");
	char group[128], *out, *line;
	json_t *js, *parts, *members;
	t0077_member_t mem;
	fjord_topic_partition_list_t *sub;
	size_t i;
	int ex, p, seen[T0077_PARTS][T0077_PER_PART], lines = 0;

	snprintf(group, sizeof(group), "%s", test_topic_name("group"));
	test_create_topic(c, topic, T0077_PARTS, 1);
	for (p = 0; p < T0077_PARTS; p++)
		test_produce_msgs(c, topic, p, T0077_PER_PART, 16);

	/* 1. A member run by the CLI reads everything and commits on leaving. */
	out =
	    t0077_run(c, &ex, "-X enable.auto.commit=true consume %s -g %s --from-beginning -n %d",
	              topic, group, T0077_PARTS * T0077_PER_PART);
	ck_assert_int_eq(ex, 0);
	free(out);

	/* 2. list and describe. */
	out = t0077_run(c, &ex, "group list");
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(strstr(out, "GROUP") && strstr(out, group), "group list lacks %s", group);
	free(out);
	out = t0077_run(c, &ex, "group list --format json");
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert(json_is_array(js));
	for (i = 0; i < json_array_size(js); i++)
		if (!strcmp(json_string_value(json_array_get(js, i)), group))
			break;
	ck_assert_msg(i < json_array_size(js), "JSON group list lacks %s", group);
	json_decref(js);
	free(out);

	js = t0077_describe(c, group);
	parts = json_object_get(js, "partitions");
	ck_assert_int_eq(json_array_size(parts), T0077_PARTS);
	for (i = 0; i < json_array_size(parts); i++) {
		json_t *jp = json_array_get(parts, i);
		ck_assert_str_eq(json_string_value(json_object_get(jp, "topic")), topic);
		ck_assert_int_eq(t0077_int(jp, "partition"), (json_int_t)i);
		ck_assert_int_eq(t0077_int(jp, "committed"), T0077_PER_PART);
		ck_assert_int_eq(t0077_int(jp, "log_end_offset"), T0077_PER_PART);
		ck_assert_int_eq(t0077_int(jp, "lag"), 0);
		ck_assert_int_eq(t0077_int(jp, "lag_ms"), 0);
		ck_assert(json_is_null(json_object_get(jp, "owner")));
	}
	ck_assert_int_eq(t0077_int(js, "total_lag"), 0);
	ck_assert_int_ge(t0077_int(js, "generation"), 1);
	ck_assert_int_eq(json_array_size(json_object_get(js, "members")), 0);
	ck_assert(json_is_string(json_object_get(js, "strategy")));
	ck_assert(json_is_string(json_object_get(js, "last_rebalance_reason")));
	json_decref(js);
	out = t0077_run(c, &ex, "group describe %s", group);
	ck_assert_int_eq(ex, 0);
	ck_assert(strstr(out, "TOPIC") && strstr(out, "LOG-END") && strstr(out, "LAG-MS") &&
	          strstr(out, "TOTAL-LAG") && strstr(out, "GENERATION") &&
	          strstr(out, "LAST-REBALANCE"));
	free(out);

	/* 3. A dry run prints the plan and changes nothing. */
	out = t0077_run(c, &ex, "group reset-offsets %s --topic %s --to-earliest", group, topic);
	ck_assert_int_eq(ex, 0);
	ck_assert(strstr(out, "CURRENT") && strstr(out, "NEW") && strstr(out, "--execute"));
	free(out);
	out = t0077_run(c, &ex,
	                "group reset-offsets %s --topic %s --to-earliest --format json "
	                "2>/dev/null",
	                group, topic);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(js);
	parts = json_object_get(js, "plan");
	ck_assert_int_eq(json_array_size(parts), T0077_PARTS);
	for (i = 0; i < json_array_size(parts); i++) {
		ck_assert_int_eq(t0077_int(json_array_get(parts, i), "current"), T0077_PER_PART);
		ck_assert_int_eq(t0077_int(json_array_get(parts, i), "new"), 0);
	}
	json_decref(js);
	free(out);
	ck_assert_int_eq(t0077_zk_offset(c, group, topic, 0), T0077_PER_PART);

	/* 4. A live member blocks reset and delete. */
	mem.group = group;
	mem.admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), NULL, 0);
	ck_assert_ptr_nonnull(mem.admin);
	mem.consumer = test_consumer_new(c, "group.id", group, NULL);
	sub = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(sub, topic, -1);
	ck_assert_int_eq(fjord_subscribe(mem.consumer, sub), 0);
	fjord_topic_partition_list_destroy(sub);
	ck_assert_msg(test_wait_until(t0077_member_owns_all, &mem, 30000),
	              "the SDK member never owned every partition");
	js = t0077_describe(c, group);
	members = json_object_get(js, "members");
	ck_assert_int_eq(json_array_size(members), 1);
	ck_assert(json_is_true(json_object_get(json_array_get(members, 0), "is_leader")));
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(members, 0), "member_id")),
	    json_string_value(
	        json_object_get(json_array_get(json_object_get(js, "partitions"), 0), "owner")));
	json_decref(js);
	out = t0077_run(c, &ex, "group reset-offsets %s --topic %s --to-earliest --execute", group,
	                topic);
	ck_assert_int_eq(ex, 1);
	ck_assert_msg(strstr(out, "live member") != NULL, "no clear refusal: %s", out);
	free(out);
	out = t0077_run(c, &ex, "group delete %s", group);
	ck_assert_int_eq(ex, 1);
	ck_assert(strstr(out, "live member") != NULL);
	free(out);
	ck_assert_int_eq(t0077_zk_offset(c, group, topic, 1), T0077_PER_PART);
	ck_assert_int_eq(fjord_close(mem.consumer, 10000, NULL), 0);
	fjord_destroy(mem.consumer);
	ck_assert_msg(test_wait_until(t0077_group_empty, &mem, 30000), "member never left");
	fjord_destroy(mem.admin);

	/* 5. Now the reset applies, and the next member starts there. */
	out = t0077_run(c, &ex, "group reset-offsets %s --topic %s --to-offset 5 --execute", group,
	                topic);
	ck_assert_int_eq(ex, 0);
	free(out);
	ck_assert_int_eq(t0077_zk_offset(c, group, topic, 2), 5);
	js = t0077_describe(c, group);
	parts = json_object_get(js, "partitions");
	for (i = 0; i < json_array_size(parts); i++) {
		json_t *jp = json_array_get(parts, i);
		ck_assert_int_eq(t0077_int(jp, "committed"), 5);
		ck_assert_int_eq(t0077_int(jp, "lag"), T0077_PER_PART - 5);
		ck_assert_int_gt(t0077_int(jp, "lag_ms"), 0);
	}
	ck_assert_int_eq(t0077_int(js, "total_lag"), T0077_PARTS * (T0077_PER_PART - 5));
	json_decref(js);

	out = t0077_run(c, &ex, "consume %s -g %s -O -n %d 2>/dev/null", topic, group,
	                T0077_PARTS * (T0077_PER_PART - 5));
	ck_assert_int_eq(ex, 0);
	memset(seen, 0, sizeof(seen));
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		int lp, lo;
		ck_assert_msg(sscanf(line, "%d:%d", &lp, &lo) == 2, "bad line '%s'", line);
		ck_assert(lp >= 0 && lp < T0077_PARTS && lo >= 0 && lo < T0077_PER_PART);
		ck_assert_msg(lo >= 5, "partition %d read offset %d, before the reset point", lp,
		              lo);
		ck_assert_int_eq(seen[lp][lo]++, 0);
		lines++;
	}
	ck_assert_int_eq(lines, T0077_PARTS * (T0077_PER_PART - 5));
	free(out);

	/* 6. Other targets (plans only) and usage errors. */
	out = t0077_run(c, &ex,
	                "group reset-offsets %s --topic %s --partition 3 --shift-by -3 "
	                "--format json 2>/dev/null",
	                group, topic);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(js);
	parts = json_object_get(js, "plan");
	ck_assert_int_eq(json_array_size(parts), 1);
	ck_assert_int_eq(t0077_int(json_array_get(parts, 0), "partition"), 3);
	ck_assert_int_eq(t0077_int(json_array_get(parts, 0), "new"),
	                 t0077_int(json_array_get(parts, 0), "current") - 3);
	json_decref(js);
	free(out);
	out = t0077_run(c, &ex,
	                "group reset-offsets %s --topic %s --to-datetime "
	                "2999-01-01T00:00:00Z --format json 2>/dev/null",
	                group, topic);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(js);
	parts = json_object_get(js, "plan");
	for (i = 0; i < json_array_size(parts); i++)
		ck_assert_int_eq(t0077_int(json_array_get(parts, i), "new"), T0077_PER_PART);
	json_decref(js);
	free(out);
	out = t0077_run(c, &ex, "group reset-offsets %s --topic %s", group, topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0077_run(c, &ex, "group reset-offsets %s --topic %s --to-latest --to-earliest",
	                group, topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0077_run(c, &ex, "group reset-offsets %s --topic %s --to-datetime yesterday", group,
	                topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0077_run(c, &ex, "group frobnicate");
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0077_run(c, &ex, "consume %s -g %s -p 0", topic, group);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0077_run(c, &ex, "group describe --help");
	ck_assert_int_eq(ex, 0);
	free(out);

	/* SIGINT: the shell waits (polling, with a deadline) until every record
	 * was printed, interrupts the member and reports its exit status. */
	{
		char *cmd = NULL, group2[128];
		snprintf(group2, sizeof(group2), "%s", test_topic_name("sigint"));
		ck_assert(
		    asprintf(&cmd,
		             "%s -z %s consume %s -g %s --from-beginning >%s/sigint.out "
		             "2>%s/sigint.err & "
		             "pid=$!; for i in $(seq 1 %d); do "
		             "[ \"$(grep -c . %s/sigint.out)\" -ge %d ] && break; sleep 0.1; done; "
		             "kill -INT $pid; wait $pid; echo \"exit=$?\"",
		             test_cli_path(), c->zk_connect, topic, group2, test_tmpdir(),
		             test_tmpdir(), (int)(600 * test_timeout_multiplier()), test_tmpdir(),
		             T0077_PARTS * T0077_PER_PART) > 0);
		out = test_run(cmd, &ex);
		test_say("$ %s\n%s", cmd, out);
		ck_assert_msg(strstr(out, "exit=0") != NULL, "consume -g after SIGINT: %s", out);
		free(out);
		free(cmd);
		js = t0077_describe(c, group2);
		parts = json_object_get(js, "partitions");
		ck_assert_int_eq(json_array_size(parts), T0077_PARTS);
		for (i = 0; i < json_array_size(parts); i++)
			ck_assert_int_eq(t0077_int(json_array_get(parts, i), "committed"),
			                 T0077_PER_PART);
		json_decref(js);
		out = t0077_run(c, &ex, "group delete %s", group2);
		ck_assert_int_eq(ex, 0);
		free(out);
	}

	/* 7. Delete. */
	out = t0077_run(c, &ex, "group delete %s", group);
	ck_assert_int_eq(ex, 0);
	free(out);
	out = t0077_run(c, &ex, "group list");
	ck_assert_int_eq(ex, 0);
	ck_assert_ptr_null(strstr(out, group));
	free(out);
	out = t0077_run(c, &ex, "group describe %s", group);
	ck_assert_int_eq(ex, 1);
	ck_assert(strstr(out, "does not exist") != NULL);
	free(out);
}
END_TEST

void test_0077(TCase *tc)
{
	tcase_add_test(tc, t0077_group_cli);
}
