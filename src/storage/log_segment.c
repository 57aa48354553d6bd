/*
 * log_segment.c — one segment: the .log file of record batches and its two
 * indexes (formats in log_segment.h, offset_index.h, time_index.h).
 *
 * Appends pwrite() at the end of the file (page cache only); index entries
 * are added at the first batch and then every index_interval_bytes. Reads
 * locate batches by an index lookup followed by a scan of 61-byte batch
 * headers with pread(). Recovery re-reads whole batches and checks CRCs;
 * bytes that hold no intact batch but are followed by intact batches are
 * kept as corrupt ranges (log_segment.h), which every header walk here
 * steps over. Event-loop thread only; the segment owns its fds, paths,
 * indexes and corrupt ranges.
 */
#include "storage/log_segment.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/record_batch.h"
#include "storage/storage_io.h"

char *segment_file_name(const char *dir, int64_t base_offset, const char *suffix)
{
	size_t n = strlen(dir) + strlen(suffix) + 24;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%020" PRId64 "%s", dir, base_offset, suffix);
	return p;
}

const segment_corrupt_t *segment_corrupt_at(const log_segment_t *seg, int64_t pos)
{
	for (size_t i = 0; i < seg->corrupt_cnt; i++)
		if (seg->corrupt[i].pos == pos)
			return &seg->corrupt[i];
	return NULL;
}

/* Steps the counters of a header walk over the corrupt range c: its offsets
 * count as used, and the next batch gets an index entry of its own so that
 * lookups after the range never scan through it. */
static void segment_skip_corrupt(log_segment_t *seg, const segment_corrupt_t *c)
{
	if (c->last_offset >= c->first_offset && c->last_offset + 1 > seg->next_offset)
		seg->next_offset = c->last_offset + 1;
	seg->bytes_since_index = seg->index_interval_bytes;
}

int segment_read_header(const log_segment_t *seg, int64_t pos, uint8_t *hdr)
{
	if (pos + RB_HEADER_SIZE > seg->size)
		return 0;
	ssize_t n = sio_pread(seg->log_fd, hdr, RB_HEADER_SIZE, pos, seg->log_path);
	if (n < 0)
		return (int)n;
	return n == RB_HEADER_SIZE ? 1 : 0;
}

/* Records one batch (at pos, already in the file) in the indexes and the
 * segment's counters. Index-full is not an error (the index is sparse; the
 * log rolls before the next append). */
static int segment_index_batch(log_segment_t *seg, const uint8_t *hdr, int64_t pos)
{
	int64_t base = rb_base_offset(hdr);
	int64_t max_ts = rb_max_timestamp(hdr);
	size_t total = rb_total_size(hdr);
	int first = seg->oi.entry_cnt == 0;
	if (first || max_ts > seg->max_timestamp) {
		seg->max_timestamp = max_ts;
		seg->max_timestamp_offset = base;
	}
	if (first || seg->bytes_since_index >= seg->index_interval_bytes) {
		int ret = offset_index_append(&seg->oi, base, pos);
		if (ret < 0 && ret != -EINVAL)
			return ret;
		ret = time_index_maybe_append(&seg->ti, seg->max_timestamp,
		                              seg->max_timestamp_offset);
		if (ret < 0 && ret != -EINVAL)
			return ret;
		seg->bytes_since_index = 0;
	}
	seg->bytes_since_index += (int64_t)total;
	seg->next_offset = rb_last_offset(hdr) + 1;
	return 0;
}

/* 0 when a header's offsets leave no next offset (baseOffset +
 * lastOffsetDelta >= INT64_MAX): next_offset could not be computed.
 * baseOffset lies outside the CRC, so a scan meets such a header in a
 * corrupt file before any validation. */
static int segment_offsets_fit(const uint8_t *hdr)
{
	int32_t lod = rb_last_offset_delta(hdr);
	return lod < 0 || rb_base_offset(hdr) < INT64_MAX - lod;
}

/* Scans batch headers from pos to the end, indexing each; stops at a
 * partial or implausible batch (left for recovery). */
