/*
 * log_segment.c — one segment: the .log file of record batches and its two
 * indexes (formats in log_segment.h, offset_index.h, time_index.h).
 *
 * Appends pwrite() at the end of the file (page cache only); index entries
 * are added at the first batch and then every index_interval_bytes. Reads
 * locate batches by an index lookup followed by a scan of 61-byte batch
 * headers with pread(). Recovery re-reads whole batches and checks CRCs.
 * Event-loop thread only; the segment owns its fds, paths and indexes.
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

char *segment_file_name(const char *dir, int64_t base_offset, const char *suffix)
{
	size_t n = strlen(dir) + strlen(suffix) + 24;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%020" PRId64 "%s", dir, base_offset, suffix);
	return p;
}

int segment_read_header(const log_segment_t *seg, int64_t pos, uint8_t *hdr)
{
	if (pos + RB_HEADER_SIZE > seg->size)
		return 0;
	ssize_t n = pread(seg->log_fd, hdr, RB_HEADER_SIZE, (off_t)pos);
	if (n < 0)
		return -errno;
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
	seg->log_fd = open(seg->log_path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
	if (seg->log_fd < 0) {
		ret = -errno;
		snprintf(errstr, errstr_size, "open %s: %s", seg->log_path, strerror(errno));
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
	if (seg->log_fd >= 0)
		close(seg->log_fd);
	offset_index_close(&seg->oi);
	time_index_close(&seg->ti);
	free(seg->log_path);
	free(seg);
}

int segment_append(log_segment_t *seg, const uint8_t *buf, size_t len, int64_t now_ms)
{
	int ret = 0;
	int64_t pos0 = seg->size, next0 = seg->next_offset;
	int64_t maxts0 = seg->max_timestamp, maxoff0 = seg->max_timestamp_offset;
	int64_t since0 = seg->bytes_since_index;
	size_t done = 0;
	while (done < len) {
		ssize_t n =
		    pwrite(seg->log_fd, buf + done, len - done, (off_t)(pos0 + (int64_t)done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto out;
		}
		done += (size_t)n;
	}
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
		/* Put the file and indexes back as they were; best effort. */
		if (ftruncate(seg->log_fd, (off_t)pos0) < 0)
			ret = -errno;
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
	if (r != 0)
		return r;
	uint8_t hdr[RB_HEADER_SIZE];
	for (;;) {
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
	if (ftruncate(seg->log_fd, (off_t)pos) < 0)
		return -errno;
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

/* Scans the whole file from 0 and rebuilds both indexes; with validate,
 * reads each batch whole and checks it with rb_validate. Stops at the first
 * bad or partial batch and returns its position in *endp. */
static int segment_rescan(log_segment_t *seg, int validate, int64_t *endp)
{
	int ret = 0;
	uint8_t *buf = NULL;
	size_t cap = 0;
	int64_t pos = 0;
	uint8_t hdr[RB_HEADER_SIZE];
	ret = offset_index_reset(&seg->oi);
	if (ret == 0)
		ret = time_index_reset(&seg->ti);
	if (ret < 0)
		goto out;
	seg->next_offset = seg->base_offset;
	seg->max_timestamp = -1;
	seg->max_timestamp_offset = seg->base_offset;
	seg->bytes_since_index = 0;
	for (;;) {
		int r = segment_read_header(seg, pos, hdr);
		if (r < 0) {
			ret = r;
			goto out;
		}
		if (r == 0)
			break;
		int32_t blen = rb_batch_length(hdr);
		if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD ||
		    pos + blen + RB_LOG_OVERHEAD > seg->size)
			break;
		if (rb_base_offset(hdr) < seg->next_offset || !segment_offsets_fit(hdr))
			break;
		const uint8_t *bh = hdr;
		if (validate) {
			size_t total = (size_t)blen + RB_LOG_OVERHEAD;
			if (total > cap) {
				uint8_t *nb = realloc(buf, total);
				if (!nb) {
					ret = -ENOMEM;
					goto out;
				}
				buf = nb;
				cap = total;
			}
			ssize_t n = pread(seg->log_fd, buf, total, (off_t)pos);
			if (n < 0) {
				ret = -errno;
				goto out;
			}
			const char *msg;
			if ((size_t)n != total ||
			    rb_validate(buf, total, &msg) != FJORD_ERR_NO_ERROR)
				break;
			bh = buf;
		}
		ret = segment_index_batch(seg, bh, pos);
		if (ret < 0)
			goto out;
		pos += blen + RB_LOG_OVERHEAD;
	}
	*endp = pos;
out:
	free(buf);
	return ret;
}

int segment_recover(log_segment_t *seg, int64_t *truncated_bytes, int64_t *cut_offset)
{
	int64_t end = 0;
	int ret = segment_rescan(seg, 1, &end);
	if (ret < 0)
		return ret;
	*truncated_bytes = seg->size - end;
	*cut_offset = seg->next_offset;
	if (end < seg->size) {
		if (ftruncate(seg->log_fd, (off_t)end) < 0)
			return -errno;
		seg->size = end;
	}
	seg->valid_end = end;
	uint8_t hdr[RB_HEADER_SIZE];
	seg->first_batch_ms = segment_read_header(seg, 0, hdr) == 1 ? rb_max_timestamp(hdr) : -1;
	return 0;
}

int segment_rebuild_indexes(log_segment_t *seg)
{
	int64_t end = 0;
	return segment_rescan(seg, 0, &end);
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
	if (rename(path, to) < 0) {
		int e = errno;
		free(to);
		return e == ENOENT ? 0 : -e;
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
	if (seg->log_fd >= 0)
		close(seg->log_fd);
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
	if (fsync(seg->log_fd) < 0 || fsync(seg->oi.fd) < 0 || fsync(seg->ti.fd) < 0)
		return -errno;
	return 0;
}

void segment_set_config(log_segment_t *seg, int32_t index_interval_bytes, int64_t index_max_bytes)
{
	seg->index_interval_bytes = index_interval_bytes;
	offset_index_set_max_bytes(&seg->oi, index_max_bytes);
	time_index_set_max_bytes(&seg->ti, index_max_bytes);
}
