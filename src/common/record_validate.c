/*
 * record_validate.c — the leader's record-by-record check of a produced
 * batch (rules and ownership in record_validate.h; byte layout in
 * record_batch.h).
 *
 * One forward pass over the records, bounded by each record's own length:
 * every varint is decoded with the bounds-checked decoders of varint.h, and
 * every length is compared with the bytes left before anything is stepped
 * over, so no input makes it read outside the batch (or the decompressed
 * records). Nothing is allocated except the scratch buffer's growth. The
 * leader runs it on every produced record, so the pass is one function
 * with its state in locals and the words of a refusal are formatted only
 * on the (cold) failure paths; bench/bench_validate.c measures it.
 * Pure function of its arguments; any thread with its own scratch.
 */
#include "common/record_validate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/compress.h"
#include "common/record_batch.h"
#include "common/varint.h"

void record_scratch_init(record_scratch_t *s, size_t max_decompressed)
{
	s->buf = NULL;
	s->cap = 0;
	s->max_decompressed = max_decompressed ? max_decompressed : RB_MAX_DECOMPRESSED;
}

void record_scratch_free(record_scratch_t *s)
{
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
}

static fjord_err_t rv_fail(char *errstr, size_t errstr_size, fjord_err_t err, const char *fmt, ...)
    __attribute__((cold, format(printf, 4, 5)));

static fjord_err_t rv_fail(char *errstr, size_t errstr_size, fjord_err_t err, const char *fmt, ...)
{
	va_list ap;

	if (errstr && errstr_size) {
		va_start(ap, fmt);
		vsnprintf(errstr, errstr_size, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Outcome of reading one length-prefixed field (rv_len). */
enum { RV_OK = 0, RV_BAD_VARINT, RV_IS_NULL, RV_NEGATIVE, RV_TOO_LONG };

/* Reads a varint length at *qp and steps over it and the field's bytes:
 * -1 (null) only when nullable, otherwise 0..bytes left before end. On
 * failure *qp stays after the varint (RV_TOO_LONG: the bytes left are
 * end - *qp). Hot path: inline, no formatting. */
static inline int rv_len(const uint8_t **qp, const uint8_t *end, int nullable, int32_t *flenp)
{
	int n = varint_decode(*qp, (size_t)(end - *qp), flenp);

	if (n < 0)
		return RV_BAD_VARINT;
	*qp += n;
	if (*flenp >= 0) {
		if (*flenp > end - *qp)
			return RV_TOO_LONG;
		*qp += *flenp;
		return RV_OK;
	}
	if (*flenp == -1)
		return nullable ? RV_OK : RV_IS_NULL;
	return RV_NEGATIVE;
}

/* The words for an rv_len failure of field what (of header hidx when
 * hidx >= 0) in record idx. Cold: only a refused batch gets here. */
static fjord_err_t __attribute__((cold))
rv_len_fail(int st, int32_t idx, const char *what, int32_t hidx, int32_t flen, ptrdiff_t left,
            char *errstr, size_t errstr_size)
{
	char name[48];

	if (hidx >= 0)
		snprintf(name, sizeof(name), "header %" PRId32 " %s", hidx, what);
	else
		snprintf(name, sizeof(name), "%s", what);
	switch (st) {
	case RV_IS_NULL:
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": %s is null", idx, name);
	case RV_NEGATIVE:
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": %s length %" PRId32 " is negative", idx, name,
		               flen);
	case RV_TOO_LONG:
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": %s length %" PRId32
		               " exceeds the record (%td bytes left)",
		               idx, name, flen, left);
	default:
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": %s: malformed length varint", idx, name);
	}
}

/* Every record of [p, end), recordsCount of them: one pass, each record
 * bounded by its own length. The failure branches only format words. */