static int segment_scan_headers(log_segment_t *seg, int64_t pos)
{
	uint8_t hdr[RB_HEADER_SIZE];
	for (;;) {
		const segment_corrupt_t *c = segment_corrupt_at(seg, pos);
		if (c) {
			segment_skip_corrupt(seg, c);
			pos = c->end;
			continue;
		}
		int r = segment_read_header(seg, pos, hdr);
		if (r <= 0) {
			seg->valid_end = pos;
			return r;
		}
		int32_t blen = rb_batch_length(hdr);
		if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD ||
		    pos + blen + RB_LOG_OVERHEAD > seg->size ||
		    rb_base_offset(hdr) < seg->next_offset || !segment_offsets_fit(hdr)) {
			seg->valid_end = pos;
			return 0;
		}
		if (rb_max_timestamp(hdr) > seg->max_timestamp) {
			seg->max_timestamp = rb_max_timestamp(hdr);
			seg->max_timestamp_offset = rb_base_offset(hdr);
		}
		seg->next_offset = rb_last_offset(hdr) + 1;
		pos += blen + RB_LOG_OVERHEAD;
		seg->bytes_since_index += blen + RB_LOG_OVERHEAD;
	}
}

/* The offset index is consistent with the file and its last entry points at
 * a batch header with that baseOffset. */
static int segment_offset_index_ok(const log_segment_t *seg)
{
	if (offset_index_check(&seg->oi, seg->size) < 0)
		return 0;
	if (seg->oi.entry_cnt == 0)
		return seg->size == 0;
	const offset_index_entry_t *e = &seg->oi.entries[seg->oi.entry_cnt - 1];
	uint8_t hdr[RB_HEADER_SIZE];
	return segment_read_header(seg, e->position, hdr) == 1 &&
	       rb_base_offset(hdr) == seg->base_offset + e->rel_offset;
}

/* Sets next_offset, max timestamp and the roll clock from the indexes and
 * a header scan of the tail after the last offset index entry. */
static int segment_load_tail(log_segment_t *seg)
{
	int64_t off = seg->base_offset, pos = 0;
	seg->next_offset = seg->base_offset;
	seg->max_timestamp = -1;
	seg->max_timestamp_offset = seg->base_offset;
	seg->first_batch_ms = -1;
	seg->bytes_since_index = 0;
	if (seg->size == 0)
		return 0;
	uint8_t hdr[RB_HEADER_SIZE];
	int r = segment_read_header(seg, 0, hdr);
	if (r < 0)
		return r;
	if (r == 1)
		seg->first_batch_ms = rb_max_timestamp(hdr);
	/* Trust the offset index only when it agrees with the file; otherwise
	 * scan from the start (recovery or the index check rebuilds it). */
	if (segment_offset_index_ok(seg)) {
		offset_index_lookup(&seg->oi, INT64_MAX, &off, &pos);
		seg->next_offset = off;
	}
	r = segment_scan_headers(seg, pos);
	if (r < 0)
		return r;
	if (seg->ti.entry_cnt > 0 && time_index_check(&seg->ti, seg->next_offset) == 0) {
		const time_index_entry_t *te = &seg->ti.entries[seg->ti.entry_cnt - 1];
		if (te->timestamp > seg->max_timestamp) {
			seg->max_timestamp = te->timestamp;
			seg->max_timestamp_offset = seg->base_offset + te->rel_offset;
		}
	}
	return 0;
}

