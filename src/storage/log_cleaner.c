/*
 * log_cleaner.c — one compaction pass over a partition log's cleanable
 * segments, off the event loop (rules and guarantees in log_cleaner.h,
 * design in docs/storage.md "Log compaction").
 *
 * A pass:
 *   1. map: reads the batches from the clean point on and records each
 *      key's latest offset (cleaner_map_*). When the map fills, the pass
 *      ends its dirty range at that batch's baseOffset ("map end"):
 *      records at or after it are kept whatever their key, and the next
 *      pass starts there.
 *   2. groups: consecutive segments below the map end, as many as fit one
 *      segment (segment.bytes, index entries, 32-bit relative offsets).
 *   3. rewrite: each group into "<base>.log.cleaned" with its offset and
 *      time indexes built as segment appends build them; a batch whose
 *      records all survive is copied byte for byte, one that lost some is
 *      rebuilt (rb_builder_finish_like), one that lost all is dropped
 *      unless it is the group's last or an idempotent producer's last
 *      (then kept empty). fsync, rename to .swap.
 * Every batch read is CRC-checked (rb_iter validate=1): a pass that meets
 * a bad batch fails and changes nothing.
 *
 * Thread: any (a cleaner thread); state is the job's, the map's and the
 * files it creates.
 */
#include "storage/log_cleaner.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/flog.h"
#include "common/record_batch.h"
#include "storage/log_segment.h"
#include "storage/offset_index.h"
#include "storage/storage_io.h"
#include "storage/time_index.h"

/* ------------------------------------------------------------ offset map */

static inline uint64_t cleaner_rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t cleaner_fmix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

/* A 128-bit hash of the key: two 64-bit lanes that absorb 16 bytes a
 * round with multiply-rotate steps and cross-mix, then a strong
 * finaliser per lane. Non-cryptographic: keys are the producer's, and a
 * crafted collision costs only that producer's own record. */
static void cleaner_hash(const void *key, size_t len, uint64_t *h1p, uint64_t *h2p)
{
	const uint8_t *p = key;
	const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
	uint64_t h1 = 0x9e3779b97f4a7c15ULL ^ len, h2 = 0x632be59bd9b4e019ULL ^ (len << 1);
	size_t i = 0;

	for (; i + 16 <= len; i += 16) {
		uint64_t k1, k2;
		memcpy(&k1, p + i, 8);
		memcpy(&k2, p + i + 8, 8);
		k1 *= c1;
		k1 = cleaner_rotl(k1, 31) * c2;
		h1 ^= k1;
		h1 = (cleaner_rotl(h1, 27) + h2) * 5 + 0x52dce729;
		k2 *= c2;
		k2 = cleaner_rotl(k2, 33) * c1;
		h2 ^= k2;
		h2 = (cleaner_rotl(h2, 31) + h1) * 5 + 0x38495ab5;
	}
	uint8_t tail[16] = { 0 };
	memcpy(tail, p + i, len - i);
	uint64_t k1, k2;
	memcpy(&k1, tail, 8);
	memcpy(&k2, tail + 8, 8);
	k1 = cleaner_rotl(k1 * c1, 31) * c2;
	k2 = cleaner_rotl(k2 * c2, 33) * c1;
	h1 ^= k1 ^ (uint64_t)(len - i);
	h2 ^= k2;
	h1 += h2;
	h2 += h1;
	h1 = cleaner_fmix(h1);
	h2 = cleaner_fmix(h2);
	h1 += h2;
	h2 += h1;
	if (h1 == 0 && h2 == 0)
		h2 = 1; /* (0, 0) marks an empty slot */
	*h1p = h1;
	*h2p = h2;
}

int cleaner_map_init(cleaner_map_t *m, size_t bytes)
{
	size_t n = 16;
	while (n * 2 * CLEANER_MAP_SLOT_SIZE <= bytes && n < ((size_t)1 << 40))
		n *= 2;
	memset(m, 0, sizeof(*m));
	m->slots = calloc(n, CLEANER_MAP_SLOT_SIZE);
	if (!m->slots)
		return -ENOMEM;
	m->slot_cnt = n;
	m->max_used = n * 9 / 10;
	return 0;
}

