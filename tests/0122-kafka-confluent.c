/*
 * 0122-kafka-confluent — confluent-kafka (Debian's python3-confluent-kafka
 * on librdkafka) against the Kafka listeners of three real brokers.
 *
 * t0122_resume: confluent_roundtrip.py creates a 3-partition RF 3 topic
 * through the AdminClient, produces 300 keyed records with acks=all (every
 * delivery report counted), consumes them in a group and commits; `fjord
 * group describe` sees those offsets (300 in all). Every broker is then
 * restarted (SIGTERM, one after another) and 200 more records are produced
 * with kcat; confluent_resume.py in the same group reads exactly those 200,
 * none of the committed 300 again, and commits; `fjord group describe` and
 * the znodes then add up to 500.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "kgroup_helpers.h"
#include "test.h"

#define T0122_FIRST 300
#define T0122_SECOND 200

/* Sum of the committed offsets `fjord group describe --format json` shows. */
static long long t0122_describe_sum(test_cluster_t *c, const char *group)
{
	char cmd[700];
	long long sum = 0;
	int st = -1;
	char *out;
	json_t *js, *parts;

	snprintf(cmd, sizeof(cmd), "%s -z %s group describe %s --format json 2>&1", test_cli_path(),
	         c->zk_connect, group);
	out = test_run(cmd, &st);
	test_say("fjord group describe: %s", out);
	ck_assert_int_eq(st, 0);
	js = json_loads(out, 0, NULL);
	ck_assert_msg(js, "describe --format json is not JSON: %s", out);
	parts = json_object_get(js, "partitions");
	ck_assert_int_eq(json_array_size(parts), 3);
	for (size_t i = 0; i < json_array_size(parts); i++)
		sum += json_integer_value(json_object_get(json_array_get(parts, i), "committed"));
	json_decref(js);
	free(out);
	return sum;
}

START_TEST(t0122_resume)
{
	test_cluster_t *c = test_cluster_new(3, TEST_KG_PROPS);
	const char *topic = test_topic_name("confluent");
	char group[200], bs[300], path[600], *cmd = NULL, *out;
	int st = -1;
	FILE *f;

	snprintf(group, sizeof(group), "%s-g", topic);
	test_kg_bootstrap(c, bs, sizeof(bs));
	ck_assert(
	    asprintf(&cmd,
	             "timeout 150 /usr/bin/python3 %s/tests/kafka/confluent_roundtrip.py %s %s "
	             "%d %s --partitions 3 --replication-factor 3 --timeout 60 2>&1",
	             FJORD_SRCDIR, bs, topic, T0122_FIRST, group) > 0);
	out = test_run(cmd, &st);
	test_say("confluent_roundtrip: exit %d: %s", st, out);
	ck_assert_msg(st == 0, "confluent_roundtrip failed (exit %d)", st);
	free(out);
	free(cmd);
	ck_assert_int_eq(t0122_describe_sum(c, group), T0122_FIRST);

	/* Every broker restarted, one after another. */
	for (int i = 0; i < 3; i++) {
		test_broker_kill(c, i, SIGTERM);
		test_broker_restart(c, i);
	}
	/* 200 more, with kcat. */
	ck_assert(harness_path(path, sizeof(path), "%s/t0122-second.txt", test_tmpdir()) == 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < T0122_SECOND; i++)
		fprintf(f, "after-%d:v%d\n", i, i);
	fclose(f);
	test_kg_bootstrap(c, bs, sizeof(bs));
	ck_assert(
	    asprintf(&cmd,
	             "timeout 120 kcat -b %s -P -t %s -K: -X acks=all -X message.timeout.ms=60000 "
	             "< %s 2>&1",
	             bs, topic, path) > 0);
	out = test_run(cmd, &st);
	test_say("kcat -P: exit %d %s", st, out);
	ck_assert_int_eq(st, 0);
	ck_assert_msg(!strstr(out, "Delivery failed"), "kcat: %s", out);
	free(out);
	free(cmd);

	/* The group resumes at its commits: the 200 new ones, nothing else. */
	ck_assert(
	    asprintf(&cmd,
	             "timeout 150 /usr/bin/python3 %s/tests/kafka/confluent_resume.py %s %s %s "
	             "after- %d --timeout 60 2>&1",
	             FJORD_SRCDIR, bs, topic, group, T0122_SECOND) > 0);
	out = test_run(cmd, &st);
	test_say("confluent_resume: exit %d: %s", st, out);
	ck_assert_msg(st == 0, "confluent_resume: exit %d", st);
	free(out);
	free(cmd);
	ck_assert_int_eq(t0122_describe_sum(c, group), T0122_FIRST + T0122_SECOND);
	ck_assert_int_eq(test_kg_committed(c, group, topic, 3), T0122_FIRST + T0122_SECOND);
	test_cluster_destroy(c);
}
END_TEST

void test_0122(TCase *tc)
{
	tcase_add_test(tc, t0122_resume);
}
