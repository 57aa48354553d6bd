/*
 * record_batch.c — Kafka record batch v2: field access, validation,
 * iteration over concatenated batches, building and reading.
 * The byte layout is the table in record_batch.h (and docs/protocol.md).
 *
 * Guarantees: nothing here reads outside the (buf, len) it is given, so any
 * byte string, however corrupt, yields an error rather than a crash; the
 * tests feed random garbage to check that. Validation never decompresses
 * (the broker stores compressed batches as they came); reading does.
 *
 * Memory: the builder and reader own growable buffers that double when
 * full and are kept across batches (reset/open reuse them), so steady-state
 * building and reading do no malloc per record or per batch. Header names
 * handed out by the reader are copied, NUL-terminated, into r->names, since
 * fjord_header_t.name is a C string and the wire bytes are not terminated.
 *
 * Threads: no shared state; one builder or reader per thread at a time.
 */
#include "common/record_batch.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/bytes.h"
#include "common/compress.h"
#include "common/crc32c.h"
#include "common/varint.h"

static const char *const rb_codec_names[] = { "none", "gzip", "snappy", "lz4", "zstd" };

int rb_codec_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < (int)(sizeof(rb_codec_names) / sizeof(rb_codec_names[0])); i++)
		if (!strcasecmp(name, rb_codec_names[i]))
			return i;
	return -1;
}

const char *rb_codec_name(rb_codec_t codec)
{
	if ((int)codec < 0 || (size_t)codec >= sizeof(rb_codec_names) / sizeof(rb_codec_names[0]))
		return "unknown";
	return rb_codec_names[codec];
}

/* ------------------------------------------------------------ accessors */

int64_t rb_base_offset(const uint8_t *batch)
{
	return be64_read_i(batch + RB_OFF_BASE_OFFSET);
}

int32_t rb_batch_length(const uint8_t *batch)
{
	return be32_read_i(batch + RB_OFF_BATCH_LENGTH);
}

int32_t rb_leader_epoch(const uint8_t *batch)
{
	return be32_read_i(batch + RB_OFF_LEADER_EPOCH);
}

int16_t rb_attributes(const uint8_t *batch)
{
	return be16_read_i(batch + RB_OFF_ATTRIBUTES);
}

int32_t rb_last_offset_delta(const uint8_t *batch)
{
	return be32_read_i(batch + RB_OFF_LAST_OFFSET_DELTA);
}

int64_t rb_base_timestamp(const uint8_t *batch)
{
	return be64_read_i(batch + RB_OFF_BASE_TIMESTAMP);
}

int64_t rb_max_timestamp(const uint8_t *batch)
{
	return be64_read_i(batch + RB_OFF_MAX_TIMESTAMP);
}

int32_t rb_records_count(const uint8_t *batch)
{
	return be32_read_i(batch + RB_OFF_RECORDS_COUNT);
}

uint32_t rb_crc(const uint8_t *batch)
{
	return be32_read(batch + RB_OFF_CRC);
}

int64_t rb_producer_id(const uint8_t *batch)
{
	return be64_read_i(batch + RB_OFF_PRODUCER_ID);
}

int16_t rb_producer_epoch(const uint8_t *batch)
{
	return be16_read_i(batch + RB_OFF_PRODUCER_EPOCH);
}

int32_t rb_base_sequence(const uint8_t *batch)
{
	return be32_read_i(batch + RB_OFF_BASE_SEQUENCE);
}

int32_t rb_last_sequence(const uint8_t *batch)
{
	int32_t base = rb_base_sequence(batch);
	int64_t last;

	if (base < 0)
		return -1;
	last = (int64_t)base + rb_last_offset_delta(batch);
	return last > INT32_MAX ? (int32_t)(last - INT32_MAX - 1) : (int32_t)last;
}

int64_t rb_last_offset(const uint8_t *batch)
{
	return rb_base_offset(batch) + rb_last_offset_delta(batch);
}

