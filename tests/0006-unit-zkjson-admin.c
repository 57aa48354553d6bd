/*
 * 0006-unit-zkjson-admin — the /admin request codecs (controlled-shutdown
 * marker, preferred replica election plan, partition reassignment plan)
 * and the cview's list of brokers in controlled shutdown, without
 * ZooKeeper.
 *
 * Exact bytes of what fjord writes (operators and Kafka tools read them),
 * round trips, and strict decoding of what an operator may type by hand:
 * each bad value is refused with an error naming the field or entry.
 */
#include <stdlib.h>
#include <string.h>

#include "common/cview.h"
#include "common/zkjson_admin.h"
#include "test.h"

/* Decodes a marker and expects a refusal mentioning want. */
static void t0006_shutdown_bad(const char *json, const char *want)
{
	char err[256] = "";
	int32_t id = -7;
	int64_t ts = -7;

	ck_assert_int_eq(
	    zkjson_admin_shutdown_decode(json, strlen(json), &id, &ts, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want), "error \"%s\" lacks \"%s\" for %s", err, want, json);
	ck_assert_msg(strstr(err, "controlled shutdown marker"), "error \"%s\" lacks the kind",
	              err);
}

static void t0006_plan_bad(const char *json, const char *want)
{
	zkjson_admin_plan_t plan;
	char err[256] = "";

	ck_assert_int_eq(zkjson_admin_plan_decode(json, strlen(json), &plan, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want), "error \"%s\" lacks \"%s\" for %s", err, want, json);
	ck_assert_int_eq(plan.cnt, 0);
	ck_assert_ptr_null(plan.topics);
	zkjson_admin_plan_clear(&plan); /* a refused decode leaves nothing to free */
}

START_TEST(t0006_shutdown)
{
	char err[256];
	int32_t id = -1;
	int64_t ts = 0;
	char *s = zkjson_admin_shutdown_encode(3, 1700000000123LL);

	ck_assert_str_eq(s, "{\"version\":1,\"broker\":3,\"timestamp\":\"1700000000123\"}");
	ck_assert_int_eq(zkjson_admin_shutdown_decode(s, strlen(s), &id, &ts, err, sizeof(err)), 0);
	ck_assert_int_eq(id, 3);
	ck_assert(ts == 1700000000123LL);
	free(s);
	/* Not NUL-terminated input: only len bytes count. */
	const char *two = "{\"broker\":12,\"timestamp\":\"5\"}{garbage";
	ck_assert_int_eq(
	    zkjson_admin_shutdown_decode(two, strlen(two) - 8, &id, &ts, err, sizeof(err)), 0);
	ck_assert_int_eq(id, 12);
	ck_assert(ts == 5);

	t0006_shutdown_bad("", "empty value");
	t0006_shutdown_bad("{\"broker\":1,", "invalid JSON");
	t0006_shutdown_bad("[1]", "expected a JSON object");
	t0006_shutdown_bad("{\"version\":2,\"broker\":1,\"timestamp\":\"1\"}",
	                   "\"version\" must be 1");
	t0006_shutdown_bad("{\"timestamp\":\"1\"}", "missing \"broker\"");
	t0006_shutdown_bad("{\"broker\":\"1\",\"timestamp\":\"1\"}",
	                   "\"broker\" must be an integer");
	t0006_shutdown_bad("{\"broker\":-1,\"timestamp\":\"1\"}", "\"broker\" is -1");
	t0006_shutdown_bad("{\"broker\":1}", "\"timestamp\"");
	t0006_shutdown_bad("{\"broker\":1,\"timestamp\":17}", "\"timestamp\" must be a string");
	t0006_shutdown_bad("{\"broker\":1,\"timestamp\":\"12ms\"}", "not decimal milliseconds");
	t0006_shutdown_bad("{\"broker\":1,\"broker\":2,\"timestamp\":\"1\"}", "invalid JSON");
}
END_TEST

