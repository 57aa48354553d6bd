/*
 * 0117-idempotent-producer — the SDK's idempotent producer against real
 * brokers: every acknowledged record is stored exactly once and in produce
 * order, while answers are lost and while leaders are killed.
 *
 * dropped_answers: one broker with test.fault.produce.drop.response.every=5
 * closes the connection instead of answering every 5th Produce request,
 * after appending it. The acknowledged-record tracker (repl_track.c)
 * produces to 3 partitions with enable.idempotence=true, up to 5 batches in
 * flight per partition: every record's first report is PERSISTED and the
 * log holds no copy twice. The same run with enable.idempotence=false
 * stores retried batches twice, so the check can fail.
 *
 * kill_leaders: 3 brokers, an RF=3 topic of 3 partitions,
 * min.insync.replicas=2; the tracker produces with idempotence (the
 * default) while the test SIGKILLs each partition's leader in turn and
 * restarts it. Retries of batches the old leader had appended and
 * replicated are deduplicated by the new leader (followers keep producer
 * state too): no record is stored twice, none is missing, order holds.
 *
 * conf: enable.idempotence=true set explicitly with acks=1, retries=0 or
 * max.in.flight.requests.per.connection=6 is refused by fjord_new() with a
 * message naming the conflict; left at its default, acks=1 just turns
 * idempotence off.
 */
#include <signal.h>
#include <stdarg.h>
#include <string.h>

#include "repl_util.h"

#define T0117_PARTITIONS 3
#define T0117_PROGRESS 300 /* records acknowledged between kill steps */

/* Runs the tracker with props on a new topic of c until `cnt` records were
 * acknowledged; returns the extra copies in the log, *first_errp the records
 * whose first report was an error. */
static int t0117_track(test_cluster_t *c, const char *suffix, int rf, int cnt,
                       const char *const *props, int *first_errp)
{
	const char *topic = test_topic_name(suffix);
	repl_track_t *rt;

	repl_create_topic(c, topic, T0117_PARTITIONS, rf, NULL);
	rt = repl_track_new(c, topic, T0117_PARTITIONS, 500, props);
	repl_track_start(rt);
	ck_assert_msg(repl_track_wait_progress(rt, cnt, 120000), "%s: no %d acknowledged records",
	              topic, cnt);
	repl_track_stop(rt, 60000);
	return repl_track_verify_dups(rt, c, first_errp);
}

START_TEST(t0117_dropped_answers)
{
	test_cluster_t *c =
	    test_cluster_new(1, REPL_BROKER_PROPS "test.fault.produce.drop.response.every=5\n");
	static const char *const idem[] = { "enable.idempotence",
		                            "true",
		                            "max.in.flight.requests.per.connection",
		                            "5",
		                            "linger.ms",
		                            "1",
		                            "retry.backoff.ms",
		                            "20",
		                            NULL };
	static const char *const plain[] = { "enable.idempotence", "false", "linger.ms", "1",
		                             "retry.backoff.ms",   "20",    NULL };
	int first_err = 0, dups;

	dups = t0117_track(c, "idem", 1, 3000, idem, &first_err);
	test_say("idempotent: %d extra copies, %d records with an error first report", dups,
	         first_err);
	ck_assert_msg(dups == 0 && first_err == 0,
	              "idempotent producer: %d extra copies, %d error reports", dups, first_err);

	dups = t0117_track(c, "plain", 1, 3000, plain, &first_err);
	test_say("enable.idempotence=false: %d extra copies, %d error first reports", dups,
	         first_err);
	ck_assert_msg(dups > 0, "without idempotence the dropped answers should have stored "
	                        "retried batches twice (is the fault hook working?)");
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0117_kill_leaders)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS "min.insync.replicas=2\n");
	const char *topic = test_topic_name("rf3");
	static const char *const props[] = { "message.timeout.ms", "120000", "request.timeout.ms",
		                             "15000", NULL };
	int first_err = 0, dups;

	repl_create_topic(c, topic, T0117_PARTITIONS, 3, NULL);
	fjord_t *admin = repl_admin_new(c);
	repl_track_t *rt = repl_track_new(c, topic, T0117_PARTITIONS, 500, props);
	repl_track_start(rt);
	ck_assert_msg(repl_track_wait_progress(rt, T0117_PROGRESS, 60000),
	              "no idempotent production on the healthy cluster");
	for (int32_t p = 0; p < T0117_PARTITIONS; p++) {
		repl_pstate_t ps;
		ck_assert_msg(repl_wait_isr_full(admin, topic, T0117_PARTITIONS, 60000),
		              "ISR of %s not whole before killing the leader of partition %d",
		              topic, (int)p);
		ck_assert_int_eq(repl_pstate_get(admin, topic, p, &ps), 0);
		int idx = repl_broker_index(c, ps.leader);
		test_say("partition %d: leader %d, %d acknowledged so far: SIGKILL", (int)p,
		         (int)ps.leader, repl_track_acked(rt));
		test_broker_kill(c, idx, SIGKILL);
		ck_assert_msg(repl_wait_leader(admin, topic, p, ps.leader, 60000) >= 0,
		              "partition %d: no new leader after killing broker %d", (int)p,
		              (int)ps.leader);
		ck_assert_msg(repl_track_wait_progress(rt, T0117_PROGRESS, 60000),
		              "production did not go on after killing broker %d", (int)ps.leader);
		test_broker_restart(c, idx);
		ck_assert_msg(repl_track_wait_progress(rt, T0117_PROGRESS, 60000),
		              "production stalled after broker %d came back", (int)ps.leader);
	}
	repl_track_stop(rt, 120000);
	ck_assert_msg(repl_wait_isr_full(admin, topic, T0117_PARTITIONS, 60000),
	              "ISR of %s not whole before reading back", topic);
	fjord_destroy(admin);
	dups = repl_track_verify_dups(rt, c, &first_err);
	test_say("kill leaders: %d extra copies, %d records with an error first report", dups,
	         first_err);
	ck_assert_msg(dups == 0 && first_err == 0,
	              "idempotent producer across leader kills: %d extra copies, %d error reports",
	              dups, first_err);
	test_cluster_destroy(c);
}
END_TEST

