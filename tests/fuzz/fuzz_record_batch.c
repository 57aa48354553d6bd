/*
 * fuzz_record_batch — Kafka record batches v2 (src/common/record_batch.c)
 * as a consumer, a broker and a producer handle them.
 *
 * The input is a buffer of concatenated batches: a produce payload, a fetch
 * response, a stretch of a segment. It is walked twice, as it is and with
 * every batch's CRC-32C recomputed (so mutations reach the checks behind
 * the CRC), and each time:
 *   - rb_iter in its four modes (validate or not, partial tail allowed or
 *     not) agree with each other: the same batches in the same places, the
 *     validating walk a prefix of the other, a partial tail the only
 *     difference between the tail modes; every batch a validating walk
 *     hands out passes rb_validate;
 *   - rb_reader_open/next read every batch the non-validating walk finds
 *     (the SDK does that with check.crcs=false), never outside it;
 *   - a batch read to its end without error (up to 1 MiB of records) is
 *     built again with rb_builder (same codec, timestamps, keys, values,
 *     headers), the new batch passes rb_validate, and reading it gives the
 *     same records.
 *
 * FUZZ_OPTIONS: -max_len=65536
 * FUZZ_SOURCES: src/common/record_batch.c src/common/compress.c src/common/varint.h
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/record_batch.h"
#include "support.h"

/* Records larger than this (decompressed) are read but not rebuilt: a
 * small zstd input may decompress to the reader's 256 MiB bound, and
 * compressing that again would take seconds per input. */
#define FUZZ_REBUILD_MAX (1u << 20)

/* Batches a walk found: start positions and sizes. */
#define FUZZ_MAX_BATCHES 4096

typedef struct fuzz_walk {
	size_t cnt;
	size_t pos[FUZZ_MAX_BATCHES], size[FUZZ_MAX_BATCHES];
	int result; /* rb_iter_next's last answer: 0 clean end, -1 error */
	int partial_tail;
} fuzz_walk_t;

static void fuzz_walk(const uint8_t *buf, size_t len, int validate, int partial, fuzz_walk_t *w)
{
	rb_iter_t it;
	const uint8_t *batch;
	size_t bsize, end = 0;
	int r;

	memset(w, 0, sizeof(*w));
	rb_iter_init(&it, buf, len, validate, partial);
	while ((r = rb_iter_next(&it, &batch, &bsize)) == 1) {
		FUZZ_CHECK(batch == buf + end && bsize >= RB_HEADER_SIZE && bsize <= len - end,
		           "batch %zu handed out outside the buffer or not contiguous", w->cnt);
		if (validate)
			FUZZ_CHECK(rb_validate(batch, bsize, NULL) == FJORD_ERR_NO_ERROR,
			           "a validating walk passed a batch rb_validate refuses");
		if (w->cnt < FUZZ_MAX_BATCHES) {
			w->pos[w->cnt] = end;
			w->size[w->cnt] = bsize;
		}
		w->cnt++;
		end += bsize;
	}
	w->result = r;
	w->partial_tail = it.partial_tail;
	FUZZ_CHECK(r == -1 ? it.err != FJORD_ERR_NO_ERROR && it.errmsg
	                   : end == len || it.partial_tail,
	           "walk ended (%d) at %zu of %zu without saying why", r, end, len);
	FUZZ_CHECK(rb_iter_next(&it, &batch, &bsize) == r, "a finished walk went on");
}

static int fuzz_same_batches(const fuzz_walk_t *a, const fuzz_walk_t *b, size_t n)
{
	for (size_t i = 0; i < n && i < FUZZ_MAX_BATCHES; i++)
		if (a->pos[i] != b->pos[i] || a->size[i] != b->size[i])
			return 0;
	return 1;
}

static int fuzz_bytes_eq(const uint8_t *a, int32_t alen, const uint8_t *b, int32_t blen)
{
	if ((a == NULL) != (b == NULL) || alen != blen)
		return 0;
	return alen == 0 || memcmp(a, b, (size_t)alen) == 0;
}

/* Reads a whole batch, building it again as it goes; when every record
 * read, reads the new batch beside the old one and compares. */
