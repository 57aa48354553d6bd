/*
 * plog.h — the partition log: the ordered segments of one topic-partition.
 *
 * A plog lives in "<log.dir>/<topic>-<partition>/" and holds one or more
 * segments (log_segment.h) ordered by base offset; only the last one (the
 * active segment) takes appends. It knows its log start offset (first
 * offset still readable), log end offset (LEO, next offset to assign), high
 * watermark (kept here, checkpointed by logmgr), recovery point (offsets
 * below it are known to be fsync'ed) and its leader-epoch cache.
 *
 * Guarantees:
 *   - plog_append validates every batch before writing any (a leader's
 *     append every record too); a bad batch appends nothing. Batches are stored byte for byte as
 * received except baseOffset and partitionLeaderEpoch (patched in place, outside the CRC).
 *   - offsets in the log strictly increase; reads return whole batches.
 *   - a failed append is undone (the file is cut back to where it was) and
 *     answers FJORD_ERR_STORAGE_ERROR. What follows depends on the error
 *     (storage_io.h, log_dir.h): out of space, the log stays readable and
 *     the next append that fits succeeds; a disk error (EIO, EROFS, a failed
 *     fsync) takes the log's whole log dir offline: no read or append of any
 *     of its logs until a restart.
 *
 * Threads: every function here runs on the broker's event-loop thread only.
 * The exceptions are the work the broker does off the loop on its
 * background thread: fsync(2) of the fd returned by plog_flush_begin (a dup
 * the broker owns and closes), and the deleter callback's removal of files.
 *
 * Ownership: logmgr creates and frees plogs (or plog_open/plog_close
 * directly in unit tests). Pointers returned by accessors are borrowed and
 * live as long as the plog.
 */
#ifndef FJORD_STORAGE_PLOG_H
#define FJORD_STORAGE_PLOG_H

#include <stddef.h>
#include <stdint.h>

#include "common/record_validate.h"
#include "fjord.h"
#include "storage/epoch_cache.h"
#include "storage/log_config.h"
#include "storage/segment_fd.h"
#include "storage/storage_remove.h"

typedef struct plog plog_t;

/* What plog_append stored. */
typedef struct plog_append_info {
	int64_t first_offset;  /* baseOffset of the first batch */
	int64_t last_offset;   /* last offset of the last batch */
	int64_t max_timestamp; /* largest batch maxTimestamp, -1 if none */
	int64_t offset_of_max_timestamp;
	int32_t record_cnt; /* sum of recordsCount */
	int32_t batch_cnt;
	size_t bytes;
	/* 1: the batch repeats one an idempotent producer already stored
	 * (producer_state.h); nothing was appended, first/last_offset are the
	 * original's, record_cnt, batch_cnt and bytes are 0. */
	int duplicate;
} plog_append_info_t;

/* A range of one segment file for plog_read. */
typedef struct plog_read {
	int fd;               /* the segment's fd, borrowed for this callback only */
	segment_fd_t *sfd;    /* the same, shared: segment_fd_ref() it to keep the file
	                       * past this callback (a roll, truncation or retention
	                       * may close the segment); NULL when length is 0 */
	int64_t position;     /* file position of the first batch */
	size_t length;        /* whole batches; 0 when nothing to return */
	int64_t first_offset; /* baseOffset of the first batch (<= requested offset) */
	int64_t next_offset;  /* offset after the last returned batch */
	int64_t log_start_offset;
	int64_t log_end_offset;
	int64_t high_watermark;
} plog_read_t;

/*
 * Opens (creating the directory if missing) the log of topic-partition in
 * dir ("<log.dir>/<topic>-<partition>"). cfg is copied. recovery_point
 * (from recovery-point-offset-checkpoint, 0 if unknown) and log_start_offset
 * (from log-start-offset-checkpoint, -1 if unknown) are hints. With
 * needs_recovery (no .clean-shutdown marker) every segment at or after the
 * recovery point is scanned and a torn or corrupt tail truncated; in all
 * cases a missing or inconsistent index is rebuilt and stray
 * *.deleted / *.cleaned / *.tmp / *.swap files are removed. Logs progress.
 * Returns 0 with *plogp, or -1 with errstr.
 */
int plog_open(const char *dir, const char *topic, int32_t partition, const log_config_t *cfg,
              int64_t recovery_point, int64_t log_start_offset, int needs_recovery, plog_t **plogp,
              char *errstr, size_t errstr_size);
/* Closes fds and frees. With flush, fsyncs every segment and index first
 * (on the calling thread: shutdown only) and sets the recovery point to the
 * LEO. */
void plog_close(plog_t *plog, int flush);