/* fjord_new(PRODUCER) with the pairs; returns the handle (or NULL with the
 * message in errstr). */
static fjord_t *t0117_try(char *errstr, size_t size, ...)
{
	fjord_conf_t *conf = fjord_conf_new();
	const char *k, *v;
	va_list ap;

	ck_assert(fjord_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", errstr, size) ==
	          FJORD_CONF_OK);
	va_start(ap, size);
	while ((k = va_arg(ap, const char *)) && (v = va_arg(ap, const char *)))
		ck_assert_msg(fjord_conf_set(conf, k, v, errstr, size) == FJORD_CONF_OK,
		              "%s=%s: %s", k, v, errstr);
	va_end(ap);
	fjord_t *h = fjord_new(FJORD_PRODUCER, conf, errstr, size);
	if (!h) /* fjord_new() owns conf when it succeeds */
		fjord_conf_destroy(conf);
	return h;
}

START_TEST(t0117_conf)
{
	char err[512];
	fjord_t *h;
	static const char *const bad[][3] = {
		{ "acks", "1", "acks=all" },
		{ "retries", "0", "retries > 0" },
		{ "max.in.flight.requests.per.connection", "6", "max.in.flight" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h = t0117_try(err, sizeof(err), "enable.idempotence", "true", bad[i][0], bad[i][1],
		              NULL);
		ck_assert_msg(!h, "enable.idempotence=true with %s=%s was accepted", bad[i][0],
		              bad[i][1]);
		ck_assert_msg(strstr(err, bad[i][2]), "%s=%s: message \"%s\" does not say %s",
		              bad[i][0], bad[i][1], err, bad[i][2]);
		/* Left at its default, the same setting turns idempotence off. */
		h = t0117_try(err, sizeof(err), bad[i][0], bad[i][1], NULL);
		ck_assert_msg(h, "%s=%s without enable.idempotence: %s", bad[i][0], bad[i][1], err);
		fjord_destroy(h);
	}
	h = t0117_try(err, sizeof(err), "enable.idempotence", "true", NULL);
	ck_assert_msg(h, "enable.idempotence=true with the defaults: %s", err);
	ck_assert_int_eq(fjord_fatal_error(h, err, sizeof(err)), FJORD_ERR_NO_ERROR);
	ck_assert_str_eq(err, "");
	fjord_destroy(h);
}
END_TEST

void test_0117(TCase *tc)
{
	tcase_add_test(tc, t0117_conf);
	tcase_add_test(tc, t0117_dropped_answers);
	tcase_add_test(tc, t0117_kill_leaders);
}
