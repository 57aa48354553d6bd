/*
 * 0153-compaction-crash-broker — a real fjordd SIGKILLed at each step of a
 * compaction swap, restarted, and read back (private one-broker cluster,
 * log.cleaner.backoff.ms=200). T_CLUSTER.
 *
 * For each step of docs/operations.md "Test-only fault injection" (cleaned,
 * swap, deleted, installed) the broker is restarted with
 * FJORD_CLEANER_CRASH_AT=<step> in its environment, a compacted topic with
 * small segments gets 10 keys written once, then rounds of updates to 40
 * keys (acks=all) until the cleaner reaches the step and the broker kills
 * itself. Restarted without
 * the variable, the broker recovers the partition: no .cleaned or .swap file
 * is left, each key written once is read exactly once, every updated key
 * reads back with a value at least as new as the newest one acknowledged, no key's value goes
 * backwards in offset order, and the partition takes new records. The topic is deleted before the
 * next step, so the next start has nothing to clean. With the swap recovery of log_recovery.c
 * turned off, the deleted step loses the keys written once.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

#define T0153_KEYS 40
#define T0153_SOLO 10 /* keys written once, in the first round: compaction keeps them */

static int t0153_acked_seq[T0153_KEYS]; /* newest acknowledged sequence per key; -1 */
static int t0153_acked, t0153_failed;

static void t0153_dr(fjord_t *fj, const fjord_message_t *m, void *opaque)
{
	int k, seq;

	(void)fj;
	(void)opaque;
	if (m->err) {
		t0153_failed++;
		return;
	}
	t0153_acked++;
	if (m->value && sscanf((const char *)m->value, "k%d:%d", &k, &seq) == 2 && k >= 0 &&
	    k < T0153_KEYS && seq > t0153_acked_seq[k])
		t0153_acked_seq[k] = seq;
}

typedef struct t0153_crash {
	test_cluster_t *c;
	const char *needle;
} t0153_crash_t;

static int t0153_log_has(void *arg)
{
	t0153_crash_t *w = arg;
	char path[700], *text;
	int hit;

	ck_assert(harness_path(path, sizeof(path), "%s/broker-%d/broker.log", w->c->dir,
	                       w->c->brokers[0].id) == 0);
	text = harness_read_file(path, NULL);
	hit = text && strstr(text, w->needle) != NULL;
	free(text);
	return hit;
}

