/*
 * 0001-unit-record-batch — Kafka record batch v2 codec.
 *
 * - zigzag varints at their boundaries, truncated and over-long input;
 * - build + read round trip for none, gzip, snappy, lz4 and zstd with null
 *   and empty keys/values and headers (null header values too), builder
 *   reuse;
 * - the bytes at each of Kafka's published header offsets, and one record
 *   encoded byte for byte;
 * - rb_validate refusing bad CRC, wrong magic, truncation, lastOffsetDelta
 *   mismatch, negative count and an unknown codec id (snappy passes);
 * - rb_iter over concatenated batches, a partial tail, a corrupt middle;
 * - corrupt or truncated compressed blobs -> FJORD_ERR__BAD_COMPRESSION,
 *   and decompression bounded by its limit (zip bomb);
 * - snappy in both framings Kafka clients write: raw (librdkafka) round
 *   trips, and a batch whose records are xerial-framed (the Java client's
 *   snappy-java stream, built here block by block with snappy_compress) is
 *   read back and passes record_validate; truncated, corrupt and
 *   over-long xerial streams and a raw block whose stated length is a bomb
 *   are refused with FJORD_ERR__BAD_COMPRESSION before any allocation;
 * - random garbage and random corruption of valid batches never crash
 *   (run it under --enable-sanitizers to make that check sharp);
 * - record_validate (the leader's record-level check): a valid batch of
 *   each codec passes with the right count and timestamp range, reusing one
 *   scratch buffer; each malformed kind (record length, key length, header
 *   count, null header key, fewer and more records than recordsCount,
 *   trailing bytes, offsetDelta out of sequence, a codec attribute on plain
 *   bytes, a malformed record inside a valid zstd blob, control and
 *   transactional bits, an empty batch, timestamp overflow, timestamps below
 *   -1, a record after maxTimestamp) gets its error and a message naming the
 *   record; a zip bomb stops at the scratch's bound and a big batch does not
 *   pin the scratch; garbage never crashes it;
 * - plog_append_leader refuses a bad batch in a buffer of good ones whole
 *   (log end unchanged) and applies message.timestamp.difference.max.ms
 *   against the log's clock;
 * - the reader reports, instead of overflowing, a batch whose baseOffset +
 *   lastOffsetDelta + 1 or a record whose baseTimestamp + timestampDelta
 *   does not fit in 64 bits, and a record whose offsetDelta is past
 *   lastOffsetDelta (the sanitizer build turns an overflow into a failure);
 * - INVALID_RECORD's name, description and permanence.
 */
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/compress.h"
#include "common/crc32c.h"
#include "common/record_batch.h"
#include "common/record_validate.h"
#include "common/varint.h"
#include "rawproto.h"
#include "storage/plog.h"
#include "test.h"

static const rb_codec_t rb_test_codecs[] = { RB_CODEC_NONE, RB_CODEC_GZIP, RB_CODEC_SNAPPY,
	                                     RB_CODEC_LZ4, RB_CODEC_ZSTD };
#define RB_TEST_CODEC_CNT 5

/* Smallest ratio a codec reaches on a run of one repeated byte: snappy's
 * longest copy is 64 bytes for 3, so it stays near 21:1; the others pass
 * 50:1 easily. */
static size_t rb_test_min_ratio(int codec)
{
	return codec == RB_CODEC_SNAPPY ? 16 : 50;
}

/* Recomputes a batch's CRC after a test edited a covered field. */
static void rb_test_fix_crc(uint8_t *b, size_t len)
{
	be32_write(b + RB_OFF_CRC, crc32c(0, b + RB_OFF_ATTRIBUTES, len - RB_OFF_ATTRIBUTES));
}

/* Builds n records: key "key-i" (null when i % 7 == 3, empty when
 * i % 7 == 5), value "value-i..." (null when i % 5 == 4), i % 3 headers. */
static void rb_test_build(rb_builder_t *b, int n, int64_t ts0)
{
	for (int i = 0; i < n; i++) {
		char key[32], val[128];
		int kl = snprintf(key, sizeof(key), "key-%d", i);
		int vl = snprintf(val, sizeof(val), "value-%d repeated text repeated text", i);
		fjord_header_t hdrs[2] = {
			{ "trace", "abc", 3 },
			{ "", NULL, 0 },
		};
		const void *k = i % 7 == 3 ? NULL : key;
		size_t klen = i % 7 == 5 ? 0 : (size_t)kl;
		const void *v = i % 5 == 4 ? NULL : val;
		ck_assert_int_eq(rb_builder_add(b, ts0 + (i % 11), k, klen, v, (size_t)vl, hdrs,
		                                (size_t)(i % 3)),
		                 0);
	}
}