static fjord_err_t rv_records(const uint8_t *batch, const uint8_t *p, const uint8_t *end,
                              record_validate_info_t *info, char *errstr, size_t errstr_size)
{
	const int32_t count = rb_records_count(batch);
	const int64_t base_ts = rb_base_timestamp(batch), max_ts = rb_max_timestamp(batch);
	const int create_time = !(rb_attributes(batch) & RB_ATTR_TIMESTAMP_TYPE);
	int64_t min_seen = INT64_MAX, max_seen = INT64_MIN;
	int32_t min_idx = -1, max_idx = -1;
	int32_t idx;

	for (idx = 0; idx < count; idx++) {
		const uint8_t *q, *rend;
		int32_t rlen, off_delta, flen = 0, hcnt, j;
		int64_t ts_delta, ts;
		int n, st;

		if (p == end)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": missing: recordsCount is %" PRId32
			               " but the records end after %" PRId32,
			               idx, count, idx);
		if ((n = varint_decode(p, (size_t)(end - p), &rlen)) < 0)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": malformed length varint", idx);
		q = p + n;
		if (rlen < RB_MIN_RECORD_SIZE - 1 || rlen > end - q)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": length %" PRId32
			               " out of range (%d to %td bytes)",
			               idx, rlen, RB_MIN_RECORD_SIZE - 1, end - q);
		rend = q + rlen;
		q++; /* attributes: unused */
		if ((n = varlong_decode(q, (size_t)(rend - q), &ts_delta)) < 0)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": malformed timestampDelta varlong", idx);
		q += n;
		if ((n = varint_decode(q, (size_t)(rend - q), &off_delta)) < 0)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": malformed offsetDelta varint", idx);
		q += n;
		if (off_delta != idx)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": offsetDelta %" PRId32
			               ", expected %" PRId32,
			               idx, off_delta, idx);
		if ((st = rv_len(&q, rend, 1, &flen)))
			return rv_len_fail(st, idx, "key", -1, flen, rend - q, errstr, errstr_size);
		if (flen < 0 && info->first_null_key_record < 0)
			info->first_null_key_record = idx;
		if ((st = rv_len(&q, rend, 1, &flen)))
			return rv_len_fail(st, idx, "value", -1, flen, rend - q, errstr,
			                   errstr_size);
		if ((n = varint_decode(q, (size_t)(rend - q), &hcnt)) < 0)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": malformed header count varint", idx);
		q += n;
		if (hcnt < 0)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": header count %" PRId32 " is negative",
			               idx, hcnt);
		/* Each header takes at least two bytes (key and value lengths). */
		if (hcnt > (rend - q) / 2)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": header count %" PRId32
			               " exceeds what the record can hold (%td bytes left)",
			               idx, hcnt, rend - q);
		for (j = 0; j < hcnt; j++) {
			if ((st = rv_len(&q, rend, 0, &flen)))
				return rv_len_fail(st, idx, "key", j, flen, rend - q, errstr,
				                   errstr_size);
			if ((st = rv_len(&q, rend, 1, &flen)))
				return rv_len_fail(st, idx, "value", j, flen, rend - q, errstr,
				                   errstr_size);
		}
		if (q != rend)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32
			               ": %td bytes after its last field, inside its "
			               "length",
			               idx, rend - q);

		/* Timestamps, once the record is known to be well framed. */
		if (__builtin_add_overflow(base_ts, ts_delta, &ts))
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_TIMESTAMP,
			               "record %" PRId32 ": baseTimestamp %" PRId64
			               " + timestampDelta %" PRId64 " overflows",
			               idx, base_ts, ts_delta);
		if (ts < -1)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_TIMESTAMP,
			               "record %" PRId32 ": timestamp %" PRId64 " is below -1", idx,
			               ts);
		if (create_time && ts > max_ts)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_TIMESTAMP,
			               "record %" PRId32 ": timestamp %" PRId64
			               " is after the batch's maxTimestamp %" PRId64,
			               idx, ts, max_ts);
		if (!create_time)
			ts = max_ts; /* what a reader will see */
		if (ts != -1) {
			if (ts < min_seen) {
				min_seen = ts;
				min_idx = idx;
			}
			if (ts > max_seen) {
				max_seen = ts;
				max_idx = idx;
			}
		}
		p = rend;
	}
	if (p != end)
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
		               "%td bytes after the last of %" PRId32 " records", end - p, count);
	info->record_cnt = count;
	if (min_idx >= 0) {
		info->min_timestamp = min_seen;
		info->min_timestamp_record = min_idx;
		info->max_timestamp = max_seen;
		info->max_timestamp_record = max_idx;
	}
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t record_validate(const uint8_t *batch, size_t len, record_scratch_t *scratch,
                            record_validate_info_t *info, char *errstr, size_t errstr_size)
{
	record_validate_info_t local;
	const char *msg = NULL;
	fjord_err_t err;

	if (!info)
		info = &local;
	info->record_cnt = 0;
	info->min_timestamp = info->max_timestamp = -1;
	info->min_timestamp_record = info->max_timestamp_record = -1;
	info->first_null_key_record = -1;

	if ((err = rb_validate_header(batch, len, &msg)))
		return rv_fail(errstr, errstr_size, err, "%s", msg);
	size_t total = rb_total_size(batch);
	int16_t attrs = rb_attributes(batch);
	int codec = attrs & RB_ATTR_CODEC_MASK;

	if (attrs & RB_ATTR_CONTROL)
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
		               "control batches cannot be produced (fjord has no transactions)");
	if (attrs & RB_ATTR_TRANSACTIONAL)
		return rv_fail(
		    errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
		    "transactional batches cannot be produced (fjord has no transactions)");
	if (rb_records_count(batch) == 0)
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
		               "the batch holds no records (recordsCount 0)");
	/* rb_validate_header allows the gaps of a compacted batch; a
	 * producer's batch takes exactly recordsCount offsets. */
	if (rb_last_offset_delta(batch) != rb_records_count(batch) - 1)
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
		               "lastOffsetDelta %" PRId32 " does not match recordsCount %" PRId32,
		               rb_last_offset_delta(batch), rb_records_count(batch));
	if (rb_base_timestamp(batch) < -1)
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_TIMESTAMP,
		               "baseTimestamp %" PRId64 " is below -1", rb_base_timestamp(batch));
	if (rb_max_timestamp(batch) < -1)
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_TIMESTAMP,
		               "maxTimestamp %" PRId64 " is below -1", rb_max_timestamp(batch));
	if (codec == RB_CODEC_NONE)
		return rv_records(batch, batch + RB_HEADER_SIZE, batch + total, info, errstr,
		                  errstr_size);

	size_t dlen = 0;
	err = decompress_data(codec, batch + RB_HEADER_SIZE, total - RB_HEADER_SIZE,
	                      scratch->max_decompressed, &scratch->buf, &scratch->cap, &dlen, &msg);
	if (err == FJORD_ERR__FAIL)
		err = rv_fail(errstr, errstr_size, FJORD_ERR_UNKNOWN,
		              "out of memory decompressing the records");
	else if (err)
		err = rv_fail(errstr, errstr_size, FJORD_ERR_CORRUPT_MESSAGE,
		              "%s records do not decompress: %s (at most %zu bytes allowed)",
		              rb_codec_name((rb_codec_t)codec), msg ? msg : "corrupt",
		              scratch->max_decompressed);
	else if (!scratch->buf) /* nothing decompressed, no buffer yet */
		err = rv_records(batch, batch + total, batch + total, info, errstr, errstr_size);
	else
		err =
		    rv_records(batch, scratch->buf, scratch->buf + dlen, info, errstr, errstr_size);
	if (scratch->cap > RECORD_SCRATCH_KEEP_BYTES)
		record_scratch_free(scratch);
	return err;
}