void rb_set_base_offset(uint8_t *batch, int64_t base_offset)
{
	be64_write(batch + RB_OFF_BASE_OFFSET, (uint64_t)base_offset);
}

void rb_set_leader_epoch(uint8_t *batch, int32_t epoch)
{
	be32_write(batch + RB_OFF_LEADER_EPOCH, (uint32_t)epoch);
}

/* ------------------------------------------------------------ validation */

/* rb_validate and rb_validate_header: the CRC only with check_crc. */
static fjord_err_t rb_check(const uint8_t *buf, size_t len, int check_crc, const char **errmsg)
{
	const char *msg = NULL;
	fjord_err_t err = FJORD_ERR_CORRUPT_MESSAGE;

	if (len < RB_HEADER_SIZE) {
		msg = "batch shorter than the 61-byte header";
		goto out;
	}
	int32_t blen = rb_batch_length(buf);
	if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD) {
		msg = "batchLength smaller than the header";
		goto out;
	}
	size_t total = (size_t)blen + RB_LOG_OVERHEAD;
	if (total > len) {
		msg = "batchLength runs past the end of the data";
		goto out;
	}
	if (buf[RB_OFF_MAGIC] != RB_MAGIC) {
		msg = "unsupported magic (only record batch v2, magic 2)";
		goto out;
	}
	if (check_crc &&
	    crc32c(0, buf + RB_OFF_ATTRIBUTES, total - RB_OFF_ATTRIBUTES) != rb_crc(buf)) {
		msg = "CRC-32C mismatch";
		goto out;
	}
	int32_t count = rb_records_count(buf);
	int32_t lod = rb_last_offset_delta(buf);
	if (count < 0) {
		msg = "negative recordsCount";
		goto out;
	}
	/* A compacted batch (storage/log_cleaner.h) keeps its offsets with
	 * gaps, so lastOffsetDelta may exceed recordsCount - 1, as in Kafka;
	 * a producer's batch must be dense (record_validate). */
	if (count > 0 ? lod < count - 1 : lod < -1) {
		msg = "lastOffsetDelta below recordsCount - 1";
		goto out;
	}
	/* baseOffset lies outside the CRC: the batch's last offset, and the
	 * one after it, must exist. */
	int64_t base = rb_base_offset(buf);
	if (lod >= 0 ? base >= INT64_MAX - lod : base == INT64_MIN) {
		msg = "offsets run past the largest offset";
		goto out;
	}
	int codec = rb_attributes(buf) & RB_ATTR_CODEC_MASK;
	if (!compress_codec_supported(codec)) {
		msg = "unknown compression codec";
		goto out;
	}
	if (codec == RB_CODEC_NONE &&
	    (size_t)count > (total - RB_HEADER_SIZE) / RB_MIN_RECORD_SIZE) {
		msg = "recordsCount larger than the records can hold";
		goto out;
	}
	err = FJORD_ERR_NO_ERROR;
out:
	if (errmsg)
		*errmsg = msg;
	return err;
}

fjord_err_t rb_validate(const uint8_t *buf, size_t len, const char **errmsg)
{
	return rb_check(buf, len, 1, errmsg);
}

fjord_err_t rb_validate_header(const uint8_t *buf, size_t len, const char **errmsg)
{
	return rb_check(buf, len, 0, errmsg);
}

/* ------------------------------------------------------------ iteration */

/* 1 when baseOffset + lastOffsetDelta, and the offset after it, fit in 64
 * bits: what every reader of a batch's offsets (rb_last_offset, + 1) needs. */
static int rb_offsets_fit(const uint8_t *batch)
{
	int64_t last;

	return !__builtin_add_overflow(rb_base_offset(batch), (int64_t)rb_last_offset_delta(batch),
	                               &last) &&
	       last != INT64_MAX;
}

