/*
 * 0127-kafka-group-python — a kafka-python (2.0.2) consumer group against
 * the Kafka group coordinator: real brokers (two, KAFKA listeners), real
 * ZooKeeper, tests/kafka/group_client.py for the clients.
 *
 * t0127_kafka_python: kafka-python's producer sends 150 records through
 * the KAFKA listener (all acknowledged); two kafka-python consumers in one
 * group (two processes, commits after every batch) consume them; 150 more
 * are produced and consumed. All 300 acknowledged records are consumed
 * (by their sequence numbers), and the committed offsets (zkCli) add up
 * to 300. Both consumers stop (exit 0; LeaveGroup); a fjord SDK consumer
 * with the same group.id is refused (its error callback says the group is
 * used by Kafka clients; no ids/ child): the group has no
 * members, so `fjord group reset-offsets --to-earliest --execute` works on
 * it, and a new consumer in the group reads all 300 again.
 *
 * Without the coordinator, the consumers never get an assignment
 * (FindCoordinator closes the connection) and the first count fails.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "kgroup_helpers.h"
#include "test.h"

#define T0127_MSGS 150 /* per phase */
#define T0127_PARTS 3
#define T0127_PY "/usr/bin/python3 " FJORD_SRCDIR "/tests/kafka/group_client.py"

typedef struct t0127_ctx {
	test_cluster_t *c;
	char out[3][600];
	int nfiles, want, seen, per[3];
	const char *group, *topic;
	long long committed, want_committed;
} t0127_ctx_t;

static int t0127_count(void *arg)
{
	t0127_ctx_t *x = arg;
	x->seen =
	    test_kg_distinct(x->out + (x->nfiles == 1 ? 2 : 0), x->nfiles, 2 * T0127_MSGS, x->per);
	return x->seen >= x->want;
}

static int t0127_committed(void *arg)
{
	t0127_ctx_t *x = arg;
	x->committed = test_kg_committed(x->c, x->group, x->topic, T0127_PARTS);
	return x->committed == x->want_committed;
}

/* Runs the producer for FIRST..FIRST+cnt-1; asserts all were acknowledged. */
static void t0127_produce(const char *bootstrap, const char *topic, int first, int cnt)
{
	char cmd[1024], want[32], *out;
	int st = -1;

	snprintf(cmd, sizeof(cmd), T0127_PY " produce %s %s %d %d", bootstrap, topic, first, cnt);
	out = test_run(cmd, &st);
	snprintf(want, sizeof(want), "acked %d", cnt);
	ck_assert_msg(st == 0 && out && strstr(out, want), "producer (exit %d): %s", st,
	              out ? out : "");
	free(out);
}

static pid_t t0127_consumer(t0127_ctx_t *x, const char *bootstrap, int k)
{
	char cmd[2048];

	snprintf(x->out[k], sizeof(x->out[k]), "%s/py%d.out", test_tmpdir(), k);
	snprintf(cmd, sizeof(cmd), "exec " T0127_PY " consume %s %s %s %s 200 2>%s/py%d.err",
	         bootstrap, x->topic, x->group, x->out[k], test_tmpdir(), k);
	return test_kg_spawn(cmd);
}

static int t0127_refusals;

static void t0127_error(fjord_t *fj, fjord_err_t err, const char *reason, void *opaque)
{
	(void)fj, (void)opaque;
	test_say("fjord consumer: error callback: %s: %s", fjord_err2name(err), reason);
	if (err == FJORD_ERR_NON_EMPTY_GROUP && strstr(reason, "Kafka clients"))
		__atomic_add_fetch(&t0127_refusals, 1, __ATOMIC_SEQ_CST);
}

/* A fjord SDK consumer subscribing to the group does not join it: the
 * error callback says why and /consumers/<g>/ids stays empty. */
