/*
 * plog.c — the partition log: append, read, truncate, roll and flush over
 * an ordered array of segments (see plog.h for the contract; loading and
 * recovery live in log_recovery.c, retention in log_retention.c).
 *
 * Appends validate the whole buffer first (a leader's every record too,
 * record_validate.h; a follower's batches only), then patch offsets
 * (leader) or check them (follower), roll if needed and write into the
 * active segment.
 * Reads find the segment by binary search on base offsets, then the batch
 * through a small cache of positions where earlier reads stopped, else the
 * sparse index plus a header scan. Event-loop thread only.
 */
#include "storage/plog_int.h"
#include "storage/log_cleaner.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/flog.h"
#include "common/record_batch.h"
#include "common/record_validate.h"

static int64_t plog_default_clock(void *arg)
{
	(void)arg;
	return fj_now_ms();
}

int64_t plog_now(const plog_t *plog)
{
	return plog->now_ms(plog->now_arg);
}

int plog_push_segment(plog_t *plog, log_segment_t *seg)
{
	if (plog->seg_cnt == plog->seg_cap) {
		size_t cap = plog->seg_cap ? plog->seg_cap * 2 : 8;
		log_segment_t **s = realloc(plog->segs, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		plog->segs = s;
		plog->seg_cap = cap;
	}
	plog->segs[plog->seg_cnt++] = seg;
	return 0;
}

sio_err_kind_t plog_io_error(plog_t *plog, int err, const char *what, const char *path)
{
	sio_err_kind_t kind;

	if (plog->ld) {
		kind = log_dir_error(plog->ld, err, what, path);
	} else {
		kind = sio_err_kind(err);
		flog(LOG_ERR, "storage", "%s-%d: %s %s failed: %s%s", plog->topic, plog->partition,
		     what, path, strerror(err < 0 ? -err : err),
		     kind == SIO_ERR_DISK ? "; the log is offline" : "");
	}
	if (kind == SIO_ERR_DISK)
		plog->offline = 1;
	return kind;
}

void plog_discard_segment(plog_t *plog, log_segment_t *seg)
{
	char *paths[3] = { NULL, NULL, NULL };
	int ret = segment_rename_deleted(seg, paths);
	if (ret < 0 &&
	    plog_io_error(plog, ret, "rename for deletion of", seg->log_path) != SIO_ERR_DISK)
		flog(LOG_WARNING, "storage",
		     "%s-%d: cannot rename segment %020" PRId64 " for deletion: %s", plog->topic,
		     plog->partition, seg->base_offset, strerror(-ret));
	for (int i = 0; i < 3; i++) {
		if (paths[i])
			plog->deleter(paths[i], plog->deleter_arg);
		free(paths[i]);
	}
	segment_close(seg);
}

void plog_cache_clear(plog_t *plog)
{
	for (int i = 0; i < PLOG_POS_CACHE; i++)
		plog->cache[i].seg_base = -1;
}

int plog_open(const char *dir, const char *topic, int32_t partition, const log_config_t *cfg,
              int64_t recovery_point, int64_t log_start_offset, int needs_recovery, plog_t **plogp,
              char *errstr, size_t errstr_size)
{
	int ret = -1;
	static uint64_t plog_gen_seq; /* the loop thread's */
	plog_t *plog = calloc(1, sizeof(*plog));
	if (!plog) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	plog->partition = partition;
	plog->cfg = *cfg;
	plog->deleter = storage_default_deleter;
	plog->now_ms = plog_default_clock;
	plog->first_unflushed_ms = -1;
	/* Unique across every log this process opens, so that a result for a
	 * deleted and re-created partition never matches (log_cleaner.h). */
	plog->cleaner_gen = ++plog_gen_seq << 32;
	plog_cache_clear(plog);
	pstate_init(&plog->ps);
	pstate_set_max(&plog->ps, cfg->max_producer_ids > 0 ? (size_t)cfg->max_producer_ids : 0);
	plog->dir = strdup(dir);
	plog->topic = strdup(topic);
	if (!plog->dir || !plog->topic) {
		snprintf(errstr, errstr_size, "out of memory");
		goto out;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(errstr, errstr_size, "cannot create partition dir %s: %s", dir,
		         strerror(errno));
		goto out;
	}
	char ecerr[256];
	if (epoch_cache_open(&plog->ec, dir, ecerr, sizeof(ecerr)) < 0) {
		/* Not fatal: the cache only sharpens follower truncation. */
		flog(LOG_WARNING, "storage", "%s-%d: %s; starting with an empty leader-epoch cache",
		     topic, partition, ecerr);
		if (!plog->ec.path) {
			snprintf(errstr, errstr_size, "%s", ecerr);
			goto out;
		}
		epoch_cache_clear(&plog->ec);
	}
	if (plog_load(plog, needs_recovery, recovery_point, errstr, errstr_size) < 0)
		goto out;
	int64_t leo = plog_active(plog)->next_offset;
	plog->log_start = plog->segs[0]->base_offset;
	if (log_start_offset > plog->log_start)
		plog->log_start = log_start_offset < leo ? log_start_offset : leo;
	plog->recovery_point = recovery_point < leo ? recovery_point : leo;
	if (plog->recovery_point < plog->log_start)
		plog->recovery_point = plog->log_start;
	plog->hw = plog->log_start;
	epoch_cache_truncate_from_end(&plog->ec, leo);
	epoch_cache_truncate_from_start(&plog->ec, plog->log_start);
	*plogp = plog;
	plog = NULL;
	ret = 0;
out:
	if (plog)
		plog_close(plog, 0);
	return ret;
}

int plog_flush_sync(plog_t *plog)
{
	int ret = 0;
	for (size_t i = 0; i < plog->seg_cnt; i++) {
		log_segment_t *seg = plog->segs[i];
		if (seg->next_offset <= plog->recovery_point && seg != plog_active(plog))
			continue;
		int r = segment_flush(seg);
		if (r < 0 && ret == 0) {
			ret = r;
			plog_flush_failed(plog, r);
		}
	}
	if (ret == 0) {
		plog->recovery_point = plog_log_end_offset(plog);
		plog->first_unflushed_ms = -1;
	}
	return ret;
}

void plog_close(plog_t *plog, int flush)
{
	if (!plog)
		return;
	if (plog->cleaner_token)
		plog_cleaner_invalidate(plog); /* a pass in flight installs nothing */
	if (flush && plog->seg_cnt > 0 && !plog_is_offline(plog))
		plog_flush_sync(plog); /* a failure takes the dir offline (no clean marker) */
	for (size_t i = 0; i < plog->seg_cnt; i++)
		segment_close(plog->segs[i]);
	free(plog->segs);
	epoch_cache_close(&plog->ec);
	pstate_destroy(&plog->ps);
	free(plog->dir);
	free(plog->topic);
	free(plog);
}

/* ------------------------------------------------------------ append */

/* The topic's message.timestamp.difference.max.ms against the records a
 * reader will see (every record lies between info's min and max) and the
 * header's maxTimestamp, which the indexes and retention use. CreateTime
 * only: a LogAppendTime batch's time is the broker's business. */
static fjord_err_t plog_check_time_difference(const plog_t *plog, const uint8_t *batch,
                                              const record_validate_info_t *rv, char *errstr,
                                              size_t errstr_size)
{
	int64_t limit = plog->cfg.message_timestamp_difference_max_ms, now, ts = -1;
	int32_t rec = -1;
	const char *which = NULL;

	if (limit == INT64_MAX || (rb_attributes(batch) & RB_ATTR_TIMESTAMP_TYPE))
		return FJORD_ERR_NO_ERROR;
	now = plog_now(plog);
	/* Timestamps are >= -1 here (record_validate), now > 0: no overflow. */
	if (rv->min_timestamp_record >= 0 && now - rv->min_timestamp > limit) {
		ts = rv->min_timestamp;
		rec = rv->min_timestamp_record;
		which = "before";
	} else if (rv->max_timestamp_record >= 0 && rv->max_timestamp - now > limit) {
		ts = rv->max_timestamp;
		rec = rv->max_timestamp_record;
		which = "after";
	} else if (rb_max_timestamp(batch) != -1 && rb_max_timestamp(batch) - now > limit) {
		ts = rb_max_timestamp(batch);
		which = "after";
	}
	if (!which)
		return FJORD_ERR_NO_ERROR;
	if (rec >= 0)
		snprintf(errstr, errstr_size,
		         "record %" PRId32 ": timestamp %" PRId64 " is %" PRId64
		         " ms %s the broker's time, more than "
		         "message.timestamp.difference.max.ms (%" PRId64 ")",
		         rec, ts, which[0] == 'b' ? now - ts : ts - now, which, limit);
	else
		snprintf(errstr, errstr_size,
		         "maxTimestamp %" PRId64 " is %" PRId64 " ms after the broker's time, more "
		         "than message.timestamp.difference.max.ms (%" PRId64 ")",
		         ts, ts - now, limit);
	return FJORD_ERR_INVALID_TIMESTAMP;
}

/* The leader's idempotence checks (producer_state.h) of a payload whose
 * batch idem is an idempotent producer's: alone in the payload (Kafka's
 * rule: one batch per partition per request), in sequence and epoch. A
 * duplicate turns info into the original's offsets with duplicate set. */
static fjord_err_t plog_check_idempotent(const plog_t *plog, const pstate_append_t *idem,
                                         plog_append_info_t *info, char *errstr, size_t errstr_size)
{
	const pstate_batch_t *dup;
	fjord_err_t err;

	if (info->batch_cnt > 1) {
		snprintf(errstr, errstr_size,
		         "an idempotent producer sends one batch per partition per request "
		         "(producer %" PRId64 ", %" PRId32 " batches)",
		         idem->producer_id, info->batch_cnt);
		return FJORD_ERR_INVALID_RECORD;
	}
	err = pstate_check(&plog->ps, idem, &dup, errstr, errstr_size);
	if (err != FJORD_ERR_NO_ERROR || !dup)
		return err;
	flog(LOG_DEBUG, "storage",
	     "%s-%d: duplicate batch of producer %" PRId64 " epoch %d sequences %" PRId32
	     "-%" PRId32 " answered with offsets %" PRId64 "-%" PRId64,
	     plog->topic, plog->partition, idem->producer_id, (int)idem->epoch, dup->first_seq,
	     dup->last_seq, dup->first_offset, dup->last_offset);
	memset(info, 0, sizeof(*info));
	info->first_offset = dup->first_offset;
	info->last_offset = dup->last_offset;
	info->max_timestamp = -1;
	info->offset_of_max_timestamp = -1;
	info->duplicate = 1;
	return FJORD_ERR_NO_ERROR;
}

/* Validates every batch of buf; counts and checks offsets. A leader's
 * append (assign_offsets) also validates every record of every batch
 * (record_validate, decompressing into scratch), the topic's timestamp
 * difference and an idempotent producer's sequence and epoch
 * (plog_check_idempotent); a follower's only the batches (CRC), since its
 * leader validated the records. Returns 0 or an error with the reason in
 * errstr, appending nothing; 0 with info->duplicate for a duplicate. */
static fjord_err_t plog_validate(plog_t *plog, const uint8_t *buf, size_t len, int assign_offsets,
                                 record_scratch_t *scratch, plog_append_info_t *info, char *errstr,
                                 size_t errstr_size)
{
	rb_iter_t it;
	const uint8_t *batch;
	size_t bsize;
	int64_t expect = plog_log_end_offset(plog);
	char why[256];
	fjord_err_t err;
	pstate_append_t idem = { .producer_id = -1 };
	memset(info, 0, sizeof(*info));
	info->max_timestamp = -1;
	info->first_offset = -1;
	rb_iter_init(&it, buf, len, 1, 0);
	int r;
	while ((r = rb_iter_next(&it, &batch, &bsize)) == 1) {
		if (bsize > (size_t)plog->cfg.max_message_bytes) {
			snprintf(errstr, errstr_size,
			         "batch of %zu bytes exceeds max.message.bytes %" PRId32, bsize,
			         plog->cfg.max_message_bytes);
			err = FJORD_ERR_MESSAGE_TOO_LARGE;
			goto refused;
		}
		int64_t base = rb_base_offset(batch);
		int32_t delta = rb_last_offset_delta(batch);
		if (assign_offsets) {
			record_validate_info_t rv;
			why[0] = '\0';
			err = record_validate(batch, bsize, scratch, &rv, why, sizeof(why));
			if (!err && (plog->cfg.cleanup_policy & LOG_CLEANUP_COMPACT) &&
			    rv.first_null_key_record >= 0) {
				/* Kafka's rule: compaction keeps the latest record
				 * per key, so a record without one has no place. */
				snprintf(why, sizeof(why),
				         "record %" PRId32
				         ": a compacted topic (cleanup.policy=%s) "
				         "takes only records with a key",
				         rv.first_null_key_record,
				         cleanup_policy_name(plog->cfg.cleanup_policy));
				err = FJORD_ERR_INVALID_RECORD;
			}
			if (!err)
				err =
				    plog_check_time_difference(plog, batch, &rv, why, sizeof(why));
			if (err) {
				/* "record 3: ..." names a record of the first batch;
				 * later batches are named too. */
				if (info->batch_cnt > 0)
					snprintf(errstr, errstr_size, "batch %" PRId32 ", %s",
					         info->batch_cnt, why);
				else
					snprintf(errstr, errstr_size, "%s", why);
				goto refused;
			}
		}
		if (delta < 0) { /* an empty batch (a leader's: refused above) */
			snprintf(errstr, errstr_size, "negative lastOffsetDelta %" PRId32, delta);
			err = FJORD_ERR_CORRUPT_MESSAGE;
			goto refused;
		}
		if (assign_offsets) {
			base = expect;
		} else if (base < expect) {
			flog(LOG_WARNING, "storage",
			     "%s-%d: follower batch at offset %" PRId64
			     " is below the log end %" PRId64,
			     plog->topic, plog->partition, base, expect);
			snprintf(errstr, errstr_size,
			         "batch at offset %" PRId64 " is below the log end %" PRId64, base,
			         expect);
			return FJORD_ERR_CORRUPT_MESSAGE;
		}
		if (info->batch_cnt == 0)
			info->first_offset = base;
		if (assign_offsets && idem.producer_id < 0 && rb_producer_id(batch) >= 0) {
			idem.producer_id = rb_producer_id(batch);
			idem.epoch = rb_producer_epoch(batch);
			idem.first_seq = rb_base_sequence(batch);
			idem.last_seq = rb_last_sequence(batch);
		}
		if (rb_max_timestamp(batch) > info->max_timestamp || info->batch_cnt == 0) {
			info->max_timestamp = rb_max_timestamp(batch);
			info->offset_of_max_timestamp = base;
		}
		info->last_offset = base + delta;
		info->record_cnt += rb_records_count(batch);
		info->batch_cnt++;
		expect = base + delta + 1;
	}
	if (r < 0) {
		snprintf(errstr, errstr_size, "%s", it.errmsg ? it.errmsg : "malformed batch");
		err = it.err != FJORD_ERR_NO_ERROR ? it.err : FJORD_ERR_CORRUPT_MESSAGE;
		goto refused;
	}
	if (info->batch_cnt == 0) {
		snprintf(errstr, errstr_size, "no record batch");
		return FJORD_ERR_CORRUPT_MESSAGE;
	}
	info->bytes = len;
	if (idem.producer_id >= 0) {
		err = plog_check_idempotent(plog, &idem, info, errstr, errstr_size);
		if (err != FJORD_ERR_NO_ERROR)
			goto refused;
	}
	return FJORD_ERR_NO_ERROR;
refused:
	flog(LOG_INFO, "storage", "%s-%d: rejected append: %s: %s", plog->topic, plog->partition,
	     fjord_err2name(err), errstr);
	return err;
}

/* Does the active segment have to roll before taking len bytes up to
 * last_offset? */
static int plog_should_roll(const plog_t *plog, size_t len, int64_t last_offset, int64_t now)
{
	const log_segment_t *seg = plog_active(plog);
	if (seg->size == 0)
		return 0;
	if (seg->size + (int64_t)len > plog->cfg.segment_bytes)
		return 1;
	if (seg->size + (int64_t)len > (int64_t)UINT32_MAX)
		return 1;
	if (last_offset - seg->base_offset > (int64_t)UINT32_MAX)
		return 1;
	if (seg->first_batch_ms >= 0 && now - seg->first_batch_ms >= plog->cfg.roll_ms)
		return 1;
	return segment_index_full(seg);
}

/* The produce answer's message for an append that failed with an error of
 * this kind. */
static void plog_append_failed(const plog_t *plog, sio_err_kind_t kind, char *errstr,
                               size_t errstr_size)
{
	if (kind == SIO_ERR_SPACE)
		snprintf(errstr, errstr_size,
		         "the partition's log dir is full; nothing was stored");
	else if (plog_is_offline(plog))
		snprintf(errstr, errstr_size,
		         "write to the partition's log failed; its log dir is offline");
	else
		snprintf(errstr, errstr_size,
		         "write to the partition's log failed; nothing was stored");
}

/* plog_append and plog_append_leader. A leader's append without a scratch
 * uses one of its own for this call. */
static fjord_err_t plog_append_run(plog_t *plog, uint8_t *buf, size_t len, int32_t leader_epoch,
                                   int assign_offsets, record_scratch_t *scratch,
                                   plog_append_info_t *info, char *errstr, size_t errstr_size)
{
	plog_append_info_t local;
	record_scratch_t own;
	char why[256];
	if (!info)
		info = &local;
	if (!errstr || !errstr_size) {
		errstr = why;
		errstr_size = sizeof(why);
	}
	errstr[0] = '\0';
	if (plog_is_offline(plog)) {
		snprintf(errstr, errstr_size, "the partition's log is offline after a disk error");
		return FJORD_ERR_STORAGE_ERROR;
	}
	if (assign_offsets && !scratch) {
		record_scratch_init(&own, 0);
		scratch = &own;
	}
	fjord_err_t err =
	    plog_validate(plog, buf, len, assign_offsets, scratch, info, errstr, errstr_size);
	if (scratch == &own)
		record_scratch_free(&own);
	if (err != FJORD_ERR_NO_ERROR || info->duplicate)
		return err;
	int64_t now = plog_now(plog);
	int ret;
	if (plog_should_roll(plog, len, info->last_offset, now) && (ret = plog_roll(plog)) < 0) {
		/* plog_roll reported it */
		plog_append_failed(plog, sio_err_kind(ret), errstr, errstr_size);
		return FJORD_ERR_STORAGE_ERROR;
	}
	/* Patch offsets and epochs in place; both lie outside the CRC. */
	rb_iter_t it;
	const uint8_t *batch;
	size_t bsize;
	int64_t next = info->first_offset;
	rb_iter_init(&it, buf, len, 0, 0);
	while (rb_iter_next(&it, &batch, &bsize) == 1) {
		uint8_t *b = buf + (batch - buf);
		if (assign_offsets) {
			rb_set_base_offset(b, next);
			rb_set_leader_epoch(b, leader_epoch);
			next += rb_last_offset_delta(b) + 1;
		}
	}
	ret = segment_append(plog_active(plog), buf, len, now);
	if (ret < 0) {
		plog_append_failed(
		    plog, plog_io_error(plog, ret, "append to", plog_active(plog)->log_path),
		    errstr, errstr_size);
		return FJORD_ERR_STORAGE_ERROR;
	}
	if (plog->ld)
		log_dir_append_ok(plog->ld);
	if (assign_offsets) {
		epoch_cache_assign(&plog->ec, leader_epoch, info->first_offset);
	} else {
		rb_iter_init(&it, buf, len, 0, 0);
		while (rb_iter_next(&it, &batch, &bsize) == 1)
			epoch_cache_assign(&plog->ec, rb_leader_epoch(batch),
			                   rb_base_offset(batch));
	}
	/* Only now that the batches are stored does the state learn them. */
	rb_iter_init(&it, buf, len, 0, 0);
	while (rb_iter_next(&it, &batch, &bsize) == 1)
		if (pstate_update_from_header(&plog->ps, batch, now) < 0)
			flog(LOG_ERR, "storage",
			     "%s-%d: out of memory: producer %" PRId64
			     " not recorded; a retry of its batch at offset %" PRId64
			     " may be stored twice",
			     plog->topic, plog->partition, rb_producer_id(batch),
			     rb_base_offset(batch));
	if (plog->first_unflushed_ms < 0)
		plog->first_unflushed_ms = now;
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t plog_append(plog_t *plog, uint8_t *buf, size_t len, int32_t leader_epoch,
                        int assign_offsets, plog_append_info_t *info)
{
	return plog_append_run(plog, buf, len, leader_epoch, assign_offsets, NULL, info, NULL, 0);
}

fjord_err_t plog_append_leader(plog_t *plog, uint8_t *buf, size_t len, int32_t leader_epoch,
                               record_scratch_t *scratch, plog_append_info_t *info, char *errstr,
                               size_t errstr_size)
{
	return plog_append_run(plog, buf, len, leader_epoch, 1, scratch, info, errstr, errstr_size);
}

/* ------------------------------------------------------------ read */

/* Index of the last segment with base_offset <= offset (0 if none). */
static size_t plog_segment_index(const plog_t *plog, int64_t offset)
{
	size_t lo = 0, hi = plog->seg_cnt;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (plog->segs[mid]->base_offset <= offset)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static void plog_cache_put(plog_t *plog, int64_t seg_base, int64_t offset, int64_t pos)
{
	for (int i = 0; i < PLOG_POS_CACHE; i++) {
		if (plog->cache[i].seg_base == seg_base && plog->cache[i].offset == offset)
			return;
	}
	plog_pos_cache_t *c = &plog->cache[plog->cache_next++ % PLOG_POS_CACHE];
	c->seg_base = seg_base;
	c->offset = offset;
	c->pos = pos;
}

/* Best cached boundary in seg at or before offset: *posp and *offp, or -1. */
static void plog_cache_get(const plog_t *plog, int64_t seg_base, int64_t offset, int64_t *posp,
                           int64_t *offp)
{
	*posp = -1;
	*offp = -1;
	for (int i = 0; i < PLOG_POS_CACHE; i++) {
		const plog_pos_cache_t *c = &plog->cache[i];
		if (c->seg_base == seg_base && c->offset <= offset && c->offset > *offp) {
			*posp = c->pos;
			*offp = c->offset;
		}
	}
}

fjord_err_t plog_read(plog_t *plog, int64_t offset, int32_t max_bytes, int64_t max_offset,
                      plog_read_t *out)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->log_start_offset = plog->log_start;
	out->log_end_offset = plog_log_end_offset(plog);
	out->high_watermark = plog->hw;
	out->first_offset = offset;
	out->next_offset = offset;
	if (plog_is_offline(plog))
		return FJORD_ERR_STORAGE_ERROR;
	if (offset < plog->log_start || offset > out->log_end_offset)
		return FJORD_ERR_OFFSET_OUT_OF_RANGE;
	if (offset >= max_offset)
		return FJORD_ERR_NO_ERROR;
	size_t si = plog_segment_index(plog, offset);
	log_segment_t *seg;
	int64_t pos = 0, base = 0;
	for (;;) {
		seg = plog->segs[si];
		int64_t cpos, coff;
		plog_cache_get(plog, seg->base_offset, offset, &cpos, &coff);
		int r = segment_find(seg, offset, cpos, coff, &pos, &base);
		if (r == SEGMENT_FIND_CORRUPT)
			return FJORD_ERR_CORRUPT_MESSAGE; /* log_recovery.c logged the range */
		if (r < 0) {
			plog_io_error(plog, r, "read of", seg->log_path);
			return FJORD_ERR_STORAGE_ERROR;
		}
		if (r == 0)
			break;
		if (++si == plog->seg_cnt)
			return FJORD_ERR_NO_ERROR; /* offset == LEO in a gap: nothing yet */
	}
	/* Collect whole batches: the first always, then while under max_bytes. */
	uint8_t hdr[RB_HEADER_SIZE];
	int64_t end = pos, next = offset;
	for (;;) {
		if (segment_corrupt_at(seg, end))
			break; /* the next read starts there and gets the error */
		int r = segment_read_header(seg, end, hdr);
		if (r < 0) {
			plog_io_error(plog, r, "read of", seg->log_path);
			return FJORD_ERR_STORAGE_ERROR;
		}
		if (r == 0)
			break;
		int64_t total = (int64_t)rb_total_size(hdr);
		if (rb_last_offset(hdr) >= max_offset)
			break;
		if (end > pos && end - pos + total > (int64_t)max_bytes)
			break;
		end += total;
		next = rb_last_offset(hdr) + 1;
	}
	out->fd = seg->log_fd;
	out->sfd = end > pos ? seg->log_sfd : NULL;
	out->position = pos;
	out->length = (size_t)(end - pos);
	out->first_offset = end > pos ? base : offset;
	out->next_offset = next;
	if (end > pos)
		plog_cache_put(plog, seg->base_offset, next, end);
	return FJORD_ERR_NO_ERROR;
}

/* The first record of the batch at pos with timestamp >= ts (and offset >=
 * the log start); falls back to the batch's base offset when the batch
 * cannot be decoded. */
static int plog_record_for_timestamp(plog_t *plog, log_segment_t *seg, int64_t pos, int64_t ts,
                                     int64_t *offsetp, int64_t *tsp)
{
	uint8_t hdr[RB_HEADER_SIZE];
	int ret = segment_read_header(seg, pos, hdr);
	if (ret <= 0)
		return ret < 0 ? ret : -EIO;
	size_t total = rb_total_size(hdr);
	*offsetp = rb_base_offset(hdr);
	*tsp = rb_max_timestamp(hdr);
	uint8_t *buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	ssize_t n = sio_pread(seg->log_fd, buf, total, pos, seg->log_path);
	if (n != (ssize_t)total) {
		free(buf);
		return n < 0 ? (int)n : -EIO;
	}
	rb_reader_t rd;
	rb_reader_init(&rd);
	if (rb_reader_open(&rd, buf, total) == FJORD_ERR_NO_ERROR) {
		rb_record_t rec;
		while (rb_reader_next(&rd, &rec) == 1) {
			if (rec.timestamp >= ts && rec.offset >= plog->log_start) {
				*offsetp = rec.offset;
				*tsp = rec.timestamp;
				break;
			}
		}
	}
	rb_reader_destroy(&rd);
	free(buf);
	return 0;
}

fjord_err_t plog_offset_for_timestamp(plog_t *plog, int64_t ts, int64_t *offsetp, int64_t *tsp)
{
	int64_t dummy;
	if (!tsp)
		tsp = &dummy;
	*tsp = -1;
	*offsetp = -1;
	if (plog_is_offline(plog))
		return FJORD_ERR_STORAGE_ERROR;
	if (ts == -2) {
		*offsetp = plog->log_start;
		return FJORD_ERR_NO_ERROR;
	}
	if (ts == -1) {
		*offsetp = plog_log_end_offset(plog);
		return FJORD_ERR_NO_ERROR;
	}
	for (size_t i = 0; i < plog->seg_cnt; i++) {
		log_segment_t *seg = plog->segs[i];
		if (seg->size == 0 || seg->max_timestamp < ts ||
		    seg->next_offset <= plog->log_start)
			continue;
		int64_t pos, base;
		int r = segment_find_timestamp(seg, ts, &pos, &base);
		if (r == 1)
			continue;
		if (r == 0)
			r = plog_record_for_timestamp(plog, seg, pos, ts, offsetp, tsp);
		if (r < 0) {
			if (r == -ENOMEM || r == -EBADMSG)
				flog(LOG_ERR, "storage", "%s-%d: timestamp lookup in %s failed: %s",
				     plog->topic, plog->partition, seg->log_path, strerror(-r));
			else
				plog_io_error(plog, r, "timestamp lookup in", seg->log_path);
			return FJORD_ERR_STORAGE_ERROR;
		}
		if (*offsetp < plog->log_start)
			*offsetp = plog->log_start;
		return FJORD_ERR_NO_ERROR;
	}
	return FJORD_ERR_NO_ERROR;
}

/* ------------------------------------------------------------ accessors */

int64_t plog_log_start_offset(const plog_t *plog)
{
	return plog->log_start;
}

int64_t plog_log_end_offset(const plog_t *plog)
{
	/* No segment only after a failed restart (the log is then offline). */
	return plog->seg_cnt ? plog_active(plog)->next_offset : plog->log_start;
}

int64_t plog_high_watermark(const plog_t *plog)
{
	return plog->hw;
}

void plog_set_high_watermark(plog_t *plog, int64_t hw)
{
	int64_t leo = plog_log_end_offset(plog);
	if (hw > leo)
		hw = leo;
	if (hw < plog->log_start)
		hw = plog->log_start;
	plog->hw = hw;
}

int64_t plog_recovery_point(const plog_t *plog)
{
	return plog->recovery_point;
}

int64_t plog_size_bytes(const plog_t *plog)
{
	int64_t total = 0;
	for (size_t i = 0; i < plog->seg_cnt; i++)
		total += plog->segs[i]->size;
	return total;
}

int plog_segment_count(const plog_t *plog)
{
	return (int)plog->seg_cnt;
}

const char *plog_topic(const plog_t *plog)
{
	return plog->topic;
}

int32_t plog_partition(const plog_t *plog)
{
	return plog->partition;
}

const char *plog_dir(const plog_t *plog)
{
	return plog->dir;
}

int plog_is_offline(const plog_t *plog)
{
	return plog->offline || (plog->ld && plog->ld->offline);
}

void plog_set_log_dir(plog_t *plog, struct log_dir *ld)
{
	plog->ld = ld;
}

void plog_flush_failed(plog_t *plog, int err)
{
	if (plog->ld)
		log_dir_fail(plog->ld, err, "fsync of", plog->dir);
	else
		flog(LOG_ERR, "storage", "%s-%d: fsync failed: %s; the log is offline", plog->topic,
		     plog->partition, strerror(err < 0 ? -err : err));
	plog->offline = 1;
}

const log_config_t *plog_config(const plog_t *plog)
{
	return &plog->cfg;
}

void plog_set_config(plog_t *plog, const log_config_t *cfg)
{
	/* A pass under way for a policy no longer set is not installed. */
	if ((plog->cfg.cleanup_policy & LOG_CLEANUP_COMPACT) &&
	    !(cfg->cleanup_policy & LOG_CLEANUP_COMPACT))
		plog_cleaner_invalidate(plog);
	plog->cfg = *cfg;
	pstate_set_max(&plog->ps, cfg->max_producer_ids > 0 ? (size_t)cfg->max_producer_ids : 0);
	for (size_t i = 0; i < plog->seg_cnt; i++)
		segment_set_config(plog->segs[i], cfg->index_interval_bytes,
		                   cfg->segment_index_bytes);
}

uint64_t plog_take_producers_evicted(plog_t *plog)
{
	uint64_t n = plog->ps.evicted - plog->evicted_reported;

	plog->evicted_reported = plog->ps.evicted;
	return n;
}

size_t plog_expire_producers(plog_t *plog, int64_t now_ms, int64_t expiration_ms)
{
	size_t n = pstate_expire(&plog->ps, now_ms, expiration_ms);
	if (n > 0)
		flog(LOG_INFO, "storage",
		     "%s-%d: %zu idempotent producer(s) expired after %" PRId64
		     " ms without a batch (producer.id.expiration.ms); %zu left",
		     plog->topic, plog->partition, n, expiration_ms, plog->ps.cnt);
	return n;
}

epoch_cache_t *plog_epoch_cache(plog_t *plog)
{
	return &plog->ec;
}

void plog_set_deleter(plog_t *plog, storage_deleter_fn *fn, void *arg)
{
	plog->deleter = fn ? fn : storage_default_deleter;
	plog->deleter_arg = fn ? arg : NULL;
}

void plog_set_clock(plog_t *plog, int64_t (*now_ms)(void *arg), void *arg)
{
	plog->now_ms = now_ms ? now_ms : plog_default_clock;
	plog->now_arg = now_ms ? arg : NULL;
}

/* ------------------------------------------------------------ roll, truncate */

int plog_roll(plog_t *plog)
{
	if (plog_is_offline(plog))
		return -EIO;
	log_segment_t *active = plog_active(plog), *seg = NULL;
	if (active->size == 0)
		return 0;
	char errstr[256];
	int ret = segment_open(plog->dir, active->next_offset, 1, plog->cfg.index_interval_bytes,
	                       plog->cfg.segment_index_bytes, &seg, errstr, sizeof(errstr));
	if (ret < 0) {
		if (plog_io_error(plog, ret, "creating a segment in", plog->dir) ==
		    SIO_ERR_TRANSIENT)
			flog(LOG_ERR, "storage", "%s-%d: cannot roll a new segment: %s",
			     plog->topic, plog->partition, errstr);
		return ret;
	}
	if (seg->size != 0) {
		/* A leftover file at the new base offset would break ordering. */
		flog(LOG_ERR, "storage",
		     "%s-%d: segment %s already exists and is not empty; the log is offline",
		     plog->topic, plog->partition, seg->log_path);
		segment_close(seg);
		plog->offline = 1;
		return -EEXIST;
	}
	ret = plog_push_segment(plog, seg);
	if (ret < 0) {
		segment_close(seg);
		return ret;
	}
	flog(LOG_DEBUG, "storage", "%s-%d: rolled segment %020" PRId64, plog->topic,
	     plog->partition, seg->base_offset);
	/* The producer state as of the new base offset: the next open replays
	 * only what follows. Losing it costs only a longer rebuild, but a disk
	 * error is one, whatever file it hit. */
	if ((ret = psnap_write(plog->dir, seg->base_offset, &plog->ps)) < 0) {
		if (plog_io_error(plog, ret, "writing a producer-state snapshot in", plog->dir) ==
		    SIO_ERR_DISK)
			return ret;
		flog(LOG_WARNING, "storage",
		     "%s-%d: no producer-state snapshot at offset %" PRId64
		     "; the next open rebuilds from an older one",
		     plog->topic, plog->partition, seg->base_offset);
	}
	return 0;
}

/* Removes every producer-state snapshot at or above offset. */
static void plog_snapshot_remove_from(plog_t *plog, int64_t offset)
{
	int64_t *offs = NULL;
	size_t cnt = 0;
	if (plog_snapshot_list(plog, &offs, &cnt) < 0)
		return; /* the next rebuild skips those above the log end */
	for (size_t i = 0; i < cnt; i++)
		if (offs[i] >= offset)
			plog_snapshot_remove(plog, offs[i], "truncated producer-state snapshot");
	free(offs);
}

/* After truncation: clamp HW, recovery point and the epoch cache to the LEO. */
static void plog_after_truncate(plog_t *plog)
{
	int64_t leo = plog_log_end_offset(plog);
	if (plog->hw > leo)
		plog->hw = leo;
	if (plog->recovery_point > leo)
		plog->recovery_point = leo;
	epoch_cache_truncate_from_end(&plog->ec, leo);
	plog_cache_clear(plog);
}

int plog_truncate_to(plog_t *plog, int64_t offset)
{
	int ret;

	if (plog_is_offline(plog))
		return -EIO;
	if (offset >= plog_log_end_offset(plog))
		return 0;
	if (offset < plog->log_start)
		return plog_truncate_fully_and_start_at(plog, offset);
	plog_cleaner_invalidate(plog);
	if (plog->clean_point > offset)
		plog->clean_point = offset;
	while (plog->seg_cnt > 1 && plog_active(plog)->base_offset >= offset) {
		log_segment_t *seg = plog_active(plog);
		plog->seg_cnt--;
		plog_discard_segment(plog, seg);
	}
	int64_t removed = segment_truncate_to(plog_active(plog), offset);
	if (removed < 0) {
		/* Whatever the error, the log is in an unknown state now. */
		if (plog_io_error(plog, (int)removed, "truncation of",
		                  plog_active(plog)->log_path) != SIO_ERR_DISK)
			flog(LOG_ERR, "storage",
			     "%s-%d: truncation to %" PRId64 " failed: %s; log is offline",
			     plog->topic, plog->partition, offset, strerror((int)-removed));
		plog->offline = 1;
		return (int)removed;
	}
	plog_after_truncate(plog);
	plog_corrupt_sync(plog);
	if ((ret = plog_pstate_rebuild(plog)) < 0) {
		/* The log itself is consistent; the state is what we lost. */
		flog(LOG_ERR, "storage",
		     "%s-%d: cannot rebuild the producer state after truncation: %s; the log is "
		     "offline",
		     plog->topic, plog->partition, strerror(-ret));
		plog->offline = 1;
		return ret;
	}
	flog(LOG_INFO, "storage", "%s-%d: truncated to offset %" PRId64 ", log end offset %" PRId64,
	     plog->topic, plog->partition, offset, plog_log_end_offset(plog));
	return 0;
}

int plog_truncate_fully_and_start_at(plog_t *plog, int64_t offset)
{
	log_segment_t *seg = NULL;
	char errstr[256];
	if (offset < 0)
		return -EINVAL;
	plog_cleaner_invalidate(plog);
	plog->clean_point = offset;
	while (plog->seg_cnt > 0) {
		log_segment_t *old = plog->segs[--plog->seg_cnt];
		plog_discard_segment(plog, old);
	}
	int ret = segment_open(plog->dir, offset, 1, plog->cfg.index_interval_bytes,
	                       plog->cfg.segment_index_bytes, &seg, errstr, sizeof(errstr));
	if (ret == 0 && seg->size != 0) {
		segment_close(seg);
		seg = NULL;
		ret = -EEXIST;
		snprintf(errstr, sizeof(errstr), "a non-empty segment file already exists");
	}
	if (ret == 0)
		ret = plog_push_segment(plog, seg);
	if (ret < 0) {
		if (plog_io_error(plog, ret, "restarting the log in", plog->dir) != SIO_ERR_DISK)
			flog(LOG_ERR, "storage",
			     "%s-%d: cannot restart the log at %" PRId64 ": %s; offline",
			     plog->topic, plog->partition, offset, errstr);
		segment_close(seg);
		/* Keep the invariant "at least one segment" for accessors. */
		plog->offline = 1;
		return ret;
	}
	plog->log_start = plog->hw = plog->recovery_point = offset;
	plog->first_unflushed_ms = -1;
	epoch_cache_clear(&plog->ec);
	pstate_clear(&plog->ps);
	plog_snapshot_remove_from(plog, INT64_MIN);
	plog_cache_clear(plog);
	plog_corrupt_sync(plog);
	flog(LOG_INFO, "storage", "%s-%d: truncated fully, log restarts at offset %" PRId64,
	     plog->topic, plog->partition, offset);
	return 0;
}

/* ------------------------------------------------------------ flush */

int plog_flush_begin(plog_t *plog, int *dup_fd_out, int64_t *upto)
{
	int64_t leo = plog_log_end_offset(plog);
	if (plog_is_offline(plog) || plog->seg_cnt == 0 || plog->recovery_point >= leo)
		return 0;
	for (size_t i = plog_segment_index(plog, plog->recovery_point); i < plog->seg_cnt; i++) {
		log_segment_t *seg = plog->segs[i];
		int last = i + 1 == plog->seg_cnt;
		int64_t end = last ? leo : plog->segs[i + 1]->base_offset;
		if (end <= plog->recovery_point)
			continue;
		int fd = dup(seg->log_fd);
		if (fd < 0)
			return -errno;
		*dup_fd_out = fd;
		*upto = end;
		return 1;
	}
	return 0;
}

void plog_flush_end(plog_t *plog, int64_t upto)
{
	int64_t leo = plog_log_end_offset(plog);
	if (upto > leo)
		upto = leo;
	if (upto > plog->recovery_point)
		plog->recovery_point = upto;
	if (plog->recovery_point >= leo)
		plog->first_unflushed_ms = -1;
}

int plog_flush_due(const plog_t *plog, int64_t now_ms)
{
	int64_t unflushed = plog_log_end_offset(plog) - plog->recovery_point;
	if (unflushed <= 0)
		return 0;
	if (unflushed >= plog->cfg.flush_interval_messages)
		return 1;
	return plog->first_unflushed_ms >= 0 &&
	       now_ms - plog->first_unflushed_ms >= plog->cfg.flush_interval_ms;
}