void rb_iter_init(rb_iter_t *it, const uint8_t *buf, size_t len, int validate,
                  int allow_partial_tail)
{
	memset(it, 0, sizeof(*it));
	it->buf = buf;
	it->len = len;
	it->validate = validate;
	it->allow_partial_tail = allow_partial_tail;
}

int rb_iter_next(rb_iter_t *it, const uint8_t **batchp, size_t *sizep)
{
	const uint8_t *b = it->buf + it->pos;
	size_t avail = it->len - it->pos;

	if (it->err)
		return -1;
	if (avail == 0 || it->partial_tail)
		return 0;
	if (avail >= RB_LOG_OVERHEAD) {
		int32_t blen = rb_batch_length(b);
		if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD) {
			it->errmsg = "batchLength smaller than the header";
			goto bad;
		}
		if (avail > RB_OFF_MAGIC && b[RB_OFF_MAGIC] != RB_MAGIC) {
			it->errmsg = "unsupported magic (only record batch v2, magic 2)";
			goto bad;
		}
		size_t total = (size_t)blen + RB_LOG_OVERHEAD;
		if (total <= avail) {
			if (it->validate && (it->err = rb_validate(b, total, &it->errmsg)))
				return -1;
			if (!rb_offsets_fit(b)) {
				it->errmsg = "baseOffset + lastOffsetDelta does not fit in 64 bits";
				goto bad;
			}
			*batchp = b;
			*sizep = total;
			it->pos += total;
			return 1;
		}
	}
	/* Fewer bytes than the batch announces. */
	if (it->allow_partial_tail) {
		it->partial_tail = 1;
		return 0;
	}
	it->errmsg = "truncated batch";
bad:
	it->err = FJORD_ERR_CORRUPT_MESSAGE;
	return -1;
}

/* ------------------------------------------------------------ building */

void rb_builder_init(rb_builder_t *b, rb_codec_t codec, int compression_level)
{
	memset(b, 0, sizeof(*b));
	b->codec = codec;
	b->compression_level = compression_level;
	b->last_delta = -1;
	b->producer_id = -1;
	b->producer_epoch = -1;
	b->base_sequence = -1;
}

void rb_builder_reset(rb_builder_t *b)
{
	b->len = 0;
	b->out_len = 0;
	b->count = 0;
	b->last_delta = -1;
	b->base_timestamp = 0;
	b->max_timestamp = 0;
	b->producer_id = -1;
	b->producer_epoch = -1;
	b->base_sequence = -1;
}

void rb_builder_set_producer(rb_builder_t *b, int64_t producer_id, int16_t producer_epoch,
                             int32_t base_sequence)
{
	b->producer_id = producer_id;
	b->producer_epoch = producer_epoch;
	b->base_sequence = base_sequence;
}

void rb_builder_destroy(rb_builder_t *b)
{
	free(b->buf);
	free(b->out);
	memset(b, 0, sizeof(*b));
}

static int rb_builder_reserve(rb_builder_t *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 1024;
	uint8_t *nb;

	if (need <= b->cap)
		return 0;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	nb = realloc(b->buf, cap);
	if (!nb)
		return -1;
	b->buf = nb;
	b->cap = cap;
	return 0;
}

/* Appends v as a zigzag varint/varlong; room was reserved by the caller. */
static uint8_t *rb_put_varint(uint8_t *p, int32_t v)
{
	return p + varint_encode(p, VARINT_MAX_SIZE, v);
}

static uint8_t *rb_put_varlong(uint8_t *p, int64_t v)
{
	return p + varlong_encode(p, VARLONG_MAX_SIZE, v);
}

/* A key, value or header value of len bytes (NULL: null, written as -1). */
static uint8_t *rb_put_bytes(uint8_t *p, const void *data, size_t len)
{
	if (!data)
		return rb_put_varint(p, -1);
	p = rb_put_varint(p, (int32_t)len);
	if (len)
		memcpy(p, data, len);
	return p + len;
}