START_TEST(t0006_plan)
{
	zkjson_admin_plan_t plan;
	char err[256];
	char *topics[] = { "orders", "payments" };
	int32_t parts[] = { 0, 7 };
	zkjson_admin_plan_t in = { 2, topics, parts };
	char *s = zkjson_admin_plan_encode(&in);

	ck_assert_str_eq(s, "{\"version\":1,\"partitions\":[{\"topic\":\"orders\",\"partition\":0},"
	                    "{\"topic\":\"payments\",\"partition\":7}]}");
	ck_assert_int_eq(zkjson_admin_plan_decode(s, strlen(s), &plan, err, sizeof(err)), 0);
	ck_assert_int_eq(plan.cnt, 2);
	ck_assert_str_eq(plan.topics[0], "orders");
	ck_assert_int_eq(plan.partitions[0], 0);
	ck_assert_str_eq(plan.topics[1], "payments");
	ck_assert_int_eq(plan.partitions[1], 7);
	zkjson_admin_plan_clear(&plan);
	ck_assert_int_eq(plan.cnt, 0);
	free(s);

	/* Kafka's own shape, without "version", extra fields ignored; the same
	 * partition number in two topics is fine. */
	const char *kafka = "{\"partitions\":[{\"topic\":\"a\",\"partition\":1,\"x\":true},"
	                    "{\"topic\":\"b\",\"partition\":1}],\"note\":\"by hand\"}";
	ck_assert_int_eq(zkjson_admin_plan_decode(kafka, strlen(kafka), &plan, err, sizeof(err)),
	                 0);
	ck_assert_int_eq(plan.cnt, 2);
	ck_assert_str_eq(plan.topics[1], "b");
	zkjson_admin_plan_clear(&plan);

	t0006_plan_bad("", "empty value");
	t0006_plan_bad("{partitions:[]}", "preferred replica election: invalid JSON");
	t0006_plan_bad("{\"version\":1}", "missing \"partitions\"");
	t0006_plan_bad("{\"partitions\":{\"t\":0}}", "\"partitions\" must be an array");
	t0006_plan_bad("{\"partitions\":[]}", "lists no partition");
	t0006_plan_bad("{\"partitions\":[7]}", "partitions[0]: expected an object");
	t0006_plan_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":0},{\"partition\":1}]}",
	               "partitions[1]: missing \"topic\"");
	t0006_plan_bad("{\"partitions\":[{\"topic\":\"\",\"partition\":0}]}",
	               "partitions[0]: \"topic\" must be a non-empty string");
	t0006_plan_bad("{\"partitions\":[{\"topic\":5,\"partition\":0}]}",
	               "\"topic\" must be a non-empty string");
	t0006_plan_bad("{\"partitions\":[{\"topic\":\"t\"}]}",
	               "partitions[0]: missing \"partition\"");
	t0006_plan_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":\"0\"}]}",
	               "\"partition\" must be an integer");
	t0006_plan_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":-3}]}",
	               "\"partition\" is -3");
	t0006_plan_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":1},{\"topic\":\"u\","
	               "\"partition\":1},{\"topic\":\"t\",\"partition\":1}]}",
	               "t-1 is listed twice");
	t0006_plan_bad("{\"version\":\"1\",\"partitions\":[{\"topic\":\"t\",\"partition\":1}]}",
	               "\"version\" must be 1");
}
END_TEST

static void t0006_reassign_bad(const char *json, const char *want)
{
	zkjson_reassign_t plan;
	char err[256] = "";

	ck_assert_int_eq(zkjson_reassign_decode(json, strlen(json), &plan, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want), "error \"%s\" lacks \"%s\" for %s", err, want, json);
	ck_assert_msg(strstr(err, "partition reassignment"), "error \"%s\" lacks the kind", err);
	ck_assert_int_eq(plan.cnt, 0);
	ck_assert_ptr_null(plan.entries);
}

