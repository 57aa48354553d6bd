/*
 * log_segment.h — one segment of a partition log: <base>.log plus its
 * offset index (<base>.index) and time index (<base>.timeindex).
 *
 * File names: the base offset (first offset the segment may hold) as
 * "%020lld" followed by ".log", ".index", ".timeindex". The .log file is a
 * plain concatenation of Kafka v2 record batches exactly as received
 * (src/common/record_batch.h); there is no file header:
 *
 *   position  content
 *   0         batch 1 (61-byte header + records, rb_total_size() bytes)
 *   n1        batch 2
 *   ...       (batch baseOffsets increase; each >= the previous last offset + 1)
 *
 * Appends write() to the page cache at the end; fsync is the caller's
 * business (plog_flush_begin hands out a dup'ed fd). An index entry is
 * written when index_interval_bytes of log data have accumulated since the
 * last one (and always for the first batch); a time index entry at the same
 * points when the segment's max timestamp has grown.
 *
 * Thread: event-loop thread only. A segment owns its fds, paths and indexes;
 * segment_close() frees them (and the struct). The .log descriptor is a
 * shared segment_fd_t: the segment holds one reference and a reader that
 * must keep the file past the current callback (a Fetch answer waiting for
 * sendfile) takes its own, so closing the segment never pulls the file
 * away from it.
 */
#ifndef FJORD_STORAGE_LOG_SEGMENT_H
#define FJORD_STORAGE_LOG_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "storage/offset_index.h"
#include "storage/segment_fd.h"
#include "storage/time_index.h"

/*
 * A corrupt range: bytes of a .log that hold no intact batch although
 * intact batches follow them (or they end an older, non-active segment).
 * Recovery keeps these bytes and the data around them; readers step over
 * them, and a read of an offset they held gets FJORD_ERR_CORRUPT_MESSAGE.
 * Only a torn tail of the active segment is cut (segment_recover).
 */
typedef struct segment_corrupt {
	int64_t pos, end;     /* bytes [pos, end) of the .log file */
	int64_t first_offset; /* offsets [first_offset, last_offset] were held */
	int64_t last_offset;  /* there; last < first: no offset (junk bytes) */
} segment_corrupt_t;

typedef struct log_segment {
	int64_t base_offset;
	int64_t next_offset;   /* one past the last offset stored; base when empty */
	int64_t size;          /* bytes in .log */
	int log_fd;            /* segment_fd_get(log_sfd), or -1 once closed */
	segment_fd_t *log_sfd; /* the segment's reference to the .log fd */
	char *log_path;        /* ".../00000000000000000000.log" */
	offset_index_t oi;
	time_index_t ti;
	int64_t max_timestamp;        /* largest batch maxTimestamp; -1 when empty */
	int64_t max_timestamp_offset; /* baseOffset of the batch holding it */
	int64_t first_batch_ms;       /* roll clock: wall time of the first append (or
	                               * the first batch's maxTimestamp after reopen); -1 empty */
	int64_t bytes_since_index;    /* log bytes appended since the last index entry */
	int32_t index_interval_bytes;
	int64_t valid_end;          /* where the open-time header scan stopped: < size
	                             * means a torn or corrupt tail (needs recovery) */
	segment_corrupt_t *corrupt; /* found by segment_recover, by position */
	size_t corrupt_cnt;
} log_segment_t;

/* "<dir>/%020lld<suffix>" (malloc'd, caller frees). */
char *segment_file_name(const char *dir, int64_t base_offset, const char *suffix);

/*
 * Opens the segment with this base offset in dir, creating empty files
 * when create is set. Loads the indexes as they are and computes size;
 * next_offset and max_timestamp come from the last index entry plus a scan
 * of batch headers after it (segment_load_tail). Does not validate CRCs (see
 * segment_recover). On success *segp is a new segment the caller owns.
 * Returns 0 or -errno (with a message in errstr).
 */
int segment_open(const char *dir, int64_t base_offset, int create, int32_t index_interval_bytes,
                 int64_t index_max_bytes, log_segment_t **segp, char *errstr, size_t errstr_size);
void segment_close(log_segment_t *seg);

/*
 * Appends len bytes of already validated batches (offsets assigned,
 * first baseOffset >= next_offset) and updates the indexes. now_ms sets the
 * roll clock of an empty segment. On a write error the file is truncated
 * back to its old size and -errno is returned.
 */