static size_t rb_bytes_size(const void *data, size_t len)
{
	return data ? (size_t)varint_size((int32_t)len) + len : 1;
}

/* Also returns -1 (nothing added) for a field longer than INT32_MAX, a
 * header without a name, a timestamp whose distance from the batch's first
 * one overflows 64 bits, or a record that would not fit a batch. */
int rb_builder_add(rb_builder_t *b, int64_t timestamp, const void *key, size_t key_len,
                   const void *value, size_t value_len, const fjord_header_t *headers,
                   size_t header_cnt)
{
	return rb_builder_add_at(b, b->count, timestamp, key, key_len, value, value_len, headers,
	                         header_cnt);
}

int rb_builder_add_at(rb_builder_t *b, int32_t offset_delta, int64_t timestamp, const void *key,
                      size_t key_len, const void *value, size_t value_len,
                      const fjord_header_t *headers, size_t header_cnt)
{
	if (offset_delta < b->count || (b->count > 0 && offset_delta <= b->last_delta))
		return -1; /* offsetDeltas strictly increase from at least the count */
	if (b->count == INT32_MAX || (key && key_len > INT32_MAX) ||
	    (value && value_len > INT32_MAX) || header_cnt > INT32_MAX)
		return -1;
	if (b->count == 0) {
		b->base_timestamp = timestamp;
		b->max_timestamp = timestamp;
	}
	int64_t ts_delta;
	if (__builtin_sub_overflow(timestamp, b->base_timestamp, &ts_delta))
		return -1; /* no timestampDelta can express it */
	size_t body = 1 + (size_t)varlong_size(ts_delta) + (size_t)varint_size(offset_delta) +
	              rb_bytes_size(key, key_len) + rb_bytes_size(value, value_len) +
	              (size_t)varint_size((int32_t)header_cnt);
	for (size_t i = 0; i < header_cnt; i++) {
		if (!headers[i].name)
			return -1;
		size_t nlen = strlen(headers[i].name);
		if (nlen > INT32_MAX || (headers[i].value && headers[i].value_len > INT32_MAX))
			return -1;
		body += rb_bytes_size(headers[i].name, nlen) +
		        rb_bytes_size(headers[i].value, headers[i].value_len);
	}
	if (body > INT32_MAX - RB_HEADER_SIZE)
		return -1;
	size_t start = b->len < RB_HEADER_SIZE ? RB_HEADER_SIZE : b->len;
	if (rb_builder_reserve(b, start + VARINT_MAX_SIZE + body) < 0)
		return -1;
	if (start + VARINT_MAX_SIZE + body - RB_LOG_OVERHEAD > INT32_MAX)
		return -1;

	uint8_t *p = b->buf + start;
	p = rb_put_varint(p, (int32_t)body);
	*p++ = 0; /* record attributes: unused */
	p = rb_put_varlong(p, ts_delta);
	p = rb_put_varint(p, offset_delta);
	p = rb_put_bytes(p, key, key_len);
	p = rb_put_bytes(p, value, value_len);
	p = rb_put_varint(p, (int32_t)header_cnt);
	for (size_t i = 0; i < header_cnt; i++) {
		p = rb_put_bytes(p, headers[i].name, strlen(headers[i].name));
		p = rb_put_bytes(p, headers[i].value, headers[i].value_len);
	}
	b->len = (size_t)(p - b->buf);
	b->count++;
	b->last_delta = offset_delta;
	if (timestamp > b->max_timestamp)
		b->max_timestamp = timestamp;
	return 0;
}

size_t rb_builder_size(const rb_builder_t *b)
{
	return b->len < RB_HEADER_SIZE ? RB_HEADER_SIZE : b->len;
}

