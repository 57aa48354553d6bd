/*
 * fuzz_record_validate — the leader's record-by-record check of a produced
 * batch (src/common/record_validate.c) against the consumer's reader.
 *
 * The input is one batch; its CRC-32C is recomputed first (when the header
 * is there), so mutations reach the record checks behind the CRC. Checked:
 *   - record_validate never reads outside the input (ASan) and answers one
 *     of its documented errors, with a message, or NO_ERROR;
 *   - what it accepts, every reader can read: rb_validate passes, and
 *     rb_reader_open/next return exactly info.record_cnt records (none for
 *     a control batch, which a client cannot send anyway), without error,
 *     each timestamp within info's [min, max] (ignoring -1) — the promise
 *     that no consumer is ever stuck at an offset a leader accepted;
 *   - the scratch buffer is reused across inputs, as the broker reuses its
 *     one per loop thread, with a small decompression bound so a zip bomb
 *     costs little.
 *
 * FUZZ_OPTIONS: -max_len=65536
 * FUZZ_SOURCES: src/common/record_validate.c src/common/record_batch.c src/common/varint.h
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/record_batch.h"
#include "common/record_validate.h"
#include "support.h"

static record_scratch_t fuzz_scratch;
static int fuzz_scratch_ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	record_validate_info_t info;
	char errstr[256] = "";
	uint8_t *buf;
	fjord_err_t err;

	fuzz_init();
	if (!fuzz_scratch_ready) {
		record_scratch_init(&fuzz_scratch, 4u << 20);
		fuzz_scratch_ready = 1;
	}
	buf = fuzz_memdup(data, size);
	if (size >= RB_HEADER_SIZE) {
		size_t total =
		    (size_t)(uint32_t)be32_read(buf + RB_OFF_BATCH_LENGTH) + RB_LOG_OVERHEAD;
		if (total > size || total < RB_HEADER_SIZE)
			total = size;
		be32_write(buf + RB_OFF_CRC,
		           crc32c(0, buf + RB_OFF_ATTRIBUTES, total - RB_OFF_ATTRIBUTES));
	}
	memset(&info, 0, sizeof(info));
	err = record_validate(buf, size, &fuzz_scratch, &info, errstr, sizeof(errstr));
	if (err != FJORD_ERR_NO_ERROR) {
		FUZZ_CHECK(err == FJORD_ERR_CORRUPT_MESSAGE ||
		               err == FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE ||
		               err == FJORD_ERR_INVALID_RECORD ||
		               err == FJORD_ERR_INVALID_TIMESTAMP || err == FJORD_ERR_UNKNOWN,
		           "undocumented error %d", (int)err);
		FUZZ_CHECK(errstr[0] != '\0', "error %d without a message", (int)err);
		free(buf);
		return 0;
	}

	/* Accepted: the consumer's reader must read exactly that. */
	FUZZ_CHECK(size >= RB_HEADER_SIZE, "accepted a batch shorter than its header");
	size_t total = rb_total_size(buf);
	FUZZ_CHECK(total <= size, "accepted a batch longer than the input");
	FUZZ_CHECK(rb_validate(buf, total, NULL) == FJORD_ERR_NO_ERROR,
	           "accepted a batch rb_validate refuses");
	FUZZ_CHECK(!(rb_attributes(buf) & RB_ATTR_CONTROL), "accepted a control batch");
	rb_reader_t r;
	rb_record_t rec;
	int n = 0, rc;
	rb_reader_init(&r);
	FUZZ_CHECK(rb_reader_open(&r, buf, total) == FJORD_ERR_NO_ERROR,
	           "the reader cannot open an accepted batch: %s", r.errmsg ? r.errmsg : "?");
	while ((rc = rb_reader_next(&r, &rec)) == 1) {
		if (rec.timestamp != -1 && info.min_timestamp != -1)
			FUZZ_CHECK(rec.timestamp >= info.min_timestamp &&
			               rec.timestamp <= info.max_timestamp,
			           "record %d: timestamp %lld outside [%lld, %lld]", n,
			           (long long)rec.timestamp, (long long)info.min_timestamp,
			           (long long)info.max_timestamp);
		n++;
	}
	FUZZ_CHECK(rc == 0, "the reader fails on record %d of an accepted batch: %s", n,
	           r.errmsg ? r.errmsg : "?");
	FUZZ_CHECK(n == info.record_cnt, "read %d records, the validator counted %d", n,
	           (int)info.record_cnt);
	rb_reader_destroy(&r);
	free(buf);
	return 0;
}