START_TEST(t0006_reassign)
{
	int32_t r0[] = { 3, 1, 2 }, r1[] = { 2 };
	zkjson_reassign_entry_t ents[] = { { "orders", 0, 3, r0 }, { "payments", 7, 1, r1 } };
	zkjson_reassign_t in = { 2, ents }, plan;
	char err[256];
	char *s = zkjson_reassign_encode(&in);

	ck_assert_str_eq(s, "{\"version\":1,\"partitions\":[{\"topic\":\"orders\",\"partition\":0,"
	                    "\"replicas\":[3,1,2]},{\"topic\":\"payments\",\"partition\":7,"
	                    "\"replicas\":[2]}]}");
	ck_assert_int_eq(zkjson_reassign_decode(s, strlen(s), &plan, err, sizeof(err)), 0);
	ck_assert_int_eq(plan.cnt, 2);
	ck_assert_str_eq(plan.entries[0].topic, "orders");
	ck_assert_int_eq(plan.entries[0].partition, 0);
	ck_assert_int_eq(plan.entries[0].replica_cnt, 3);
	ck_assert_int_eq(plan.entries[0].replicas[0], 3);
	ck_assert_int_eq(plan.entries[0].replicas[2], 2);
	ck_assert_str_eq(plan.entries[1].topic, "payments");
	ck_assert_int_eq(plan.entries[1].partition, 7);
	ck_assert_int_eq(plan.entries[1].replica_cnt, 1);
	ck_assert_int_eq(plan.entries[1].replicas[0], 2);
	zkjson_reassign_clear(&plan);
	ck_assert_int_eq(plan.cnt, 0);
	free(s);

	/* Kafka's reassignment JSON (with "log_dirs", which fjord ignores),
	 * without "version"; the same partition number in two topics is fine. */
	const char *kafka = "{\"partitions\":[{\"topic\":\"a\",\"partition\":1,\"replicas\":[1,2],"
	                    "\"log_dirs\":[\"any\",\"any\"]},{\"topic\":\"b\",\"partition\":1,"
	                    "\"replicas\":[0]}]}";
	ck_assert_int_eq(zkjson_reassign_decode(kafka, strlen(kafka), &plan, err, sizeof(err)), 0);
	ck_assert_int_eq(plan.cnt, 2);
	ck_assert_str_eq(plan.entries[1].topic, "b");
	ck_assert_int_eq(plan.entries[1].replicas[0], 0);
	zkjson_reassign_clear(&plan);

	t0006_reassign_bad("", "empty value");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\"", "invalid JSON");
	t0006_reassign_bad("[1,2]", "partition reassignment");
	t0006_reassign_bad("{\"version\":1}", "missing \"partitions\"");
	t0006_reassign_bad("{\"version\":2,\"partitions\":[{\"topic\":\"t\",\"partition\":0,"
	                   "\"replicas\":[1]}]}",
	                   "\"version\" must be 1");
	t0006_reassign_bad("{\"partitions\":\"t\"}", "\"partitions\" must be an array");
	t0006_reassign_bad("{\"partitions\":[]}", "lists no partition");
	t0006_reassign_bad("{\"partitions\":[null]}", "partitions[0]: expected an object");
	t0006_reassign_bad("{\"partitions\":[{\"partition\":0,\"replicas\":[1]}]}",
	                   "partitions[0]: missing \"topic\"");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"\",\"partition\":0,\"replicas\":[1]}]}",
	                   "\"topic\" must be a non-empty string");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\",\"replicas\":[1]}]}",
	                   "partitions[0]: missing \"partition\"");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":-1,\"replicas\":[1]}]}",
	                   "\"partition\" is -1");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":0}]}",
	                   "partitions[0]: missing \"replicas\"");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[]}]}",
	                   "\"replicas\" must be a non-empty array");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":2}]}",
	                   "\"replicas\" must be a non-empty array");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,"
	                   "\"replicas\":[1,-2]}]}",
	                   "partitions[0]: replicas[1] must be a broker id");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,"
	                   "\"replicas\":[1,\"2\"]}]}",
	                   "replicas[1] must be a broker id");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,"
	                   "\"replicas\":[1,2.5]}]}",
	                   "replicas[1] must be a broker id");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,"
	                   "\"replicas\":[3,1,3]}]}",
	                   "partitions[0]: \"replicas\" lists broker 3 twice");
	t0006_reassign_bad("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1]},"
	                   "{\"topic\":\"u\",\"partition\":0,\"replicas\":[1]},{\"topic\":\"t\","
	                   "\"partition\":0,\"replicas\":[2]}]}",
	                   "t-0 is listed twice");
}
END_TEST

START_TEST(t0006_cview_shutting_down)
{
	cview_t *cv = cview_new(), *cp;
	int32_t ids[] = { 5, 2, 5, 9, 2 };

	ck_assert_int_eq(cview_is_shutting_down(cv, 2), 0);
	ck_assert_int_eq(cview_is_shutting_down(NULL, 2), 0);
	cv->shutting_down = malloc(sizeof(ids));
	memcpy(cv->shutting_down, ids, sizeof(ids));
	cv->shutting_down_cnt = 5;
	cview_finish(cv);
	ck_assert_int_eq(cv->shutting_down_cnt, 3); /* sorted, duplicates dropped */
	ck_assert_int_eq(cv->shutting_down[0], 2);
	ck_assert_int_eq(cv->shutting_down[1], 5);
	ck_assert_int_eq(cv->shutting_down[2], 9);
	ck_assert_int_eq(cview_is_shutting_down(cv, 5), 1);
	ck_assert_int_eq(cview_is_shutting_down(cv, 9), 1);
	ck_assert_int_eq(cview_is_shutting_down(cv, 3), 0);
	ck_assert_int_eq(cview_is_shutting_down(cv, -1), 0);

	cp = cview_copy(cv);
	ck_assert_ptr_nonnull(cp);
	cview_unref(cv); /* the copy owns its own list */
	ck_assert_int_eq(cp->shutting_down_cnt, 3);
	ck_assert_int_eq(cview_is_shutting_down(cp, 2), 1);
	ck_assert_int_eq(cview_is_shutting_down(cp, 4), 0);
	cview_unref(cp);

	cv = cview_new();
	cp = cview_copy(cv); /* an empty list copies as empty */
	ck_assert_int_eq(cp->shutting_down_cnt, 0);
	ck_assert_ptr_null(cp->shutting_down);
	cview_unref(cv);
	cview_unref(cp);
}
END_TEST

void test_0006(TCase *tc)
{
	tcase_add_test(tc, t0006_shutdown);
	tcase_add_test(tc, t0006_plan);
	tcase_add_test(tc, t0006_reassign);
	tcase_add_test(tc, t0006_cview_shutting_down);
}
