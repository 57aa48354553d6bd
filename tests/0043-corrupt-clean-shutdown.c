/*
 * 0043-corrupt-clean-shutdown — a flipped byte found by nobody at start-up
 * (clean shutdown: no recovery scan) never reaches an application as a
 * wrong value.
 *
 * One broker; 200 records in small batches; SIGTERM (clean shutdown,
 * checked: exit 0); one byte of a record value in the 4th batch flipped;
 * restart. Proves, with the SDK's default configuration (check.crcs=true):
 *   - a consumer gets the records before the bad batch, then one
 *     CORRUPT_MESSAGE event whose offset is the batch's first offset and
 *     whose text names topic and offset, and no record of that batch;
 *     seeking past it, every later record reads back (verifier);
 *   - `fjord consume --from-beginning` exits 1 with a message naming the
 *     offset and prints no record of the bad batch; `fjord consume
 *     --offset <after it>` exits 0 with the rest.
 * Fails on the old SDK default (check.crcs=false): the consumer is handed
 * the flipped value and the CLI exits 0.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corrupt_util.h"
#include "harness_int.h"
#include "test.h"

#define T0043_MSGS 200

START_TEST(t0043_clean_shutdown_flip)
{
	test_cluster_t *c = test_cluster_new(1, NULL);
	const char *topic = test_topic_name("clean");
	char **segs, err[512], want[64], *cmd = NULL, *out;
	corrupt_batch_t bad;
	int ex = -1;

	test_create_topic(c, topic, 1, 1);
	test_produce_msgs_conf(c, topic, 0, T0043_MSGS, 50, "batch.size", "1024", "linger.ms", "5",
	                       NULL);
	test_broker_kill(c, 0, SIGTERM); /* controlled shutdown: .clean-shutdown */
	int n = corrupt_segments(c, 0, topic, 0, &segs);
	ck_assert_int_ge(corrupt_batch_count(segs[0]), 6);
	corrupt_batch(segs[0], 3, &bad);
	/* The last record's value ends 2 bytes before the batch end (then the
	 * headers count, 0). */
	corrupt_flip(segs[0], bad.pos + (off_t)bad.size - 2, 0x01);
	test_say("flipped a value byte of offsets %lld-%lld in %s", (long long)bad.base,
	         (long long)bad.last, segs[0]);
	corrupt_free_paths(segs, n);
	test_broker_restart(c, 0);

	test_msgver_t *mv = test_msgver_new(1);
	test_msgver_expect_gap(mv, 0, bad.base, bad.last);
	ck_assert_int_eq(
	    corrupt_read(c, topic, 0, T0043_MSGS, bad.base, bad.last, mv, err, sizeof(err)), 1);
	snprintf(want, sizeof(want), "offset %lld", (long long)bad.base);
	ck_assert_msg(strstr(err, want) && strstr(err, topic), "consumer error: %s", err);
	test_msgver_verify(mv, "around the bad batch", T0043_MSGS - (int)(bad.last - bad.base + 1));

	ck_assert(asprintf(&cmd, "%s -z %s consume %s -p 0 --from-beginning -n %d -O 2>&1",
	                   test_cli_path(), c->zk_connect, topic, T0043_MSGS) > 0);
	out = test_run(cmd, &ex);
	free(cmd);
	char *eline = strstr(out, "fjord consume: error");
	test_say("fjord consume --from-beginning: exit %d: %.*s", ex,
	         eline ? (int)strcspn(eline, "\n") : 0, eline ? eline : "");
	ck_assert_int_eq(ex, 1);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in: %s", want, out);
	char first_bad[64];
	snprintf(first_bad, sizeof(first_bad), "\n0:%lld\t", (long long)bad.base);
	ck_assert_msg(strstr(out, first_bad) == NULL, "printed a record of the bad batch");
	free(out);

	ck_assert(asprintf(&cmd, "%s -z %s consume %s -p 0 --offset %lld -n %lld 2>&1",
	                   test_cli_path(), c->zk_connect, topic, (long long)bad.last + 1,
	                   (long long)(T0043_MSGS - bad.last - 1)) > 0);
	out = test_run(cmd, &ex);
	free(cmd);
	ck_assert_msg(ex == 0, "consume past the bad batch: exit %d: %s", ex, out);
	free(out);
	test_cluster_destroy(c);
}
END_TEST

void test_0043(TCase *tc)
{
	tcase_add_test(tc, t0043_clean_shutdown_flip);
}
