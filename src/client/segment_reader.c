/*
 * segment_reader.c — fjord_segment_*: reads a broker's segment files offline,
 * for `fjord log dump` (kafka-dump-log.sh) and for anyone inspecting a log
 * directory without a cluster.
 *
 * What: a .log file is walked batch by batch; each batch's header fields are
 * read with the accessors of common/record_batch.c, checked with rb_validate()
 * (CRC-32C included) and, when intact, its records are decoded with
 * rb_reader: this file holds no second batch parser, only the walk. A
 * .index / .timeindex file is walked entry by entry (8 and 12 bytes,
 * docs/storage.md "File formats").
 *
 * Why not rb_iter: it stops at the first bad batch, as a broker must; a dump
 * goes on. The walk's rule: a batch whose length field fits in the file is
 * skipped by that length whatever else is wrong with it (CRC mismatch, bad
 * magic, inconsistent counts: reported in batch->err), because the length
 * is the only way to the next batch; a length below the header size or past
 * the end of the file (a torn tail) is reported and ends the walk, since no
 * next boundary can be trusted after it.
 *
 * Guarantees: the file is mapped read-only (MAP_PRIVATE) and never written;
 * every read is bounds-checked against the mapped size, so a damaged file
 * yields errors, never a read past the map. Memory: the handle owns the map
 * and the rb_reader buffers; everything handed out points into them and is
 * valid until the next call on the handle. Not thread-safe: one thread per
 * handle.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/client_int.h"
#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/record_batch.h"

#define SEGMENT_INDEX_ENTRY 8      /* relative offset u32, position u32 */
#define SEGMENT_TIMEINDEX_ENTRY 12 /* timestamp i64, relative offset u32 */
#define SEGMENT_NAME_DIGITS 20     /* %020lld */

struct fjord_segment_s {
	fjord_segment_kind_t kind;
	int64_t base_offset; /* from the file name, -1 if not 20 digits */
	const uint8_t *map;  /* NULL for an empty file */
	size_t size;
	size_t pos; /* next batch or entry */
	int done;   /* the walk ended (end of file or an unskippable batch) */
	/* Records of the last batch returned (only when it was intact). */
	int records_open;
	rb_reader_t reader;
	char errbuf[160]; /* for messages that carry numbers */
};

/* The kind from the suffix; -1 for an unknown one. */
static int segment_kind_of(const char *base)
{
	const char *dot = strrchr(base, '.');

	if (!dot)
		return -1;
	if (!strcmp(dot, ".log"))
		return FJORD_SEGMENT_LOG;
	if (!strcmp(dot, ".index"))
		return FJORD_SEGMENT_INDEX;
	if (!strcmp(dot, ".timeindex"))
		return FJORD_SEGMENT_TIMEINDEX;
	return -1;
}

/* The base offset a segment file is named after, -1 if not 20 digits. */
static int64_t segment_name_offset(const char *base)
{
	int64_t v = 0;
	int i;

	for (i = 0; i < SEGMENT_NAME_DIGITS; i++) {
		if (base[i] < '0' || base[i] > '9')
			return -1;
		if (v > (INT64_MAX - (base[i] - '0')) / 10)
			return -1;
		v = v * 10 + (base[i] - '0');
	}
	return base[i] == '.' ? v : -1;
}

