/*
 * 0001-unit-record-batch — Kafka record batch v2 codec.
 *
 * - zigzag varints at their boundaries, truncated and over-long input;
 * - build + read round trip for none, gzip, lz4 and zstd with null and
 *   empty keys/values and headers (null header values too), builder reuse;
 * - the bytes at each of Kafka's published header offsets, and one record
 *   encoded byte for byte;
 * - rb_validate refusing bad CRC, wrong magic, truncation, lastOffsetDelta
 *   mismatch, negative count and snappy;
 * - rb_iter over concatenated batches, a partial tail, a corrupt middle;
 * - corrupt or truncated compressed blobs -> FJORD_ERR__BAD_COMPRESSION,
 *   and decompression bounded by its limit (zip bomb);
 * - random garbage and random corruption of valid batches never crash
 *   (run it under --enable-sanitizers to make that check sharp).
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/compress.h"
#include "common/crc32c.h"
#include "common/record_batch.h"
#include "common/varint.h"
#include "test.h"

static const rb_codec_t rb_test_codecs[] = { RB_CODEC_NONE, RB_CODEC_GZIP, RB_CODEC_LZ4,
	                                     RB_CODEC_ZSTD };
#define RB_TEST_CODEC_CNT 4

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

	memcpy(c, batch, len);
	be16_write(c + RB_OFF_ATTRIBUTES, RB_CODEC_SNAPPY);
	rb_test_fix_crc(c, len);
	ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE);
	ck_assert_ptr_nonnull(strstr(msg, "snappy"));

	memcpy(c, batch, len);
	be16_write(c + RB_OFF_ATTRIBUTES, 6);
	rb_test_fix_crc(c, len);
	ck_assert_int_eq(rb_validate(c, len, &msg), FJORD_ERR_CORRUPT_MESSAGE);

	/* The untouched batch still passes (the copies above were the faults). */
	ck_assert_int_eq(rb_validate(batch, len, &msg), 0);
	/* A snappy builder refuses to finish. */
	rb_builder_t sb;
	rb_builder_init(&sb, RB_CODEC_SNAPPY, -1);
	ck_assert_int_eq(rb_builder_add(&sb, 1, "k", 1, "v", 1, NULL, 0), 0);
	ck_assert_int_lt(rb_builder_finish(&sb, &batch, &len), 0);
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
		ck_assert_uint_lt(clen, big / 50);
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
	/* Snappy and unknown codecs are refused both ways. */
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0;
	ck_assert_int_eq(compress_data(RB_CODEC_SNAPPY, -1, "x", 1, &buf, &cap, &len, NULL),
	                 FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE);
	ck_assert_int_eq(decompress_data(7, "x", 1, 100, &buf, &cap, &len, NULL),
	                 FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE);
	free(buf);
	free(zeros);
}
END_TEST

/* Reads whatever a buffer holds, validated or not; must only never crash. */
static void rb_test_chew(const uint8_t *buf, size_t len, rb_reader_t *r)
{
	rb_iter_t it;
	const uint8_t *bp;
	size_t bl;
	rb_record_t rec;

	(void)rb_validate(buf, len, NULL);
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
	free(buf);
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
	tcase_add_test(tc, rb_garbage_never_crashes);
}
