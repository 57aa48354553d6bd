/*
 * record_batch.h — Kafka record batch v2 (magic 2), byte for byte.
 *
 * Owner: common core. Used by the broker (validate, patch offsets on append,
 * find batch boundaries and timestamps in segments) and by the SDK (build
 * batches in the producer, decode them in the consumer).
 *
 * Batch header, big-endian, 61 bytes (RB_HEADER_SIZE):
 *
 *   offset size field                  notes
 *   0      8    baseOffset            patched by the broker on append
 *   8      4    batchLength           bytes after this field (total - 12)
 *   12     4    partitionLeaderEpoch  patched by the broker on append
 *   16     1    magic                 must be 2
 *   17     4    crc                   CRC-32C (Castagnoli) of bytes 21..end
 *   21     2    attributes            bits 0-2 codec (0 none, 1 gzip,
 *                                     2 snappy, 3 lz4, 4 zstd), bit 3
 *                                     timestamp type (1 = LogAppendTime),
 *                                     bit 4 transactional, bit 5 control
 *   23     4    lastOffsetDelta
 *   27     8    baseTimestamp
 *   35     8    maxTimestamp
 *   43     8    producerId            -1 when not idempotent
 *   51     2    producerEpoch         -1
 *   53     4    baseSequence          -1
 *   57     4    recordsCount
 *   61     ...  records (compressed as one blob when the codec is set)
 *
 * Each record (varints are zigzag, as in protobuf's sint):
 *   varint length (of the rest of the record), i8 attributes (unused, 0),
 *   varlong timestampDelta, varint offsetDelta, varint keyLen (-1 null),
 *   key, varint valueLen (-1 null), value, varint headerCount,
 *   headers: varint keyLen, key, varint valueLen (-1 null), value.
 *
 * Because baseOffset and partitionLeaderEpoch lie before the CRC's range,
 * the broker assigns offsets without re-computing the CRC or re-encoding.
 */
#ifndef FJORD_RECORD_BATCH_H
#define FJORD_RECORD_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "fjord.h"

#define RB_HEADER_SIZE 61
#define RB_LOG_OVERHEAD 12 /* baseOffset + batchLength */
#define RB_MAGIC 2

#define RB_OFF_BASE_OFFSET 0
#define RB_OFF_BATCH_LENGTH 8
#define RB_OFF_LEADER_EPOCH 12
#define RB_OFF_MAGIC 16
#define RB_OFF_CRC 17
#define RB_OFF_ATTRIBUTES 21
#define RB_OFF_LAST_OFFSET_DELTA 23
#define RB_OFF_BASE_TIMESTAMP 27
#define RB_OFF_MAX_TIMESTAMP 35
#define RB_OFF_PRODUCER_ID 43
#define RB_OFF_PRODUCER_EPOCH 51
#define RB_OFF_BASE_SEQUENCE 53
#define RB_OFF_RECORDS_COUNT 57

/* Upper bound on a batch's decompressed records in the reader: bounds what a
 * corrupt or hostile batch (a zip bomb) can make it allocate. Far above any
 * real batch (message.max.bytes is about 1 MiB by default); the broker's
 * record validator uses min(socket.request.max.bytes, this). */
#define RB_MAX_DECOMPRESSED (256u * 1024 * 1024)

/* Smallest possible record: length, attributes, timestampDelta, offsetDelta,
 * keyLen, valueLen, headerCount, one byte each (so a record's length field
 * is at least RB_MIN_RECORD_SIZE - 1). */
#define RB_MIN_RECORD_SIZE 7

#define RB_ATTR_CODEC_MASK 0x07
#define RB_ATTR_TIMESTAMP_TYPE 0x08
#define RB_ATTR_TRANSACTIONAL 0x10
#define RB_ATTR_CONTROL 0x20

typedef enum rb_codec {
	RB_CODEC_NONE = 0,
	RB_CODEC_GZIP = 1,
	RB_CODEC_SNAPPY = 2, /* raw snappy; xerial framing also read */
	RB_CODEC_LZ4 = 3,
	RB_CODEC_ZSTD = 4,
} rb_codec_t;

/* "none", "gzip", "snappy", "lz4", "zstd" <-> codec; -1 if unknown name. */
int rb_codec_from_name(const char *name);
const char *rb_codec_name(rb_codec_t codec);

