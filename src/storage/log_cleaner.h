/*
 * log_cleaner.h — log compaction: keep the latest record of every key.
 *
 * What: Kafka's log cleaner for cleanup.policy=compact. A pass over one
 * partition log reads the dirty part (offsets from the clean point on, up
 * to the cleanable end) into an offset map (key hash -> latest offset),
 * then rewrites the log's cleanable segments, from the log start, dropping
 * every record a later record of the same key supersedes. Details and the
 * choices made are in docs/storage.md, "Log compaction".
 *
 * Guarantees:
 *   - offsets never change; a rewritten batch keeps its baseOffset,
 *     lastOffsetDelta (gaps inside it are allowed, as in Kafka), leader
 *     epoch, attributes, producer fields and codec (recompressed), with a
 *     new recordsCount, timestamps and CRC (rb_builder_finish_like);
 *   - a record is dropped only when the map holds a larger offset for its
 *     key, or it is a tombstone (null value) the map knows as its key's
 *     latest and its batch's maxTimestamp is older than the delete horizon;
 *     keyless records are kept (the broker refuses new ones on a compacted
 *     topic);
 *   - every cleaned segment ends with the last batch of the segments it
 *     replaces (an empty batch when no record of it survives), so its
 *     offsets reach exactly as far as theirs did, and so does an
 *     idempotent producer's last batch, so its state survives;
 *   - a pass only writes new files: "<base>.log.cleaned" (+ .index.cleaned,
 *     .timeindex.cleaned), fsync'ed, then renamed to ".swap" (indexes
 *     first, the .log last: a .log.swap means the group is complete). Only
 *     plog_cleaner_install, on the loop, touches the live log. A crash at
 *     any point leaves the old or the new segment set (log_recovery.c via
 *     plog_cleaner_recover_swaps), never a mix.
 *
 * Threads: log_cleaner_clean() and the offset map run on a cleaner thread
 * (any thread: they touch only the job's fds and new files). The plog_*
 * functions below run on the loop thread, as all of plog.h does.
 *
 * Ownership: a job owns the dup'ed fds of its segments (cleaner_job_free
 * closes them); a result owns its group array (cleaner_result_free).
 */
#ifndef FJORD_STORAGE_LOG_CLEANER_H
#define FJORD_STORAGE_LOG_CLEANER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/plog.h"

/* ------------------------------------------------------------ offset map */

/*
 * The offset map: open addressing with linear probing over a fixed array
 * of 24-byte slots (a 128-bit key hash and the latest offset), so its
 * memory is exactly what log.cleaner.dedupe.buffer.size (divided among the
 * threads) allows. It counts as full at 90% of its slots, as Kafka's does.
 * Two keys whose 128-bit hashes collide would be taken for one key; at
 * 2^-128 per pair that is ignored, as Kafka ignores MD5 collisions.
 */
typedef struct cleaner_map_slot {
	uint64_t h1, h2; /* h1 == 0 && h2 == 0: empty */
	int64_t offset;
} cleaner_map_slot_t;

typedef struct cleaner_map {
	cleaner_map_slot_t *slots;
	size_t slot_cnt; /* a power of two */
	size_t used, max_used;
} cleaner_map_t;

#define CLEANER_MAP_SLOT_SIZE sizeof(cleaner_map_slot_t)

/* Allocates a map of at most bytes (at least 16 slots). 0 or -ENOMEM. */
int cleaner_map_init(cleaner_map_t *m, size_t bytes);
void cleaner_map_free(cleaner_map_t *m);
void cleaner_map_clear(cleaner_map_t *m);
/* Records offset as key's latest (a larger offset replaces a smaller one).
 * 0, or -1 when the key is new and the map is full (nothing changed). */
int cleaner_map_put(cleaner_map_t *m, const void *key, size_t len, int64_t offset);
/* The offset recorded for key, or -1. */
int64_t cleaner_map_get(const cleaner_map_t *m, const void *key, size_t len);

