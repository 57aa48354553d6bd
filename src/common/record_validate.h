/*
 * record_validate.h — record-level validation of one record batch: what a
 * partition leader checks, record by record, before it appends a batch a
 * client produced (Kafka's LogValidator), beyond the header and CRC that
 * rb_validate() covers.
 *
 * Owner: common core, because every door records come in through uses the
 * same rules: the broker's Produce handler (through plog_append_leader), the
 * Kafka wire-protocol listener planned in src/broker/kafka/, and the fuzz
 * targets. The entry point is a pure function of (bytes, length, scratch):
 * no clock, no configuration, no global state.
 *
 * The rules, in the order they are checked (byte layout: record_batch.h).
 * CORRUPT_MESSAGE: the batch itself cannot be read:
 *   - the header (rb_validate_header: length, batchLength, magic 2,
 *     recordsCount >= 0, lastOffsetDelta == recordsCount - 1, codec id 0-4:
 *     none, gzip, snappy (raw or xerial-framed), lz4, zstd). The CRC is NOT
 *     checked here: callers run rb_validate() first, so that a damaged
 *     batch is CORRUPT_MESSAGE and never INVALID_RECORD;
 *   - a codec attribute on bytes that do not decompress, or whose
 *     decompressed records exceed scratch->max_decompressed (a zip bomb).
 * INVALID_RECORD: a well-framed batch whose records are malformed or not
 * allowed from a client:
 *   - the control bit (0x20) or the transactional bit (0x10) is set: fjord
 *     has no transactions, and clients may never write control records;
 *   - recordsCount is 0;
 *   - per record i: its length varint decodes, is at least 6 and fits the
 *     bytes left; offsetDelta == i; key and value lengths are -1 (null) or
 *     fit the record; the header count is >= 0 and at most what the bytes
 *     left can hold (2 bytes per header); each header key length is >= 0
 *     (never null) and fits, each header value length is -1 or fits; the
 *     fields use exactly the record's length;
 *   - exactly recordsCount records, and no bytes after the last one.
 * INVALID_TIMESTAMP:
 *   - baseTimestamp or maxTimestamp below -1 (-1 means "no timestamp");
 *   - per record: baseTimestamp + timestampDelta overflows 64 bits or is
 *     below -1; with CreateTime, it is after the batch's maxTimestamp.
 * Not checked (left to their own issues): producerId, producerEpoch,
 * baseSequence, the record attributes byte (unused).
 * Error messages name the record: "record 3: key length 900 exceeds the
 * record (12 bytes left)".
 *
 * Memory: an uncompressed batch is checked in place. A compressed batch is
 * decompressed into the caller's record_scratch_t, a growable buffer reused
 * across calls (no malloc per record, none per batch once it has grown to
 * the usual batch size). One scratch per thread that validates — the
 * broker keeps one on its loop thread, not one per partition. After a batch
 * that needed more than RECORD_SCRATCH_KEEP_BYTES the buffer is released,
 * so one huge (or hostile) batch does not pin its memory.
 *
 * Threads: no shared state; a scratch belongs to one thread at a time. The
 * codec contexts used for decompression are per thread (compress.h).
 */
#ifndef FJORD_RECORD_VALIDATE_H
#define FJORD_RECORD_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "fjord.h"

/* Larger scratch buffers are freed after the batch that needed them. */
#define RECORD_SCRATCH_KEEP_BYTES (16u * 1024 * 1024)

typedef struct record_scratch {
	uint8_t *buf; /* decompressed records of the batch being checked */
	size_t cap;
	size_t max_decompressed; /* refuse batches whose records decompress to more */
} record_scratch_t;

/* An empty scratch refusing decompressed records larger than
 * max_decompressed bytes (0: RB_MAX_DECOMPRESSED). Allocates nothing. */
void record_scratch_init(record_scratch_t *s, size_t max_decompressed);
/* Frees the buffer; the scratch may be used again (it regrows). */
void record_scratch_free(record_scratch_t *s);

/* What a valid batch holds, as a reader will see it. */
typedef struct record_validate_info {
	int32_t record_cnt;
	/* Smallest and largest record timestamp, ignoring -1 ("none"); for a
	 * LogAppendTime batch every record reads as maxTimestamp. -1 when no
	 * record has a timestamp. */
	int64_t min_timestamp, max_timestamp;
	int32_t min_timestamp_record, max_timestamp_record; /* their index, -1 */
	/* Index of the first record with a null key, -1 when every record
	 * has a key (a compacted topic refuses keyless records). */
	int32_t first_null_key_record;
} record_validate_info_t;

/*
 * Validates every record of the one batch at batch (len bytes available,
 * at least the batch; bytes after it are ignored) by the rules above.
 * scratch must not be NULL (it is only touched for compressed batches).
 * Returns FJORD_ERR_NO_ERROR with *info filled (info may be NULL), or
 * FJORD_ERR_CORRUPT_MESSAGE, FJORD_ERR_INVALID_RECORD, FJORD_ERR_INVALID_TIMESTAMP, or
 * FJORD_ERR_UNKNOWN (out of memory while decompressing), with the reason in
 * errstr (may be NULL). Never reads outside [batch, batch + len).
 */
fjord_err_t record_validate(const uint8_t *batch, size_t len, record_scratch_t *scratch,
                            record_validate_info_t *info, char *errstr, size_t errstr_size);

#endif /* FJORD_RECORD_VALIDATE_H */
