/*
 * 0032-compression — each codec (none, gzip, snappy, lz4, zstd) round trips:
 * every record produced with compression.type=<codec> is acknowledged, as
 * many come back intact and in order, and the batch stored in the leader's
 * segment file carries that codec in its attributes (bits 0-2 at byte 21 of
 * the record batch header), i.e. the broker stored it compressed as it came.
 * Snappy also in the Java client's xerial/snappy-java framing: batches built
 * here record by record, framed in 4 KiB blocks and produced over the raw
 * protocol, are acknowledged, stored as sent and read back by the SDK's
 * consumer. The CLI: `fjord produce --compression snappy` and
 * `-X compression.type=snappy` write snappy batches that `fjord consume`
 * reads back, line for line. Shared cluster.
 */
#define _GNU_SOURCE
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/record_batch.h"
#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

#define T0032_MSGS 2000

/* Codec bits of the first batch of partition 0 in any shared broker's log
 * dir holding it; -1 when no segment was found. With blob8 set, also the
 * first 8 bytes of that batch's records (zero when the batch is shorter). */
static int t0032_stored_codec(test_cluster_t *c, const char *topic, uint8_t *blob8)
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
		if (blob8) {
			memset(blob8, 0, 8);
			if (len >= 61 + 8)
				memcpy(blob8, seg + 61, 8);
		}
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
	int failed = 0;
	fjord_err_t first_err = FJORD_ERR_NO_ERROR;
	int acked = test_produce_range(c, topic, 0, 0, T0032_MSGS, 300, &failed, &first_err,
	                               "compression.type", codec, "linger.ms", "20", NULL);
	test_say("%s: %d of %d records acknowledged, %d failed (first error %s)", codec, acked,
	         T0032_MSGS, failed, fjord_err2name(first_err));
	ck_assert_msg(acked == T0032_MSGS && failed == 0, "%s: %d acknowledged, %d failed: %s",
	              codec, acked, failed, fjord_err2name(first_err));
	test_msgver_t *mv = test_msgver_new(1);
	int got = test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, acked, mv, 60000);
	test_say("%s: %d records read back", codec, got);
	test_msgver_verify(mv, codec, acked);
	int stored = t0032_stored_codec(c, topic, NULL);
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
START_TEST(t0032_snappy)
{
	t0032_codec("snappy", 2);
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

static const uint8_t t0032_xerial_magic[8] = { 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0 };
#define T0032_XERIAL_BATCHES 5
#define T0032_XERIAL_PER_BATCH 200

/* Rewrites the uncompressed batch in[0..len) into out as the Java client
 * sends snappy: its records in the xerial framing (16-byte header, then
 * big-endian int32 length + raw snappy block per 4 KiB of records), codec 2
 * in the attributes, batchLength and CRC recomputed. Returns its size. */
static size_t t0032_xerial_batch(const uint8_t *in, size_t len, uint8_t *out)
{
	const size_t block = 4096;
	size_t pos = RB_HEADER_SIZE;

	memcpy(out, in, RB_HEADER_SIZE);
	memcpy(out + pos, t0032_xerial_magic, 8);
	be32_write(out + pos + 8, 1);
	be32_write(out + pos + 12, 1);
	pos += 16;
	for (size_t off = RB_HEADER_SIZE; off < len; off += block) {
		size_t n = len - off < block ? len - off : block;
		size_t clen = snappy_max_compressed_length(n);
		ck_assert_int_eq(
		    snappy_compress((const char *)in + off, n, (char *)out + pos + 4, &clen),
		    SNAPPY_OK);
		be32_write(out + pos, (uint32_t)clen);
		pos += 4 + clen;
	}
	be32_write(out + RB_OFF_BATCH_LENGTH, (uint32_t)(pos - RB_LOG_OVERHEAD));
	be16_write(out + RB_OFF_ATTRIBUTES,
	           (uint16_t)((rb_attributes(in) & ~RB_ATTR_CODEC_MASK) | RB_CODEC_SNAPPY));
	be32_write(out + RB_OFF_CRC, crc32c(0, out + RB_OFF_ATTRIBUTES, pos - RB_OFF_ATTRIBUTES));
	return pos;
}

START_TEST(t0032_snappy_xerial)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("codec_xerial");
	size_t cap = 256 * 1024;
	uint8_t *plain = malloc(cap), *framed = malloc(2 * cap);
	raw_rec_t recs[T0032_XERIAL_PER_BATCH];
	char keys[T0032_XERIAL_PER_BATCH][80];
	char value[301];
	int acked = 0;

	ck_assert(plain && framed);
	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	test_create_topic(c, topic, 1, 1);
	for (int bi = 0; bi < T0032_XERIAL_BATCHES; bi++) {
		raw_batch_t spec;
		memset(&spec, 0, sizeof(spec));
		memset(recs, 0, sizeof(recs));
		for (int i = 0; i < T0032_XERIAL_PER_BATCH; i++) {
			snprintf(keys[i], sizeof(keys[i]), "testid=%s, partition=0, msg=%d",
			         harness_current.num ? harness_current.num : "0000",
			         bi * T0032_XERIAL_PER_BATCH + i);
			recs[i].key = keys[i];
			recs[i].value = value;
		}
		spec.base_ts = spec.max_ts = fj_now_ms();
		size_t plen = raw_batch_build(plain, cap, &spec, recs, T0032_XERIAL_PER_BATCH);
		size_t flen = t0032_xerial_batch(plain, plen, framed);
		if (bi == 0)
			test_say("xerial: %d records, %zu bytes plain, %zu framed",
			         T0032_XERIAL_PER_BATCH, plen, flen);
		/* To whichever broker leads partition 0; the others answer
		 * NOT_LEADER. The leader's answer is the one reported. */
		int rc = FJORD_ERR_NOT_LEADER;
		char msg[256] = "";
		for (int i = 0; i < c->broker_cnt && rc == FJORD_ERR_NOT_LEADER; i++)
			rc = raw_produce_bytes(c->brokers[i].port, topic, 0, framed, flen, msg,
			                       sizeof(msg));
		ck_assert_msg(rc == 0, "xerial batch %d refused: %s (%d)", bi, msg, rc);
		acked += T0032_XERIAL_PER_BATCH;
	}
	test_say("xerial: %d records acknowledged", acked);
	test_msgver_t *mv = test_msgver_new(1);
	int got = test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, acked, mv, 60000);
	test_say("xerial: %d records read back", got);
	test_msgver_verify(mv, "xerial", acked);
	uint8_t blob8[8];
	int stored = t0032_stored_codec(c, topic, blob8);
	ck_assert_msg(stored == RB_CODEC_SNAPPY, "xerial: stored batch codec %d, expected 2",
	              stored);
	/* Stored as sent: still in the xerial framing, not recompressed. */
	ck_assert_mem_eq(blob8, t0032_xerial_magic, 8);
	free(plain);
	free(framed);
}
END_TEST

