/*
 * 0032-compression — each codec (none, gzip, lz4, zstd) round trips: records
 * produced with compression.type=<codec> come back intact and in order, and
 * the batch stored in the leader's segment file carries that codec in its
 * attributes (bits 0-2 at byte 21 of the record batch header), i.e. the
 * broker stored it compressed as it came. Shared cluster.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

#define T0032_MSGS 2000

/* Codec bits of the first batch of partition 0 in any shared broker's log
 * dir holding it; -1 when no segment was found. */
static int t0032_stored_codec(test_cluster_t *c, const char *topic)
{
	for (int i = 0; i < c->broker_cnt; i++) {
		char path[1024];
		size_t len = 0;
		if (harness_path(path, sizeof(path), "%s/%s-0/%020d.log", c->brokers[i].logdir,
		                 topic, 0) < 0)
			continue;
		char *seg = harness_read_file(path, &len);
		if (!seg)
			continue;
		int codec =
		    len >= 61 ? (((unsigned char)seg[21] << 8 | (unsigned char)seg[22]) & 7) : -1;
		free(seg);
		if (codec >= 0)
			return codec;
	}
	return -1;
}

static void t0032_codec(const char *codec, int codec_id)
{
	test_cluster_t *c = test_shared_cluster();
	char suffix[32];
	snprintf(suffix, sizeof(suffix), "codec_%s", codec);
	const char *topic = test_topic_name(suffix);

	test_create_topic(c, topic, 1, 1);
	test_produce_msgs_conf(c, topic, 0, T0032_MSGS, 300, "compression.type", codec, "linger.ms",
	                       "20", NULL);
	test_msgver_t *mv = test_msgver_new(1);
	test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, T0032_MSGS, mv, 60000);
	test_msgver_verify(mv, codec, T0032_MSGS);
	int stored = t0032_stored_codec(c, topic);
	test_say("%s: first stored batch has codec %d", codec, stored);
	ck_assert_msg(stored == codec_id, "%s: stored batch codec %d, expected %d", codec, stored,
	              codec_id);
}

START_TEST(t0032_none)
{
	t0032_codec("none", 0);
}
END_TEST
START_TEST(t0032_gzip)
{
	t0032_codec("gzip", 1);
}
END_TEST
START_TEST(t0032_lz4)
{
	t0032_codec("lz4", 3);
}
END_TEST
START_TEST(t0032_zstd)
{
	t0032_codec("zstd", 4);
}
END_TEST

void test_0032(TCase *tc)
{
	tcase_add_test(tc, t0032_none);
	tcase_add_test(tc, t0032_gzip);
	tcase_add_test(tc, t0032_lz4);
	tcase_add_test(tc, t0032_zstd);
}
