/*
 * 0133-consume-exit-live — `fjord consume -e` stops although a partition is
 * written to all the time.
 *
 * -e ends a partition at the high watermark it saw when it got there. A
 * partition that receives a record every few milliseconds may never answer
 * a fetch with nothing (the broker's long poll returns as soon as a record
 * arrives), so waiting for an empty fetch (_PARTITION_EOF) alone would never
 * stop; the tool also ends a partition when a record leaves no lag behind
 * the high watermark of the latest fetch response.
 *
 * Partition 0 of a 2-partition topic gets the fixture (5 records) and then a
 * record every 2 ms from a producer thread of this test; partition 1 gets
 * the fixture only. `consume -B -e` (bounded by `timeout -s KILL`, so a
 * tool that never stops fails here instead of hanging the runner) must exit
 * 0 with partition 1's 5 records and, for partition 0, offsets 0..k without
 * a gap or a duplicate, k at least the records acknowledged before it
 * started and below the records acknowledged in all.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consume_cli_helpers.h"
#include "harness_int.h"
#include "test.h"

typedef struct t0133_live {
	test_cluster_t *c;
	const char *topic;
	atomic_int stop;
	atomic_int acked;  /* acknowledged live records */
	atomic_int failed; /* failed ones */
} t0133_live_t;

static void t0133_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	t0133_live_t *l = opaque;

	(void)fj;
	if (msg->err == FJORD_ERR_NO_ERROR)
		atomic_fetch_add(&l->acked, 1);
	else
		atomic_fetch_add(&l->failed, 1);
}

/* Produces "live-N" to partition 0 every 2 ms until told to stop. */
static void *t0133_producer(void *arg)
{
	t0133_live_t *l = arg;
	fjord_conf_t *conf = test_conf(l->c, NULL);
	char errstr[256], value[32];
	fjord_t *p;
	int n = 0;

	fjord_conf_set_dr_msg_cb(conf, t0133_dr_cb);
	fjord_conf_set_opaque(conf, l);
	p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	if (!p) {
		fprintf(stderr, "0133: producer: %s\n", errstr);
		atomic_fetch_add(&l->failed, 1);
		return NULL;
	}
	while (!atomic_load(&l->stop)) {
		int len = snprintf(value, sizeof(value), "live-%d", n++);

		if (fjord_produce(p, l->topic, 0, NULL, 0, value, (size_t)len, NULL, 0, 0, NULL))
			atomic_fetch_add(&l->failed, 1);
		harness_sleep_ms(2);
	}
	fjord_flush(p, (int)(30000 * test_timeout_multiplier()));
	fjord_destroy(p);
	return NULL;
}

static int t0133_some_acked(void *arg)
{
	return atomic_load(&((t0133_live_t *)arg)->acked) >= 20;
}

START_TEST(consume_exit_live)
{
	test_cluster_t *c = test_shared_cluster();
	char topic[256], cmd[1024], *out, *line, *save = NULL;
	int ex, before, next0 = 0, next1 = 0, limit_s = (int)(60 * test_timeout_multiplier());
	t0133_live_t l;
	pthread_t th;

	snprintf(topic, sizeof(topic), "%s", test_topic_name("live"));
	test_create_topic(c, topic, 2, 1);
	cc_produce_fixture(c, topic, 2);

	memset(&l, 0, sizeof(l));
	l.c = c;
	l.topic = topic;
	ck_assert_int_eq(pthread_create(&th, NULL, t0133_producer, &l), 0);
	ck_assert_msg(
	    test_wait_until(t0133_some_acked, &l, (int)(30000 * test_timeout_multiplier())),
	    "the live producer got no acknowledgements");
	before = CC_PER_PART + atomic_load(&l.acked);

	snprintf(cmd, sizeof(cmd),
	         "timeout -s KILL %d %s -z %s --timeout 15000 consume %s -B -e -F '%%p %%o\\n' "
	         "2>/dev/null",
	         limit_s, test_cli_path(), c->zk_connect, topic);
	out = test_run(cmd, &ex);
	atomic_store(&l.stop, 1);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_ptr_nonnull(out);
	test_say("$ %s\n=> exit %d, %d lines; %d live records acknowledged, %d failed; %d records "
	         "were acknowledged before it started",
	         cmd, ex, cc_lines(out), atomic_load(&l.acked), atomic_load(&l.failed), before);
	ck_assert_msg(ex == 0, "consume -e on a partition written to all the time: exit %d%s", ex,
	              ex == 137 ? " (killed: it did not stop)" : "");
	ck_assert_int_eq(atomic_load(&l.failed), 0);

	/* Offsets of each partition in order, from 0, without a gap. */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int p, o;

		ck_assert_msg(sscanf(line, "%d %d", &p, &o) == 2 && (p == 0 || p == 1), "line '%s'",
		              line);
		if (p == 0)
			ck_assert_msg(o == next0++, "partition 0: offset %d, expected %d", o,
			              next0 - 1);
		else
			ck_assert_msg(o == next1++, "partition 1: offset %d, expected %d", o,
			              next1 - 1);
	}
	ck_assert_int_eq(next1, CC_PER_PART);
	ck_assert_msg(next0 >= before, "partition 0: %d records, %d were there at the start", next0,
	              before);
	ck_assert_msg(next0 <= CC_PER_PART + atomic_load(&l.acked),
	              "partition 0: %d records, only %d acknowledged", next0,
	              CC_PER_PART + atomic_load(&l.acked));
	free(out);
}
END_TEST

void test_0133(TCase *tc);

void test_0133(TCase *tc)
{
	tcase_add_test(tc, consume_exit_live);
}