/* ------------------------------------------------------------ throttle */

/*
 * log.cleaner.io.max.bytes.per.second: every cleaner thread accounts the
 * bytes it reads and writes here and sleeps while the threads together are
 * ahead of the rate. rate <= 0: unlimited (no lock taken).
 */
typedef struct cleaner_throttle {
	pthread_mutex_t lock;
	double rate;      /* bytes per second */
	int64_t start_us; /* monotonic start of the current window */
	double bytes;     /* bytes accounted in the window */
} cleaner_throttle_t;

void cleaner_throttle_init(cleaner_throttle_t *t, double bytes_per_second);
void cleaner_throttle_destroy(cleaner_throttle_t *t);
/* Accounts bytes and sleeps as long as the rate requires. Any thread. */
void cleaner_throttle_account(cleaner_throttle_t *t, size_t bytes);

/* ------------------------------------------------------------ a pass */

/*
 * A job's link to its log, shared by the loop and the cleaner thread
 * (reference counted, both sides drop theirs). The loop sets stale when
 * the log's segments change under the job (truncation, retention, a
 * policy change, closing the log); the thread checks it, under lock, just
 * before it renames .cleaned files to .swap, and the loop, after setting
 * it, removes every .swap of the log: so a .swap on disk is never stale,
 * which recovery relies on when it finishes a swap. A pass also stops
 * early (-ECANCELED) once it sees stale.
 */
typedef struct cleaner_token {
	pthread_mutex_t lock;
	int stale;
	int refs;
} cleaner_token_t;

/* Drops a reference (frees at zero). NULL is a no-op. Any thread. */
void cleaner_token_release(cleaner_token_t *t);

/* One cleanable segment as the loop handed it over. */
typedef struct cleaner_segment {
	int64_t base_offset;
	int64_t next_offset; /* one past its last offset */
	int64_t size;        /* bytes of its .log at hand-over */
	int fd;              /* dup of the .log fd, owned by the job */
} cleaner_segment_t;

typedef struct cleaner_job {
	char *dir;   /* the partition dir */
	char *topic; /* for messages */
	int32_t partition;
	uint64_t generation;     /* plog's cleaner generation at hand-over */
	cleaner_segment_t *segs; /* from the log start, consecutive, never the active one */
	size_t seg_cnt;
	int64_t first_dirty;   /* the clean point: the map is built from here */
	int64_t segment_bytes; /* group size bound (segment.bytes) */
	int32_t index_interval_bytes;
	int32_t segment_index_bytes;
	int64_t delete_horizon_ms; /* tombstones in batches with maxTimestamp below it go */
	cleaner_token_t *token;    /* the job's reference; NULL in some unit tests */
} cleaner_job_t;

/* The segments [first, first + cnt) of the job, rewritten into one. */
typedef struct cleaner_group {
	size_t first, cnt;
	int64_t base_offset; /* the first one's: the new segment's name */
	int64_t next_offset; /* the last one's */
	int64_t size;        /* bytes of the cleaned .log */
} cleaner_group_t;

typedef struct cleaner_stats {
	int64_t bytes_read, bytes_written;
	int64_t records_read, records_removed, tombstones_removed;
	int64_t batches_rewritten;
} cleaner_stats_t;

typedef struct cleaner_result {
	cleaner_group_t *groups;
	size_t group_cnt;
	int64_t first_dirty; /* the clean point after this pass (where the map ended) */
	cleaner_stats_t stats;
} cleaner_result_t;

void cleaner_job_free(cleaner_job_t *job);
void cleaner_result_free(cleaner_result_t *res);

/*
 * Cleans: builds the map over [job->first_dirty, end of the last segment)
 * (stopping at the batch where the map fills: the next pass does the rest),
 * then rewrites every segment below where the map ended, in groups, into
 * "<dir>/<group base>.log.swap" and its two .swap indexes. map is the
 * thread's, cleared first; throttle may be NULL. Returns 0 with *res, or
 * -errno with errstr (every file it created is removed). -ENOSPC also when
 * the map cannot hold the records of the first dirty batch.
 */