/*
 * Appends the record batches in buf (len bytes; a produce payload or a
 * follower's fetch data). Every batch is first validated (CRC, magic, codec,
 * size <= max_message_bytes): FJORD_ERR_CORRUPT_MESSAGE (an unknown codec
 * too) or FJORD_ERR_MESSAGE_TOO_LARGE and nothing is appended. An empty buffer is
 * FJORD_ERR_CORRUPT_MESSAGE.
 *
 * assign_offsets=1 (leader): every record of every batch is validated too,
 * as plog_append_leader does (with a scratch buffer of this call's own, so
 * a compressed batch costs a malloc: the broker calls plog_append_leader).
 * baseOffset of each batch is rewritten in buf
 * (which is modified) sequentially from the LEO and partitionLeaderEpoch set
 * to leader_epoch; the epoch cache records (leader_epoch, first offset).
 * assign_offsets=0 (follower): batches must start at the LEO and increase,
 * else FJORD_ERR_CORRUPT_MESSAGE; each batch's own partitionLeaderEpoch goes
 * to the epoch cache; leader_epoch is ignored. Records are not re-validated:
 * the leader did, and the CRC covers them since. Either way the stored
 * batches of idempotent producers update the producer state (a leader's
 * are checked first: plog_append_leader).
 *
 * Rolls a new segment first when the data would pass segment_bytes, the
 * active segment is older than roll_ms, or its index is full. On a write
 * error: FJORD_ERR_STORAGE_ERROR, the log is truncated back and marked
 * offline. info (may be NULL) is filled on success.
 */
fjord_err_t plog_append(plog_t *plog, uint8_t *buf, size_t len, int32_t leader_epoch,
                        int assign_offsets, plog_append_info_t *info);

/*
 * The leader's append of a producer's batches: plog_append(assign_offsets=1)
 * after every record of every batch passed record_validate() (rules in
 * common/record_validate.h: FJORD_ERR_INVALID_RECORD,
 * FJORD_ERR_INVALID_TIMESTAMP, FJORD_ERR_CORRUPT_MESSAGE for a codec
 * attribute on bytes that do not decompress or decompress to more than
 * scratch->max_decompressed) and, for CreateTime batches, every record
 * timestamp and the batch's maxTimestamp lie within the log's
 * message_timestamp_difference_max_ms of the plog's clock
 * (FJORD_ERR_INVALID_TIMESTAMP). One bad batch refuses the whole buffer:
 * nothing is appended. scratch is the caller's decompression buffer (one per
 * loop thread, shared by all partitions). errstr (may be NULL) gets the
 * reason on failure, naming the batch (after the first) and the record:
 * "record 3: key length 900 exceeds the record (12 bytes left)".
 *
 * An idempotent producer's batch (producerId >= 0) must be alone in buf
 * (FJORD_ERR_INVALID_RECORD) and pass the producer state's checks
 * (producer_state.h: FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
 * FJORD_ERR_INVALID_PRODUCER_EPOCH, FJORD_ERR_UNKNOWN_PRODUCER_ID); a retry
 * of one of the producer's last five batches appends nothing and returns
 * FJORD_ERR_NO_ERROR with info->duplicate set and the original's offsets.
 */
fjord_err_t plog_append_leader(plog_t *plog, uint8_t *buf, size_t len, int32_t leader_epoch,
                               record_scratch_t *scratch, plog_append_info_t *info, char *errstr,
                               size_t errstr_size);

/*
 * Locates whole batches to send from offset: the batch containing offset
 * first (even when larger than max_bytes), then following batches of the
 * same segment while the total stays <= max_bytes, all with last offset <
 * max_offset (pass the high watermark for consumers, the LEO for followers).
 * out->length is 0 when offset >= max_offset. FJORD_ERR_OFFSET_OUT_OF_RANGE
 * when offset < log start or offset > LEO; FJORD_ERR_STORAGE_ERROR on I/O
 * error or an offline log.
 */
fjord_err_t plog_read(plog_t *plog, int64_t offset, int32_t max_bytes, int64_t max_offset,
                      plog_read_t *out);

/*
 * ListOffsets by time: the offset of the first record with timestamp >= ts
 * (and that record's timestamp in *tsp, may be NULL). ts -2 (earliest):
 * log start; ts -1 (latest): LEO. *offsetp = -1 when no record is that
 * recent. Returns FJORD_ERR_NO_ERROR or FJORD_ERR_STORAGE_ERROR.
 */
fjord_err_t plog_offset_for_timestamp(plog_t *plog, int64_t ts, int64_t *offsetp, int64_t *tsp);

int64_t plog_log_start_offset(const plog_t *plog);
int64_t plog_log_end_offset(const plog_t *plog);
int64_t plog_high_watermark(const plog_t *plog);
/* Clamped to [log start, LEO]. */
void plog_set_high_watermark(plog_t *plog, int64_t hw);
int64_t plog_recovery_point(const plog_t *plog);
int64_t plog_size_bytes(const plog_t *plog);
int plog_segment_count(const plog_t *plog);
const char *plog_topic(const plog_t *plog);
int32_t plog_partition(const plog_t *plog);
const char *plog_dir(const plog_t *plog);
/* 1 when the log, or its log dir, is offline. */
int plog_is_offline(const plog_t *plog);
/* Shares the health of the log dir holding this log (logmgr does this;
 * NULL: none). The dir must outlive the log. */
struct log_dir;
void plog_set_log_dir(plog_t *plog, struct log_dir *ld);
/* The background fsync of this log's data failed with err: whatever the
 * errno, the kernel may have dropped what it could not write, so the log
 * dir goes offline (the log alone when it has no dir). */