/* Fills the 61-byte header of a batch of `total` bytes and its CRC. */
static void rb_builder_write_header(const rb_builder_t *b, uint8_t *h, size_t total)
{
	int16_t attrs = (int16_t)(b->codec & RB_ATTR_CODEC_MASK);

	if (b->log_append_time)
		attrs |= RB_ATTR_TIMESTAMP_TYPE;
	be64_write(h + RB_OFF_BASE_OFFSET, 0);
	be32_write(h + RB_OFF_BATCH_LENGTH, (uint32_t)(total - RB_LOG_OVERHEAD));
	be32_write(h + RB_OFF_LEADER_EPOCH, (uint32_t)-1);
	h[RB_OFF_MAGIC] = RB_MAGIC;
	be16_write(h + RB_OFF_ATTRIBUTES, (uint16_t)attrs);
	be32_write(h + RB_OFF_LAST_OFFSET_DELTA, (uint32_t)b->last_delta);
	be64_write(h + RB_OFF_BASE_TIMESTAMP, (uint64_t)b->base_timestamp);
	be64_write(h + RB_OFF_MAX_TIMESTAMP, (uint64_t)b->max_timestamp);
	be64_write(h + RB_OFF_PRODUCER_ID, (uint64_t)b->producer_id);
	be16_write(h + RB_OFF_PRODUCER_EPOCH, (uint16_t)b->producer_epoch);
	be32_write(h + RB_OFF_BASE_SEQUENCE, (uint32_t)b->base_sequence);
	be32_write(h + RB_OFF_RECORDS_COUNT, (uint32_t)b->count);
	be32_write(h + RB_OFF_CRC, crc32c(0, h + RB_OFF_ATTRIBUTES, total - RB_OFF_ATTRIBUTES));
}

static int rb_builder_seal(rb_builder_t *b, const uint8_t **batchp, size_t *lenp);

/* Returns FJORD_ERR__INVALID_ARG for an empty batch or an unsupported codec,
 * FJORD_ERR__FAIL when compression fails (out of memory). */
int rb_builder_finish(rb_builder_t *b, const uint8_t **batchp, size_t *lenp)
{
	if (b->count == 0 || !compress_codec_supported(b->codec))
		return FJORD_ERR__INVALID_ARG;
	return rb_builder_seal(b, batchp, lenp);
}

/* Patches the fields a rewrite keeps from the original header (outside and
 * inside the CRC) and recomputes the CRC. */
static void rb_builder_patch_like(uint8_t *out, size_t len, const uint8_t *orig, int empty)
{
	int16_t attrs = rb_attributes(orig);

	if (empty)
		attrs &= (int16_t)~RB_ATTR_CODEC_MASK;
	else
		attrs = (int16_t)((attrs & ~RB_ATTR_CODEC_MASK) |
		                  (rb_attributes(out) & RB_ATTR_CODEC_MASK));
	memcpy(out + RB_OFF_BASE_OFFSET, orig + RB_OFF_BASE_OFFSET, 8);
	memcpy(out + RB_OFF_LEADER_EPOCH, orig + RB_OFF_LEADER_EPOCH, 4);
	be16_write(out + RB_OFF_ATTRIBUTES, (uint16_t)attrs);
	memcpy(out + RB_OFF_LAST_OFFSET_DELTA, orig + RB_OFF_LAST_OFFSET_DELTA, 4);
	if (empty || (attrs & RB_ATTR_TIMESTAMP_TYPE)) {
		/* LogAppendTime: the broker's time stays the batch's; an empty
		 * batch keeps both so that retention by time sees it as before. */
		if (empty)
			memcpy(out + RB_OFF_BASE_TIMESTAMP, orig + RB_OFF_BASE_TIMESTAMP, 8);
		memcpy(out + RB_OFF_MAX_TIMESTAMP, orig + RB_OFF_MAX_TIMESTAMP, 8);
	}
	memcpy(out + RB_OFF_PRODUCER_ID, orig + RB_OFF_PRODUCER_ID, 8 + 2 + 4);
	be32_write(out + RB_OFF_CRC, crc32c(0, out + RB_OFF_ATTRIBUTES, len - RB_OFF_ATTRIBUTES));
}