void cleaner_map_free(cleaner_map_t *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

void cleaner_map_clear(cleaner_map_t *m)
{
	memset(m->slots, 0, m->slot_cnt * CLEANER_MAP_SLOT_SIZE);
	m->used = 0;
}

static cleaner_map_slot_t *cleaner_map_find(const cleaner_map_t *m, uint64_t h1, uint64_t h2)
{
	size_t mask = m->slot_cnt - 1, i = (size_t)h1 & mask;
	for (;;) {
		cleaner_map_slot_t *s = &m->slots[i];
		if ((s->h1 == h1 && s->h2 == h2) || (s->h1 == 0 && s->h2 == 0))
			return s;
		i = (i + 1) & mask;
	}
}

int cleaner_map_put(cleaner_map_t *m, const void *key, size_t len, int64_t offset)
{
	uint64_t h1, h2;
	cleaner_hash(key, len, &h1, &h2);
	cleaner_map_slot_t *s = cleaner_map_find(m, h1, h2);
	if (s->h1 == 0 && s->h2 == 0) {
		if (m->used >= m->max_used)
			return -1;
		s->h1 = h1;
		s->h2 = h2;
		s->offset = offset;
		m->used++;
	} else if (offset > s->offset) {
		s->offset = offset;
	}
	return 0;
}

int64_t cleaner_map_get(const cleaner_map_t *m, const void *key, size_t len)
{
	uint64_t h1, h2;
	cleaner_hash(key, len, &h1, &h2);
	const cleaner_map_slot_t *s = cleaner_map_find(m, h1, h2);
	return s->h1 == 0 && s->h2 == 0 ? -1 : s->offset;
}

/* ------------------------------------------------------------ throttle */

void cleaner_throttle_init(cleaner_throttle_t *t, double bytes_per_second)
{
	pthread_mutex_init(&t->lock, NULL);
	t->rate = bytes_per_second;
	t->start_us = fj_mono_us();
	t->bytes = 0;
}

void cleaner_throttle_destroy(cleaner_throttle_t *t)
{
	pthread_mutex_destroy(&t->lock);
}

void cleaner_throttle_account(cleaner_throttle_t *t, size_t bytes)
{
	if (!t || t->rate <= 0 || t->rate >= 1e15) /* 1 PB/s: no limit */
		return;
	pthread_mutex_lock(&t->lock);
	int64_t now = fj_mono_us();
	double elapsed = (double)(now - t->start_us) / 1e6;
	t->bytes += (double)bytes;
	double ahead = t->bytes / t->rate - elapsed; /* seconds */
	if (elapsed > 1.0 && ahead <= 0) {
		/* A new window, so that idle time is not saved up as credit. */
		t->start_us = now;
		t->bytes = 0;
	}
	pthread_mutex_unlock(&t->lock);
	if (ahead > 0) {
		struct timespec ts = { .tv_sec = (time_t)ahead,
			               .tv_nsec = (long)((ahead - (double)(time_t)ahead) * 1e9) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

/* ------------------------------------------------------------ crash points */

void log_cleaner_crash_point(const char *step)
{
	const char *at = getenv("FJORD_CLEANER_CRASH_AT");
	if (at && strcmp(at, step) == 0) {
		flog(LOG_WARNING, "storage", "FJORD_CLEANER_CRASH_AT=%s: killing the process",
		     step);
		fflush(NULL);
		raise(SIGKILL);
	}
}

/* ------------------------------------------------------------ reading */

/* Sequential batches of one segment through a growing buffer. */
typedef struct cleaner_reader {
	const cleaner_segment_t *seg;
	const char *path; /* for messages and fault rules */
	uint8_t *buf;
	size_t cap, len, off; /* buf[off, len) unread */
	int64_t file_pos;     /* file position of buf[len] */
	cleaner_throttle_t *throttle;
	int64_t *bytes_read;
	cleaner_token_t *token;
} cleaner_reader_t;

#define CLEANER_READ_CHUNK (1u << 20)

/* 1 with the next CRC-checked batch, 0 at the segment's end, -errno
 * (-EBADMSG for a bad batch). */
static int cleaner_reader_next(cleaner_reader_t *rd, const uint8_t **batchp, size_t *sizep)
{
	for (;;) {
		size_t avail = rd->len - rd->off;
		if (avail >= RB_HEADER_SIZE) {
			const uint8_t *b = rd->buf + rd->off;
			int32_t blen = rb_batch_length(b);
			if (blen < RB_HEADER_SIZE - RB_LOG_OVERHEAD)
				return -EBADMSG;
			size_t total = rb_total_size(b);
			if ((int64_t)total > rd->seg->size - (rd->file_pos - (int64_t)avail))
				return -EBADMSG; /* runs past the segment */
			if (avail >= total) {
				if (rb_validate(b, total, NULL) != FJORD_ERR_NO_ERROR)
					return -EBADMSG;
				rd->off += total;
				*batchp = b;
				*sizep = total;
				return 1;
			}
		}
		if (rd->file_pos >= rd->seg->size)
			return avail == 0 ? 0 : -EBADMSG; /* a partial batch at the end */
		if (rd->token && __atomic_load_n(&rd->token->stale, __ATOMIC_RELAXED))
			return -ECANCELED;
		/* Refill: keep the unread tail, make room for a whole batch. */
		size_t need = CLEANER_READ_CHUNK;
		if (avail >= RB_HEADER_SIZE && rb_total_size(rd->buf + rd->off) > need)
			need = rb_total_size(rd->buf + rd->off);
		if (avail)
			memmove(rd->buf, rd->buf + rd->off, avail);
		rd->len = avail;
		rd->off = 0;
		if (rd->cap < need) {
			uint8_t *nb = realloc(rd->buf, need);
			if (!nb)
				return -ENOMEM;
			rd->buf = nb;
			rd->cap = need;
		}
		size_t want = rd->cap - rd->len;
		if ((int64_t)want > rd->seg->size - rd->file_pos)
			want = (size_t)(rd->seg->size - rd->file_pos);
		ssize_t n = sio_pread(rd->seg->fd, rd->buf + rd->len, want, rd->file_pos, rd->path);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EBADMSG; /* the file shrank under us */
		rd->len += (size_t)n;
		rd->file_pos += n;
		*rd->bytes_read += n;
		cleaner_throttle_account(rd->throttle, (size_t)n);
	}
}

static void cleaner_reader_start(cleaner_reader_t *rd, const cleaner_segment_t *seg,
                                 const char *path)
{
	rd->seg = seg;
	rd->path = path;
	rd->len = rd->off = 0;
	rd->file_pos = 0;
}

/* ------------------------------------------------------------ the pass */

typedef struct cleaner_pass {
	const cleaner_job_t *job;
	cleaner_map_t *map;
	cleaner_result_t *res;
	cleaner_reader_t rd;
	rb_reader_t rr;
	rb_builder_t bld;
	int64_t map_end;
	/* producerId -> baseOffset of its last batch in the job's segments */
	int64_t (*pids)[2];
	size_t pid_cnt, pid_cap;
	char *errstr;
	size_t errstr_size;
	char path[4096];
} cleaner_pass_t;

static int cleaner_fail(cleaner_pass_t *cp, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int cleaner_fail(cleaner_pass_t *cp, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cp->errstr, cp->errstr_size, fmt, ap);
	va_end(ap);
	return err < 0 ? err : -EIO;
}

static const char *cleaner_seg_path(cleaner_pass_t *cp, int64_t base, const char *suffix)
{
	snprintf(cp->path, sizeof(cp->path), "%s/%020" PRId64 "%s", cp->job->dir, base, suffix);
	return cp->path;
}

static int cleaner_pid_note(cleaner_pass_t *cp, int64_t pid, int64_t base)
{
	for (size_t i = 0; i < cp->pid_cnt; i++)
		if (cp->pids[i][0] == pid) {
			if (base > cp->pids[i][1])
				cp->pids[i][1] = base;
			return 0;
		}
	if (cp->pid_cnt == cp->pid_cap) {
		size_t cap = cp->pid_cap ? cp->pid_cap * 2 : 16;
		int64_t(*n)[2] = realloc(cp->pids, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		cp->pids = n;
		cp->pid_cap = cap;
	}
	cp->pids[cp->pid_cnt][0] = pid;
	cp->pids[cp->pid_cnt][1] = base;
	cp->pid_cnt++;
	return 0;
}

static int cleaner_pid_last(const cleaner_pass_t *cp, int64_t pid, int64_t base)
{
	for (size_t i = 0; i < cp->pid_cnt; i++)
		if (cp->pids[i][0] == pid)
			return cp->pids[i][1] == base;
	return 0;
}

/* Step 1: the offset map from first_dirty on; notes each producer's last
 * batch (over every segment of the job). Sets cp->map_end. */
static int cleaner_build_map(cleaner_pass_t *cp)
{
	const cleaner_job_t *job = cp->job;
	int full = 0;
	cp->map_end = job->segs[job->seg_cnt - 1].next_offset;
	for (size_t i = 0; i < job->seg_cnt; i++) {
		const cleaner_segment_t *seg = &job->segs[i];
		const uint8_t *batch;
		size_t size;
		int r;
		cleaner_reader_start(&cp->rd, seg, cleaner_seg_path(cp, seg->base_offset, ".log"));
		while ((r = cleaner_reader_next(&cp->rd, &batch, &size)) == 1) {
			int64_t base = rb_base_offset(batch);
			if (rb_producer_id(batch) >= 0 &&
			    cleaner_pid_note(cp, rb_producer_id(batch), base) < 0)
				return cleaner_fail(cp, -ENOMEM, "out of memory");
			if (full || rb_last_offset(batch) < job->first_dirty)
				continue;
			fjord_err_t err = rb_reader_open(&cp->rr, batch, size);
			if (err)
				return cleaner_fail(
				    cp, -EBADMSG, "%s: batch at offset %" PRId64 ": %s", cp->path,
				    base, cp->rr.errmsg ? cp->rr.errmsg : "undecodable");
			rb_record_t rec;
			int n;
			while ((n = rb_reader_next(&cp->rr, &rec)) == 1) {
				if (rec.offset < job->first_dirty || !rec.key)
					continue;
				if (cleaner_map_put(cp->map, rec.key, (size_t)rec.key_len,
				                    rec.offset) < 0) {
					full = 1;
					break;
				}
			}
			if (n < 0)
				return cleaner_fail(cp, -EBADMSG,
				                    "%s: batch at offset %" PRId64 ": %s", cp->path,
				                    base, cp->rr.errmsg);
			if (full) {
				/* Records of this batch already put have offsets >= map
				 * end: kept anyway, and they only make older records
				 * of their keys go, which a later record supersedes. */
				cp->map_end = base > job->first_dirty ? base : job->first_dirty;
				if (cp->map_end <= job->first_dirty)
					return cleaner_fail(
					    cp, -ENOSPC,
					    "the offset map (%zu keys) cannot hold the keys of the "
					    "batch at offset %" PRId64
					    ": raise log.cleaner.dedupe.buffer.size",
					    cp->map->max_used, base);
			}
		}
		if (r < 0)
			return cleaner_fail(cp, r, "%s: %s", cp->path,
			                    r == -EBADMSG ? "corrupt batch" : strerror(-r));
	}
	return 0;
}

/* The output of one group. */
typedef struct cleaner_out {
	int fd;
	char *log_path;
	offset_index_t oi;
	time_index_t ti;
	int64_t size;
	int64_t max_ts, max_ts_offset;
	int64_t since_index;
	int64_t next_offset; /* after the last batch written */
	int wrote;
	int closed;
} cleaner_out_t;

static int cleaner_out_write(cleaner_pass_t *cp, cleaner_out_t *o, const uint8_t *batch, size_t len)
{
	int64_t base = rb_base_offset(batch), max_ts = rb_max_timestamp(batch);
	int r = sio_pwrite_all(o->fd, batch, len, o->size, o->log_path);
	if (r < 0)
		return cleaner_fail(cp, r, "write %s: %s", o->log_path, strerror(-r));
	cleaner_throttle_account(cp->rd.throttle, len);
	cp->res->stats.bytes_written += (int64_t)len;
	/* The cadence of segment appends (log_segment.c): an entry for the
	 * first batch and every index.interval.bytes after. */
	if (!o->wrote || max_ts > o->max_ts) {
		o->max_ts = max_ts;
		o->max_ts_offset = base;
	}
	if (!o->wrote || o->since_index >= cp->job->index_interval_bytes) {
		r = offset_index_append(&o->oi, base, o->size);
		if (r == 0)
			r = time_index_maybe_append(&o->ti, o->max_ts, o->max_ts_offset);
		if (r < 0 && r != -EINVAL)
			return cleaner_fail(cp, r, "index of %s: %s", o->log_path, strerror(-r));
		o->since_index = 0;
	}
	o->since_index += (int64_t)len;
	o->size += (int64_t)len;
	o->next_offset = rb_last_offset(batch) + 1;
	o->wrote = 1;
	return 0;
}

/* Keeps what survives of one batch (see the file comment). keep_empty: the
 * batch must stay even with no record. */
static int cleaner_filter_batch(cleaner_pass_t *cp, cleaner_out_t *o, const uint8_t *batch,
                                size_t size, int keep_empty)
{
	const cleaner_job_t *job = cp->job;
	cleaner_stats_t *st = &cp->res->stats;
	int64_t base = rb_base_offset(batch);
	int16_t attrs = rb_attributes(batch);
	int tomb_expired = rb_max_timestamp(batch) < job->delete_horizon_ms;
	int32_t kept = 0, count = 0, removed = 0;
	rb_record_t rec;
	int n;

	if (attrs & RB_ATTR_CONTROL) /* not produced in fjord; kept as they are */
		return cleaner_out_write(cp, o, batch, size);
	if (rb_reader_open(&cp->rr, batch, size))
		return cleaner_fail(cp, -EBADMSG, "%s: batch at offset %" PRId64 ": %s", cp->path,
		                    base, cp->rr.errmsg ? cp->rr.errmsg : "undecodable");
	rb_builder_reset(&cp->bld);
	cp->bld.codec = (rb_codec_t)(attrs & RB_ATTR_CODEC_MASK);
	cp->bld.log_append_time = (attrs & RB_ATTR_TIMESTAMP_TYPE) ? 1 : 0;
	while ((n = rb_reader_next(&cp->rr, &rec)) == 1) {
		count++;
		int keep = 1;
		if (rec.key && rec.offset < cp->map_end) {
			int64_t latest = cleaner_map_get(cp->map, rec.key, (size_t)rec.key_len);
			if (latest > rec.offset)
				keep = 0;
			else if (!rec.value && tomb_expired) {
				keep = 0;
				st->tombstones_removed++;
			}
		}
		if (!keep) {
			removed++;
			continue;
		}
		kept++;
		if (rb_builder_add_at(&cp->bld, (int32_t)(rec.offset - base), rec.timestamp,
		                      rec.key, rec.key ? (size_t)rec.key_len : 0, rec.value,
		                      rec.value ? (size_t)rec.value_len : 0, rec.headers,
		                      rec.header_cnt) < 0)
			return cleaner_fail(cp, -ENOMEM, "out of memory rebuilding a batch");
	}
	if (n < 0)
		return cleaner_fail(cp, -EBADMSG, "%s: batch at offset %" PRId64 ": %s", cp->path,
		                    base, cp->rr.errmsg);
	st->records_read += count;
	st->records_removed += removed;
	if (removed == 0)
		return cleaner_out_write(cp, o, batch, size);
	if (kept == 0 && !keep_empty)
		return 0;
	const uint8_t *nb;
	size_t nlen;
	if (rb_builder_finish_like(&cp->bld, batch, &nb, &nlen) != 0)
		return cleaner_fail(cp, -ENOMEM,
		                    "rebuilding the batch at offset %" PRId64 " failed", base);
	st->batches_rewritten++;
	return cleaner_out_write(cp, o, nb, nlen);
}

static void cleaner_out_close(cleaner_out_t *o)
{
	if (o->closed)
		return;
	o->closed = 1;
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	offset_index_close(&o->oi);
	time_index_close(&o->ti);
	free(o->log_path);
	o->log_path = NULL;
}

static void cleaner_unlink_group(const cleaner_job_t *job, int64_t base, const char *ext)
{
	static const char *const names[] = { ".log", ".index", ".timeindex" };
	for (int i = 0; i < 3; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%020" PRId64 "%s%s", job->dir, base, names[i],
		         ext);
		(void)unlink(path);
	}
}

/* fsync of a directory, so that renames in it last. */
static int cleaner_sync_dir(const char *dir)
{
	int fd = sio_open(dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	int r = sio_fsync(fd, dir);
	close(fd);
	return r;
}

/* Step 3 for one group: rewrite, fsync, rename to .swap. */
static int cleaner_rewrite_group(cleaner_pass_t *cp, cleaner_group_t *g)
{
	const cleaner_job_t *job = cp->job;
	cleaner_out_t o = { .fd = -1 };
	int ret;
	char ipath[4096], tpath[4096];
	uint8_t last_hdr[RB_HEADER_SIZE];
	int have_last = 0, locked = 0;

	o.oi.fd = o.ti.fd = -1;
	o.log_path = segment_file_name(job->dir, g->base_offset, ".log.cleaned");
	if (!o.log_path)
		return cleaner_fail(cp, -ENOMEM, "out of memory");
	snprintf(ipath, sizeof(ipath), "%s/%020" PRId64 ".index.cleaned", job->dir, g->base_offset);
	snprintf(tpath, sizeof(tpath), "%s/%020" PRId64 ".timeindex.cleaned", job->dir,
	         g->base_offset);
	cleaner_unlink_group(job, g->base_offset, ".cleaned");
	o.fd = sio_open(o.log_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o.fd < 0) {
		ret = cleaner_fail(cp, o.fd, "create %s: %s", o.log_path, strerror(-o.fd));
		goto out;
	}
	if ((ret = offset_index_open(&o.oi, ipath, g->base_offset, job->segment_index_bytes)) < 0 ||
	    (ret = time_index_open(&o.ti, tpath, g->base_offset, job->segment_index_bytes)) < 0) {
		ret = cleaner_fail(cp, ret, "create the indexes of %s: %s", o.log_path,
		                   strerror(-ret));
		goto out;
	}
	for (size_t i = g->first; i < g->first + g->cnt; i++) {
		const cleaner_segment_t *seg = &job->segs[i];
		const uint8_t *batch;
		size_t size;
		int r;
		cleaner_reader_start(&cp->rd, seg, cleaner_seg_path(cp, seg->base_offset, ".log"));
		while ((r = cleaner_reader_next(&cp->rd, &batch, &size)) == 1) {
			int64_t pid = rb_producer_id(batch);
			int keep_empty =
			    pid >= 0 && cleaner_pid_last(cp, pid, rb_base_offset(batch));
			memcpy(last_hdr, batch, RB_HEADER_SIZE);
			have_last = 1;
			if ((ret = cleaner_filter_batch(cp, &o, batch, size, keep_empty)) < 0)
				goto out;
		}
		if (r < 0) {
			ret = cleaner_fail(cp, r, "%s: %s", cp->path,
			                   r == -EBADMSG ? "corrupt batch" : strerror(-r));
			goto out;
		}
	}
	/* The group's last batch always stays (empty if need be): the new
	 * segment then ends where the old ones did, which is what recovery
	 * reads from a .swap to know which segments it replaces. */
	if (have_last && (!o.wrote || o.next_offset <= rb_last_offset(last_hdr))) {
		const uint8_t *nb;
		size_t nlen;
		rb_builder_reset(&cp->bld);
		cp->bld.codec = RB_CODEC_NONE;
		if (rb_builder_finish_like(&cp->bld, last_hdr, &nb, &nlen) != 0) {
			ret = cleaner_fail(cp, -ENOMEM, "out of memory");
			goto out;
		}
		if ((ret = cleaner_out_write(cp, &o, nb, nlen)) < 0)
			goto out;
	}
	g->size = o.size;
	if ((ret = sio_fsync(o.fd, o.log_path)) < 0 || (ret = sio_fsync(o.oi.fd, ipath)) < 0 ||
	    (ret = sio_fsync(o.ti.fd, tpath)) < 0) {
		ret = cleaner_fail(cp, ret, "fsync %s: %s", o.log_path, strerror(-ret));
		goto out;
	}
	cleaner_out_close(&o);
	log_cleaner_crash_point("cleaned");
	/* Indexes first: a .log.swap means the whole group is there. Under
	 * the token's lock, and only while the job is not stale: a .swap on
	 * disk is always one the log may take (cleaner_token_t). */
	static const char *const names[] = { ".index", ".timeindex", ".log" };
	if (job->token) {
		pthread_mutex_lock(&job->token->lock);
		locked = 1;
		if (job->token->stale) {
			ret = cleaner_fail(cp, -ECANCELED, "the log changed during the pass");
			goto out;
		}
	}
	for (int i = 0; i < 3; i++) {
		char from[4096], to[4096];
		snprintf(from, sizeof(from), "%s/%020" PRId64 "%s.cleaned", job->dir,
		         g->base_offset, names[i]);
		snprintf(to, sizeof(to), "%s/%020" PRId64 "%s.swap", job->dir, g->base_offset,
		         names[i]);
		if ((ret = sio_rename(from, to)) < 0) {
			ret = cleaner_fail(cp, ret, "rename %s: %s", from, strerror(-ret));
			goto out;
		}
	}
	if ((ret = cleaner_sync_dir(job->dir)) < 0) {
		ret = cleaner_fail(cp, ret, "fsync %s: %s", job->dir, strerror(-ret));
		goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		cleaner_unlink_group(job, g->base_offset, ".cleaned");
		cleaner_unlink_group(job, g->base_offset, ".swap");
	}
	if (locked)
		pthread_mutex_unlock(&job->token->lock);
	return ret;
}

/* Step 2: groups of consecutive segments below the map end. */
static int cleaner_group(cleaner_pass_t *cp)
{
	const cleaner_job_t *job = cp->job;
	cleaner_result_t *res = cp->res;
	size_t end = 0;
	while (end < job->seg_cnt && job->segs[end].base_offset < cp->map_end)
		end++;
	res->groups = calloc(end ? end : 1, sizeof(*res->groups));
	if (!res->groups)
		return cleaner_fail(cp, -ENOMEM, "out of memory");
	int64_t interval = job->index_interval_bytes > 0 ? job->index_interval_bytes : 1;
	int64_t max_entries = job->segment_index_bytes / 12; /* the time index's entries */
	for (size_t i = 0; i < end;) {
		cleaner_group_t *g = &res->groups[res->group_cnt++];
		int64_t size = job->segs[i].size;
		g->first = i;
		g->cnt = 1;
		g->base_offset = job->segs[i].base_offset;
		while (i + g->cnt < end) {
			const cleaner_segment_t *n = &job->segs[i + g->cnt];
			if (size + n->size > job->segment_bytes || size + n->size > INT32_MAX ||
			    (size + n->size) / interval + 2 > max_entries ||
			    n->next_offset - g->base_offset > (int64_t)UINT32_MAX)
				break;
			size += n->size;
			g->cnt++;
		}
		g->next_offset = job->segs[i + g->cnt - 1].next_offset;
		i += g->cnt;
	}
	return 0;
}

int log_cleaner_clean(const cleaner_job_t *job, cleaner_map_t *map, cleaner_throttle_t *throttle,
                      cleaner_result_t *res, char *errstr, size_t errstr_size)
{
	cleaner_pass_t cp;
	int ret;

	memset(res, 0, sizeof(*res));
	memset(&cp, 0, sizeof(cp));
	cp.job = job;
	cp.map = map;
	cp.res = res;
	cp.errstr = errstr;
	cp.errstr_size = errstr_size;
	cp.rd.throttle = throttle;
	cp.rd.bytes_read = &res->stats.bytes_read;
	cp.rd.token = job->token;
	rb_reader_init(&cp.rr);
	rb_builder_init(&cp.bld, RB_CODEC_NONE, -1);
	cleaner_map_clear(map);
	if (job->seg_cnt == 0) {
		res->first_dirty = job->first_dirty;
		ret = 0;
		goto out;
	}
	if ((ret = cleaner_build_map(&cp)) < 0 || (ret = cleaner_group(&cp)) < 0)
		goto out;
	for (size_t i = 0; i < res->group_cnt; i++)
		if ((ret = cleaner_rewrite_group(&cp, &res->groups[i])) < 0) {
			for (size_t j = 0; j < i; j++)
				cleaner_unlink_group(job, res->groups[j].base_offset, ".swap");
			goto out;
		}
	res->first_dirty = cp.map_end;
	ret = 0;
out:
	if (ret < 0) {
		free(res->groups);
		res->groups = NULL;
		res->group_cnt = 0;
	}
	free(cp.rd.buf);
	free(cp.pids);
	rb_reader_destroy(&cp.rr);
	rb_builder_destroy(&cp.bld);
	return ret;
}

void log_cleaner_discard(const cleaner_job_t *job, const cleaner_result_t *res)
{
	for (size_t i = 0; i < res->group_cnt; i++) {
		cleaner_unlink_group(job, res->groups[i].base_offset, ".cleaned");
		cleaner_unlink_group(job, res->groups[i].base_offset, ".swap");
	}
}

void cleaner_token_release(cleaner_token_t *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	int last = --t->refs == 0;
	pthread_mutex_unlock(&t->lock);
	if (last) {
		pthread_mutex_destroy(&t->lock);
		free(t);
	}
}

void cleaner_job_free(cleaner_job_t *job)
{
	cleaner_token_release(job->token);
	for (size_t i = 0; i < job->seg_cnt; i++)
		if (job->segs[i].fd >= 0)
			close(job->segs[i].fd);
	free(job->segs);
	free(job->dir);
	free(job->topic);
	memset(job, 0, sizeof(*job));
}

void cleaner_result_free(cleaner_result_t *res)
{
	free(res->groups);
	memset(res, 0, sizeof(*res));
}
