/*
 * 0118-idempotent-fenced-expired — what the SDK's idempotent producer does
 * when the broker forgets its producer id, and when another producer fences
 * it.
 *
 * expired: a broker with producer.id.expiration.ms=1000 drops an idle
 * producer's state (fjord_producer_ids_expired_total). The same producer
 * handle then sends sequence 10 and is answered UNKNOWN_PRODUCER_ID; it
 * restarts the partition's sequences at 0 and goes on: all 20 records are
 * acknowledged, none reported failed, no fatal error, and the partition
 * holds each exactly once in produce order.
 *
 * fenced: the test learns the producer's id from its log line, bumps the
 * id's epoch with InitProducerId(id, 0) and writes one batch with the new
 * epoch. The producer's next batch (old epoch) is answered
 * INVALID_PRODUCER_EPOCH, which is fatal: that record's report carries the
 * error, fjord_fatal_error() returns it with the reason, the error callback
 * got _FATAL, and fjord_produce() refuses with _FATAL.
 *
 * denied: under the authorizer, a principal with no Write anywhere (and no
 * IdempotentWrite) is refused InitProducerId. Left at its default,
 * enable.idempotence turns off and the records fail with the topic's
 * TOPIC_AUTHORIZATION_FAILED, as without idempotence, no fatal error; set
 * explicitly, the refusal is fatal: CLUSTER_AUTHORIZATION_FAILED from
 * fjord_fatal_error(), _FATAL reports.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "rawproto.h"
#include "repl_util.h"
#include "test.h"

typedef struct t0118_state {
	pthread_mutex_t lock;
	int acked, failed;
	fjord_err_t last_err;
	atomic_llong pid;
	atomic_int fatal_cb;
} t0118_state_t;

static t0118_state_t t0118_st = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void t0118_dr(fjord_t *fj, const fjord_message_t *m, void *opaque)
{
	(void)fj;
	(void)opaque;
	pthread_mutex_lock(&t0118_st.lock);
	if (m->err == FJORD_ERR_NO_ERROR)
		t0118_st.acked++;
	else {
		t0118_st.failed++;
		t0118_st.last_err = m->err;
	}
	pthread_mutex_unlock(&t0118_st.lock);
}

static void t0118_error(fjord_t *fj, fjord_err_t err, const char *reason, void *opaque)
{
	(void)fj;
	(void)opaque;
	test_say("error callback: %s: %s", fjord_err2name(err), reason);
	if (err == FJORD_ERR__FATAL)
		atomic_fetch_add(&t0118_st.fatal_cb, 1);
}

/* Learns the producer id from the SDK's "producer id N, epoch E" line. */
static void t0118_log(const fjord_t *fj, int level, const char *fac, const char *buf)
{
	const char *p = strstr(buf, "producer id ");

	(void)fj;
	(void)level;
	if (!strcmp(fac, "IDEMPOTENCE") && p && strstr(buf, "epoch"))
		atomic_store(&t0118_st.pid, atoll(p + strlen("producer id ")));
}

static fjord_t *t0118_producer(test_cluster_t *c, int explicit)
{
	fjord_conf_t *conf =
	    explicit ? test_conf(c, "enable.idempotence", "true", "linger.ms", "0",
	                         "message.timeout.ms", "20000", NULL)
	             : test_conf(c, "linger.ms", "0", "message.timeout.ms", "20000", NULL);
	char errstr[512];
	fjord_t *p;

	pthread_mutex_lock(&t0118_st.lock);
	t0118_st.acked = t0118_st.failed = 0;
	t0118_st.last_err = FJORD_ERR_NO_ERROR;
	pthread_mutex_unlock(&t0118_st.lock);
	atomic_store(&t0118_st.pid, -1);
	atomic_store(&t0118_st.fatal_cb, 0);
	fjord_conf_set_dr_msg_cb(conf, t0118_dr);
	fjord_conf_set_error_cb(conf, t0118_error);
	fjord_conf_set_log_cb(conf, t0118_log);
	p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	if (!p)
		fjord_conf_destroy(conf);
	ck_assert_msg(p, "producer: %s", errstr);
	return p;
}