int rb_builder_finish_like(rb_builder_t *b, const uint8_t *orig, const uint8_t **batchp,
                           size_t *lenp)
{
	int r;

	if (!compress_codec_supported(b->codec) || b->last_delta > rb_last_offset_delta(orig))
		return FJORD_ERR__INVALID_ARG;
	if (b->count == 0) {
		if (rb_builder_reserve(b, RB_HEADER_SIZE) < 0)
			return FJORD_ERR__FAIL;
		b->len = RB_HEADER_SIZE;
		rb_builder_write_header(b, b->buf, RB_HEADER_SIZE);
		rb_builder_patch_like(b->buf, RB_HEADER_SIZE, orig, 1);
		*batchp = b->buf;
		*lenp = RB_HEADER_SIZE;
		return 0;
	}
	if ((r = rb_builder_seal(b, batchp, lenp)) != 0)
		return r;
	rb_builder_patch_like((uint8_t *)*batchp, *lenp, orig, 0);
	return 0;
}

static int rb_builder_seal(rb_builder_t *b, const uint8_t **batchp, size_t *lenp)
{
	if (b->codec == RB_CODEC_NONE) {
		rb_builder_write_header(b, b->buf, b->len);
		*batchp = b->buf;
		*lenp = b->len;
		return 0;
	}

	/* Header, then the records compressed as one blob. */
	b->out_len = 0;
	if (b->out_cap < RB_HEADER_SIZE) {
		uint8_t *nb = realloc(b->out, 1024);
		if (!nb)
			return FJORD_ERR__FAIL;
		b->out = nb;
		b->out_cap = 1024;
	}
	b->out_len = RB_HEADER_SIZE;
	fjord_err_t err =
	    compress_data(b->codec, b->compression_level, b->buf + RB_HEADER_SIZE,
	                  b->len - RB_HEADER_SIZE, &b->out, &b->out_cap, &b->out_len, NULL);
	if (err || b->out_len - RB_LOG_OVERHEAD > INT32_MAX) {
		b->out_len = 0;
		return FJORD_ERR__FAIL;
	}
	rb_builder_write_header(b, b->out, b->out_len);
	*batchp = b->out;
	*lenp = b->out_len;
	return 0;
}

/* ------------------------------------------------------------ reading */

void rb_reader_init(rb_reader_t *r)
{
	memset(r, 0, sizeof(*r));
}

void rb_reader_destroy(rb_reader_t *r)
{
	free(r->dbuf);
	free(r->hdrs);
	free(r->names);
	memset(r, 0, sizeof(*r));
}

