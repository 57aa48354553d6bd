/*
 * epoch_cache.h — the leader-epoch cache of one partition.
 *
 * Records, for each leader epoch that appended to this log, the first
 * offset it wrote: (epoch, start_offset) pairs, both strictly increasing.
 * A follower asks its leader "where does my latest epoch end on your log?"
 * (OffsetForLeaderEpoch) and truncates to that offset, which is safer than
 * truncating to the high watermark.
 *
 * Persisted as "leader-epoch-checkpoint" in the partition directory in the
 * checkpoint format (checkpoint.h): "0\n<N>\n<epoch> <start_offset>\n"...,
 * rewritten atomically on every change (changes are rare: once per
 * leadership change or truncation).
 *
 * Thread: event-loop thread only. Owned by its plog.
 */
#ifndef FJORD_STORAGE_EPOCH_CACHE_H
#define FJORD_STORAGE_EPOCH_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define EPOCH_CACHE_FILE "leader-epoch-checkpoint"
#define EPOCH_UNDEFINED (-1)

typedef struct epoch_entry {
	int32_t epoch;
	int64_t start_offset;
} epoch_entry_t;

typedef struct epoch_cache {
	char *path; /* <partition dir>/leader-epoch-checkpoint */
	epoch_entry_t *entries;
	size_t cnt, cap;
} epoch_cache_t;

/* Loads the cache from dir (an absent file is an empty cache). Returns 0, or
 * -1 with errstr when the file is malformed. */
int epoch_cache_open(epoch_cache_t *ec, const char *dir, char *errstr, size_t errstr_size);
void epoch_cache_close(epoch_cache_t *ec);

/*
 * Records that epoch starts at start_offset. Ignored when epoch equals the
 * latest epoch (already recorded) or is older than it. Entries with an
 * epoch >= epoch or a start offset >= start_offset are removed first (they
 * are stale after a truncation). Persists on change. Returns 0 or -errno
 * (the in-memory cache is updated even when persisting fails).
 */
int epoch_cache_assign(epoch_cache_t *ec, int32_t epoch, int64_t start_offset);

/* Latest epoch, or EPOCH_UNDEFINED when empty. */
int32_t epoch_cache_latest_epoch(const epoch_cache_t *ec);

/*
 * OffsetForLeaderEpoch (Kafka's rules): requested == latest epoch:
 * (latest, log_end_offset). Otherwise the first epoch above requested
 * starts at offset X: (largest epoch <= requested, X), or (requested, X)
 * when requested is below every known epoch. Requested above the latest
 * epoch, negative, or an empty cache: (EPOCH_UNDEFINED, -1).
 */
void epoch_cache_end_offset_for(const epoch_cache_t *ec, int32_t requested, int64_t log_end_offset,
                                int32_t *epochp, int64_t *endp);

/* After truncating the log to end_offset: drops entries with
 * start_offset >= end_offset. Persists on change. */
int epoch_cache_truncate_from_end(epoch_cache_t *ec, int64_t end_offset);
/* After the log start advanced to start_offset: drops entries that end at or
 * before it and moves the start of the one that spans it to start_offset.
 * Persists on change. */
int epoch_cache_truncate_from_start(epoch_cache_t *ec, int64_t start_offset);
/* Removes everything (plog_truncate_fully_and_start_at). Persists. */
int epoch_cache_clear(epoch_cache_t *ec);

#endif /* FJORD_STORAGE_EPOCH_CACHE_H */