static void rb_test_read_back(const uint8_t *batch, size_t len, int n, int64_t base_offset,
                              int64_t ts0)
{
	rb_reader_t r;
	rb_record_t rec;
	int i = 0, ret;

	rb_reader_init(&r);
	ck_assert_int_eq(rb_reader_open(&r, batch, len), 0);
	while ((ret = rb_reader_next(&r, &rec)) == 1) {
		char key[32], val[128];
		int kl = snprintf(key, sizeof(key), "key-%d", i);
		int vl = snprintf(val, sizeof(val), "value-%d repeated text repeated text", i);
		ck_assert_int_eq(rec.offset, base_offset + i);
		ck_assert_int_eq(rec.timestamp, ts0 + (i % 11));
		if (i % 7 == 3) {
			ck_assert_ptr_null(rec.key);
		} else if (i % 7 == 5) {
			ck_assert_ptr_nonnull(rec.key);
			ck_assert_int_eq(rec.key_len, 0);
		} else {
			ck_assert_int_eq(rec.key_len, kl);
			ck_assert_mem_eq(rec.key, key, (size_t)kl);
		}
		if (i % 5 == 4) {
			ck_assert_ptr_null(rec.value);
		} else {
			ck_assert_int_eq(rec.value_len, vl);
			ck_assert_mem_eq(rec.value, val, (size_t)vl);
		}
		ck_assert_uint_eq(rec.header_cnt, (size_t)(i % 3));
		if (rec.header_cnt >= 1) {
			ck_assert_str_eq(rec.headers[0].name, "trace");
			ck_assert_uint_eq(rec.headers[0].value_len, 3);
			ck_assert_mem_eq(rec.headers[0].value, "abc", 3);
		}
		if (rec.header_cnt >= 2) {
			ck_assert_str_eq(rec.headers[1].name, "");
			ck_assert_ptr_null(rec.headers[1].value);
		}
		i++;
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_int_eq(i, n);
	rb_reader_destroy(&r);
}

START_TEST(rb_varints)
{
	uint8_t buf[16];
	int32_t v32;
	int64_t v64;
	const int32_t i32s[] = {
		0, -1, 1, -64, 63, 64, -65, 8191, -8192, 8192, INT32_MAX, INT32_MIN
	};
	const int64_t i64s[] = { 0, -1, 1, 1LL << 40, -(1LL << 40), INT64_MAX, INT64_MIN };

	for (size_t i = 0; i < sizeof(i32s) / sizeof(i32s[0]); i++) {
		int n = varint_encode(buf, sizeof(buf), i32s[i]);
		ck_assert_int_eq(n, varint_size(i32s[i]));
		ck_assert_int_eq(varint_decode(buf, (size_t)n, &v32), n);
		ck_assert_int_eq(v32, i32s[i]);
		/* Every shorter prefix is truncated. */
		for (int k = 0; k < n; k++)
			ck_assert_int_eq(varint_decode(buf, (size_t)k, &v32), -1);
	}
	for (size_t i = 0; i < sizeof(i64s) / sizeof(i64s[0]); i++) {
		int n = varlong_encode(buf, sizeof(buf), i64s[i]);
		ck_assert_int_eq(n, varlong_size(i64s[i]));
		ck_assert_int_eq(varlong_decode(buf, (size_t)n, &v64), n);
		ck_assert_int_eq(v64, i64s[i]);
	}
	/* Known encodings: -1 -> 0x01, 1 -> 0x02, 64 -> 0x80 0x01. */
	ck_assert_int_eq(varint_encode(buf, sizeof(buf), -1), 1);
	ck_assert_uint_eq(buf[0], 0x01);
	ck_assert_int_eq(varint_encode(buf, sizeof(buf), 64), 2);
	ck_assert_uint_eq(buf[0], 0x80);
	ck_assert_uint_eq(buf[1], 0x01);
	/* No room. */
	ck_assert_int_eq(varint_encode(buf, 1, 64), -1);
	/* Over-long: six bytes for a varint, or bits beyond 32 in the fifth. */
	memset(buf, 0x80, 6);
	buf[5] = 0x00;
	ck_assert_int_eq(varint_decode(buf, 6, &v32), -1);
	memcpy(buf, "\xff\xff\xff\xff\x1f", 5);
	ck_assert_int_eq(varint_decode(buf, 5, &v32), -1);
	memcpy(buf, "\xff\xff\xff\xff\x0f", 5);
	ck_assert_int_eq(varint_decode(buf, 5, &v32), 5);
	ck_assert_int_eq(v32, INT32_MIN);
	memset(buf, 0xff, 11);
	ck_assert_int_eq(varlong_decode(buf, 11, &v64), -1);
}
END_TEST

START_TEST(rb_round_trip_codecs)
{
	for (int c = 0; c < RB_TEST_CODEC_CNT; c++) {
		rb_builder_t b;
		const uint8_t *batch;
		size_t len;
		const char *msg = NULL;

		rb_builder_init(&b, rb_test_codecs[c], -1);
		for (int round = 0; round < 2; round++) { /* second round reuses buffers */
			int n = round ? 17 : 500;
			rb_builder_reset(&b);
			rb_test_build(&b, n, 1700000000000LL);
			ck_assert_uint_gt(rb_builder_size(&b), RB_HEADER_SIZE);
			ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
			ck_assert_int_eq(rb_validate(batch, len, &msg), 0);
			ck_assert_uint_eq(rb_total_size(batch), len);
			ck_assert_int_eq(rb_attributes(batch) & RB_ATTR_CODEC_MASK,
			                 rb_test_codecs[c]);
			ck_assert_int_eq(rb_records_count(batch), n);
			ck_assert_int_eq(rb_last_offset_delta(batch), n - 1);
			ck_assert_int_eq(rb_base_timestamp(batch), 1700000000000LL);
			ck_assert_int_eq(rb_max_timestamp(batch), 1700000000010LL);
			/* The broker's patching leaves the CRC valid. */
			uint8_t *copy = malloc(len);
			memcpy(copy, batch, len);
			rb_set_base_offset(copy, 1000);
			rb_set_leader_epoch(copy, 7);
			ck_assert_int_eq(rb_validate(copy, len, &msg), 0);
			ck_assert_int_eq(rb_base_offset(copy), 1000);
			ck_assert_int_eq(rb_leader_epoch(copy), 7);
			ck_assert_int_eq(rb_last_offset(copy), 1000 + n - 1);
			rb_test_read_back(copy, len, n, 1000, 1700000000000LL);
			free(copy);
			if (round == 0 && rb_test_codecs[c] != RB_CODEC_NONE)
				test_say("%s: %d records in %zu bytes (%zu uncompressed)",
				         rb_codec_name(rb_test_codecs[c]), n, len,
				         rb_builder_size(&b));
		}
		rb_builder_destroy(&b);
	}
	ck_assert_int_eq(rb_codec_from_name("zstd"), RB_CODEC_ZSTD);
	ck_assert_int_eq(rb_codec_from_name("LZ4"), RB_CODEC_LZ4);
	ck_assert_int_eq(rb_codec_from_name("brotli"), -1);
	ck_assert_str_eq(rb_codec_name(RB_CODEC_GZIP), "gzip");
}
END_TEST

START_TEST(rb_log_append_time_and_empty)
{
	rb_builder_t b;
	const uint8_t *batch;
	size_t len;
	rb_reader_t r;
	rb_record_t rec;

	rb_builder_init(&b, RB_CODEC_NONE, -1);
	/* An empty batch cannot be finished. */
	ck_assert_int_lt(rb_builder_finish(&b, &batch, &len), 0);
	ck_assert_uint_eq(rb_builder_size(&b), RB_HEADER_SIZE);
	b.log_append_time = 1;
	ck_assert_int_eq(rb_builder_add(&b, 100, "k", 1, "v", 1, NULL, 0), 0);
	ck_assert_int_eq(rb_builder_add(&b, 50, "k", 1, "v", 1, NULL, 0), 0);
	ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
	ck_assert_int_ne(rb_attributes(batch) & RB_ATTR_TIMESTAMP_TYPE, 0);
	uint8_t *copy = malloc(len);
	memcpy(copy, batch, len);
	/* The broker stamps maxTimestamp with LogAppendTime. */
	be64_write(copy + RB_OFF_MAX_TIMESTAMP, 999);
	rb_test_fix_crc(copy, len);
	rb_reader_init(&r);
	ck_assert_int_eq(rb_reader_open(&r, copy, len), 0);
	ck_assert_int_eq(rb_reader_next(&r, &rec), 1);
	ck_assert_int_eq(rec.timestamp, 999);
	ck_assert_int_eq(rb_reader_next(&r, &rec), 1);
	ck_assert_int_eq(rec.timestamp, 999);
	ck_assert_int_eq(rb_reader_next(&r, &rec), 0);
	rb_reader_destroy(&r);
	free(copy);
	/* A header without a name is refused. */
	fjord_header_t bad = { NULL, "x", 1 };
	ck_assert_int_eq(rb_builder_add(&b, 1, NULL, 0, NULL, 0, &bad, 1), -1);
	rb_builder_destroy(&b);
}
END_TEST

START_TEST(rb_kafka_offsets)
{
	rb_builder_t b;
	const uint8_t *batch;
	size_t len;

	rb_builder_init(&b, RB_CODEC_NONE, -1);
	ck_assert_int_eq(rb_builder_add(&b, 0x0102030405LL, "k", 1, "v", 1, NULL, 0), 0);
	ck_assert_int_eq(rb_builder_add(&b, 0x0102030407LL, NULL, 0, "w", 1, NULL, 0), 0);
	ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);

	/* Kafka's DefaultRecordBatch layout, offset by offset. */
	static const uint8_t zero8[8] = { 0 };
	static const uint8_t ff8[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	ck_assert_mem_eq(batch + 0, zero8, 8);             /* baseOffset */
	ck_assert_uint_eq(be32_read(batch + 8), len - 12); /* batchLength */
	ck_assert_mem_eq(batch + 12, ff8, 4);              /* partitionLeaderEpoch -1 */
	ck_assert_uint_eq(batch[16], 2);                   /* magic */
	ck_assert_uint_eq(be32_read(batch + 17), crc32c(0, batch + 21, len - 21));
	ck_assert_uint_eq(be16_read(batch + 21), 0);               /* attributes */
	ck_assert_uint_eq(be32_read(batch + 23), 1);               /* lastOffsetDelta */
	ck_assert_uint_eq(be64_read(batch + 27), 0x0102030405ULL); /* baseTimestamp */
	ck_assert_uint_eq(be64_read(batch + 35), 0x0102030407ULL); /* maxTimestamp */
	ck_assert_mem_eq(batch + 43, ff8, 8);                      /* producerId -1 */
	ck_assert_mem_eq(batch + 51, ff8, 2);                      /* producerEpoch -1 */
	ck_assert_mem_eq(batch + 53, ff8, 4);                      /* baseSequence -1 */
	ck_assert_uint_eq(be32_read(batch + 57), 2);               /* recordsCount */
	ck_assert_uint_eq(RB_HEADER_SIZE, 61);

	/* Record 0: length 8, attributes 0, timestampDelta 0, offsetDelta 0,
	 * keyLen 1 'k', valueLen 1 'v', headers 0 (zigzag varints).
	 * Record 1: timestampDelta 2, offsetDelta 1, null key (-1 -> 0x01). */
	static const uint8_t rec0[] = { 0x10, 0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x00 };
	static const uint8_t rec1[] = { 0x0e, 0x00, 0x04, 0x02, 0x01, 0x02, 'w', 0x00 };
	ck_assert_uint_eq(len, 61 + sizeof(rec0) + sizeof(rec1));
	ck_assert_mem_eq(batch + 61, rec0, sizeof(rec0));
	ck_assert_mem_eq(batch + 61 + sizeof(rec0), rec1, sizeof(rec1));

	/* Codec bits in the attributes of compressed batches. */
	for (int c = 1; c < RB_TEST_CODEC_CNT; c++) {
		rb_builder_t cb;
		rb_builder_init(&cb, rb_test_codecs[c], 1);
		ck_assert_int_eq(rb_builder_add(&cb, 1, "k", 1, "v", 1, NULL, 0), 0);
		ck_assert_int_eq(rb_builder_finish(&cb, &batch, &len), 0);
		ck_assert_uint_eq(be16_read(batch + 21), (unsigned)rb_test_codecs[c]);
		rb_builder_destroy(&cb);
	}
	rb_builder_destroy(&b);
}
END_TEST

START_TEST(rb_validate_rejects)
{
	rb_builder_t b;
	const uint8_t *batch;
	size_t len;
	const char *msg;
	uint8_t *c;

	rb_builder_init(&b, RB_CODEC_NONE, -1);
	rb_test_build(&b, 10, 1000);
	ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
	c = malloc(len);

	memcpy(c, batch, len);
	c[len - 1] ^= 0x40; /* a record byte: CRC no longer matches */
	ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_CORRUPT_MESSAGE);
	ck_assert_ptr_nonnull(strstr(msg, "CRC"));

	memcpy(c, batch, len);
	c[RB_OFF_MAGIC] = 1;
	ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_CORRUPT_MESSAGE);
	ck_assert_ptr_nonnull(strstr(msg, "magic"));

	memcpy(c, batch, len);
	ck_assert_int_eq(rb_validate(c, len - 1, &msg), FJORD_ERR_CORRUPT_MESSAGE);
	ck_assert_int_eq(rb_validate(c, 60, &msg), FJORD_ERR_CORRUPT_MESSAGE);
	be32_write(c + RB_OFF_BATCH_LENGTH, (uint32_t)len); /* claims 12 bytes more */
	ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_CORRUPT_MESSAGE);
	be32_write(c + RB_OFF_BATCH_LENGTH, 10);
	ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_CORRUPT_MESSAGE);
	be32_write(c + RB_OFF_BATCH_LENGTH, 0x80000000u);
	ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_CORRUPT_MESSAGE);

	memcpy(c, batch, len);
	be32_write(c + RB_OFF_LAST_OFFSET_DELTA, 4);
	rb_test_fix_crc(c, len);
	ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_CORRUPT_MESSAGE);
	ck_assert_ptr_nonnull(strstr(msg, "lastOffsetDelta"));

	memcpy(c, batch, len);
	be32_write(c + RB_OFF_RECORDS_COUNT, (uint32_t)-3);
	rb_test_fix_crc(c, len);
	ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_CORRUPT_MESSAGE);

	memcpy(c, batch, len);
	be32_write(c + RB_OFF_RECORDS_COUNT, 100000);
	be32_write(c + RB_OFF_LAST_OFFSET_DELTA, 99999);
	rb_test_fix_crc(c, len);
	ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_CORRUPT_MESSAGE);

	/* Snappy is a codec like the others: the header passes (rb_validate
	 * does not decompress); the ids past zstd do not. */
	memcpy(c, batch, len);
	be16_write(c + RB_OFF_ATTRIBUTES, RB_CODEC_SNAPPY);
	rb_test_fix_crc(c, len);
	ck_assert_int_eq(rb_validate(c, len, &msg), 0);

	for (int codec = 5; codec <= 7; codec++) {
		memcpy(c, batch, len);
		be16_write(c + RB_OFF_ATTRIBUTES, (uint16_t)codec);
		rb_test_fix_crc(c, len);
		ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_CORRUPT_MESSAGE);
		ck_assert_ptr_nonnull(strstr(msg, "unknown compression codec"));
	}

	/* The untouched batch still passes (the copies above were the faults). */
	ck_assert_int_eq(rb_validate(batch, len, &msg), 0);
	/* A builder with an unknown codec refuses to finish. */
	rb_builder_t sb;
	rb_builder_init(&sb, (rb_codec_t)6, -1);
	ck_assert_int_eq(rb_builder_add(&sb, 1, "k", 1, "v", 1, NULL, 0), 0);
	ck_assert_int_eq(rb_builder_finish(&sb, &batch, &len), FJORD_ERR__INVALID_ARG);
	rb_builder_destroy(&sb);
	free(c);
	rb_builder_destroy(&b);
}
END_TEST