fjord_err_t rb_reader_open(rb_reader_t *r, const uint8_t *batch, size_t len)
{
	r->batch = batch;
	r->batch_len = len;
	r->p = r->end = NULL;
	r->remaining = 0;
	r->err = FJORD_ERR_NO_ERROR;
	r->errmsg = NULL;

	if (len < RB_HEADER_SIZE || rb_batch_length(batch) < RB_HEADER_SIZE - RB_LOG_OVERHEAD ||
	    rb_total_size(batch) > len) {
		r->errmsg = "truncated batch";
		return r->err = FJORD_ERR__BAD_MSG;
	}
	if (batch[RB_OFF_MAGIC] != RB_MAGIC || rb_records_count(batch) < 0) {
		r->errmsg = "not a record batch v2";
		return r->err = FJORD_ERR__BAD_MSG;
	}
	if (!rb_offsets_fit(batch)) {
		r->errmsg = "baseOffset + lastOffsetDelta does not fit in 64 bits";
		return r->err = FJORD_ERR__BAD_MSG;
	}
	size_t total = rb_total_size(batch);
	int16_t attrs = rb_attributes(batch);
	int codec = attrs & RB_ATTR_CODEC_MASK;

	r->batch_len = total;
	r->base_offset = rb_base_offset(batch);
	r->last_offset_delta = rb_last_offset_delta(batch);
	r->base_timestamp = rb_base_timestamp(batch);
	r->max_timestamp = rb_max_timestamp(batch);
	r->log_append_time = (attrs & RB_ATTR_TIMESTAMP_TYPE) ? 1 : 0;

	if (codec == RB_CODEC_NONE) {
		r->p = batch + RB_HEADER_SIZE;
		r->end = batch + total;
	} else {
		size_t dlen = 0;
		fjord_err_t err =
		    decompress_data(codec, batch + RB_HEADER_SIZE, total - RB_HEADER_SIZE,
		                    RB_MAX_DECOMPRESSED, &r->dbuf, &r->dbuf_cap, &dlen, &r->errmsg);
		if (err) {
			/* Out of memory stays FJORD_ERR__FAIL; anything else,
			 * including an unsupported codec, is undecodable data. */
			if (err != FJORD_ERR__FAIL)
				err = FJORD_ERR__BAD_COMPRESSION;
			return r->err = err;
		}
		if (r->dbuf) {
			r->p = r->dbuf;
			r->end = r->dbuf + dlen;
		} else {
			/* Nothing was decompressed (an xerial stream without
			 * blocks): no buffer to point into. */
			static const uint8_t none[1];
			r->p = r->end = none;
		}
	}
	/* Control batches (transaction markers) carry no application records. */
	r->remaining = (attrs & RB_ATTR_CONTROL) ? 0 : rb_records_count(batch);
	if (attrs & RB_ATTR_CONTROL)
		r->p = r->end;
	return FJORD_ERR_NO_ERROR;
}

/* Reads a varint length that must be -1 (null) or fit in [p, end). */
static int rb_get_len(const uint8_t **pp, const uint8_t *end, int32_t *lenp, int nullable)
{
	int n = varint_decode(*pp, (size_t)(end - *pp), lenp);

	if (n < 0)
		return -1;
	*pp += n;
	if (*lenp == -1 && nullable)
		return 0;
	if (*lenp < 0 || *lenp > end - *pp)
		return -1;
	return 0;
}

/* Parses header_cnt headers in [p, end). With fill == 0 it only checks
 * them and adds the room their names need to *names_len; with fill == 1 it
 * writes r->hdrs and r->names (sized by the first pass). */
static int rb_reader_headers(rb_reader_t *r, const uint8_t *p, const uint8_t *end,
                             int32_t header_cnt, int fill, size_t *names_len)
{
	size_t npos = 0;

	for (int32_t i = 0; i < header_cnt; i++) {
		int32_t klen, vlen;
		if (rb_get_len(&p, end, &klen, 0) < 0)
			return -1;
		const uint8_t *k = p;
		p += klen;
		if (rb_get_len(&p, end, &vlen, 1) < 0)
			return -1;
		if (fill) {
			memcpy(r->names + npos, k, (size_t)klen);
			r->names[npos + (size_t)klen] = '\0';
			r->hdrs[i].name = r->names + npos;
			r->hdrs[i].value = vlen >= 0 ? p : NULL;
			r->hdrs[i].value_len = vlen >= 0 ? (size_t)vlen : 0;
		}
		npos += (size_t)klen + 1;
		if (vlen > 0)
			p += vlen;
	}
	if (p != end)
		return -1;
	if (names_len)
		*names_len = npos;
	return 0;
}

static int rb_reader_reserve_headers(rb_reader_t *r, size_t cnt, size_t names_len)
{
	if (cnt > r->hdrs_cap) {
		size_t cap = r->hdrs_cap ? r->hdrs_cap : 8;
		while (cap < cnt)
			cap *= 2;
		fjord_header_t *nh = realloc(r->hdrs, cap * sizeof(*nh));
		if (!nh)
			return -1;
		r->hdrs = nh;
		r->hdrs_cap = cap;
	}
	if (names_len > r->names_cap) {
		size_t cap = r->names_cap ? r->names_cap : 256;
		while (cap < names_len)
			cap *= 2;
		char *nn = realloc(r->names, cap);
		if (!nn)
			return -1;
		r->names = nn;
		r->names_cap = cap;
	}
	return 0;
}