int log_cleaner_clean(const cleaner_job_t *job, cleaner_map_t *map, cleaner_throttle_t *throttle,
                      cleaner_result_t *res, char *errstr, size_t errstr_size);

/* Removes the .cleaned and .swap files of res's groups (a result the loop
 * will not install). */
void log_cleaner_discard(const cleaner_job_t *job, const cleaner_result_t *res);

/*
 * Test-only crash points (docs/operations.md "Test-only fault injection"):
 * when the environment variable FJORD_CLEANER_CRASH_AT names step, the
 * process SIGKILLs itself there. Steps: "cleaned" (a group's .cleaned files
 * written and fsync'ed), "swap" (renamed to .swap, before the install),
 * "deleted" (the old segments renamed to .deleted), "installed" (the new
 * segment in place).
 */
void log_cleaner_crash_point(const char *step);

/* ------------------------------------------------------------ the loop's side */

/* The log's cleaner generation: bumped by whatever changes its segments
 * other than an append (truncation, retention, an install). */
uint64_t plog_cleaner_generation(const plog_t *plog);

/* The clean point: the first offset not compacted yet, within [log start,
 * LEO] (kept in cleaner-offset-checkpoint by logmgr). */
int64_t plog_cleaner_clean_point(const plog_t *plog);
void plog_cleaner_set_clean_point(plog_t *plog, int64_t offset);

/*
 * The cleanable range: non-active segments, wholly below the high
 * watermark, whose largest timestamp is at least min_lag_ms old, without
 * corrupt ranges, from the log start. Fills *cleanable_bytes (their size),
 * *dirty_bytes (the part from the segment holding first_dirty on) and
 * *oldest_dirty_ms (the smallest maxTimestamp among dirty segments, -1 if
 * none). Returns the number of cleanable segments.
 */
size_t plog_cleaner_range(const plog_t *plog, int64_t now_ms, int64_t min_lag_ms,
                          int64_t first_dirty, int64_t *cleanable_bytes, int64_t *dirty_bytes,
                          int64_t *oldest_dirty_ms);

/*
 * Builds a job over the cleanable range (see plog_cleaner_range): 1 with
 * *job filled (fds dup'ed), 0 when nothing from first_dirty on is
 * cleanable, -errno.
 */
int plog_cleaner_job(plog_t *plog, int64_t now_ms, int64_t min_lag_ms, int64_t first_dirty,
                     int64_t delete_retention_ms, cleaner_job_t *job);

/* The log's segments change under a pass that may be running: bumps the
 * generation, marks the pass's token stale and removes every .cleaned and
 * .swap file of the log (see cleaner_token_t). Loop thread; plog.c and
 * log_retention.c call it. */
void plog_cleaner_invalidate(plog_t *plog);

/*
 * Installs a pass's result: when the log's generation is still the job's,
 * each group's old segments are renamed to *.deleted and handed to the
 * deleter, the .swap files renamed to their final names and the new
 * segment opened in their place. Otherwise (or for an offline log) the
 * .swap files are removed. Returns 1 installed, 0 discarded, -errno (the
 * log is then offline; its files are consistent for recovery).
 */
int plog_cleaner_install(plog_t *plog, const cleaner_job_t *job, const cleaner_result_t *res);

/*
 * Recovery (log_recovery.c, before the segments are listed): finishes
 * every swap a crash interrupted. A "<base>.log.swap" is complete, so the
 * segment files whose base offset lies in [base, the swap's next offset)
 * are removed and the .swap files renamed to their final names. Returns 0
 * or -errno with errstr.
 */
int plog_cleaner_recover_swaps(const char *dir, const char *topic, int32_t partition, char *errstr,
                               size_t errstr_size);

#endif /* FJORD_STORAGE_LOG_CLEANER_H */
