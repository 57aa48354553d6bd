/*
 * 0137-leader-election-cli — `fjord leader-election --preferred` through the
 * real binary against a private 3-broker cluster with
 * auto.leader.rebalance.enable=false (so only the command moves leaders),
 * compared with the metadata the SDK reads.
 *
 *   1. An RF=3 topic of 3 partitions (each broker the preferred replica of
 *      one) and an RF=1 topic. The preferred replica X of partition 0 is
 *      SIGKILLed and restarted; once X is back in every ISR, partition 0 is
 *      led by another broker (the SDK says so).
 *   2. `--all-topic-partitions --format json`: exit 0; the partitions the SDK
 *      saw led by another broker are "elected", the others
 *      "already-preferred"; afterwards the SDK sees every partition led by
 *      its first replica, and /admin/preferred_replica_election is gone.
 *   3. `--topic T --partition 0` again: "already-preferred", exit 0.
 *   4. X is SIGKILLed again (partition 0 moves away): `--topic T
 *      --partition 0` cannot elect it: exit 1, "not-elected", and the SDK
 *      still sees another leader.
 *   5. Usage errors exit 2 (no --preferred, --partition without --topic,
 *      --election-type unclean, both --topic and --all-topic-partitions);
 *      an unknown topic exit 1.
 * T_CLUSTER: it kills its own brokers.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl_util.h"
#include "test.h"

#define T0137_PARTS 3

static char *t0137_run(test_cluster_t *c, int *exitp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *t0137_run(test_cluster_t *c, int *exitp, const char *fmt, ...)
{
	char *args = NULL, *full = NULL, *out;
	va_list ap;

	va_start(ap, fmt);
	ck_assert(vasprintf(&args, fmt, ap) > 0);
	va_end(ap);
	ck_assert(asprintf(&full, "%s -z %s --timeout 20000 %s", test_cli_path(), c->zk_connect,
	                   args) > 0);
	out = test_run(full, exitp);
	ck_assert_ptr_nonnull(out);
	test_say("$ fjord %s\n=> exit %d\n%s", args, *exitp, out);
	free(args);
	free(full);
	return out;
}

/* The outcome the CLI printed for topic-p in a JSON array. */
static const char *t0137_outcome(json_t *js, const char *topic, int p, json_int_t *leaderp)
{
	size_t i;
	json_t *e;

	json_array_foreach (js, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "topic")), topic) ||
		    json_integer_value(json_object_get(e, "partition")) != p)
			continue;
		*leaderp = json_integer_value(json_object_get(e, "leader"));
		return json_string_value(json_object_get(e, "outcome"));
	}
	ck_abort_msg("%s-%d not in the output", topic, p);
	return NULL;
}

START_TEST(t0137_election)
{
	test_cluster_t *c =
	    test_cluster_new(3, REPL_BROKER_PROPS "auto.leader.rebalance.enable=false\n");
	fjord_t *admin = repl_admin_new(c);
	char topic[200], solo[200];
	int was_preferred[T0137_PARTS], moved = 0, ex;
	repl_pstate_t ps;
	json_error_t jerr;
	json_int_t leader;
	int32_t x;
	json_t *js;
	char *out;

	snprintf(topic, sizeof(topic), "%s", test_topic_name("elect"));
	snprintf(solo, sizeof(solo), "%s", test_topic_name("solo"));
	repl_create_topic(c, topic, T0137_PARTS, 3, NULL);
	repl_create_topic(c, solo, 1, 1, NULL);

	/* 1. move partition 0 off its preferred replica X. */
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	x = ps.replicas[0];
	ck_assert_int_eq(ps.leader, x);
	test_broker_kill(c, repl_broker_index(c, x), SIGKILL);
	ck_assert(repl_wait_leader(admin, topic, 0, x, 30000) >= 0);
	test_broker_restart(c, repl_broker_index(c, x));
	ck_assert_msg(repl_wait_isr_full(admin, topic, T0137_PARTS, 60000),
	              "broker %d did not rejoin every ISR", (int)x);
	for (int p = 0; p < T0137_PARTS; p++) {
		ck_assert_int_eq(repl_pstate_get(admin, topic, p, &ps), 0);
		was_preferred[p] = ps.leader == ps.replicas[0];
		moved += !was_preferred[p];
		test_say("%s-%d: leader %d, preferred %d", topic, p, (int)ps.leader,
		         (int)ps.replicas[0]);
	}
	ck_assert_int_eq(was_preferred[0], 0);

	/* 2. every partition of every topic. */
	out = t0137_run(c, &ex, "leader-election --preferred --all-topic-partitions --format json");
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, &jerr);
	ck_assert_msg(js, "JSON: %s", jerr.text);
	free(out);
	ck_assert_int_eq(json_array_size(js), T0137_PARTS + 1);
	for (int p = 0; p < T0137_PARTS; p++) {
		const char *o = t0137_outcome(js, topic, p, &leader);

		ck_assert_str_eq(o, was_preferred[p] ? "already-preferred" : "elected");
		ck_assert_int_eq(repl_pstate_get(admin, topic, p, &ps), 0);
		ck_assert_int_eq(ps.leader, ps.replicas[0]);
		ck_assert_int_eq(leader, ps.leader);
	}
	ck_assert_str_eq(t0137_outcome(js, solo, 0, &leader), "already-preferred");
	json_decref(js);
	{
		int st = -1;
		char *zk = test_zkcli(c, "stat /admin/preferred_replica_election", &st);

		ck_assert_ptr_nonnull(zk);
		ck_assert_msg(strstr(zk, "Node does not exist") || st != 0,
		              "the election znode is still there: %s", zk);
		free(zk);
	}
	test_say("%d partition(s) moved back", moved);

	/* 3. nothing to do. */
	out = t0137_run(c, &ex, "leader-election --preferred --topic %s --partition 0", topic);
	ck_assert_int_eq(ex, 0);
	ck_assert_ptr_nonnull(strstr(out, "already-preferred"));
	free(out);

	/* 4. the preferred replica is down: not elected. */
	test_broker_kill(c, repl_broker_index(c, x), SIGKILL);
	ck_assert(repl_wait_leader(admin, topic, 0, x, 30000) >= 0);
	out = t0137_run(c, &ex, "leader-election --preferred --topic %s --partition 0 2>&1", topic);
	ck_assert_int_eq(ex, 1);
	ck_assert_ptr_nonnull(strstr(out, "not-elected"));
	free(out);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	ck_assert_int_ne(ps.leader, x);

	/* 5. usage. */
	out = t0137_run(c, &ex, "leader-election --topic %s 2>&1", topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0137_run(c, &ex, "leader-election --preferred --partition 0 2>&1");
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0137_run(c, &ex, "leader-election --election-type unclean --topic %s 2>&1", topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0137_run(
	    c, &ex, "leader-election --preferred --topic %s --all-topic-partitions 2>&1", topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0137_run(c, &ex, "leader-election --preferred --topic no_such_topic_0137 2>&1");
	ck_assert_int_eq(ex, 1);
	free(out);

	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0137(TCase *tc)
{
	tcase_add_test(tc, t0137_election);
}