/* Big-endian field access on a batch header (no alignment needed). */
int64_t rb_base_offset(const uint8_t *batch);
int32_t rb_batch_length(const uint8_t *batch);
int32_t rb_leader_epoch(const uint8_t *batch);
int16_t rb_attributes(const uint8_t *batch);
int32_t rb_last_offset_delta(const uint8_t *batch);
int64_t rb_base_timestamp(const uint8_t *batch);
int64_t rb_max_timestamp(const uint8_t *batch);
int32_t rb_records_count(const uint8_t *batch);
uint32_t rb_crc(const uint8_t *batch);
/* The idempotent producer's fields (-1, -1, -1 when not idempotent). */
int64_t rb_producer_id(const uint8_t *batch);
int16_t rb_producer_epoch(const uint8_t *batch);
int32_t rb_base_sequence(const uint8_t *batch);
/* baseSequence + lastOffsetDelta, wrapping past INT32_MAX to 0 as Kafka's
 * sequences do; -1 when baseSequence is -1. */
int32_t rb_last_sequence(const uint8_t *batch);
/* Total size on disk/wire: batchLength + 12. */
static inline size_t rb_total_size(const uint8_t *batch)
{
	return (size_t)rb_batch_length(batch) + RB_LOG_OVERHEAD;
}
/* baseOffset + lastOffsetDelta. */
int64_t rb_last_offset(const uint8_t *batch);
/* Patch the two fields outside the CRC. */
void rb_set_base_offset(uint8_t *batch, int64_t base_offset);
void rb_set_leader_epoch(uint8_t *batch, int32_t epoch);

/*
 * Validates one complete batch at buf (len bytes available, >= the batch):
 * header size, batchLength within len, magic 2, CRC-32C, recordsCount >= 0
 * and lastOffsetDelta consistent (== recordsCount - 1 for non-empty
 * batches), baseOffset + lastOffsetDelta below INT64_MAX (so the next
 * offset exists), codec known (0-4; every known codec is supported).
 * Returns 0 or FJORD_ERR_CORRUPT_MESSAGE with a static message in *errmsg.
 * Does not decompress.
 */
fjord_err_t rb_validate(const uint8_t *buf, size_t len, const char **errmsg);
/* rb_validate without the CRC: the header's own consistency only. For
 * callers that checked the CRC already, or on purpose do not (the record
 * validator, so that a fuzzer reaches the records without computing CRCs). */
fjord_err_t rb_validate_header(const uint8_t *buf, size_t len, const char **errmsg);

/*
 * Walks the batches of a buffer (a produce payload, a fetch response, a
 * segment read). Each rb_iter_next() returns 1 with *batchp and *sizep set to
 * the next complete batch (whose rb_last_offset() + 1 fits in 64 bits), 0 at
 * the clean end, -1 on a malformed or truncated batch (it->err and it->errmsg say why; it->pos is
 * where the bad batch starts). A fetch response may end with a partial batch: with
 * allow_partial_tail=1 that is a clean end (it->partial_tail is set).
 */
typedef struct rb_iter {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	int validate; /* 1: rb_validate() every batch (CRC) */
	int allow_partial_tail;
	int partial_tail;
	fjord_err_t err;
	const char *errmsg;
} rb_iter_t;

void rb_iter_init(rb_iter_t *it, const uint8_t *buf, size_t len, int validate,
                  int allow_partial_tail);
int rb_iter_next(rb_iter_t *it, const uint8_t **batchp, size_t *sizep);

/* ------------------------------------------------------------ building */

/*
 * Builds one batch in a growable buffer without a malloc per record.
 * Usage: rb_builder_init(); rb_builder_add() per record; rb_builder_finish()
 * compresses (if codec != none), fills the header and CRC, and returns the
 * complete batch (owned by the builder until rb_builder_reset/destroy).
 * baseOffset is written as 0; the broker assigns the real one.
 */
typedef struct rb_builder {
	uint8_t *buf; /* header space + encoded (uncompressed) records */
	size_t len, cap;
	uint8_t *out; /* finished batch when compressed */
	size_t out_len, out_cap;
	rb_codec_t codec;
	int compression_level; /* -1: codec default */
	int32_t count;
	int32_t last_delta; /* offsetDelta of the last record added; -1 */
	int64_t base_timestamp, max_timestamp;
	int log_append_time;
	/* Written by rb_builder_finish; -1, -1, -1 (not idempotent) after
	 * init and reset: see rb_builder_set_producer. */
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
} rb_builder_t;

