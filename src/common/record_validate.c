/*
 * record_validate.c — the leader's record-by-record check of a produced
 * batch (rules and ownership in record_validate.h; byte layout in
 * record_batch.h).
 *
 * One forward pass over the records, bounded by each record's own length:
 * every varint is decoded with the bounds-checked decoders of varint.h, and
 * every length is compared with the bytes left before anything is stepped
 * over, so no input makes it read outside the batch (or the decompressed
 * records). Nothing is allocated except the scratch buffer's growth.
 * Pure function of its arguments; any thread with its own scratch.
 */
#include "common/record_validate.h"

#include <inttypes.h>
#include <stdarg.h>
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
    __attribute__((format(printf, 4, 5)));

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

/* The walk's state: the records region and where errors are reported. */
typedef struct rv_walk {
	const uint8_t *p;
	const uint8_t *end; /* of the current record while inside one */
	int32_t idx;        /* record index */
	char *errstr;
	size_t errstr_size;
	int64_t base_ts, max_ts; /* the batch header's */
	int create_time;
} rv_walk_t;

/* Reads a varint length of a field called what (of header hidx when
 * hidx >= 0): -1 (null) only when nullable, otherwise 0..bytes left; steps
 * over the field's bytes too. The name is formatted only on failure. */
static fjord_err_t rv_field(rv_walk_t *w, const char *what, int32_t hidx, int nullable)
{
	char name[48];
	const char *why;
	int32_t flen = 0;
	int n = varint_decode(w->p, (size_t)(w->end - w->p), &flen);

	if (n >= 0) {
		w->p += n;
		if (flen == -1 && nullable)
			return FJORD_ERR_NO_ERROR;
		if (flen >= 0 && flen <= w->end - w->p) {
			w->p += flen;
			return FJORD_ERR_NO_ERROR;
		}
	}
	if (hidx >= 0)
		snprintf(name, sizeof(name), "header %" PRId32 " %s", hidx, what);
	else
		snprintf(name, sizeof(name), "%s", what);
	if (n < 0)
		why = "malformed length varint";
	else if (flen == -1)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": %s is null", w->idx, name);
	else if (flen < 0)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": %s length %" PRId32 " is negative", w->idx,
		               name, flen);
	else
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": %s length %" PRId32
		               " exceeds the record (%td bytes left)",
		               w->idx, name, flen, w->end - w->p);
	return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
	               "record %" PRId32 ": %s: %s", w->idx, name, why);
}

/* One record's fields after its length, in [w->p, w->end). */
static fjord_err_t rv_record_body(rv_walk_t *w, int64_t *ts_deltap)
{
	int32_t off_delta, hcnt;
	fjord_err_t err;
	int n;

	w->p++; /* attributes: unused */
	if ((n = varlong_decode(w->p, (size_t)(w->end - w->p), ts_deltap)) < 0)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": malformed timestampDelta varlong", w->idx);
	w->p += n;
	if ((n = varint_decode(w->p, (size_t)(w->end - w->p), &off_delta)) < 0)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": malformed offsetDelta varint", w->idx);
	w->p += n;
	if (off_delta != w->idx)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": offsetDelta %" PRId32 ", expected %" PRId32,
		               w->idx, off_delta, w->idx);
	if ((err = rv_field(w, "key", -1, 1)) || (err = rv_field(w, "value", -1, 1)))
		return err;
	if ((n = varint_decode(w->p, (size_t)(w->end - w->p), &hcnt)) < 0)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": malformed header count varint", w->idx);
	w->p += n;
	if (hcnt < 0)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": header count %" PRId32 " is negative", w->idx,
		               hcnt);
	/* Each header takes at least two bytes (key and value lengths). */
	if (hcnt > (w->end - w->p) / 2)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32 ": header count %" PRId32
		               " exceeds what the record can hold (%td bytes left)",
		               w->idx, hcnt, w->end - w->p);
	for (int32_t j = 0; j < hcnt; j++) {
		if ((err = rv_field(w, "key", j, 0)) || (err = rv_field(w, "value", j, 1)))
			return err;
	}
	if (w->p != w->end)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_RECORD,
		               "record %" PRId32
		               ": %td bytes after its last field, inside its length",
		               w->idx, w->end - w->p);
	return FJORD_ERR_NO_ERROR;
}

