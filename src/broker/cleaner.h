/*
 * cleaner.h — fjordd's log cleaner threads (log.cleaner.threads) and the
 * loop's side of compaction.
 *
 * What: every log.cleaner.backoff.ms the loop looks at the logs with
 * cleanup.policy compact (or compact,delete), picks those whose dirty ratio
 * (dirty bytes / cleanable bytes) is at least min.cleanable.dirty.ratio, or
 * whose oldest dirty segment passed max.compaction.lag.ms, dirtiest first,
 * builds a job for each (plog_cleaner_job: dup'ed fds, the generation) and
 * queues it for a cleaner thread, at most one per thread and one per log.
 * A thread runs the pass (log_cleaner_clean, with its own offset map of
 * log.cleaner.dedupe.buffer.size / threads bytes, throttled together by
 * log.cleaner.io.max.bytes.per.second) and posts the result back with
 * loop_post; the loop installs it (plog_cleaner_install, which drops a
 * result whose log changed meanwhile), moves the clean point and counts
 * the metrics.
 *
 * Threads: cleaner_pool_* run on the loop thread; the pass on the pool's
 * threads, which touch only their job (fds, new files), their map and the
 * shared throttle.
 *
 * Ownership: the pool owns its tasks; a task posted to the loop is freed
 * by its completion (also when the loop is stopping: the result's files
 * are removed).
 */
#ifndef FJORD_BROKER_CLEANER_H
#define FJORD_BROKER_CLEANER_H

#include <stddef.h>
#include <stdint.h>

#include "broker/loop.h"

struct logmgr;
struct plog;

typedef struct cleaner_pool_stats {
	uint64_t runs;         /* passes installed */
	uint64_t runs_dropped; /* passes whose log changed meanwhile */
	uint64_t failures;     /* passes that failed (logged) */
	uint64_t bytes_read, bytes_written;
	uint64_t records_removed, tombstones_removed;
} cleaner_pool_stats_t;

typedef struct cleaner_pool cleaner_pool_t;

/* Starts threads cleaner threads. NULL on failure (errstr). */
cleaner_pool_t *cleaner_pool_start(loop_t *loop, struct logmgr *lm, int threads,
                                   int64_t dedupe_buffer_bytes, double io_max_bytes_per_second,
                                   int64_t backoff_ms, char *errstr, size_t errstr_size);
/* The loop's cron: every backoff, queue the dirtiest logs. */
void cleaner_pool_cron(cleaner_pool_t *cp, int64_t mono_ms);
/* dirty / cleanable bytes of a compacted log, 0 for others. */
double cleaner_dirty_ratio(const struct plog *plog, int64_t now_ms);
const cleaner_pool_stats_t *cleaner_pool_stats(const cleaner_pool_t *cp);
/* Marks every pass stale, joins the threads, frees (results still queued
 * on the loop remove their files when they run). NULL is fine. */
void cleaner_pool_stop(cleaner_pool_t *cp);

#endif /* FJORD_BROKER_CLEANER_H */