/* Produces records first..first+cnt-1 (the verifier's keys) to partition 0
 * and waits for their reports. */
static void t0118_produce(fjord_t *p, const char *topic, int first, int cnt)
{
	char key[128];

	for (int i = first; i < first + cnt; i++) {
		snprintf(key, sizeof(key), "testid=%s, partition=0, msg=%d", harness_current.num,
		         i);
		ck_assert_int_eq(
		    fjord_produce(p, topic, 0, key, strlen(key), "v", 1, NULL, 0, 0, NULL),
		    FJORD_ERR_NO_ERROR);
	}
	ck_assert_int_eq(fjord_flush(p, (int)(30000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
}

static int t0118_expired_pred(void *arg)
{
	test_cluster_t *c = arg;
	char *body = repl_http_body(c, 0, "/metrics");
	double v = repl_metric(body, "fjord_producer_ids_expired_total");

	free(body);
	return v >= 1;
}

START_TEST(t0118_expired)
{
	test_cluster_t *c = test_cluster_new(
	    1, "producer.id.expiration.ms=1000\nlog.retention.check.interval.ms=200\n");
	const char *topic = test_topic_name("exp");
	char why[512];
	fjord_t *p;

	test_create_topic(c, topic, 1, 1);
	p = t0118_producer(c, 1);
	t0118_produce(p, topic, 0, 10);
	ck_assert_msg(test_wait_until(t0118_expired_pred, c, 30000),
	              "the broker did not expire the idle producer");
	t0118_produce(p, topic, 10, 10);
	pthread_mutex_lock(&t0118_st.lock);
	test_say("after expiry: %d acknowledged, %d failed (last %s)", t0118_st.acked,
	         t0118_st.failed, fjord_err2name(t0118_st.last_err));
	ck_assert_msg(t0118_st.acked == 20 && t0118_st.failed == 0,
	              "%d acknowledged, %d failed (last error %s)", t0118_st.acked, t0118_st.failed,
	              fjord_err2name(t0118_st.last_err));
	pthread_mutex_unlock(&t0118_st.lock);
	ck_assert_int_eq(fjord_fatal_error(p, why, sizeof(why)), FJORD_ERR_NO_ERROR);
	fjord_destroy(p);

	test_msgver_t *mv = test_msgver_new(1);
	test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 20, mv, 30000);
	test_msgver_verify(mv, "after the producer id expired", 20);
	test_cluster_destroy(c);
}
END_TEST

static int t0118_fatal_cb_pred(void *arg)
{
	(void)arg;
	return atomic_load(&t0118_st.fatal_cb) > 0;
}

START_TEST(t0118_fenced)
{
	test_cluster_t *c = test_cluster_new(1, NULL);
	const char *topic = test_topic_name("fence");
	uint8_t batch[4096];
	char why[512], msg[256];
	int64_t pid, new_pid = -1, base = -1;
	int32_t new_epoch = -1;
	fjord_t *p;

	test_create_topic(c, topic, 1, 1);
	p = t0118_producer(c, 1);
	t0118_produce(p, topic, 0, 5);
	pid = atomic_load(&t0118_st.pid);
	ck_assert_msg(pid >= 0, "the producer did not log its producer id");
	test_say("producer id %lld: bumping its epoch", (long long)pid);

	ck_assert_int_eq(raw_init_producer_id(c->brokers[0].port, pid, 0, &new_pid, &new_epoch), 0);
	ck_assert_msg(new_pid == pid && new_epoch == 1, "InitProducerId(%lld, 0) gave %lld/%d",
	              (long long)pid, (long long)new_pid, (int)new_epoch);
	size_t len = raw_batch_build_idempotent(batch, sizeof(batch), pid, 1, 0, 0, 100, 1);
	ck_assert_int_eq(
	    raw_produce_acks(c->brokers[0].port, topic, 0, -1, batch, len, &base, msg, sizeof(msg)),
	    0);

	/* The old epoch's next batch is fenced. */
	char key[64] = "fenced";
	ck_assert_int_eq(fjord_produce(p, topic, 0, key, strlen(key), "v", 1, NULL, 0, 0, NULL),
	                 FJORD_ERR_NO_ERROR);
	fjord_flush(p, (int)(30000 * test_timeout_multiplier()));
	pthread_mutex_lock(&t0118_st.lock);
	test_say("after the fence: %d acknowledged, %d failed (last %s)", t0118_st.acked,
	         t0118_st.failed, fjord_err2name(t0118_st.last_err));
	ck_assert_msg(t0118_st.failed == 1 && t0118_st.last_err == FJORD_ERR_INVALID_PRODUCER_EPOCH,
	              "the fenced record: %d failed, last error %s", t0118_st.failed,
	              fjord_err2name(t0118_st.last_err));
	pthread_mutex_unlock(&t0118_st.lock);
	ck_assert_int_eq(fjord_fatal_error(p, why, sizeof(why)), FJORD_ERR_INVALID_PRODUCER_EPOCH);
	test_say("fatal: %s", why);
	ck_assert_msg(strstr(why, "fenced"), "the reason does not say fenced: %s", why);
	ck_assert_int_eq(fjord_produce(p, topic, 0, key, strlen(key), "v", 1, NULL, 0, 0, NULL),
	                 FJORD_ERR__FATAL);
	/* The callback thread serves the error soon after the report. */
	ck_assert_msg(test_wait_until(t0118_fatal_cb_pred, NULL, 10000),
	              "the error callback did not get _FATAL");
	ck_assert_int_eq(atomic_load(&t0118_st.fatal_cb), 1);
	fjord_destroy(p);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0118_denied)
{
	test_cluster_t *c =
	    test_cluster_new(1, "authorizer.class.name=kafka.security.authorizer.AclAuthorizer\n"
	                        "super.users=User:admin\n");
	const char *topic = test_topic_name("denied");
	char why[512];
	fjord_t *p = fjord_new(FJORD_ADMIN, test_conf(c, NULL), why, sizeof(why));

	/* Through ZooKeeper: the broker would not describe the topic to us. */
	ck_assert_msg(p, "%s", why);
	ck_assert_int_eq(fjord_admin_create_topic(p, topic, 1, 1, NULL,
	                                          (int)(30000 * test_timeout_multiplier()), why,
	                                          sizeof(why)),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(p);
	/* Default: idempotence turns off; the topic's refusal is what fails. */
	p = t0118_producer(c, 0);
	t0118_produce(p, topic, 0, 5);
	pthread_mutex_lock(&t0118_st.lock);
	test_say("default enable.idempotence: %d acknowledged, %d failed (last %s)", t0118_st.acked,
	         t0118_st.failed, fjord_err2name(t0118_st.last_err));
	ck_assert_msg(
	    t0118_st.failed == 5 && t0118_st.last_err == FJORD_ERR_TOPIC_AUTHORIZATION_FAILED,
	    "%d failed, last error %s", t0118_st.failed, fjord_err2name(t0118_st.last_err));
	pthread_mutex_unlock(&t0118_st.lock);
	ck_assert_int_eq(fjord_fatal_error(p, why, sizeof(why)), FJORD_ERR_NO_ERROR);
	fjord_destroy(p);

	/* Explicit: the refusal is fatal. */
	p = t0118_producer(c, 1);
	t0118_produce(p, topic, 0, 5);
	pthread_mutex_lock(&t0118_st.lock);
	test_say("enable.idempotence=true: %d acknowledged, %d failed (last %s)", t0118_st.acked,
	         t0118_st.failed, fjord_err2name(t0118_st.last_err));
	ck_assert_msg(t0118_st.failed == 5 && t0118_st.last_err == FJORD_ERR__FATAL,
	              "%d failed, last error %s", t0118_st.failed,
	              fjord_err2name(t0118_st.last_err));
	pthread_mutex_unlock(&t0118_st.lock);
	ck_assert_int_eq(fjord_fatal_error(p, why, sizeof(why)),
	                 FJORD_ERR_CLUSTER_AUTHORIZATION_FAILED);
	test_say("fatal: %s", why);
	fjord_destroy(p);
	test_cluster_destroy(c);
}
END_TEST

void test_0118(TCase *tc)
{
	tcase_add_test(tc, t0118_expired);
	tcase_add_test(tc, t0118_fenced);
	tcase_add_test(tc, t0118_denied);
}