int segment_open(const char *dir, int64_t base_offset, int create, int32_t index_interval_bytes,
                 int64_t index_max_bytes, log_segment_t **segp, char *errstr, size_t errstr_size)
{
	int ret = 0;
	char *ipath = NULL, *tpath = NULL;
	log_segment_t *seg = calloc(1, sizeof(*seg));
	if (!seg) {
		ret = -ENOMEM;
		goto out;
	}
	seg->log_fd = -1;
	seg->oi.fd = seg->ti.fd = -1;
	seg->base_offset = base_offset;
	seg->index_interval_bytes = index_interval_bytes;
	seg->log_path = segment_file_name(dir, base_offset, ".log");
	ipath = segment_file_name(dir, base_offset, ".index");
	tpath = segment_file_name(dir, base_offset, ".timeindex");
	if (!seg->log_path || !ipath || !tpath) {
		ret = -ENOMEM;
		goto out;
	}
	seg->log_fd = sio_open(seg->log_path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
	if (seg->log_fd < 0) {
		ret = seg->log_fd;
		seg->log_fd = -1;
		snprintf(errstr, errstr_size, "open %s: %s", seg->log_path, strerror(-ret));
		goto out;
	}
	seg->log_sfd = segment_fd_new(seg->log_fd);
	if (!seg->log_sfd) {
		close(seg->log_fd);
		seg->log_fd = -1;
		ret = -ENOMEM;
		goto out;
	}
	struct stat st;
	if (fstat(seg->log_fd, &st) < 0) {
		ret = -errno;
		snprintf(errstr, errstr_size, "stat %s: %s", seg->log_path, strerror(errno));
		goto out;
	}
	seg->size = st.st_size;
	ret = offset_index_open(&seg->oi, ipath, base_offset, index_max_bytes);
	if (ret < 0) {
		snprintf(errstr, errstr_size, "open %s: %s", ipath, strerror(-ret));
		goto out;
	}
	ret = time_index_open(&seg->ti, tpath, base_offset, index_max_bytes);
	if (ret < 0) {
		snprintf(errstr, errstr_size, "open %s: %s", tpath, strerror(-ret));
		goto out;
	}
	ret = segment_load_tail(seg);
	if (ret < 0) {
		snprintf(errstr, errstr_size, "read %s: %s", seg->log_path, strerror(-ret));
		goto out;
	}
	*segp = seg;
	seg = NULL;
out:
	free(ipath);
	free(tpath);
	if (seg)
		segment_close(seg);
	if (ret == -ENOMEM)
		snprintf(errstr, errstr_size, "out of memory");
	return ret;
}

void segment_close(log_segment_t *seg)
{
	if (!seg)
		return;
	segment_fd_unref(seg->log_sfd);
	offset_index_close(&seg->oi);
	time_index_close(&seg->ti);
	free(seg->log_path);
	free(seg->corrupt);
	free(seg);
}

int segment_append(log_segment_t *seg, const uint8_t *buf, size_t len, int64_t now_ms)
{
	int ret = 0;
	int64_t pos0 = seg->size, next0 = seg->next_offset;
	int64_t maxts0 = seg->max_timestamp, maxoff0 = seg->max_timestamp_offset;
	int64_t since0 = seg->bytes_since_index;
	ret = sio_pwrite_all(seg->log_fd, buf, len, pos0, seg->log_path);
	if (ret < 0)
		goto out;
	seg->size = pos0 + (int64_t)len;
	seg->valid_end = seg->size;
	rb_iter_t it;
	rb_iter_init(&it, buf, len, 0, 0);
	const uint8_t *batch;
	size_t bsize;
	while (rb_iter_next(&it, &batch, &bsize) == 1) {
		ret = segment_index_batch(seg, batch, pos0 + (batch - buf));
		if (ret < 0)
			goto out;
	}
	if (pos0 == 0)
		seg->first_batch_ms = now_ms;
out:
	if (ret < 0) {
		/* Put the file and indexes back as they were. When that fails
		 * too, its error is returned: the segment is then in an unknown
		 * state (a disk error). */
		int r = sio_ftruncate(seg->log_fd, pos0, seg->log_path);
		if (r < 0)
			ret = r;
		offset_index_truncate_to(&seg->oi, next0);
		time_index_truncate_to(&seg->ti, next0);
		seg->size = pos0;
		seg->valid_end = pos0;
		seg->next_offset = next0;
		seg->max_timestamp = maxts0;
		seg->max_timestamp_offset = maxoff0;
		seg->bytes_since_index = since0;
	}
	return ret;
}

int segment_find(const log_segment_t *seg, int64_t offset, int64_t start_pos, int64_t start_offset,
                 int64_t *posp, int64_t *batch_basep)
{
	int64_t ioff, pos;
	offset_index_lookup(&seg->oi, offset, &ioff, &pos);
	if (start_pos >= 0 && start_offset <= offset && start_offset >= ioff &&
	    start_pos <= seg->size)
		pos = start_pos;
	uint8_t hdr[RB_HEADER_SIZE];
	for (;;) {
		const segment_corrupt_t *c = segment_corrupt_at(seg, pos);
		if (c && c->last_offset >= offset) {
			*posp = pos;
			if (batch_basep)
				*batch_basep = c->first_offset;
			return SEGMENT_FIND_CORRUPT;
		}
		if (c) {
			pos = c->end;
			continue;
		}
		int r = segment_read_header(seg, pos, hdr);
		if (r < 0)
			return r;
		if (r == 0) {
			*posp = seg->size;
			return 1;
		}
		int32_t blen = rb_batch_length(hdr);
		if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD)
			return -EBADMSG;
		if (rb_last_offset(hdr) >= offset) {
			*posp = pos;
			if (batch_basep)
				*batch_basep = rb_base_offset(hdr);
			return 0;
		}
		pos += blen + RB_LOG_OVERHEAD;
	}
}