static void t0127_fjord_refused(test_cluster_t *c, const char *group, const char *topic)
{
	fjord_conf_t *conf = test_conf(c, "group.id", group, NULL);
	fjord_topic_partition_list_t *l = fjord_topic_partition_list_new(1);
	char errstr[512], cmd[400], *out;
	int64_t end;
	fjord_t *fj;
	int st;

	fjord_conf_set_error_cb(conf, t0127_error);
	fj = fjord_new(FJORD_CONSUMER, conf, errstr, sizeof(errstr));
	ck_assert_msg(fj, "fjord_new: %s", errstr);
	fjord_topic_partition_list_add(l, topic, -1);
	ck_assert_int_eq(fjord_subscribe(fj, l), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(l);
	end = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	while (!__atomic_load_n(&t0127_refusals, __ATOMIC_SEQ_CST) && test_now_ms() < end) {
		fjord_message_t *m = fjord_consumer_poll(fj, 200);
		ck_assert_msg(!m || m->err, "a fjord consumer read a record of a Kafka group");
		if (m)
			fjord_message_destroy(m);
	}
	ck_assert_msg(t0127_refusals > 0, "the fjord consumer was not told it cannot join");
	snprintf(cmd, sizeof(cmd), "ls /consumers/%s/ids", group);
	out = test_zkcli(c, cmd, &st);
	ck_assert_ptr_nonnull(out);
	/* zkCli prints the children as "[a, b]"; a missing ids/ prints none. */
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
		ck_assert_msg(line[0] != '[' || !strcmp(line, "[]"), "ids has members: %s", line);
	free(out);
	fjord_destroy(fj);
}

START_TEST(t0127_kafka_python)
{
	test_cluster_t *c = test_cluster_new(2, TEST_KG_PROPS);
	const char *topic = test_topic_name("t");
	const char *group = test_topic_name("g");
	char bootstrap[256], cmd[1024], *out;
	t0127_ctx_t x = { 0 };
	pid_t pids[3];
	int st;

	test_create_topic(c, topic, T0127_PARTS, 2);
	test_kg_bootstrap(c, bootstrap, sizeof(bootstrap));
	x.c = c;
	x.group = group;
	x.topic = topic;
	t0127_produce(bootstrap, topic, 0, T0127_MSGS);
	pids[0] = t0127_consumer(&x, bootstrap, 0);
	pids[1] = t0127_consumer(&x, bootstrap, 1);
	x.nfiles = 2;
	x.want = T0127_MSGS;
	ck_assert_msg(test_wait_until(t0127_count, &x, 90000),
	              "phase 1: the kafka-python pair consumed %d distinct records of %d", x.seen,
	              x.want);
	test_say("phase 1: %d distinct (%d + %d lines)", x.seen, x.per[0], x.per[1]);
	t0127_produce(bootstrap, topic, T0127_MSGS, T0127_MSGS);
	x.want = 2 * T0127_MSGS;
	ck_assert_msg(test_wait_until(t0127_count, &x, 90000),
	              "phase 2: the kafka-python pair consumed %d distinct records of %d", x.seen,
	              x.want);
	test_say("all %d acknowledged records consumed (%d + %d lines)", x.seen, x.per[0],
	         x.per[1]);
	x.want_committed = 2 * T0127_MSGS;
	ck_assert_msg(test_wait_until(t0127_committed, &x, 30000),
	              "committed offsets add up to %lld, not %lld", x.committed, x.want_committed);
	for (int k = 0; k < 2; k++)
		ck_assert_int_eq(test_kg_stop(pids[k]), 0);
	t0127_fjord_refused(c, group, topic);

	/* No members now: the offsets may be reset, and are read again. */
	snprintf(cmd, sizeof(cmd),
	         "%s -z %s group reset-offsets %s --topic %s --to-earliest --execute 2>&1",
	         test_cli_path(), c->zk_connect, group, topic);
	for (int i = 0; i < 50; i++) {
		out = test_run(cmd, &st);
		if (st == 0)
			break;
		test_say("reset-offsets (exit %d): %s", st, out);
		free(out);
		out = NULL;
		usleep(200000); /* the coordinator writes the empty group after the leaves */
	}
	ck_assert_msg(st == 0, "reset-offsets failed");
	free(out);
	x.want_committed = 0;
	ck_assert(test_wait_until(t0127_committed, &x, 10000));
	pids[2] = t0127_consumer(&x, bootstrap, 2);
	x.nfiles = 1;
	x.want = 2 * T0127_MSGS;
	ck_assert_msg(test_wait_until(t0127_count, &x, 90000),
	              "after the reset a new consumer read %d distinct records of %d", x.seen,
	              x.want);
	ck_assert_int_eq(test_kg_stop(pids[2]), 0);
	test_cluster_destroy(c);
}
END_TEST

void test_0127(TCase *tc);

void test_0127(TCase *tc)
{
	tcase_add_test(tc, t0127_kafka_python);
}
