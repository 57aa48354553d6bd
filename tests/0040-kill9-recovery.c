/*
 * 0040-kill9-recovery — a one-broker private cluster is SIGKILLed while a
 * producer (acks=1) streams records into it, then restarted (log recovery
 * runs). Every record whose delivery report said PERSISTED must be in the
 * log at the offset the report gave, in production order; with retries
 * disabled (when the SDK knows the property) none may appear twice.
 * T_CLUSTER: it kills its own broker.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

#define T0040_MSGS 20000
#define T0040_KILL_AFTER 5000

typedef struct t0040_state {
	pthread_mutex_t lock;
	int64_t *acked_offset; /* [T0040_MSGS], -1 = not acknowledged */
	int acked;
	int failed;
} t0040_state_t;

static void t0040_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	t0040_state_t *st = opaque;
	int seq = (int)(intptr_t)msg->opaque;
	(void)fj;
	pthread_mutex_lock(&st->lock);
	if (msg->err == FJORD_ERR_NO_ERROR && msg->status == FJORD_MSG_STATUS_PERSISTED) {
		st->acked_offset[seq] = msg->offset;
		st->acked++;
	} else {
		st->failed++;
	}
	pthread_mutex_unlock(&st->lock);
}

static int t0040_acked(t0040_state_t *st)
{
	pthread_mutex_lock(&st->lock);
	int n = st->acked;
	pthread_mutex_unlock(&st->lock);
	return n;
}

START_TEST(t0040_kill9)
{
	test_cluster_t *c = test_cluster_new(1, NULL);
	const char *topic = test_topic_name("k9");
	t0040_state_t st = { .acked = 0, .failed = 0 };
	char errstr[256];
	char key[64];

	pthread_mutex_init(&st.lock, NULL);
	st.acked_offset = malloc(sizeof(int64_t) * T0040_MSGS);
	ck_assert_ptr_nonnull(st.acked_offset);
	for (int i = 0; i < T0040_MSGS; i++)
		st.acked_offset[i] = -1;
	test_create_topic(c, topic, 1, 1);

	fjord_conf_t *conf =
	    test_conf(c, "acks", "1", "linger.ms", "2", "message.timeout.ms", "60000", NULL);
	int no_retries =
	    fjord_conf_set(conf, "retries", "0", errstr, sizeof(errstr)) == FJORD_CONF_OK;
	test_say("retries=0 %s",
	         no_retries ? "set" : "not known to the SDK: duplicates only reported");
	fjord_conf_set_dr_msg_cb(conf, t0040_dr_cb);
	fjord_conf_set_opaque(conf, &st);
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "%s", errstr);

	int killed = 0;
	for (int i = 0; i < T0040_MSGS; i++) {
		int klen = snprintf(key, sizeof(key), "testid=0040, partition=0, msg=%d", i);
		fjord_err_t err;
		int64_t deadline = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());
		while ((err = fjord_produce(p, topic, 0, key, (size_t)klen, "payload", 7, NULL, 0,
		                            0, (void *)(intptr_t)i)) == FJORD_ERR__QUEUE_FULL &&
		       test_now_ms() < deadline)
			harness_sleep_ms(2);
		ck_assert_msg(err == FJORD_ERR_NO_ERROR, "produce #%d: %s", i, fjord_err2name(err));
		if (!killed && t0040_acked(&st) >= T0040_KILL_AFTER) {
			test_say("%d acknowledged after %d produced: SIGKILL", t0040_acked(&st),
			         i + 1);
			test_broker_kill(c, 0, SIGKILL);
			killed = 1;
			test_broker_restart(c, 0);
		}
	}
	if (!killed) {
		/* Fast producer: the stream was queued before enough acks came. */
		int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
		while (t0040_acked(&st) < T0040_KILL_AFTER && test_now_ms() < deadline)
			harness_sleep_ms(1);
		test_say("%d acknowledged: SIGKILL", t0040_acked(&st));
		test_broker_kill(c, 0, SIGKILL);
		test_broker_restart(c, 0);
	}
	fjord_flush(p, (int)(90000 * test_timeout_multiplier()));
	fjord_destroy(p);
	test_say("delivery: %d persisted, %d failed", st.acked, st.failed);
	ck_assert_msg(st.acked >= T0040_KILL_AFTER, "only %d records acknowledged", st.acked);

	/* Read the whole log back. */
	int64_t lo = -1, hi = -1;
	fjord_t *cons = test_consumer_new(c, NULL);
	ck_assert_int_eq(fjord_query_watermark_offsets(cons, topic, 0, &lo, &hi, 10000),
	                 FJORD_ERR_NO_ERROR);
	test_say("log after recovery: %lld..%lld", (long long)lo, (long long)hi);
	ck_assert(hi >= st.acked);
	int *at = malloc(sizeof(int) * (size_t)(hi > 0 ? hi : 1)); /* offset -> seq */
	int *copies = calloc(T0040_MSGS, sizeof(int));
	ck_assert(at && copies);
	for (int64_t o = 0; o < hi; o++)
		at[o] = -1;
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	int64_t got = 0;
	int64_t deadline = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());
	while (got < hi && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		int seq = -1;
		char kbuf[64] = "";
		if (m->key && m->key_len < sizeof(kbuf)) {
			memcpy(kbuf, m->key, m->key_len);
			kbuf[m->key_len] = '\0';
		}
		if (!m->err && m->offset >= 0 && m->offset < hi &&
		    sscanf(kbuf, "testid=0040, partition=0, msg=%d", &seq) == 1 && seq >= 0 &&
		    seq < T0040_MSGS) {
			at[m->offset] = seq;
			copies[seq]++;
			got++;
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	ck_assert_msg(got == hi, "read %lld of %lld records", (long long)got, (long long)hi);

	int missing = 0, moved = 0, dups = 0, disorder = 0;
	int64_t prev = -1;
	for (int s = 0; s < T0040_MSGS; s++) {
		if (copies[s] > 1)
			dups++;
		int64_t o = st.acked_offset[s];
		if (o < 0)
			continue;
		if (o >= hi)
			missing++;
		else if (at[o] != s)
			moved++;
		if (o <= prev)
			disorder++;
		prev = o;
	}
	test_say("acknowledged records: %d missing, %d not at their offset, %d out of order; "
	         "%d sequence numbers stored twice",
	         missing, moved, disorder, dups);
	ck_assert_int_eq(missing, 0);
	ck_assert_int_eq(moved, 0);
	ck_assert_int_eq(disorder, 0);
	if (no_retries)
		ck_assert_int_eq(dups, 0);
	free(at);
	free(copies);
	free(st.acked_offset);
	test_cluster_destroy(c);
}
END_TEST

void test_0040(TCase *tc)
{
	tcase_add_test(tc, t0040_kill9);
}