int segment_find_timestamp(const log_segment_t *seg, int64_t ts, int64_t *posp,
                           int64_t *batch_basep)
{
	int64_t start = time_index_lookup(&seg->ti, ts), pos;
	int r = segment_find(seg, start, -1, -1, &pos, NULL);
	if (r != 0 && r != SEGMENT_FIND_CORRUPT)
		return r;
	uint8_t hdr[RB_HEADER_SIZE];
	for (;;) {
		const segment_corrupt_t *c = segment_corrupt_at(seg, pos);
		if (c) {
			pos = c->end;
			continue;
		}
		r = segment_read_header(seg, pos, hdr);
		if (r < 0)
			return r;
		if (r == 0)
			return 1;
		int32_t blen = rb_batch_length(hdr);
		if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD)
			return -EBADMSG;
		if (rb_max_timestamp(hdr) >= ts) {
			*posp = pos;
			*batch_basep = rb_base_offset(hdr);
			return 0;
		}
		pos += blen + RB_LOG_OVERHEAD;
	}
}

int64_t segment_truncate_to(log_segment_t *seg, int64_t offset)
{
	int64_t pos, base = offset;
	if (offset >= seg->next_offset)
		return 0;
	int r = segment_find(seg, offset, -1, -1, &pos, &base);
	if (r < 0)
		return r;
	int64_t removed = seg->size - pos;
	r = sio_ftruncate(seg->log_fd, pos, seg->log_path);
	if (r < 0)
		return r;
	while (seg->corrupt_cnt > 0 && seg->corrupt[seg->corrupt_cnt - 1].pos >= pos)
		seg->corrupt_cnt--;
	int64_t cut = base < offset ? base : offset;
	if (cut < seg->base_offset)
		cut = seg->base_offset;
	seg->size = pos;
	seg->valid_end = pos;
	int ret = offset_index_truncate_to(&seg->oi, cut);
	if (ret == 0)
		ret = time_index_truncate_to(&seg->ti, cut);
	if (ret < 0)
		return ret;
	/* Recompute counters from what is left (truncation is rare). */
	seg->next_offset = seg->base_offset;
	seg->max_timestamp = -1;
	seg->max_timestamp_offset = seg->base_offset;
	seg->bytes_since_index = 0;
	ret = segment_scan_headers(seg, 0);
	if (ret < 0)
		return ret;
	if (seg->next_offset < cut)
		seg->next_offset = cut;
	if (seg->oi.entry_cnt > 0)
		seg->bytes_since_index =
		    seg->size - seg->oi.entries[seg->oi.entry_cnt - 1].position;
	if (seg->size == 0)
		seg->first_batch_ms = -1;
	return removed;
}

/* Empties both indexes and the counters they feed, for a scan from 0. */
static int segment_reset_scan(log_segment_t *seg)
{
	int ret = offset_index_reset(&seg->oi);
	if (ret == 0)
		ret = time_index_reset(&seg->ti);
	seg->next_offset = seg->base_offset;
	seg->max_timestamp = -1;
	seg->max_timestamp_offset = seg->base_offset;
	seg->bytes_since_index = 0;
	return ret;
}

int segment_rebuild_indexes(log_segment_t *seg)
{
	int ret = segment_reset_scan(seg);
	int64_t pos = 0;
	uint8_t hdr[RB_HEADER_SIZE];
	while (ret == 0) {
		const segment_corrupt_t *c = segment_corrupt_at(seg, pos);
		if (c) {
			segment_skip_corrupt(seg, c);
			pos = c->end;
			continue;
		}
		int r = segment_read_header(seg, pos, hdr);
		if (r <= 0)
			return r;
		int32_t blen = rb_batch_length(hdr);
		if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD ||
		    pos + blen + RB_LOG_OVERHEAD > seg->size ||
		    rb_base_offset(hdr) < seg->next_offset || !segment_offsets_fit(hdr))
			break;
		ret = segment_index_batch(seg, hdr, pos);
		pos += blen + RB_LOG_OVERHEAD;
	}
	return ret;
}

/* Size of the intact batch at p (avail bytes left in the file), or 0:
 * header and length fit, magic 2, CRC and counts valid (rb_validate),
 * baseOffset >= min_base, and its offsets fit the segment (below
 * next_base when that is >= 0, within 2^32 of the base). */