/* The timestamp rules for one record; updates info's range. */
static fjord_err_t rv_timestamp(rv_walk_t *w, int64_t ts_delta, record_validate_info_t *info)
{
	int64_t base = w->base_ts, max = w->max_ts, ts, seen;
	int create_time = w->create_time;

	if (__builtin_add_overflow(base, ts_delta, &ts))
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_TIMESTAMP,
		               "record %" PRId32 ": baseTimestamp %" PRId64
		               " + timestampDelta %" PRId64 " overflows",
		               w->idx, base, ts_delta);
	if (ts < -1)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_TIMESTAMP,
		               "record %" PRId32 ": timestamp %" PRId64 " is below -1", w->idx, ts);
	if (create_time && ts > max)
		return rv_fail(w->errstr, w->errstr_size, FJORD_ERR_INVALID_TIMESTAMP,
		               "record %" PRId32 ": timestamp %" PRId64
		               " is after the batch's maxTimestamp %" PRId64,
		               w->idx, ts, max);
	seen = create_time ? ts : max;
	if (seen == -1)
		return FJORD_ERR_NO_ERROR;
	if (info->min_timestamp_record < 0 || seen < info->min_timestamp) {
		info->min_timestamp = seen;
		info->min_timestamp_record = w->idx;
	}
	if (info->max_timestamp_record < 0 || seen > info->max_timestamp) {
		info->max_timestamp = seen;
		info->max_timestamp_record = w->idx;
	}
	return FJORD_ERR_NO_ERROR;
}

/* Every record of [p, end), recordsCount of them. */
static fjord_err_t rv_records(const uint8_t *batch, const uint8_t *p, const uint8_t *end,
                              record_validate_info_t *info, char *errstr, size_t errstr_size)
{
	int32_t count = rb_records_count(batch);
	rv_walk_t w = {
		.p = p,
		.end = end,
		.errstr = errstr,
		.errstr_size = errstr_size,
		.base_ts = rb_base_timestamp(batch),
		.max_ts = rb_max_timestamp(batch),
		.create_time = !(rb_attributes(batch) & RB_ATTR_TIMESTAMP_TYPE),
	};
	fjord_err_t err;

	for (w.idx = 0; w.idx < count; w.idx++) {
		int32_t rlen;
		int64_t ts_delta = 0;
		int n;

		if (p == end)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": missing: recordsCount is %" PRId32
			               " but the records end after %" PRId32,
			               w.idx, count, w.idx);
		if ((n = varint_decode(p, (size_t)(end - p), &rlen)) < 0)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": malformed length varint", w.idx);
		p += n;
		if (rlen < RB_MIN_RECORD_SIZE - 1 || rlen > end - p)
			return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
			               "record %" PRId32 ": length %" PRId32
			               " out of range (%d to %td bytes)",
			               w.idx, rlen, RB_MIN_RECORD_SIZE - 1, end - p);
		w.p = p;
		w.end = p + rlen;
		if ((err = rv_record_body(&w, &ts_delta)) ||
		    (err = rv_timestamp(&w, ts_delta, info)))
			return err;
		p += rlen;
		info->record_cnt++;
	}
	if (p != end)
		return rv_fail(errstr, errstr_size, FJORD_ERR_INVALID_RECORD,
		               "%td bytes after the last of %" PRId32 " records", end - p, count);
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
	else if (err == FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE)
		err = rv_fail(errstr, errstr_size, err, "%s", msg ? msg : "unsupported codec");
	else if (err)
		err = rv_fail(errstr, errstr_size, FJORD_ERR_CORRUPT_MESSAGE,
		              "%s records do not decompress: %s (at most %zu bytes allowed)",
		              rb_codec_name((rb_codec_t)codec), msg ? msg : "corrupt",
		              scratch->max_decompressed);
	else
		err =
		    rv_records(batch, scratch->buf, scratch->buf + dlen, info, errstr, errstr_size);
	if (scratch->cap > RECORD_SCRATCH_KEEP_BYTES)
		record_scratch_free(scratch);
	return err;
}