int rb_reader_next(rb_reader_t *r, rb_record_t *rec)
{
	const uint8_t *p = r->p, *rend;
	int32_t rlen, off_delta, klen, vlen, hcnt;
	int64_t ts_delta;
	size_t names_len = 0;
	int n;

	if (r->err)
		return -1;
	if (r->remaining == 0) {
		if (r->p != r->end) {
			r->errmsg = "bytes left after the last record";
			goto bad;
		}
		return 0;
	}
	if (p == r->end) {
		r->errmsg = "fewer records than recordsCount";
		goto bad;
	}
	if (rb_get_len(&p, r->end, &rlen, 0) < 0 || rlen < RB_MIN_RECORD_SIZE - 1) {
		r->errmsg = "bad record length";
		goto bad;
	}
	rend = p + rlen;
	p++; /* record attributes, unused */
	if ((n = varlong_decode(p, (size_t)(rend - p), &ts_delta)) < 0)
		goto bad_field;
	p += n;
	if ((n = varint_decode(p, (size_t)(rend - p), &off_delta)) < 0 || off_delta < 0 ||
	    r->base_offset > INT64_MAX - off_delta)
		goto bad_field;
	if (off_delta > r->last_offset_delta) {
		r->errmsg = "offsetDelta past the batch's lastOffsetDelta";
		goto bad;
	}
	p += n;
	if (rb_get_len(&p, rend, &klen, 1) < 0)
		goto bad_field;
	rec->key = klen >= 0 ? p : NULL;
	rec->key_len = klen >= 0 ? klen : 0;
	if (klen > 0)
		p += klen;
	if (rb_get_len(&p, rend, &vlen, 1) < 0)
		goto bad_field;
	rec->value = vlen >= 0 ? p : NULL;
	rec->value_len = vlen >= 0 ? vlen : 0;
	if (vlen > 0)
		p += vlen;
	if ((n = varint_decode(p, (size_t)(rend - p), &hcnt)) < 0 || hcnt < 0 ||
	    hcnt > (rend - p - n) / 2)
		goto bad_field;
	p += n;
	if (rb_reader_headers(r, p, rend, hcnt, 0, &names_len) < 0)
		goto bad_field;
	if (rb_reader_reserve_headers(r, (size_t)hcnt, names_len) < 0) {
		r->errmsg = "out of memory";
		r->err = FJORD_ERR__FAIL;
		return -1;
	}
	rb_reader_headers(r, p, rend, hcnt, 1, NULL);

	/* Both sums come from the wire: a hostile batch must not make them
	 * overflow (undefined behaviour), it is a malformed record. (The
	 * offset cannot, given the two checks above; it stays checked.) */
	int64_t offset, timestamp = r->max_timestamp;
	if (__builtin_add_overflow(r->base_offset, (int64_t)off_delta, &offset)) {
		r->errmsg = "record offset (baseOffset + offsetDelta) overflows";
		goto bad;
	}
	if (!r->log_append_time &&
	    __builtin_add_overflow(r->base_timestamp, ts_delta, &timestamp)) {
		r->errmsg = "record timestamp (baseTimestamp + timestampDelta) overflows";
		goto bad;
	}
	rec->offset = offset;
	rec->timestamp = timestamp;
	rec->header_cnt = (size_t)hcnt;
	rec->headers = hcnt > 0 ? r->hdrs : NULL;
	r->p = rend;
	r->remaining--;
	return 1;

bad_field:
	r->errmsg = "malformed record";
bad:
	r->err = FJORD_ERR__BAD_MSG;
	return -1;
}