void rb_builder_init(rb_builder_t *b, rb_codec_t codec, int compression_level);
void rb_builder_reset(rb_builder_t *b); /* empty, keeps allocations */
void rb_builder_destroy(rb_builder_t *b);
/* Returns 0, or -1 on allocation failure. key/value NULL encode as null. */
int rb_builder_add(rb_builder_t *b, int64_t timestamp, const void *key, size_t key_len,
                   const void *value, size_t value_len, const fjord_header_t *headers,
                   size_t header_cnt);
/* rb_builder_add with the record's offsetDelta given: deltas strictly
 * increase and are >= the number of records before it (gaps allowed: the
 * log cleaner's rewrite of a compacted batch). -1 otherwise. */
int rb_builder_add_at(rb_builder_t *b, int32_t offset_delta, int64_t timestamp, const void *key,
                      size_t key_len, const void *value, size_t value_len,
                      const fjord_header_t *headers, size_t header_cnt);
/*
 * Finishes a rewrite of the batch whose header is at orig (the log
 * cleaner): the records added (their offsetDeltas those of the original,
 * none past its lastOffsetDelta) compressed with the builder's codec, and
 * from orig: baseOffset, partitionLeaderEpoch, the attribute bits other than
 * the codec, lastOffsetDelta (so the batch covers the same offsets), the
 * producer fields and, for LogAppendTime, maxTimestamp. recordsCount, the
 * timestamps of CreateTime batches and the CRC are the new records'. With no
 * record added the result is an empty batch (the 61-byte header, codec none,
 * orig's timestamps), which Kafka's format allows. Returns 0 with the batch
 * (owned by the builder), FJORD_ERR__INVALID_ARG, FJORD_ERR__FAIL.
 */
int rb_builder_finish_like(rb_builder_t *b, const uint8_t *orig, const uint8_t **batchp,
                           size_t *lenp);
/* Marks the batch as an idempotent producer's: id, epoch and the sequence
 * of its first record (the next batch's is base_sequence + its count). */
void rb_builder_set_producer(rb_builder_t *b, int64_t producer_id, int16_t producer_epoch,
                             int32_t base_sequence);
/* Bytes the batch would take uncompressed if finished now. */
size_t rb_builder_size(const rb_builder_t *b);
/* Returns 0 and the batch in *batchp and *lenp, or a negative value. */
int rb_builder_finish(rb_builder_t *b, const uint8_t **batchp, size_t *lenp);

/* ------------------------------------------------------------ reading */

/* One decoded record; pointers point into the reader's buffers and are
 * valid until the next rb_reader_next() or rb_reader_destroy(). */
typedef struct rb_record {
	int64_t offset;
	int64_t timestamp;
	const uint8_t *key; /* NULL: null */
	int32_t key_len;
	const uint8_t *value; /* NULL: null */
	int32_t value_len;
	size_t header_cnt;
	const fjord_header_t *headers; /* reader-owned array */
} rb_record_t;

typedef struct rb_reader {
	const uint8_t *batch; /* the batch being read */
	size_t batch_len;
	const uint8_t *p, *end; /* cursor in the (decompressed) records */
	uint8_t *dbuf;          /* decompression buffer, reused */
	size_t dbuf_cap;
	fjord_header_t *hdrs; /* header array, reused */
	size_t hdrs_cap;
	char *names; /* NUL-terminated header names, reused */
	size_t names_cap;
	int32_t remaining;
	int32_t last_offset_delta;
	int64_t base_offset, base_timestamp;
	int log_append_time;
	int64_t max_timestamp;
	fjord_err_t err;
	const char *errmsg;
} rb_reader_t;

void rb_reader_init(rb_reader_t *r);
void rb_reader_destroy(rb_reader_t *r);
/* Starts reading a validated batch (decompresses into dbuf as needed).
 * Returns 0 or FJORD_ERR__BAD_COMPRESSION / FJORD_ERR__BAD_MSG (also when
 * baseOffset + lastOffsetDelta + 1 does not fit in 64 bits). */
fjord_err_t rb_reader_open(rb_reader_t *r, const uint8_t *batch, size_t len);
/* 1: *rec filled; 0: batch done; -1: malformed record (r->err set to
 * FJORD_ERR__BAD_MSG, r->errmsg says why), including a record whose
 * offsetDelta is past lastOffsetDelta or whose timestamp (base + delta) does
 * not fit in 64 bits. */
int rb_reader_next(rb_reader_t *r, rb_record_t *rec);

#endif /* FJORD_RECORD_BATCH_H */