START_TEST(rb_iter_concatenated)
{
	uint8_t buf[8192];
	size_t sizes[3], total = 0;
	const uint8_t *bp;
	size_t bl;
	rb_iter_t it;

	for (int i = 0; i < 3; i++) {
		rb_builder_t b;
		const uint8_t *batch;
		rb_builder_init(&b, rb_test_codecs[i], -1);
		rb_test_build(&b, 5 + i, 1000);
		ck_assert_int_eq(rb_builder_finish(&b, &batch, &sizes[i]), 0);
		ck_assert_uint_lt(total + sizes[i], sizeof(buf));
		memcpy(buf + total, batch, sizes[i]);
		rb_set_base_offset(buf + total, 100 * i);
		total += sizes[i];
		rb_builder_destroy(&b);
	}
	/* Whole buffer: three batches, then a clean end. */
	rb_iter_init(&it, buf, total, 1, 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 1);
		ck_assert_uint_eq(bl, sizes[i]);
		ck_assert_int_eq(rb_base_offset(bp), 100 * i);
	}
	ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 0);
	ck_assert_int_eq(it.partial_tail, 0);

	/* Cut inside the third batch, and inside its 12-byte prefix. */
	size_t cuts[] = { total - 1, sizes[0] + sizes[1] + 5, sizes[0] + sizes[1] + 30 };
	for (size_t k = 0; k < 3; k++) {
		rb_iter_init(&it, buf, cuts[k], 1, 1);
		ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 1);
		ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 1);
		ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 0);
		ck_assert_int_eq(it.partial_tail, 1);
		ck_assert_uint_eq(it.pos, sizes[0] + sizes[1]);
		rb_iter_init(&it, buf, cuts[k], 1, 0);
		ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 1);
		ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 1);
		ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), -1);
		ck_assert_int_eq(it.err, FJORD_ERR_CORRUPT_MESSAGE);
		ck_assert_uint_eq(it.pos, sizes[0] + sizes[1]);
	}

	/* A corrupt middle batch stops a validating walk there. */
	buf[sizes[0] + sizes[1] - 1] ^= 1;
	rb_iter_init(&it, buf, total, 1, 1);
	ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 1);
	ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), -1);
	ck_assert_int_eq(it.err, FJORD_ERR_CORRUPT_MESSAGE);
	ck_assert_uint_eq(it.pos, sizes[0]);
	ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), -1); /* stays failed */
	/* Without validation the same walk only checks framing. */
	rb_iter_init(&it, buf, total, 0, 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 1);
	ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 0);
	/* Empty input is a clean end. */
	rb_iter_init(&it, buf, 0, 1, 0);
	ck_assert_int_eq(rb_iter_next(&it, &bp, &bl), 0);
}
END_TEST

START_TEST(rb_bad_compression)
{
	for (int c = 1; c < RB_TEST_CODEC_CNT; c++) {
		rb_builder_t b;
		const uint8_t *batch;
		size_t len;
		rb_reader_t r;

		rb_builder_init(&b, rb_test_codecs[c], -1);
		rb_test_build(&b, 200, 1000);
		ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
		uint8_t *copy = malloc(len);
		rb_reader_init(&r);

		/* Garbage where the compressed blob starts. */
		memcpy(copy, batch, len);
		memset(copy + RB_HEADER_SIZE, 0x5a, 8);
		rb_test_fix_crc(copy, len);
		ck_assert_int_eq(rb_validate(copy, len, NULL),
		                 0); /* validate does not decompress */
		ck_assert_int_eq(rb_reader_open(&r, copy, len), FJORD_ERR__BAD_COMPRESSION);
		ck_assert_ptr_nonnull(r.errmsg);

		/* The blob cut short (batchLength shrunk accordingly). */
		memcpy(copy, batch, len);
		size_t cut = len - (len - RB_HEADER_SIZE) / 3;
		be32_write(copy + RB_OFF_BATCH_LENGTH, (uint32_t)(cut - RB_LOG_OVERHEAD));
		rb_test_fix_crc(copy, cut);
		ck_assert_int_eq(rb_reader_open(&r, copy, cut), FJORD_ERR__BAD_COMPRESSION);

		/* The reader still works after errors. */
		ck_assert_int_eq(rb_reader_open(&r, batch, len), 0);
		rb_record_t rec;
		int n = 0;
		while (rb_reader_next(&r, &rec) == 1)
			n++;
		ck_assert_int_eq(n, 200);
		rb_reader_destroy(&r);
		free(copy);
		rb_builder_destroy(&b);
	}
}
END_TEST