fjord_err_t fjord_segment_open(const char *path, fjord_segment_t **segp, char *errstr,
                               size_t errstr_size)
{
	const char *base;
	fjord_segment_t *seg;
	struct stat st;
	int kind, fd;

	*segp = NULL;
	if (!path || !*path) {
		fj_errstr(errstr, errstr_size, "no file name");
		return FJORD_ERR__INVALID_ARG;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	kind = segment_kind_of(base);
	if (kind < 0) {
		fj_errstr(errstr, errstr_size,
		          "%s: not a segment file (expected a .log, .index or .timeindex suffix)",
		          path);
		return FJORD_ERR__INVALID_ARG;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fj_errstr(errstr, errstr_size, "%s: %s", path, strerror(errno));
		return FJORD_ERR__FAIL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fj_errstr(errstr, errstr_size, "%s: %s", path,
		          S_ISREG(st.st_mode) ? strerror(errno) : "not a regular file");
		close(fd);
		return FJORD_ERR__FAIL;
	}
	seg = calloc(1, sizeof(*seg));
	if (!seg) {
		close(fd);
		fj_errstr(errstr, errstr_size, "out of memory");
		return FJORD_ERR__FAIL;
	}
	seg->kind = (fjord_segment_kind_t)kind;
	seg->base_offset = segment_name_offset(base);
	seg->size = (size_t)st.st_size;
	if (seg->size > 0) {
		void *m = mmap(NULL, seg->size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (m == MAP_FAILED) {
			fj_errstr(errstr, errstr_size, "%s: cannot map: %s", path, strerror(errno));
			close(fd);
			free(seg);
			return FJORD_ERR__FAIL;
		}
		seg->map = m;
	}
	close(fd);
	rb_reader_init(&seg->reader);
	*segp = seg;
	return FJORD_ERR_NO_ERROR;
}

void fjord_segment_close(fjord_segment_t *seg)
{
	if (!seg)
		return;
	if (seg->map)
		munmap((void *)seg->map, seg->size);
	rb_reader_destroy(&seg->reader);
	free(seg);
}

fjord_segment_kind_t fjord_segment_kind(const fjord_segment_t *seg)
{
	return seg->kind;
}

int64_t fjord_segment_base_offset(const fjord_segment_t *seg)
{
	return seg->base_offset;
}

int64_t fjord_segment_size(const fjord_segment_t *seg)
{
	return (int64_t)seg->size;
}

/* Fills the header fields of the batch at b (at least RB_HEADER_SIZE bytes
 * available). */
static void segment_batch_fields(const uint8_t *b, fjord_segment_batch_t *out)
{
	int16_t attrs = rb_attributes(b);
	int32_t lod = rb_last_offset_delta(b);

	out->base_offset = rb_base_offset(b);
	out->last_offset = lod >= 0 && out->base_offset <= INT64_MAX - lod ? out->base_offset + lod
	                                                                   : out->base_offset;
	out->record_count = rb_records_count(b);
	out->partition_leader_epoch = rb_leader_epoch(b);
	out->base_timestamp = rb_base_timestamp(b);
	out->max_timestamp = rb_max_timestamp(b);
	out->timestamp_type = (attrs & RB_ATTR_TIMESTAMP_TYPE) ? FJORD_TIMESTAMP_LOG_APPEND_TIME
	                                                       : FJORD_TIMESTAMP_CREATE_TIME;
	out->producer_id = rb_producer_id(b);
	out->producer_epoch = rb_producer_epoch(b);
	out->base_sequence = rb_base_sequence(b);
	out->codec = rb_codec_name((rb_codec_t)(attrs & RB_ATTR_CODEC_MASK));
	out->transactional = (attrs & RB_ATTR_TRANSACTIONAL) != 0;
	out->control = (attrs & RB_ATTR_CONTROL) != 0;
	out->crc = rb_crc(b);
}

int fjord_segment_next_batch(fjord_segment_t *seg, fjord_segment_batch_t *out)
{
	const uint8_t *b;
	size_t avail, total;
	int32_t blen;
	const char *msg = NULL;

	seg->records_open = 0;
	if (seg->kind != FJORD_SEGMENT_LOG || seg->done || seg->pos >= seg->size) {
		seg->done = 1;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	b = seg->map + seg->pos;
	avail = seg->size - seg->pos;
	out->position = (int64_t)seg->pos;
	out->base_offset = out->last_offset = -1;
	out->codec = "unknown";
	if (avail < RB_LOG_OVERHEAD) {
		snprintf(seg->errbuf, sizeof(seg->errbuf),
		         "truncated tail: %zu byte(s), less than a batch's offset and length",
		         avail);
		goto end_walk;
	}
	blen = rb_batch_length(b);
	out->base_offset = out->last_offset = rb_base_offset(b);
	out->size = blen >= 0 ? (size_t)blen + RB_LOG_OVERHEAD : 0;
	if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD) {
		snprintf(seg->errbuf, sizeof(seg->errbuf),
		         "batchLength %d smaller than the header: the next batch cannot be found",
		         (int)blen);
		goto end_walk;
	}
	total = (size_t)blen + RB_LOG_OVERHEAD;
	if (total > avail) {
		if (avail >= RB_HEADER_SIZE)
			segment_batch_fields(b, out);
		snprintf(seg->errbuf, sizeof(seg->errbuf),
		         "truncated batch: %zu of its %zu bytes in the file", avail, total);
		goto end_walk;
	}
	segment_batch_fields(b, out);
	out->crc_valid = crc32c(0, b + RB_OFF_ATTRIBUTES, total - RB_OFF_ATTRIBUTES) == rb_crc(b);
	if (rb_validate(b, total, &msg) != FJORD_ERR_NO_ERROR) {
		out->err = FJORD_ERR_CORRUPT_MESSAGE;
		out->errstr = msg ? msg : "corrupt batch";
	} else if (rb_reader_open(&seg->reader, b, total) != FJORD_ERR_NO_ERROR) {
		out->err = FJORD_ERR_CORRUPT_MESSAGE;
		out->errstr = seg->reader.errmsg ? seg->reader.errmsg : "cannot decode the batch";
	} else {
		seg->records_open = 1;
	}
	seg->pos += total;
	return 1;
end_walk:
	out->err = FJORD_ERR_CORRUPT_MESSAGE;
	out->errstr = seg->errbuf;
	seg->done = 1;
	return 1;
}

int fjord_segment_next_record(fjord_segment_t *seg, fjord_message_t *rec)
{
	rb_record_t r;
	int rc;

	memset(rec, 0, sizeof(*rec));
	rec->partition = -1;
	rec->offset = -1;
	rec->timestamp = -1;
	if (!seg->records_open)
		return 0;
	rc = rb_reader_next(&seg->reader, &r);
	if (rc <= 0) {
		seg->records_open = 0;
		if (rc < 0) {
			rec->err = FJORD_ERR_CORRUPT_MESSAGE;
			rec->errstr = seg->reader.errmsg ? seg->reader.errmsg : "malformed record";
		}
		return rc;
	}
	rec->offset = r.offset;
	rec->timestamp = r.timestamp;
	rec->timestamp_type = seg->reader.log_append_time ? FJORD_TIMESTAMP_LOG_APPEND_TIME
	                                                  : FJORD_TIMESTAMP_CREATE_TIME;
	rec->key = r.key;
	rec->key_len = r.key ? (size_t)r.key_len : 0;
	rec->value = r.value;
	rec->value_len = r.value ? (size_t)r.value_len : 0;
	rec->headers = r.headers;
	rec->header_cnt = r.header_cnt;
	return 1;
}

int fjord_segment_next_entry(fjord_segment_t *seg, fjord_segment_entry_t *e, char *errstr,
                             size_t errstr_size)
{
	size_t esize, avail;
	const uint8_t *p;
	int64_t base;

	if (seg->kind == FJORD_SEGMENT_LOG || seg->done || seg->pos >= seg->size) {
		seg->done = 1;
		return 0;
	}
	esize = seg->kind == FJORD_SEGMENT_INDEX ? SEGMENT_INDEX_ENTRY : SEGMENT_TIMEINDEX_ENTRY;
	avail = seg->size - seg->pos;
	p = seg->map + seg->pos;
	memset(e, 0, sizeof(*e));
	e->position = (int64_t)seg->pos;
	if (avail < esize) {
		fj_errstr(errstr, errstr_size,
		          "partial entry at the end: %zu byte(s) of %zu at position %zu", avail,
		          esize, seg->pos);
		seg->done = 1;
		return -1;
	}
	base = seg->base_offset >= 0 ? seg->base_offset : 0;
	if (seg->kind == FJORD_SEGMENT_INDEX) {
		e->offset = base + (int64_t)be32_read(p);
		e->file_position = (int64_t)be32_read(p + 4);
		e->timestamp = -1;
	} else {
		e->timestamp = be64_read_i(p);
		e->offset = base + (int64_t)be32_read(p + 8);
		e->file_position = -1;
	}
	seg->pos += esize;
	return 1;
}