/* Files of the partition dir ending in .cleaned or .swap. */
static int t0153_stray_files(test_cluster_t *c, const char *topic)
{
	char dir[900];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/%s-0", c->brokers[0].logdir, topic);
	d = opendir(dir);
	ck_assert_msg(d, "no partition dir %s", dir);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if ((l > 8 && !strcmp(e->d_name + l - 8, ".cleaned")) ||
		    (l > 5 && !strcmp(e->d_name + l - 5, ".swap"))) {
			test_say("0153: stray file %s/%s\n", dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* Reads the partition to its high watermark: every key's value must not go
 * backwards and must end at least at its newest acknowledged sequence. */
static void t0153_verify(test_cluster_t *c, const char *topic, const char *step)
{
	int last[T0153_KEYS];
	int64_t lo = -1, hi = -1, next = 0, deadline;
	fjord_t *cons;
	fjord_topic_partition_list_t *parts;
	int k, records = 0, solo[T0153_SOLO] = { 0 };

	for (k = 0; k < T0153_KEYS; k++)
		last[k] = -1;
	cons = test_consumer_new(c, NULL);
	ck_assert_int_eq(fjord_query_watermark_offsets(cons, topic, 0, &lo, &hi, 30000), 0);
	parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	deadline = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());
	while (next < hi && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		int seq;

		if (!m)
			continue;
		if (!m->err && m->value &&
		    sscanf((const char *)m->value, "k%d:%d", &k, &seq) == 2 && k >= 0 &&
		    k < T0153_KEYS) {
			ck_assert_msg(seq > last[k],
			              "%s: key k%d went back from %d to %d at offset %lld", step, k,
			              last[k], seq, (long long)m->offset);
			last[k] = seq;
			records++;
		} else if (!m->err && m->value && sscanf((const char *)m->value, "s%d", &k) == 1 &&
		           k >= 0 && k < T0153_SOLO) {
			solo[k]++;
		}
		if (!m->err)
			next = m->offset + 1;
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	ck_assert_msg(next >= hi, "%s: read stopped at %lld of %lld", step, (long long)next,
	              (long long)hi);
	for (k = 0; k < T0153_SOLO; k++)
		ck_assert_msg(solo[k] == 1,
		              "%s: key s%d (written once, acknowledged) read %d times", step, k,
		              solo[k]);
	for (k = 0; k < T0153_KEYS; k++)
		ck_assert_msg(last[k] >= t0153_acked_seq[k],
		              "%s: key k%d reads %d, but %d was acknowledged", step, k, last[k],
		              t0153_acked_seq[k]);
	test_say(
	    "0153 %s: %d records in [%lld, %lld), every key at or past its acknowledged value\n",
	    step, records, (long long)lo, (long long)hi);
}

START_TEST(t0153_crash_at_each_step)
{
	static const char *const steps[] = { "cleaned", "swap", "deleted", "installed" };
	test_cluster_t *c = test_cluster_new(1, "log.cleaner.backoff.ms=200\n");
	char errstr[512];

	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		const char *topic = test_topic_name(steps[s]);
		const char *const configs[] = { "cleanup.policy",
			                        "compact",
			                        "segment.bytes",
			                        "4096",
			                        "min.cleanable.dirty.ratio",
			                        "0.01",
			                        NULL };
		char needle[128];
		t0153_crash_t w = { c, needle };
		fjord_conf_t *conf;
		fjord_t *a, *p;
		fjord_err_t err;
		int round, crashed = 0;

		/* The next start dies at this step of its first swap. */
		test_broker_kill(c, 0, SIGTERM);
		ck_assert(setenv("FJORD_CLEANER_CRASH_AT", steps[s], 1) == 0);
		test_broker_restart(c, 0);
		ck_assert(unsetenv("FJORD_CLEANER_CRASH_AT") == 0);

		a = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
		ck_assert_msg(a, "%s", errstr);
		err = fjord_admin_create_topic(a, topic, 1, 1, configs,
		                               (int)(30000 * test_timeout_multiplier()), errstr,
		                               sizeof(errstr));
		ck_assert_msg(err == FJORD_ERR_NO_ERROR, "create: %s", errstr);
		fjord_destroy(a);

		for (int k = 0; k < T0153_KEYS; k++)
			t0153_acked_seq[k] = -1;
		t0153_acked = t0153_failed = 0;
		conf = test_conf(c, "acks", "all", "linger.ms", "1", "message.timeout.ms", "5000",
		                 NULL);
		fjord_conf_set_dr_msg_cb(conf, t0153_dr);
		p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
		ck_assert_msg(p, "%s", errstr);
		snprintf(needle, sizeof(needle), "FJORD_CLEANER_CRASH_AT=%s: killing the process",
		         steps[s]);
		/* Keys written once, in the oldest segment: no pass may lose them. */
		for (int k = 0; k < T0153_SOLO; k++) {
			char key[16];

			snprintf(key, sizeof(key), "s%d", k);
			err = fjord_produce(p, topic, 0, key, strlen(key), key, strlen(key), NULL,
			                    0, -1, NULL);
			ck_assert_int_eq(err, FJORD_ERR_NO_ERROR);
		}
		ck_assert_int_eq(fjord_flush(p, 30000), 0);
		ck_assert_int_eq(t0153_acked, T0153_SOLO);
		/* Rounds of updates until the cleaner reaches the step. */
		for (round = 0; round < 200 && !crashed; round++) {
			for (int k = 0; k < T0153_KEYS; k++) {
				char val[64];

				snprintf(val, sizeof(val), "k%d:%d:xxxxxxxxxxxxxxxxxxxxxxxx", k,
				         round);
				err = fjord_produce(p, topic, 0, val,
				                    (size_t)(strchr(val, ':') - val), val,
				                    strlen(val), NULL, 0, -1, NULL);
				ck_assert_int_eq(err, FJORD_ERR_NO_ERROR);
			}
			fjord_flush(p, 10000);
			crashed = test_wait_until(t0153_log_has, &w, round < 20 ? 1 : 300);
		}
		if (!crashed)
			crashed = test_wait_until(t0153_log_has, &w, 20000);
		ck_assert_msg(crashed, "%s: the broker never reached the step (%d rounds)",
		              steps[s], round);
		fjord_flush(p, 6000);
		fjord_destroy(p);
		test_say("0153 %s: crashed after %d rounds, %d acknowledged, %d failed\n", steps[s],
		         round, t0153_acked, t0153_failed);
		ck_assert_int_gt(t0153_acked, 0);

		/* Reap the dead broker, start it without the variable. */
		test_broker_kill(c, 0, SIGKILL);
		test_broker_restart(c, 0);
		ck_assert_msg(t0153_stray_files(c, topic) == 0,
		              "%s: .cleaned/.swap files left after recovery", steps[s]);
		t0153_verify(c, topic, steps[s]);

		/* The partition takes records again. */
		p = test_producer_new(c, "acks", "all", NULL);
		err = fjord_produce(p, topic, 0, "k0", 2, "k0:100000", 9, NULL, 0, -1, NULL);
		ck_assert_int_eq(err, FJORD_ERR_NO_ERROR);
		ck_assert_int_eq(fjord_flush(p, 30000), 0);
		fjord_destroy(p);

		a = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
		ck_assert_msg(a, "%s", errstr);
		err = fjord_admin_delete_topic(a, topic, (int)(30000 * test_timeout_multiplier()),
		                               errstr, sizeof(errstr));
		ck_assert_msg(err == FJORD_ERR_NO_ERROR, "delete: %s", errstr);
		fjord_destroy(a);
	}
	test_cluster_destroy(c);
}
END_TEST

void test_0153(TCase *tc)
{
	tcase_add_test(tc, t0153_crash_at_each_step);
}