START_TEST(rb_decompress_bounded)
{
	size_t big = 1024 * 1024;
	uint8_t *zeros = calloc(1, big);

	for (int c = 1; c < RB_TEST_CODEC_CNT; c++) {
		uint8_t *cbuf = NULL, *dbuf = NULL;
		size_t ccap = 0, clen = 0, dcap = 0, dlen = 0;
		const char *msg = NULL;
		int codec = rb_test_codecs[c];

		ck_assert_int_eq(compress_data(codec, -1, zeros, big, &cbuf, &ccap, &clen, &msg),
		                 0);
		ck_assert_uint_lt(clen, big / rb_test_min_ratio(codec));
		/* A 1 MiB bomb against a 64 KiB limit. */
		ck_assert_int_eq(
		    decompress_data(codec, cbuf, clen, 64 * 1024, &dbuf, &dcap, &dlen, &msg),
		    FJORD_ERR__BAD_COMPRESSION);
		ck_assert_uint_eq(dlen, 0);
		ck_assert_ptr_nonnull(strstr(msg, "limit"));
		ck_assert_uint_le(dcap, 64 * 1024 + 1 + 4096);
		ck_assert_int_eq(
		    decompress_data(codec, cbuf, clen, big - 1, &dbuf, &dcap, &dlen, &msg),
		    FJORD_ERR__BAD_COMPRESSION);
		/* Exactly at the limit is fine; appended after existing bytes. */
		dlen = 3;
		ck_assert_int_eq(decompress_data(codec, cbuf, clen, big, &dbuf, &dcap, &dlen, &msg),
		                 0);
		ck_assert_uint_eq(dlen, big + 3);
		ck_assert_mem_eq(dbuf + 3, zeros, big);
		free(cbuf);
		free(dbuf);
	}
	/* Unknown codecs are refused both ways, and 'none' has nothing to do. */
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0;
	ck_assert_int_eq(compress_data(7, -1, "x", 1, &buf, &cap, &len, NULL),
	                 FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE);
	ck_assert_int_eq(compress_data(RB_CODEC_NONE, -1, "x", 1, &buf, &cap, &len, NULL),
	                 FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE);
	ck_assert_int_eq(decompress_data(7, "x", 1, 100, &buf, &cap, &len, NULL),
	                 FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE);
	free(buf);
	free(zeros);
}
END_TEST

/* Appends the xerial/snappy-java framing of in[0..len) to out (at *outlen):
 * the 16-byte header, then blocks of at most block bytes, each a big-endian
 * int32 length and one raw snappy block, as the Java client writes them. */
static void rb_test_xerial(const uint8_t *in, size_t len, size_t block, uint8_t *out,
                           size_t *outlen)
{
	static const uint8_t magic[8] = { 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0 };
	size_t pos = *outlen;

	memcpy(out + pos, magic, 8);
	be32_write(out + pos + 8, 1);  /* version */
	be32_write(out + pos + 12, 1); /* compatible version */
	pos += 16;
	for (size_t off = 0; off < len; off += block) {
		size_t n = len - off < block ? len - off : block;
		size_t clen = snappy_max_compressed_length(n);
		ck_assert_int_eq(
		    snappy_compress((const char *)in + off, n, (char *)out + pos + 4, &clen),
		    SNAPPY_OK);
		be32_write(out + pos, (uint32_t)clen);
		pos += 4 + clen;
	}
	*outlen = pos;
}