#define T0032_CLI_LINES 300

/* `fjord produce` with the codec given by args (an option of produce, or a
 * global -X), then `fjord consume` of the topic; every line comes back. */
static void t0032_cli(test_cluster_t *c, const char *topic, const char *global_args,
                      const char *produce_args, int first)
{
	char *cmd, *out;
	int ex;

	ck_assert(asprintf(&cmd, "seq %d %d | %s -z %s %s produce %s -p 0 %s 2>&1", first,
	                   first + T0032_CLI_LINES - 1, test_cli_path(), c->zk_connect, global_args,
	                   topic, produce_args) > 0);
	out = test_run(cmd, &ex);
	test_say("%s: exit %d", cmd, ex);
	ck_assert_msg(ex == 0, "fjord produce failed (%d): %s", ex, out);
	free(out);
	free(cmd);
}

START_TEST(t0032_snappy_cli)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("codec_cli");
	char *cmd, *out;
	int ex;

	test_create_topic(c, topic, 1, 1);
	t0032_cli(c, topic, "", "--compression snappy", 1);
	t0032_cli(c, topic, "-X compression.type=snappy", "", 1 + T0032_CLI_LINES);
	ck_assert_int_eq(t0032_stored_codec(c, topic, NULL), RB_CODEC_SNAPPY);
	ck_assert(asprintf(&cmd, "%s -z %s consume %s -p 0 --from-beginning -n %d 2>&1",
	                   test_cli_path(), c->zk_connect, topic, 2 * T0032_CLI_LINES) > 0);
	out = test_run(cmd, &ex);
	ck_assert_msg(ex == 0, "fjord consume failed (%d): %s", ex, out);
	/* Each line once, in order. */
	const char *p = out;
	int n = 0;
	for (int i = 1; i <= 2 * T0032_CLI_LINES; i++) {
		char want[32];
		snprintf(want, sizeof(want), "%d\n", i);
		ck_assert_msg(strncmp(p, want, strlen(want)) == 0, "line %d: '%.20s'", i, p);
		p += strlen(want);
		n++;
	}
	test_say("fjord consume: %d of %d lines read back", n, 2 * T0032_CLI_LINES);
	ck_assert_str_eq(p, "");
	free(out);
	free(cmd);
}
END_TEST

void test_0032(TCase *tc)
{
	tcase_add_test(tc, t0032_none);
	tcase_add_test(tc, t0032_gzip);
	tcase_add_test(tc, t0032_snappy);
	tcase_add_test(tc, t0032_snappy_xerial);
	tcase_add_test(tc, t0032_snappy_cli);
	tcase_add_test(tc, t0032_lz4);
	tcase_add_test(tc, t0032_zstd);
}