static void fuzz_read_and_rebuild(const uint8_t *batch, size_t bsize)
{
	rb_reader_t r, r2;
	rb_builder_t b;
	rb_record_t rec, rec2;
	int codec = rb_attributes(batch) & RB_ATTR_CODEC_MASK;
	int n, cnt = 0;

	rb_reader_init(&r);
	rb_reader_init(&r2);
	rb_builder_init(&b, (rb_codec_t)codec, -1);
	if (rb_reader_open(&r, batch, bsize) != FJORD_ERR_NO_ERROR) {
		FUZZ_CHECK(r.err != FJORD_ERR_NO_ERROR, "open failed without an error");
		goto out;
	}
	b.log_append_time = r.log_append_time;
	int rebuild = (size_t)(r.end - r.p) <= FUZZ_REBUILD_MAX;
	while ((n = rb_reader_next(&r, &rec)) == 1) {
		FUZZ_CHECK(rec.key_len >= 0 && rec.value_len >= 0, "negative length handed out");
		cnt++;
		if (!rebuild)
			continue;
		fjord_header_t *hdrs = NULL;
		if (rec.header_cnt) {
			hdrs = malloc(rec.header_cnt * sizeof(*hdrs));
			FUZZ_CHECK(hdrs != NULL, "out of memory");
			memcpy(hdrs, rec.headers, rec.header_cnt * sizeof(*hdrs));
		}
		int rc = rb_builder_add(&b, rec.timestamp, rec.key, (size_t)rec.key_len, rec.value,
		                        (size_t)rec.value_len, hdrs, rec.header_cnt);
		free(hdrs);
		FUZZ_CHECK(rc == 0, "rb_builder_add refused record %d the reader returned",
		           cnt - 1);
	}
	if (n < 0) {
		FUZZ_CHECK(r.err != FJORD_ERR_NO_ERROR && r.errmsg,
		           "read failed without saying why");
		goto out;
	}
	if (!rebuild || cnt == 0)
		goto out; /* too big, or nothing to build */

	const uint8_t *nb;
	size_t nlen;
	FUZZ_CHECK(rb_builder_finish(&b, &nb, &nlen) == 0, "rb_builder_finish failed");
	FUZZ_CHECK(rb_validate(nb, nlen, NULL) == FJORD_ERR_NO_ERROR, "a built batch is invalid");
	FUZZ_CHECK(rb_records_count(nb) == cnt, "built %d records, header says %d", cnt,
	           (int)rb_records_count(nb));

	/* Both batches side by side. */
	FUZZ_CHECK(rb_reader_open(&r, batch, bsize) == FJORD_ERR_NO_ERROR, "second open failed");
	FUZZ_CHECK(rb_reader_open(&r2, nb, nlen) == FJORD_ERR_NO_ERROR, "built batch: %s",
	           r2.errmsg ? r2.errmsg : "open failed");
	for (int i = 0; i < cnt; i++) {
		FUZZ_CHECK(rb_reader_next(&r, &rec) == 1, "record %d gone on a second read", i);
		FUZZ_CHECK(rb_reader_next(&r2, &rec2) == 1, "built batch: record %d: %s", i,
		           r2.errmsg ? r2.errmsg : "missing");
		FUZZ_CHECK(rec.timestamp == rec2.timestamp,
		           "record %d: timestamp %lld, rebuilt %lld", i, (long long)rec.timestamp,
		           (long long)rec2.timestamp);
		FUZZ_CHECK(fuzz_bytes_eq(rec.key, rec.key_len, rec2.key, rec2.key_len),
		           "record %d: key differs", i);
		FUZZ_CHECK(fuzz_bytes_eq(rec.value, rec.value_len, rec2.value, rec2.value_len),
		           "record %d: value differs", i);
		FUZZ_CHECK(rec.header_cnt == rec2.header_cnt, "record %d: header count differs", i);
		for (size_t h = 0; h < rec.header_cnt; h++) {
			const fjord_header_t *x = &rec.headers[h], *y = &rec2.headers[h];
			FUZZ_CHECK(strcmp(x->name, y->name) == 0, "record %d header %zu: name", i,
			           h);
			FUZZ_CHECK(fuzz_bytes_eq(x->value, (int32_t)x->value_len, y->value,
			                         (int32_t)y->value_len),
			           "record %d header %zu: value", i, h);
		}
	}
	FUZZ_CHECK(rb_reader_next(&r2, &rec2) == 0, "built batch: more records than built");
out:
	rb_builder_destroy(&b);
	rb_reader_destroy(&r);
	rb_reader_destroy(&r2);
}

static void fuzz_buffer(const uint8_t *buf, size_t len)
{
	static fuzz_walk_t w[4]; /* [validate * 2 + partial] */

	for (int v = 0; v < 2; v++)
		for (int p = 0; p < 2; p++)
			fuzz_walk(buf, len, v, p, &w[v * 2 + p]);
	for (int v = 0; v < 2; v++) {
		const fuzz_walk_t *strict = &w[v * 2], *tail = &w[v * 2 + 1];
		/* Allowing a partial tail changes only how a short last batch ends. */
		FUZZ_CHECK(strict->cnt == tail->cnt && fuzz_same_batches(strict, tail, strict->cnt),
		           "tail modes disagree on the batches (validate=%d)", v);
		if (tail->partial_tail)
			FUZZ_CHECK(strict->result == -1, "a partial tail the strict walk accepted");
		else
			FUZZ_CHECK(strict->result == tail->result, "tail modes end differently");
	}
	/* Validation only stops a walk earlier. */
	FUZZ_CHECK(w[2].cnt <= w[0].cnt && fuzz_same_batches(&w[0], &w[2], w[2].cnt),
	           "the validating walk found batches the plain one did not");
	for (size_t i = 0; i < w[0].cnt && i < FUZZ_MAX_BATCHES; i++)
		fuzz_read_and_rebuild(buf + w[0].pos[i], w[0].size[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_init();
	fuzz_buffer(data, size);

	/* Again with each batch's CRC made right, so mutations get past it. */
	uint8_t *copy = malloc(size ? size : 1);
	FUZZ_CHECK(copy != NULL, "out of memory");
	if (size)
		memcpy(copy, data, size);
	rb_iter_t it;
	const uint8_t *batch;
	size_t bsize;
	int fixed = 0;
	rb_iter_init(&it, copy, size, 0, 1);
	while (rb_iter_next(&it, &batch, &bsize) == 1) {
		uint8_t *b = copy + (batch - copy);
		uint32_t crc = crc32c(0, b + RB_OFF_ATTRIBUTES, bsize - RB_OFF_ATTRIBUTES);
		if (crc != rb_crc(b)) {
			be32_write(b + RB_OFF_CRC, crc);
			fixed = 1;
		}
	}
	if (fixed)
		fuzz_buffer(copy, size);
	free(copy);
	return 0;
}