void plog_flush_failed(plog_t *plog, int err);
const log_config_t *plog_config(const plog_t *plog);

/*
 * Corrupt ranges (log_corrupt.c, docs/storage.md "Corrupt ranges"): bytes
 * recovery found damaged but kept because intact batches follow them.
 * Reads of an offset they held get FJORD_ERR_CORRUPT_MESSAGE; everything
 * around them stays readable.
 */
typedef struct plog_corrupt_range {
	const char *segment_path; /* borrowed: the segment's .log */
	int64_t pos, end;         /* bytes [pos, end) of that file */
	int64_t first_offset;     /* offsets [first, last] are unreadable; */
	int64_t last_offset;      /* last < first: junk bytes, no offset lost */
} plog_corrupt_range_t;
/* Fills out[0..max) in offset order; returns the total number of ranges
 * (out may be NULL to count). */
size_t plog_corrupt_ranges(const plog_t *plog, plog_corrupt_range_t *out, size_t max);
int64_t plog_corrupt_range_count(const plog_t *plog);
int64_t plog_corrupt_bytes(const plog_t *plog);
/* 1 with the range's offsets when a corrupt range held offset, else 0. */
int plog_corrupt_range_at(const plog_t *plog, int64_t offset, int64_t *firstp, int64_t *lastp);
/* First offset of the first corrupt range, or -1 when there is none. */
int64_t plog_corrupt_first_offset(const plog_t *plog);

/* Applies changed settings (topic config override) live. */
void plog_set_config(plog_t *plog, const log_config_t *cfg);

/*
 * Follower truncation: removes every record at or after offset (whole
 * segments are handed to the deleter, the segment holding offset is cut),
 * lowers HW and recovery point, truncates the epoch cache from the end.
 * offset >= LEO: nothing. offset < log start: plog_truncate_fully_and_start_at.
 * Returns 0 or -errno (the log is then offline).
 */
int plog_truncate_to(plog_t *plog, int64_t offset);
/* Removes every segment and starts an empty log at offset (log start = LEO
 * = HW = recovery point = offset); clears the epoch cache. */
int plog_truncate_fully_and_start_at(plog_t *plog, int64_t offset);

/* Starts a new active segment at the LEO (no-op when the active segment is
 * empty). Returns 0 or -errno. */
int plog_roll(plog_t *plog);

/*
 * Deletes whole old segments, never the active one: those whose largest
 * timestamp is older than now_ms - retention_ms, and the oldest ones while
 * total size - their size >= retention_bytes. Advances the log start offset
 * (and HW/recovery point if they lagged), trims the epoch cache from the
 * start, hands the renamed files to the deleter. Returns the number of
 * segments deleted, or -errno.
 */
int plog_apply_retention(plog_t *plog, int64_t now_ms);

/* Forgets the idempotent producers whose last batch is older than now_ms -
 * expiration_ms (producer.id.expiration.ms; producer_state.h). Returns how
 * many went (logged when any). */
size_t plog_expire_producers(plog_t *plog, int64_t now_ms, int64_t expiration_ms);
/* Producers this log evicted to stay within its max_producer_ids
 * (producer.id.max.per.partition) since the previous call. */
uint64_t plog_take_producers_evicted(plog_t *plog);

/* The partition's leader-epoch cache (borrowed). */
epoch_cache_t *plog_epoch_cache(plog_t *plog);

/* Segment-file deleter for retention/truncation (default: storage_remove_path
 * at once). */
void plog_set_deleter(plog_t *plog, storage_deleter_fn *fn, void *arg);
/* Clock used for roll_ms and flush_interval_ms (default: wall clock ms).
 * For tests. */
void plog_set_clock(plog_t *plog, int64_t (*now_ms)(void *arg), void *arg);

/*
 * Flushing off the loop:
 *   while (plog_flush_begin(plog, &fd, &upto) == 1) {
 *           hand (fd, upto) to the background thread: fsync(fd); close(fd);
 *           then back on the loop: plog_flush_end(plog, upto);
 *   }
 * plog_flush_begin returns 1 with a dup of the fd of the oldest segment that
 * holds unflushed data (the caller owns and closes it) and the offset the
 * recovery point may advance to once it is fsync'ed; 0 when everything is
 * flushed; -errno on failure. plog_flush_end advances the recovery point
 * (never past the LEO, never backwards). Index files are not fsync'ed:
 * recovery rebuilds them.
 */
int plog_flush_begin(plog_t *plog, int *dup_fd_out, int64_t *upto);
void plog_flush_end(plog_t *plog, int64_t upto);
/* fsync of every unflushed segment on the calling thread, then recovery
 * point = LEO. For shutdown (logmgr_close) and tests. Returns 0 or -errno
 * (a failure is plog_flush_failed: the log dir goes offline). */
int plog_flush_sync(plog_t *plog);
/* 1 when flush_interval_messages unflushed records or an unflushed append
 * older than flush_interval_ms exist. now_ms on the plog's clock (wall clock
 * unless plog_set_clock). */
int plog_flush_due(const plog_t *plog, int64_t now_ms);

#endif /* FJORD_STORAGE_PLOG_H */