int segment_append(log_segment_t *seg, const uint8_t *buf, size_t len, int64_t now_ms);

/* Reads the 61-byte batch header at pos into hdr. Returns 1 when a whole
 * header was read, 0 at end of file / partial header, -errno on error. */
int segment_read_header(const log_segment_t *seg, int64_t pos, uint8_t *hdr);

/* The corrupt range that starts at pos, or NULL. */
const segment_corrupt_t *segment_corrupt_at(const log_segment_t *seg, int64_t pos);

/*
 * Position of the batch containing offset (the first batch whose last
 * offset >= offset): sparse index lookup, then header scan with pread
 * (stepping over corrupt ranges). start_pos/start_offset may give a better
 * starting point (a cached position of a batch boundary with that
 * baseOffset <= offset; pass -1 to use the index). Returns 0 with *posp
 * (and *batch_basep) set, 1 when no batch in the segment holds it (*posp =
 * size), SEGMENT_FIND_CORRUPT when a corrupt range held it (*posp = the
 * range's start, *batch_basep = its first offset), or -errno.
 */
#define SEGMENT_FIND_CORRUPT 2
int segment_find(const log_segment_t *seg, int64_t offset, int64_t start_pos, int64_t start_offset,
                 int64_t *posp, int64_t *batch_basep);

/* First batch (at or after the batch containing start_offset) whose
 * maxTimestamp >= ts: its position and base offset. Returns 0, 1 when
 * none, or -errno. */
int segment_find_timestamp(const log_segment_t *seg, int64_t ts, int64_t *posp,
                           int64_t *batch_basep);

/* Removes every batch that holds an offset >= offset (a batch straddling
 * offset goes whole, so next_offset may end up below offset) from the file,
 * the indexes, next_offset and the max timestamp; corrupt ranges at or
 * after the cut go too. Returns bytes removed (>= 0) or -errno. */
int64_t segment_truncate_to(log_segment_t *seg, int64_t offset);

/*
 * Full recovery scan: validates every batch (rb_validate: CRC, magic,
 * codec, lastOffsetDelta; the batch lies within the file; baseOffsets
 * increase and are >= the segment base, last offsets below next_base) and
 * rebuilds both indexes from scratch. The size limit is the file, not
 * max.message.bytes, so lowering that setting never truncates valid data.
 *
 * At a bad or partial batch it resynchronises: it looks, byte by byte, for
 * the next position where an intact batch starts (magic 2, a batchLength
 * that fits the file, CRC valid, baseOffset above the last good batch's
 * last offset, last offset below next_base and within 2^32 of the segment
 * base). Found: the bytes in between become a corrupt range (kept, see
 * segment_corrupt_t) and the scan goes on there. Not found: for the active
 * segment (next_base < 0) the rest of the file is a torn tail and is cut;
 * for an older segment it is a corrupt range up to the end of the file
 * (its offsets end at next_base - 1), never cut.
 *
 * Sets res; the ranges found are in seg->corrupt. Returns 0 or -errno.
 */
typedef struct segment_recover_result {
	int64_t truncated_bytes; /* torn tail cut from the active segment */
	int64_t cut_offset;      /* next_offset after the cut */
} segment_recover_result_t;
int segment_recover(log_segment_t *seg, int64_t next_base, segment_recover_result_t *res);

/* Rebuilds both indexes by scanning batch headers (no CRC check; steps
 * over known corrupt ranges). */
int segment_rebuild_indexes(log_segment_t *seg);

/* 0 when both indexes are consistent with the log file (see
 * offset_index_check, time_index_check, and the last offset index entry
 * points at a batch with that baseOffset); -1 otherwise. */
int segment_check_indexes(const log_segment_t *seg);

/* Index full (either index)? The log then rolls. */
int segment_index_full(const log_segment_t *seg);

/* Renames the three files to "*.deleted" and writes their new paths into
 * paths[0..2] (malloc'd, caller frees; NULL when the file did not exist).
 * Closes the fds but does not free seg. Returns 0 or -errno. */
int segment_rename_deleted(log_segment_t *seg, char *paths[3]);

/* fsync(2) of the log and both indexes (shutdown path). Returns 0 or -errno. */
int segment_flush(log_segment_t *seg);

/* Applies a config change. */
void segment_set_config(log_segment_t *seg, int32_t index_interval_bytes, int64_t index_max_bytes);

#endif /* FJORD_STORAGE_LOG_SEGMENT_H */
