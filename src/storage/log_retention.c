/*
 * log_retention.c — deleting old segments of a partition log.
 *
 * Only for cleanup.policy delete or compact,delete. Only whole segments go, oldest first; a segment
 * is deletable by time when its largest record timestamp is older than retention_ms, by size while
 * the log minus that segment still holds at least retention_bytes. An active segment that is
 * non-empty and wholly past retention.ms is rolled first so that it can go too (as Kafka does):
 * otherwise a quiet topic would keep its records until the next roll. A segment holding offsets at
 * or above the high watermark is kept (consumers have not been allowed to see it yet). The log
 * start offset moves to the next remaining segment's base offset. Files are renamed to *.deleted
 * and handed to the deleter (the broker removes them off the loop). Event-loop thread only.
 */
#include "storage/plog_int.h"

#include <inttypes.h>
#include <stdlib.h>

#include "common/flog.h"
#include "storage/log_cleaner.h"

/* Why segment 0 may go now, or NULL. */
static const char *retention_reason(const plog_t *plog, const log_segment_t *seg, int64_t total,
                                    int64_t now_ms)
{
	if (plog->cfg.retention_ms >= 0 && seg->max_timestamp >= 0 &&
	    now_ms - seg->max_timestamp > plog->cfg.retention_ms)
		return "time";
	if (plog->cfg.retention_bytes >= 0 && total - seg->size >= plog->cfg.retention_bytes)
		return "size";
	return NULL;
}

/* Removes the producer-state snapshots of deleted segments (below the first
 * remaining base offset), keeping the newest snapshot in any case. */
static void retention_snapshots(const plog_t *plog)
{
	int64_t *offs = NULL;
	size_t cnt = 0;
	if (plog_snapshot_list(plog, &offs, &cnt) < 0)
		return; /* a later retention pass tries again */
	for (size_t i = 0; i + 1 < cnt; i++)
		if (offs[i] < plog->segs[0]->base_offset)
			plog_snapshot_remove(plog, offs[i],
			                     "producer-state snapshot of a deleted segment");
	free(offs);
}

int plog_apply_retention(plog_t *plog, int64_t now_ms)
{
	int deleted = 0;
	/* cleanup.policy=compact alone: the cleaner, not retention, removes
	 * records (compact,delete has both). */
	if (plog_is_offline(plog) || !(plog->cfg.cleanup_policy & LOG_CLEANUP_DELETE))
		return 0;
	int64_t total = plog_size_bytes(plog);
	for (;;) {
		if (plog->seg_cnt == 1) {
			log_segment_t *active = plog->segs[0];
			if (active->size == 0 || active->next_offset > plog->hw ||
			    plog->cfg.retention_ms < 0 || active->max_timestamp < 0 ||
			    now_ms - active->max_timestamp <= plog->cfg.retention_ms ||
			    plog_roll(plog) < 0)
				break;
		}
		log_segment_t *seg = plog->segs[0];
		int64_t next_base = plog->segs[1]->base_offset;
		if (next_base > plog->hw)
			break;
		const char *why = retention_reason(plog, seg, total, now_ms);
		if (!why)
			break;
		flog(LOG_INFO, "storage",
		     "%s-%d: deleting segment %020" PRId64 " (%" PRId64 " bytes) by retention %s, "
		     "log start offset now %" PRId64,
		     plog->topic, plog->partition, seg->base_offset, seg->size, why, next_base);
		total -= seg->size;
		for (size_t i = 1; i < plog->seg_cnt; i++)
			plog->segs[i - 1] = plog->segs[i];
		plog->seg_cnt--;
		plog_discard_segment(plog, seg);
		if (plog->log_start < next_base)
			plog->log_start = next_base;
		deleted++;
	}
	if (deleted) {
		plog_cleaner_invalidate(plog);
		if (plog->recovery_point < plog->log_start)
			plog->recovery_point = plog->log_start;
		epoch_cache_truncate_from_start(&plog->ec, plog->log_start);
		plog_cache_clear(plog);
		plog_corrupt_sync(plog);
		retention_snapshots(plog);
	}
	return deleted;
}
