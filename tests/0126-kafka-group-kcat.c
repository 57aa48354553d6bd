/*
 * 0126-kafka-group-kcat — real Kafka clients in one group: two `kcat -G`
 * balanced consumers (librdkafka, two processes) share a 4-partition
 * topic on three brokers with KAFKA listeners and real ZooKeeper.
 *
 * t0126_kcat_failover: 200 records are produced (fjord SDK) and consumed
 * by the pair; the group's coordinator broker (read from
 * /consumers/<g>/coordinator with zkCli) is killed with SIGKILL; 200 more
 * are produced and the pair, having found the new coordinator, consumes
 * them. Every one of the 400 acknowledged records is consumed (counted by
 * their sequence numbers; duplicates are allowed, a rebalance replays
 * what was not committed), both processes got records, and the committed
 * offsets of the 4 partitions, read with zkCli, add up to 400 — as does
 * `fjord group describe`, which lists the group's members from the
 * coordinator znode.
 *
 * Without the coordinator, kcat -G never gets an assignment (its
 * FindCoordinator closes the connection) and nothing is consumed: the
 * test fails at the first count.
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

#define T0126_MSGS 200 /* per phase */
#define T0126_PARTS 4

typedef struct t0126_ctx {
	test_cluster_t *c;
	char out[2][600];
	const char *group, *topic;
	int want;   /* distinct sequence numbers to see */
	int seen;   /* ... seen so far */
	int per[2]; /* lines per process */
	long long committed;
} t0126_ctx_t;

static int t0126_count(void *arg)
{
	t0126_ctx_t *x = arg;
	x->seen = test_kg_distinct(x->out, 2, 2 * T0126_MSGS, x->per);
	return x->seen >= x->want;
}

static int t0126_committed(void *arg)
{
	t0126_ctx_t *x = arg;
	x->committed = test_kg_committed(x->c, x->group, x->topic, T0126_PARTS);
	return x->committed == 2 * T0126_MSGS;
}

START_TEST(t0126_kcat_failover)
{
	test_cluster_t *c = test_cluster_new(3, TEST_KG_PROPS);
	const char *topic = test_topic_name("t");
	const char *group = test_topic_name("g");
	char bootstrap[256], cmd[2048], err[2][600];
	t0126_ctx_t x = { 0 };
	pid_t pids[2];
	int coord = -1, failed = 0, acked, st;
	char *out;

	test_create_topic(c, topic, T0126_PARTS, 3);
	test_kg_bootstrap(c, bootstrap, sizeof(bootstrap));
	x.c = c;
	x.group = group;
	x.topic = topic;
	acked = test_produce_range(c, topic, -1, 0, T0126_MSGS, 16, &failed, NULL, NULL);
	ck_assert_int_eq(acked, T0126_MSGS);

	for (int k = 0; k < 2; k++) {
		snprintf(x.out[k], sizeof(x.out[k]), "%s/kcat%d.out", test_tmpdir(), k);
		snprintf(err[k], sizeof(err[k]), "%s/kcat%d.err", test_tmpdir(), k);
		snprintf(cmd, sizeof(cmd),
		         "exec kcat -u -b %s -G %s -q -f '%%p %%o %%k\\n' "
		         "-X auto.offset.reset=earliest -X session.timeout.ms=6000 "
		         "-X heartbeat.interval.ms=500 -X auto.commit.interval.ms=300 "
		         "-X topic.metadata.refresh.interval.ms=1000 -X client.id=kcat%d "
		         "%s >%s 2>%s",
		         bootstrap, group, k, topic, x.out[k], err[k]);
		pids[k] = test_kg_spawn(cmd);
	}

	x.want = T0126_MSGS;
	ck_assert_msg(test_wait_until(t0126_count, &x, 60000),
	              "phase 1: the kcat pair consumed %d distinct records of %d", x.seen, x.want);
	test_say("phase 1: %d distinct records consumed (%d + %d lines)", x.seen, x.per[0],
	         x.per[1]);

	/* Kill the coordinator's broker. */
	{
		int id = test_kg_coordinator(c, group);
		ck_assert_int_ge(id, 0);
		for (int i = 0; i < c->broker_cnt; i++)
			if (c->brokers[i].id == id)
				coord = i;
		ck_assert_int_ge(coord, 0);
		test_say("killing broker %d, the coordinator of %s", id, group);
		test_broker_kill(c, coord, SIGKILL);
	}
	acked = test_produce_range(c, topic, -1, T0126_MSGS, T0126_MSGS, 16, &failed, NULL, NULL);
	test_say("phase 2: %d of %d records acknowledged (%d failed)", acked, T0126_MSGS, failed);
	ck_assert_int_eq(acked, T0126_MSGS);

	x.want = 2 * T0126_MSGS;
	ck_assert_msg(test_wait_until(t0126_count, &x, 120000),
	              "phase 2: the kcat pair consumed %d distinct records of %d", x.seen, x.want);
	test_say("all %d acknowledged records consumed (%d + %d lines)", x.seen, x.per[0],
	         x.per[1]);
	ck_assert_msg(x.per[0] > 0 && x.per[1] > 0, "one kcat got nothing (%d, %d)", x.per[0],
	              x.per[1]);
	ck_assert_msg(test_wait_until(t0126_committed, &x, 60000),
	              "committed offsets add up to %lld, not %d", x.committed, 2 * T0126_MSGS);
	ck_assert_int_ne(test_kg_coordinator(c, group), c->brokers[coord].id);

	/* fjord group describe: the Kafka group's members and offsets. */
	snprintf(cmd, sizeof(cmd), "%s -z %s group describe %s --format json 2>&1", test_cli_path(),
	         c->zk_connect, group);
	out = test_run(cmd, &st);
	test_say("fjord group describe: %s", out);
	ck_assert_int_eq(st, 0);
	{
		json_t *js = json_loads(out, 0, NULL);
		json_t *parts, *members;
		long long sum = 0;
		ck_assert_msg(js, "describe --format json is not JSON");
		parts = json_object_get(js, "partitions");
		members = json_object_get(js, "members");
		ck_assert_int_eq(json_array_size(parts), T0126_PARTS);
		for (size_t i = 0; i < json_array_size(parts); i++)
			sum += json_integer_value(
			    json_object_get(json_array_get(parts, i), "committed"));
		ck_assert_int_eq(sum, 2 * T0126_MSGS);
		ck_assert_int_eq(json_array_size(members), 2);
		json_decref(js);
	}
	free(out);

	for (int k = 0; k < 2; k++)
		test_kg_stop(pids[k]);
	test_cluster_destroy(c);
}
END_TEST

void test_0126(TCase *tc);

void test_0126(TCase *tc)
{
	tcase_add_test(tc, t0126_kcat_failover);
}