static size_t segment_intact_at(const log_segment_t *seg, const uint8_t *p, int64_t avail,
                                int64_t min_base, int64_t next_base)
{
	const char *msg;
	if (avail < RB_HEADER_SIZE)
		return 0;
	int64_t blen = rb_batch_length(p);
	if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD || blen + RB_LOG_OVERHEAD > avail)
		return 0;
	if (!segment_offsets_fit(p))
		return 0;
	int64_t base = rb_base_offset(p), last = rb_last_offset(p);
	if (base < min_base || base < seg->base_offset || last < base - 1 ||
	    last - seg->base_offset > (int64_t)UINT32_MAX || (next_base >= 0 && last >= next_base))
		return 0;
	if (rb_validate(p, (size_t)blen + RB_LOG_OVERHEAD, &msg) != FJORD_ERR_NO_ERROR)
		return 0;
	return (size_t)blen + RB_LOG_OVERHEAD;
}

static int segment_add_corrupt(log_segment_t *seg, int64_t pos, int64_t end, int64_t first,
                               int64_t last)
{
	segment_corrupt_t *nc = realloc(seg->corrupt, (seg->corrupt_cnt + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	seg->corrupt = nc;
	nc[seg->corrupt_cnt++] = (segment_corrupt_t){ pos, end, first, last };
	return 0;
}

/* A growable buffer for whole batches read during recovery. */
typedef struct segment_buf {
	uint8_t *p;
	size_t cap;
} segment_buf_t;

/* Reads len bytes at pos into b (grown as needed). 0, -EIO for a short
 * read (the file shrank), or -errno. */
static int segment_read_at(const log_segment_t *seg, int64_t pos, size_t len, segment_buf_t *b)
{
	ssize_t n;

	if (len > b->cap) {
		uint8_t *np = realloc(b->p, len);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = len;
	}
	n = sio_pread(seg->log_fd, b->p, len, pos, seg->log_path);
	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

/* Size of the intact batch at pos (segment_intact_at), 0 when there is
 * none, or -errno. hdr, when not NULL, already holds the header's first
 * RB_HEADER_SIZE bytes, so an implausible header costs no read. The batch
 * is left in b. */
static int64_t segment_batch_at(const log_segment_t *seg, int64_t pos, const uint8_t *hdr,
                                segment_buf_t *b, int64_t min_base, int64_t next_base)
{
	int64_t avail = seg->size - pos, blen;
	int r;

	if (avail < RB_HEADER_SIZE)
		return 0;
	if (!hdr) {
		r = segment_read_at(seg, pos, RB_HEADER_SIZE, b);
		if (r < 0)
			return r;
		hdr = b->p;
	}
	blen = rb_batch_length(hdr);
	if (hdr[RB_OFF_MAGIC] != RB_MAGIC || blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD ||
	    blen + RB_LOG_OVERHEAD > avail || rb_base_offset(hdr) < min_base)
		return 0;
	r = segment_read_at(seg, pos, (size_t)blen + RB_LOG_OVERHEAD, b);
	if (r < 0)
		return r;
	return (int64_t)segment_intact_at(seg, b->p, avail, min_base, next_base);
}

/* The position of the next intact batch after pos, or the file size when
 * there is none. Reads the damaged stretch a window at a time and looks
 * closer only where a magic byte sits at the right place. -errno on error. */
static int64_t segment_resync(const log_segment_t *seg, int64_t pos, segment_buf_t *b,
                              int64_t min_base, int64_t next_base)
{
	enum { WINDOW = 64 * 1024 };
	uint8_t *w = malloc(WINDOW);
	int64_t q = pos + 1, found = seg->size;

	if (!w)
		return -ENOMEM;
	while (q + RB_HEADER_SIZE <= seg->size && found == seg->size) {
		int64_t len = seg->size - q < WINDOW ? seg->size - q : WINDOW;
		ssize_t n = sio_pread(seg->log_fd, w, (size_t)len, q, seg->log_path);
		int64_t i;
		if (n < 0 || n != len) {
			free(w);
			return n < 0 ? (int64_t)n : -EIO;
		}
		for (i = 0; i + RB_HEADER_SIZE <= len; i++) {
			int64_t t;
			if (w[i + RB_OFF_MAGIC] != RB_MAGIC)
				continue;
			t = segment_batch_at(seg, q + i, w + i, b, min_base, next_base);
			if (t < 0) {
				free(w);
				return t;
			}
			if (t > 0) {
				found = q + i;
				break;
			}
		}
		/* The next window starts where a header could no longer fit in
		 * this one. */
		q += i;
	}
	free(w);
	return found;
}

int segment_recover(log_segment_t *seg, int64_t next_base, segment_recover_result_t *res)
{
	int ret = segment_reset_scan(seg);
	int64_t pos = 0, size = seg->size, first_ms = -1;
	segment_buf_t b = { NULL, 0 };
	memset(res, 0, sizeof(*res));
	seg->corrupt_cnt = 0;
	if (ret < 0)
		return ret;
	/* Read with pread through storage_io (not mmap): a disk that fails
	 * while we read it is an error here, never a SIGBUS. */
	while (pos < size) {
		int64_t total = segment_batch_at(seg, pos, NULL, &b, seg->next_offset, next_base);
		if (total < 0) {
			ret = (int)total;
			goto out;
		}
		if (total > 0) {
			if (first_ms < 0)
				first_ms = rb_max_timestamp(b.p);
			ret = segment_index_batch(seg, b.p, pos);
			if (ret < 0)
				goto out;
			pos += total;
			continue;
		}
		int64_t q = segment_resync(seg, pos, &b, seg->next_offset, next_base);
		if (q < 0) {
			ret = (int)q;
			goto out;
		}
		if (q == size && next_base < 0) {
			/* Nothing intact follows in the active segment: a torn tail. */
			ret = sio_ftruncate(seg->log_fd, pos, seg->log_path);
			if (ret < 0)
				goto out;
			res->truncated_bytes = size - pos;
			seg->size = size = pos;
			break;
		}
		int64_t last = q == size ? next_base - 1 : -1;
		if (q < size) {
			/* segment_resync left the intact batch at q in b. */
			last = rb_base_offset(b.p) - 1;
		}
		ret = segment_add_corrupt(seg, pos, q, seg->next_offset, last);
		if (ret < 0)
			goto out;
		segment_skip_corrupt(seg, &seg->corrupt[seg->corrupt_cnt - 1]);
		pos = q;
	}
	res->cut_offset = seg->next_offset;
	seg->valid_end = seg->size;
	seg->first_batch_ms = first_ms;
out:
	free(b.p);
	return ret;
}

int segment_check_indexes(const log_segment_t *seg)
{
	if (!segment_offset_index_ok(seg))
		return -1;
	if ((seg->size > 0) != (seg->ti.entry_cnt > 0))
		return -1;
	if (seg->ti.entry_cnt > 0 && time_index_check(&seg->ti, seg->next_offset) < 0)
		return -1;
	return 0;
}

int segment_index_full(const log_segment_t *seg)
{
	return offset_index_is_full(&seg->oi) || time_index_is_full(&seg->ti);
}

static int segment_rename_one(const char *path, char **outp)
{
	*outp = NULL;
	size_t n = strlen(path) + sizeof(".deleted");
	char *to = malloc(n);
	if (!to)
		return -ENOMEM;
	snprintf(to, n, "%s.deleted", path);
	int r = sio_rename(path, to);
	if (r < 0) {
		free(to);
		return r == -ENOENT ? 0 : r;
	}
	*outp = to;
	return 0;
}

int segment_rename_deleted(log_segment_t *seg, char *paths[3])
{
	int ret = segment_rename_one(seg->log_path, &paths[0]);
	int r = segment_rename_one(seg->oi.path, &paths[1]);
	if (r < 0 && ret == 0)
		ret = r;
	r = segment_rename_one(seg->ti.path, &paths[2]);
	if (r < 0 && ret == 0)
		ret = r;
	segment_fd_unref(seg->log_sfd);
	seg->log_sfd = NULL;
	seg->log_fd = -1;
	if (seg->oi.fd >= 0)
		close(seg->oi.fd);
	seg->oi.fd = -1;
	if (seg->ti.fd >= 0)
		close(seg->ti.fd);
	seg->ti.fd = -1;
	return ret;
}

int segment_flush(log_segment_t *seg)
{
	int ret = sio_fsync(seg->log_fd, seg->log_path);
	if (ret == 0)
		ret = sio_fsync(seg->oi.fd, seg->oi.path);
	if (ret == 0)
		ret = sio_fsync(seg->ti.fd, seg->ti.path);
	return ret;
}

void segment_set_config(log_segment_t *seg, int32_t index_interval_bytes, int64_t index_max_bytes)
{
	seg->index_interval_bytes = index_interval_bytes;
	offset_index_set_max_bytes(&seg->oi, index_max_bytes);
	time_index_set_max_bytes(&seg->ti, index_max_bytes);
}