START_TEST(rb_snappy_framings)
{
	size_t plain_len = 300 * 1024;
	uint8_t *plain = malloc(plain_len);
	uint8_t *x = malloc(2 * plain_len + 4096);
	uint8_t *dbuf = NULL;
	size_t xlen = 0, dcap = 0, dlen = 0;
	const char *msg = NULL;

	/* Half text, half bytes of a multiplicative hash of the index. */
	for (size_t i = 0; i < plain_len; i++)
		plain[i] = i < plain_len / 2 ? (uint8_t)("fjord snappy "[i % 13])
		                             : (uint8_t)((i * 2654435761u) >> 13);

	/* Raw snappy (librdkafka's framing) is what compress_data writes: one
	 * block, readable by libsnappy itself, and back through
	 * decompress_data, appended after bytes already there. */
	uint8_t *raw = NULL;
	size_t rcap = 0, rlen = 0;
	ck_assert_int_eq(
	    compress_data(RB_CODEC_SNAPPY, -1, plain, plain_len, &raw, &rcap, &rlen, &msg), 0);
	ck_assert_int_eq(snappy_validate_compressed_buffer((const char *)raw, rlen), SNAPPY_OK);
	dlen = 5;
	ck_assert_int_eq(
	    decompress_data(RB_CODEC_SNAPPY, raw, rlen, plain_len, &dbuf, &dcap, &dlen, &msg), 0);
	ck_assert_uint_eq(dlen, 5 + plain_len);
	ck_assert_mem_eq(dbuf + 5, plain, plain_len);
	test_say("snappy raw: %zu -> %zu bytes", plain_len, rlen);

	/* xerial, 32 KiB blocks (snappy-java's default): 10 blocks. */
	rb_test_xerial(plain, plain_len, 32 * 1024, x, &xlen);
	dlen = 0;
	ck_assert_int_eq(
	    decompress_data(RB_CODEC_SNAPPY, x, xlen, plain_len, &dbuf, &dcap, &dlen, &msg), 0);
	ck_assert_uint_eq(dlen, plain_len);
	ck_assert_mem_eq(dbuf, plain, plain_len);
	/* One byte under the total: the last block no longer fits. */
	dlen = 0;
	ck_assert_int_eq(
	    decompress_data(RB_CODEC_SNAPPY, x, xlen, plain_len - 1, &dbuf, &dcap, &dlen, &msg),
	    FJORD_ERR__BAD_COMPRESSION);
	ck_assert_ptr_nonnull(strstr(msg, "limit"));
	ck_assert_uint_eq(dlen, 0); /* restored on failure */
	/* A header with no blocks is an empty stream. */
	size_t hlen = 0;
	rb_test_xerial(plain, 0, 1, x + xlen, &hlen);
	ck_assert_uint_eq(hlen, 16);
	ck_assert_int_eq(
	    decompress_data(RB_CODEC_SNAPPY, x + xlen, hlen, 10, &dbuf, &dcap, &dlen, &msg), 0);
	ck_assert_uint_eq(dlen, 0);

	/* Truncated and corrupt xerial streams. */
	size_t cuts[] = { 18, 16 + 4 + 10, xlen - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		dlen = 0;
		ck_assert_int_eq(decompress_data(RB_CODEC_SNAPPY, x, cuts[i], plain_len, &dbuf,
		                                 &dcap, &dlen, &msg),
		                 FJORD_ERR__BAD_COMPRESSION);
		ck_assert_uint_eq(dlen, 0);
		test_say("xerial cut at %zu: %s", cuts[i], msg);
	}
	uint32_t b0 = be32_read(x + 16);
	be32_write(x + 16, 0x7fffffff); /* block length past the data */
	ck_assert_int_eq(
	    decompress_data(RB_CODEC_SNAPPY, x, xlen, plain_len, &dbuf, &dcap, &dlen, &msg),
	    FJORD_ERR__BAD_COMPRESSION);
	ck_assert_ptr_nonnull(strstr(msg, "past the data"));
	be32_write(x + 16, b0 - 2); /* the first block cut short inside the stream */
	ck_assert_int_eq(
	    decompress_data(RB_CODEC_SNAPPY, x, xlen, plain_len, &dbuf, &dcap, &dlen, &msg),
	    FJORD_ERR__BAD_COMPRESSION);
	test_say("xerial short block: %s", msg);
	be32_write(x + 16, b0);
	x[16 + 4] ^= 0x01; /* its stated length one more than its content */
	ck_assert_int_eq(
	    decompress_data(RB_CODEC_SNAPPY, x, xlen, plain_len, &dbuf, &dcap, &dlen, &msg),
	    FJORD_ERR__BAD_COMPRESSION);
	test_say("xerial corrupt block: %s", msg);
	x[16 + 4] ^= 0x01;
	ck_assert_int_eq(
	    decompress_data(RB_CODEC_SNAPPY, x, xlen, plain_len, &dbuf, &dcap, &dlen, &msg), 0);

	/* Raw snappy truncated, and garbage. */
	ck_assert_int_eq(
	    decompress_data(RB_CODEC_SNAPPY, raw, rlen / 2, plain_len, &dbuf, &dcap, &dlen, &msg),
	    FJORD_ERR__BAD_COMPRESSION);
	ck_assert_int_eq(
	    decompress_data(RB_CODEC_SNAPPY, raw, 0, plain_len, &dbuf, &dcap, &dlen, &msg),
	    FJORD_ERR__BAD_COMPRESSION);

	/* A length bomb: a raw block that claims 4 GiB - 1 bytes (varint
	 * ff ff ff ff 0f) and a single literal. Refused by its stated length,
	 * before the output buffer is touched: a fresh buffer stays NULL. */
	static const uint8_t bomb[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 'x' };
	uint8_t *fresh = NULL;
	size_t fcap = 0, flen = 0;
	ck_assert_int_eq(decompress_data(RB_CODEC_SNAPPY, bomb, sizeof(bomb), 1024 * 1024, &fresh,
	                                 &fcap, &flen, &msg),
	                 FJORD_ERR__BAD_COMPRESSION);
	ck_assert_ptr_nonnull(strstr(msg, "limit"));
	ck_assert_ptr_null(fresh);
	ck_assert_uint_eq(fcap, 0);
	/* The same claim inside an xerial block. */
	uint8_t xb[16 + 4 + sizeof(bomb)];
	size_t xblen = 0;
	rb_test_xerial(plain, 0, 1, xb, &xblen);
	be32_write(xb + 16, sizeof(bomb));
	memcpy(xb + 20, bomb, sizeof(bomb));
	ck_assert_int_eq(decompress_data(RB_CODEC_SNAPPY, xb, sizeof(xb), 1024 * 1024, &fresh,
	                                 &fcap, &flen, &msg),
	                 FJORD_ERR__BAD_COMPRESSION);
	ck_assert_ptr_null(fresh);
	/* A claimed length over the 5-byte varint is corrupt, not a bomb. */
	static const uint8_t badlen[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	ck_assert_int_eq(decompress_data(RB_CODEC_SNAPPY, badlen, sizeof(badlen), 1024 * 1024,
	                                 &fresh, &fcap, &flen, &msg),
	                 FJORD_ERR__BAD_COMPRESSION);
	ck_assert_ptr_null(fresh);

	/* A whole batch as the Java client sends it: records xerial-framed in
	 * 1 KiB blocks behind a snappy header. Read back record by record and
	 * passed by the leader's record validator. */
	rb_builder_t b;
	const uint8_t *pb;
	size_t plen;
	rb_builder_init(&b, RB_CODEC_NONE, -1);
	rb_test_build(&b, 400, 1700000000000LL);
	ck_assert_int_eq(rb_builder_finish(&b, &pb, &plen), 0);
	uint8_t *jb = malloc(2 * plen + 4096);
	size_t jlen = RB_HEADER_SIZE;
	memcpy(jb, pb, RB_HEADER_SIZE);
	rb_test_xerial(pb + RB_HEADER_SIZE, plen - RB_HEADER_SIZE, 1024, jb, &jlen);
	be32_write(jb + RB_OFF_BATCH_LENGTH, (uint32_t)(jlen - RB_LOG_OVERHEAD));
	be16_write(jb + RB_OFF_ATTRIBUTES, RB_CODEC_SNAPPY);
	rb_test_fix_crc(jb, jlen);
	ck_assert_int_eq(rb_validate(jb, jlen, &msg), 0);
	rb_set_base_offset(jb, 50);
	rb_test_read_back(jb, jlen, 400, 50, 1700000000000LL);
	record_scratch_t sc;
	record_validate_info_t info;
	char err[256] = "";
	record_scratch_init(&sc, 0);
	ck_assert_msg(record_validate(jb, jlen, &sc, &info, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(info.record_cnt, 400);
	/* The same batch with its last xerial block cut short. */
	jlen -= 3;
	be32_write(jb + RB_OFF_BATCH_LENGTH, (uint32_t)(jlen - RB_LOG_OVERHEAD));
	rb_test_fix_crc(jb, jlen);
	ck_assert_int_eq(record_validate(jb, jlen, &sc, &info, err, sizeof(err)),
	                 FJORD_ERR_CORRUPT_MESSAGE);
	ck_assert_ptr_nonnull(strstr(err, "snappy records do not decompress"));
	record_scratch_free(&sc);
	rb_builder_destroy(&b);
	free(jb);
	free(raw);
	free(dbuf);
	free(x);
	free(plain);
}
END_TEST

/* The validator's scratch for the garbage test (freed at its end). */
static record_scratch_t rb_test_scratch;

/* Reads whatever a buffer holds, validated or not; must only never crash. */
static void rb_test_chew(const uint8_t *buf, size_t len, rb_reader_t *r)
{
	rb_iter_t it;
	const uint8_t *bp;
	size_t bl;
	rb_record_t rec;

	(void)rb_validate(buf, len, NULL);
	(void)record_validate(buf, len, &rb_test_scratch, NULL, NULL, 0);
	rb_iter_init(&it, buf, len, 0, 1);
	while (rb_iter_next(&it, &bp, &bl) == 1) {
		if (rb_reader_open(r, bp, bl) != 0)
			continue;
		int guard = 0;
		while (rb_reader_next(r, &rec) == 1 && guard++ < 100000) {
			for (size_t h = 0; h < rec.header_cnt; h++)
				(void)strlen(rec.headers[h].name);
		}
	}
}

START_TEST(rb_garbage_never_crashes)
{
	unsigned seed = 4242;
	uint8_t *buf = malloc(4096);
	rb_reader_t r;

	record_scratch_init(&rb_test_scratch, 64 * 1024);
	rb_reader_init(&r);
	/* Pure noise, with a plausible batchLength and magic now and then. */
	for (int round = 0; round < 3000; round++) {
		size_t len = (size_t)(rand_r(&seed) % 4096);
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(rand_r(&seed) >> 5);
		if (len >= RB_HEADER_SIZE && round % 2) {
			be32_write(buf + RB_OFF_BATCH_LENGTH, (uint32_t)(len - RB_LOG_OVERHEAD));
			buf[RB_OFF_MAGIC] = RB_MAGIC;
			be16_write(buf + RB_OFF_ATTRIBUTES, (uint16_t)(round % 5));
		}
		rb_test_chew(buf, len, &r);
	}
	/* Valid batches of every codec with random bytes flipped after the
	 * header (records and compressed blobs). */
	for (int c = 0; c < RB_TEST_CODEC_CNT; c++) {
		rb_builder_t b;
		const uint8_t *batch;
		size_t len;
		rb_builder_init(&b, rb_test_codecs[c], -1);
		rb_test_build(&b, 40, 1000);
		ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
		ck_assert_uint_le(len, 4096);
		for (int round = 0; round < 500; round++) {
			memcpy(buf, batch, len);
			int flips = 1 + rand_r(&seed) % 4;
			for (int f = 0; f < flips; f++)
				buf[RB_HEADER_SIZE +
				    (size_t)rand_r(&seed) % (len - RB_HEADER_SIZE)] ^=
				    (uint8_t)(1 + rand_r(&seed) % 255);
			rb_test_chew(buf, len, &r);
		}
		rb_builder_destroy(&b);
	}
	rb_reader_destroy(&r);
	record_scratch_free(&rb_test_scratch);
	free(buf);
}
END_TEST

/* ------------------------------------------------------------ record_validate */

#define RV_TS 1700000000000LL

/* Two plain records (the second with a header), the base of most cases. */
static void rv_recs(raw_rec_t recs[3])
{
	memset(recs, 0, 3 * sizeof(*recs));
	recs[0].key = "key-0";
	recs[0].value = "value-0";
	recs[1].key = "key-1";
	recs[1].value = "value-1";
	recs[1].ts_delta = 5;
	recs[1].hdr_key = "trace";
	recs[1].hdr_value = "abc";
	recs[2].key = NULL;
	recs[2].value = "value-2";
	recs[2].ts_delta = 9;
}

static raw_batch_t rv_spec(void)
{
	raw_batch_t b;
	memset(&b, 0, sizeof(b));
	b.base_ts = RV_TS;
	b.max_ts = RV_TS + 9;
	return b;
}

/* Builds the batch and expects record_validate to answer err with a message
 * containing want (when err is not 0). */
static void rv_expect(const char *what, const raw_batch_t *spec, const raw_rec_t *recs, int n,
                      fjord_err_t err, const char *want)
{
	uint8_t buf[4096];
	char msg[256] = "";
	record_scratch_t sc;
	size_t len = raw_batch_build(buf, sizeof(buf), spec, recs, n);

	record_scratch_init(&sc, 0);
	/* Every case keeps a correct CRC: only the records are wrong. */
	ck_assert_msg(rb_validate(buf, len, NULL) == FJORD_ERR_NO_ERROR ||
	                  err == FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE,
	              "%s: the batch does not pass rb_validate", what);
	fjord_err_t got = record_validate(buf, len, &sc, NULL, msg, sizeof(msg));
	test_say("%-34s -> %s: %s", what, fjord_err2name(got), msg);
	ck_assert_msg(got == err, "%s: %s (%s), expected %s", what, fjord_err2name(got), msg,
	              fjord_err2name(err));
	if (want)
		ck_assert_msg(strstr(msg, want), "%s: message '%s' lacks '%s'", what, msg, want);
	record_scratch_free(&sc);
}

START_TEST(rv_valid_codecs)
{
	record_scratch_t sc;
	record_validate_info_t info;
	char msg[256];

	record_scratch_init(&sc, 0);
	for (int c = 0; c < RB_TEST_CODEC_CNT; c++) {
		rb_builder_t b;
		const uint8_t *batch;
		size_t len, cap_after_first = 0;

		rb_builder_init(&b, rb_test_codecs[c], -1);
		rb_test_build(&b, 300, RV_TS);
		ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
		for (int round = 0; round < 3; round++) {
			msg[0] = '\0';
			ck_assert_msg(record_validate(batch, len, &sc, &info, msg, sizeof(msg)) ==
			                  FJORD_ERR_NO_ERROR,
			              "%s: %s", rb_codec_name(rb_test_codecs[c]), msg);
			ck_assert_int_eq(info.record_cnt, 300);
			ck_assert_int_eq(info.min_timestamp, RV_TS);
			ck_assert_int_eq(info.min_timestamp_record, 0);
			ck_assert_int_eq(info.max_timestamp, RV_TS + 10);
			ck_assert_int_eq(info.max_timestamp_record, 10);
			/* The scratch is reused, not regrown, for the same batch. */
			if (round == 0)
				cap_after_first = sc.cap;
			ck_assert_uint_eq(sc.cap, cap_after_first);
		}
		if (rb_test_codecs[c] == RB_CODEC_NONE)
			ck_assert_uint_eq(sc.cap, 0); /* checked in place */
		else
			ck_assert_uint_gt(sc.cap, 0);
		rb_builder_destroy(&b);
	}
	/* A LogAppendTime batch: every record reads as maxTimestamp, and its
	 * own timestamps may pass it. */
	raw_rec_t recs[3];
	raw_batch_t spec = rv_spec();
	uint8_t buf[1024];
	rv_recs(recs);
	spec.attributes = RB_ATTR_TIMESTAMP_TYPE;
	spec.max_ts = RV_TS + 1;
	size_t len = raw_batch_build(buf, sizeof(buf), &spec, recs, 3);
	ck_assert_int_eq(record_validate(buf, len, &sc, &info, msg, sizeof(msg)), 0);
	ck_assert_int_eq(info.min_timestamp, RV_TS + 1);
	ck_assert_int_eq(info.max_timestamp, RV_TS + 1);
	/* No timestamps at all (-1): nothing to compare. */
	spec = rv_spec();
	spec.base_ts = spec.max_ts = -1;
	rv_recs(recs);
	recs[1].ts_delta = recs[2].ts_delta = 0;
	len = raw_batch_build(buf, sizeof(buf), &spec, recs, 3);
	ck_assert_int_eq(record_validate(buf, len, &sc, &info, msg, sizeof(msg)), 0);
	ck_assert_int_eq(info.min_timestamp_record, -1);
	ck_assert_int_eq(info.record_cnt, 3);
	/* Null and empty keys and values, a header with a null value. */
	rv_recs(recs);
	recs[0].key = "";
	recs[0].value = NULL;
	recs[1].hdr_value = NULL;
	spec = rv_spec();
	len = raw_batch_build(buf, sizeof(buf), &spec, recs, 3);
	ck_assert_int_eq(record_validate(buf, len, &sc, &info, msg, sizeof(msg)), 0);
	/* The CRC is rb_validate's business, not the record validator's. */
	buf[len - 2] ^= 0x01; /* the last value byte ('2' -> '3') */
	ck_assert_int_eq(rb_validate(buf, len, NULL), FJORD_ERR_CORRUPT_MESSAGE);
	ck_assert_int_eq(record_validate(buf, len, &sc, &info, msg, sizeof(msg)), 0);
	record_scratch_free(&sc);
}
END_TEST

START_TEST(rv_malformed_kinds)
{
	raw_rec_t r[3];
	raw_batch_t b;

	/* Record framing. */
	rv_recs(r), b = rv_spec(), r[1].len_adj = 1000;
	rv_expect("record length past the batch", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 1: length");
	rv_recs(r), b = rv_spec(), r[2].len_adj = 5 - 14; /* below the minimum of 6 */
	rv_expect("record length below the minimum", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 2: length");
	rv_recs(r), b = rv_spec(), r[0].len_adj = -3;
	rv_expect("record length short of its fields", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 0:");
	rv_recs(r), b = rv_spec(), r[0].len_adj = 2, b.trailer_len = 2;
	rv_expect("record length longer than its fields", &b, r, 1, FJORD_ERR_INVALID_RECORD,
	          "record 0: 2 bytes after its last field");
	rv_recs(r), b = rv_spec(), r[1].key_len = 900;
	rv_expect("key length past the record", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 1: key length 900 exceeds the record");
	rv_recs(r), b = rv_spec(), r[1].key_len = -2;
	rv_expect("key length below -1", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 1: key length -2 is negative");
	rv_recs(r), b = rv_spec(), r[1].hdr_cnt = 1000000;
	rv_expect("absurd header count", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 1: header count 1000000 exceeds");
	rv_recs(r), b = rv_spec(), r[1].hdr_cnt = -1;
	rv_expect("negative header count", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 1: header count -1 is negative");
	rv_recs(r), b = rv_spec(), r[1].hdr_key_len = -1;
	rv_expect("null header key", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 1: header 0 key is null");
	rv_recs(r), b = rv_spec(), r[1].hdr_key_len = 200;
	rv_expect("header key past the record", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 1: header 0 key length 200 exceeds");
	/* Counts. */
	rv_recs(r), b = rv_spec(), b.count_adj = 1;
	rv_expect("fewer records than recordsCount", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 3: missing");
	rv_recs(r), b = rv_spec(), b.count_adj = -1;
	rv_expect("more records than recordsCount", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "after the last of 2 records");
	rv_recs(r), b = rv_spec(), b.trailer_len = 5;
	rv_expect("trailing bytes", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "5 bytes after the last of 3 records");
	rv_recs(r), b = rv_spec(), r[1].off_delta = 5;
	rv_expect("offsetDelta out of sequence", &b, r, 3, FJORD_ERR_INVALID_RECORD,
	          "record 1: offsetDelta 5, expected 1");
	rv_recs(r), b = rv_spec();
	rv_expect("no records", &b, r, 0, FJORD_ERR_INVALID_RECORD, "no records");
	/* Attributes. */
	rv_recs(r), b = rv_spec(), b.attributes = RB_ATTR_CONTROL;
	rv_expect("control bit", &b, r, 3, FJORD_ERR_INVALID_RECORD, "control");
	rv_recs(r), b = rv_spec(), b.attributes = RB_ATTR_TRANSACTIONAL;
	rv_expect("transactional bit", &b, r, 3, FJORD_ERR_INVALID_RECORD, "transactional");
	for (int c = 1; c < RB_TEST_CODEC_CNT; c++) {
		char what[64];
		snprintf(what, sizeof(what), "%s attribute on plain bytes",
		         rb_codec_name(rb_test_codecs[c]));
		rv_recs(r), b = rv_spec(), b.attributes = (int16_t)rb_test_codecs[c];
		rv_expect(what, &b, r, 3, FJORD_ERR_CORRUPT_MESSAGE, "do not decompress");
		/* Really compressed, and a malformed record inside. */
		snprintf(what, sizeof(what), "%s blob, bad key length inside",
		         rb_codec_name(rb_test_codecs[c]));
		rv_recs(r), b = rv_spec(), b.attributes = (int16_t)rb_test_codecs[c];
		b.compress = rb_test_codecs[c];
		r[2].key_len = 77;
		rv_expect(what, &b, r, 3, FJORD_ERR_INVALID_RECORD, "record 2: key length 77");
		r[2].key_len = 0;
		rv_expect("  and without the fault", &b, r, 3, FJORD_ERR_NO_ERROR, NULL);
	}
	/* Timestamps. */
	rv_recs(r), b = rv_spec(), b.base_ts = INT64_MAX - 10, b.max_ts = INT64_MAX,
	            r[1].ts_delta = 100;
	rv_expect("timestamp overflow", &b, r, 3, FJORD_ERR_INVALID_TIMESTAMP, "overflows");
	rv_recs(r), b = rv_spec(), b.base_ts = 10, b.max_ts = 20, r[1].ts_delta = -20;
	rv_expect("record timestamp below -1", &b, r, 3, FJORD_ERR_INVALID_TIMESTAMP,
	          "record 1: timestamp -10 is below -1");
	rv_recs(r), b = rv_spec(), b.base_ts = -5;
	rv_expect("baseTimestamp below -1", &b, r, 3, FJORD_ERR_INVALID_TIMESTAMP, "baseTimestamp");
	rv_recs(r), b = rv_spec(), b.max_ts = -7;
	rv_expect("maxTimestamp below -1", &b, r, 3, FJORD_ERR_INVALID_TIMESTAMP, "maxTimestamp");
	rv_recs(r), b = rv_spec(), b.max_ts = RV_TS + 4;
	rv_expect("record after maxTimestamp", &b, r, 3, FJORD_ERR_INVALID_TIMESTAMP,
	          "record 1: timestamp 1700000000005 is after the batch's maxTimestamp");
	/* A header the CRC does not cover the mistake of. */
	rv_recs(r), b = rv_spec();
	rv_expect("the untouched batch", &b, r, 3, FJORD_ERR_NO_ERROR, NULL);
}
END_TEST

START_TEST(rv_decompression_bounded)
{
	size_t big = 1024 * 1024;
	char *zeros = malloc(big + 1);
	uint8_t *buf = malloc(64 * 1024);
	record_scratch_t sc;
	record_validate_info_t info;
	char msg[256];

	memset(zeros, 'z', big);
	zeros[big] = '\0';
	for (int c = 1; c < RB_TEST_CODEC_CNT; c++) {
		raw_rec_t r[1];
		raw_batch_t b = rv_spec();
		memset(r, 0, sizeof(r));
		r[0].key = "k";
		r[0].value = zeros;
		b.max_ts = RV_TS;
		b.attributes = (int16_t)rb_test_codecs[c];
		b.compress = rb_test_codecs[c];
		size_t len = raw_batch_build(buf, 64 * 1024, &b, r, 1);
		ck_assert_uint_lt(len, RB_HEADER_SIZE + big / rb_test_min_ratio(rb_test_codecs[c]));
		/* A 1 MiB record against a 256 KiB bound: refused, and the
		 * scratch never grew far past the bound. */
		record_scratch_init(&sc, 256 * 1024);
		ck_assert_int_eq(record_validate(buf, len, &sc, &info, msg, sizeof(msg)),
		                 FJORD_ERR_CORRUPT_MESSAGE);
		test_say("%s bomb: %s", rb_codec_name(rb_test_codecs[c]), msg);
		ck_assert_ptr_nonnull(strstr(msg, "at most 262144 bytes"));
		ck_assert_uint_le(sc.cap, 256 * 1024 + 1);
		/* With room for it, the same batch passes. */
		sc.max_decompressed = 2 * big;
		ck_assert_int_eq(record_validate(buf, len, &sc, &info, msg, sizeof(msg)), 0);
		ck_assert_int_eq(info.record_cnt, 1);
		record_scratch_free(&sc);
	}
	/* A batch needing more than RECORD_SCRATCH_KEEP_BYTES does not pin it. */
	size_t huge = RECORD_SCRATCH_KEEP_BYTES + 4096;
	char *hz = malloc(huge + 1);
	memset(hz, 'q', huge);
	hz[huge] = '\0';
	raw_rec_t r[1];
	raw_batch_t b = rv_spec();
	memset(r, 0, sizeof(r));
	r[0].value = hz;
	b.max_ts = RV_TS;
	b.attributes = RB_CODEC_ZSTD;
	b.compress = RB_CODEC_ZSTD;
	size_t len = raw_batch_build(buf, 64 * 1024, &b, r, 1);
	record_scratch_init(&sc, 0);
	ck_assert_int_eq(record_validate(buf, len, &sc, &info, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(sc.cap, 0);
	ck_assert_ptr_null(sc.buf);
	record_scratch_free(&sc);
	free(hz);
	free(zeros);
	free(buf);
}
END_TEST

static int64_t rv_clock_ms;

static int64_t rv_clock(void *arg)
{
	(void)arg;
	return rv_clock_ms;
}

START_TEST(rv_plog_leader_append)
{
	char dir[512], msg[256];
	plog_t *plog = NULL;
	log_config_t cfg;
	record_scratch_t sc;
	plog_append_info_t info;
	uint8_t buf[4096];
	raw_rec_t r[3];
	raw_batch_t b;

	snprintf(dir, sizeof(dir), "%s/rv-0", test_tmpdir());
	log_config_defaults(&cfg);
	ck_assert_int_eq(plog_open(dir, "rv", 0, &cfg, 0, -1, 0, &plog, msg, sizeof(msg)), 0);
	plog_set_clock(plog, rv_clock, NULL);
	rv_clock_ms = RV_TS;
	record_scratch_init(&sc, 0);

	/* Good, bad, good in one buffer: nothing appended, the second batch
	 * and its record named. */
	rv_recs(r), b = rv_spec();
	size_t l1 = raw_batch_build(buf, sizeof(buf), &b, r, 3);
	r[2].key_len = 300;
	size_t l2 = raw_batch_build(buf + l1, sizeof(buf) - l1, &b, r, 3);
	r[2].key_len = 0;
	size_t l3 = raw_batch_build(buf + l1 + l2, sizeof(buf) - l1 - l2, &b, r, 3);
	ck_assert_int_eq(
	    plog_append_leader(plog, buf, l1 + l2 + l3, 1, &sc, &info, msg, sizeof(msg)),
	    FJORD_ERR_INVALID_RECORD);
	test_say("good, bad, good: %s", msg);
	ck_assert_str_eq(msg,
	                 "batch 1, record 2: key length 300 exceeds the record (9 bytes left)");
	ck_assert_int_eq(plog_log_end_offset(plog), 0);
	/* The same through plog_append (no scratch given): refused too. */
	ck_assert_int_eq(plog_append(plog, buf, l1 + l2 + l3, 1, 1, NULL),
	                 FJORD_ERR_INVALID_RECORD);
	ck_assert_int_eq(plog_append(plog, buf, l1, 1, 1, NULL), FJORD_ERR_NO_ERROR);
	/* A follower's append does not look at records (its leader did). */
	memmove(buf, buf + l1, l2);
	rb_set_base_offset(buf, 3);
	ck_assert_int_eq(plog_append(plog, buf, l2, 1, 0, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(plog_log_end_offset(plog), 6);

	/* message.timestamp.difference.max.ms = 1 hour. */
	cfg.message_timestamp_difference_max_ms = 3600 * 1000;
	plog_set_config(plog, &cfg);
	rv_recs(r), b = rv_spec();
	size_t len = raw_batch_build(buf, sizeof(buf), &b, r, 3);
	ck_assert_int_eq(plog_append_leader(plog, buf, len, 1, &sc, &info, msg, sizeof(msg)), 0);
	rv_clock_ms = RV_TS + 3600 * 1000 + 5; /* record 0 is now 1 h + 5 ms old */
	len = raw_batch_build(buf, sizeof(buf), &b, r, 3);
	ck_assert_int_eq(plog_append_leader(plog, buf, len, 1, &sc, &info, msg, sizeof(msg)),
	                 FJORD_ERR_INVALID_TIMESTAMP);
	test_say("1 h + 5 ms old: %s", msg);
	ck_assert_ptr_nonnull(
	    strstr(msg, "record 0: timestamp 1700000000000 is 3600005 ms before"));
	rv_clock_ms = RV_TS - 3600 * 1000; /* the records are 1 h (+ 9 ms) ahead */
	ck_assert_int_eq(plog_append_leader(plog, buf, len, 1, &sc, &info, msg, sizeof(msg)),
	                 FJORD_ERR_INVALID_TIMESTAMP);
	ck_assert_ptr_nonnull(strstr(msg, "record 2: timestamp 1700000000009 is 3600009 ms after"));
	/* A maxTimestamp far ahead of every record. */
	rv_clock_ms = RV_TS;
	b.max_ts = RV_TS + 7200 * 1000;
	len = raw_batch_build(buf, sizeof(buf), &b, r, 3);
	ck_assert_int_eq(plog_append_leader(plog, buf, len, 1, &sc, &info, msg, sizeof(msg)),
	                 FJORD_ERR_INVALID_TIMESTAMP);
	ck_assert_ptr_nonnull(strstr(msg, "maxTimestamp"));
	/* LogAppendTime batches are not the client's clock: not checked. */
	b.attributes = RB_ATTR_TIMESTAMP_TYPE;
	len = raw_batch_build(buf, sizeof(buf), &b, r, 3);
	ck_assert_int_eq(plog_append_leader(plog, buf, len, 1, &sc, &info, msg, sizeof(msg)), 0);
	ck_assert_int_eq(plog_log_end_offset(plog), 12);
	record_scratch_free(&sc);
	plog_close(plog, 0);
}
END_TEST

START_TEST(rb_reader_overflow)
{
	uint8_t buf[1024];
	raw_rec_t r[3];
	raw_batch_t b = rv_spec();
	rb_reader_t rd;
	rb_record_t rec;

	/* baseTimestamp + timestampDelta past INT64_MAX in record 1. */
	rv_recs(r);
	b.base_ts = INT64_MAX - 3;
	b.max_ts = INT64_MAX;
	size_t len = raw_batch_build(buf, sizeof(buf), &b, r, 3);
	rb_reader_init(&rd);
	ck_assert_int_eq(rb_reader_open(&rd, buf, len), 0);
	ck_assert_int_eq(rb_reader_next(&rd, &rec), 1);
	ck_assert_int_eq(rec.timestamp, INT64_MAX - 3);
	ck_assert_int_eq(rb_reader_next(&rd, &rec), -1);
	ck_assert_int_eq(rd.err, FJORD_ERR__BAD_MSG);
	ck_assert_ptr_nonnull(strstr(rd.errmsg, "timestamp"));
	ck_assert_int_eq(rb_reader_next(&rd, &rec), -1); /* stays failed */
	/* Below INT64_MIN (a negative delta). */
	b = rv_spec();
	b.base_ts = INT64_MIN + 2;
	rv_recs(r);
	r[1].ts_delta = -5;
	len = raw_batch_build(buf, sizeof(buf), &b, r, 3);
	ck_assert_int_eq(rb_reader_open(&rd, buf, len), 0);
	ck_assert_int_eq(rb_reader_next(&rd, &rec), 1);
	ck_assert_int_eq(rb_reader_next(&rd, &rec), -1);
	/* baseOffset + lastOffsetDelta (+ 1) past INT64_MAX: refused by the
	 * reader and by the iterator (whose callers add 1 to the last offset). */
	b = rv_spec();
	rv_recs(r);
	len = raw_batch_build(buf, sizeof(buf), &b, r, 3);
	rb_set_base_offset(buf, INT64_MAX - 2);
	ck_assert_int_eq(rb_reader_open(&rd, buf, len), FJORD_ERR__BAD_MSG);
	ck_assert_ptr_nonnull(strstr(rd.errmsg, "64 bits"));
	rb_iter_t it;
	const uint8_t *bp;
	size_t bsz;
	rb_iter_init(&it, buf, len, 0, 1);
	ck_assert_int_eq(rb_iter_next(&it, &bp, &bsz), -1);
	ck_assert_int_eq(it.err, FJORD_ERR_CORRUPT_MESSAGE);
	rb_set_base_offset(buf, INT64_MAX - 3); /* the largest that fits */
	ck_assert_int_eq(rb_reader_open(&rd, buf, len), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(rb_reader_next(&rd, &rec), 1);
		ck_assert_int_eq(rec.offset, INT64_MAX - 3 + i);
	}
	ck_assert_int_eq(rb_reader_next(&rd, &rec), 0);
	/* A record's offsetDelta past lastOffsetDelta. */
	rv_recs(r);
	r[2].off_delta = 40;
	len = raw_batch_build(buf, sizeof(buf), &b, r, 3);
	ck_assert_int_eq(rb_reader_open(&rd, buf, len), 0);
	ck_assert_int_eq(rb_reader_next(&rd, &rec), 1);
	ck_assert_int_eq(rb_reader_next(&rd, &rec), 1);
	ck_assert_int_eq(rb_reader_next(&rd, &rec), -1);
	ck_assert_ptr_nonnull(strstr(rd.errmsg, "lastOffsetDelta"));
	rb_reader_destroy(&rd);
	/* The builder refuses a timestamp no delta can express. */
	rb_builder_t bl;
	rb_builder_init(&bl, RB_CODEC_NONE, -1);
	ck_assert_int_eq(rb_builder_add(&bl, INT64_MIN, "k", 1, "v", 1, NULL, 0), 0);
	ck_assert_int_eq(rb_builder_add(&bl, INT64_MAX, "k", 1, "v", 1, NULL, 0), -1);
	rb_builder_destroy(&bl);
}
END_TEST

START_TEST(rv_error_code)
{
	ck_assert_int_eq(FJORD_ERR_INVALID_RECORD, 87);
	ck_assert_str_eq(fjord_err2name(FJORD_ERR_INVALID_RECORD), "INVALID_RECORD");
	ck_assert_ptr_nonnull(strstr(fjord_err2str(FJORD_ERR_INVALID_RECORD), "Invalid record"));
	/* Permanent: the SDK fails the batch instead of retrying it. */
	ck_assert_int_eq(fjord_err_is_retriable(FJORD_ERR_INVALID_RECORD), 0);
	ck_assert_int_eq(fjord_err_is_retriable(FJORD_ERR_INVALID_TIMESTAMP), 0);
}
END_TEST

void test_0001(TCase *tc);

void test_0001(TCase *tc)
{
	tcase_add_test(tc, rb_varints);
	tcase_add_test(tc, rb_round_trip_codecs);
	tcase_add_test(tc, rb_log_append_time_and_empty);
	tcase_add_test(tc, rb_kafka_offsets);
	tcase_add_test(tc, rb_validate_rejects);
	tcase_add_test(tc, rb_iter_concatenated);
	tcase_add_test(tc, rb_bad_compression);
	tcase_add_test(tc, rb_decompress_bounded);
	tcase_add_test(tc, rb_snappy_framings);
	tcase_add_test(tc, rb_garbage_never_crashes);
	tcase_add_test(tc, rv_valid_codecs);
	tcase_add_test(tc, rv_malformed_kinds);
	tcase_add_test(tc, rv_decompression_bounded);
	tcase_add_test(tc, rv_plog_leader_append);
	tcase_add_test(tc, rb_reader_overflow);
	tcase_add_test(tc, rv_error_code);
}
