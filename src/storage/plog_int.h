/*
 * plog_int.h — the partition log's internals, shared by plog.c (append,
 * read, truncate, flush), log_recovery.c (loading and recovering segments
 * at open) and log_retention.c (deleting old segments). Not for other
 * parts: use plog.h. Event-loop thread only.
 */
#ifndef FJORD_STORAGE_PLOG_INT_H
#define FJORD_STORAGE_PLOG_INT_H

#include "storage/log_dir.h"
#include "storage/log_segment.h"
#include "storage/plog.h"
#include "storage/producer_snapshot.h"
#include "storage/producer_state.h"

#define PLOG_POS_CACHE 8

/* A batch boundary a reader stopped at: offset is the next offset a
 * sequential reader asks for, pos where its batch starts. */
typedef struct plog_pos_cache {
	int64_t seg_base; /* -1: unused */
	int64_t offset;
	int64_t pos;
} plog_pos_cache_t;

struct plog {
	char *dir;
	char *topic;
	int32_t partition;
	log_config_t cfg;
	log_segment_t **segs; /* ordered by base offset; the last is active */
	size_t seg_cnt, seg_cap;
	int64_t log_start;
	int64_t hw;
	int64_t recovery_point;
	int64_t first_unflushed_ms; /* plog clock time of the oldest unflushed append; -1 */
	epoch_cache_t ec;
	int offline;   /* this log alone (a failed truncation); see plog_is_offline */
	log_dir_t *ld; /* the dir's health, shared with its other logs; NULL alone */
	storage_deleter_fn *deleter;
	void *deleter_arg;
	int64_t (*now_ms)(void *arg);
	void *now_arg;
	plog_pos_cache_t cache[PLOG_POS_CACHE];
	unsigned cache_next;
	size_t corrupt_saved;      /* ranges listed in PLOG_CORRUPT_FILE (log_corrupt.c) */
	uint64_t evicted_reported; /* ps.evicted at the last plog_take_producers_evicted */
	producer_state_t ps;       /* idempotent producers (producer_state.h) */
	/* Bumped by whatever changes the segment set other than appends and
	 * rolls (truncation, retention, a cleaner install): a cleaner result
	 * built on an older generation is not installed (log_cleaner.h). */
	uint64_t cleaner_gen;
	int64_t clean_point; /* first offset not compacted yet (cleaner-offset-checkpoint) */
	struct cleaner_token *cleaner_token; /* of the pass in flight, NULL (log_cleaner.h) */
};

static inline log_segment_t *plog_active(const plog_t *plog)
{
	return plog->segs[plog->seg_cnt - 1];
}

/* log_recovery.c: loads every segment of plog->dir (removing stray files),
 * recovering when needs_recovery; leaves at least one segment. Returns 0 or
 * -1 with errstr. */
int plog_load(plog_t *plog, int needs_recovery, int64_t recovery_point, char *errstr,
              size_t errstr_size);

/* log_recovery.c: rebuilds the producer state: loads the newest valid
 * snapshot at or below the LEO (removing those above it; a corrupt one is
 * logged and skipped), then reads the batch headers from its offset on (from
 * the log start without one). At open and after truncation. 0 or -errno
 * (the state is then empty and the caller reports it). */
int plog_pstate_rebuild(plog_t *plog);
/* log_recovery.c: the offsets of the partition's *.snapshot files in
 * increasing order (*offsp malloc'd, NULL when none). 0 or -errno. */
int plog_snapshot_list(const plog_t *plog, int64_t **offsp, size_t *cntp);
/* log_recovery.c: removes the snapshot at offset (logs a failure). */
void plog_snapshot_remove(const plog_t *plog, int64_t offset, const char *why);

/* plog.c: appends seg at the end of the segment array. 0 or -ENOMEM. */
int plog_push_segment(plog_t *plog, log_segment_t *seg);
/* plog.c: renames seg's files to *.deleted, hands them to the deleter and
 * frees seg (the caller has removed it from the array). */
void plog_discard_segment(plog_t *plog, log_segment_t *seg);
/* plog.c: forgets cached read positions (after truncation or retention). */
void plog_cache_clear(plog_t *plog);
int64_t plog_now(const plog_t *plog);
/* plog.c: reports that `what` failed with err (< 0) on path to the log dir
 * (or, for a log without one, to the log: a disk error takes it offline)
 * and returns the error's kind. */
sio_err_kind_t plog_io_error(plog_t *plog, int err, const char *what, const char *path);

/* log_corrupt.c: the file naming the segments that hold corrupt ranges. */
#define PLOG_CORRUPT_FILE "corrupt-segments"
/* Reads it: 0 with *pairsp ((segment base, position) pairs, malloc'd, NULL
 * when none) and *cntp; 1 when it is unreadable (scan every segment);
 * -ENOMEM. */
int plog_corrupt_load_hint(plog_t *plog, int64_t (**pairsp)[2], size_t *cntp);
/* Rewrites (or removes) it when the number of ranges changed since the last
 * write; call after recovery, truncation, retention. Logs failures. */
void plog_corrupt_sync(plog_t *plog);

#endif /* FJORD_STORAGE_PLOG_INT_H */
