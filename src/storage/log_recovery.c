/*
 * log_recovery.c — loading a partition log at open, and crash recovery.
 *
 * Finishes an interrupted compaction swap (a complete *.log.swap replaces
 * the segments it covers: plog_cleaner_recover_swaps), lists the partition
 * directory, removes leftovers of interrupted work (*.deleted, *.cleaned,
 * *.tmp, other *.swap) and index files without a .log,
 * opens the segments in base-offset order, and then:
 *   - without a clean shutdown: re-reads every batch of every segment that
 *     holds offsets at or after the recovery point, checks its CRC, and
 *     rebuilds that segment's indexes. Only a torn tail of the active
 *     segment is cut; damage followed by intact batches (found by
 *     resynchronising, segment_recover), or at the end of an older segment,
 *     is kept as a corrupt range and logged: later data is never deleted;
 *   - always: scans again the segments that the corrupt-segments file
 *     (log_corrupt.c) names, so known ranges survive a clean restart;
 *   - always: rebuilds an index that is missing or inconsistent, and
 *     recovers a segment whose tail does not parse (valid_end < size);
 *   - always: rebuilds the producer state (producer_state.h): the newest
 *     valid snapshot at or below the log end (producer_snapshot.h; corrupt
 *     ones are logged and removed, those above the log end removed), then
 *     the batch headers after it (plog_pstate_rebuild, also run after a
 *     truncation).
 * Progress goes to the log ("recovering partition t-0: segment 3/7").
 * Runs on the thread that opens the log (the loop thread at start-up).
 */
#include "storage/plog_int.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/flog.h"
#include "common/record_batch.h"
#include "storage/log_cleaner.h"

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "%020lld<suffix>" -> base offset; -1 when name is not a segment file. */
static int64_t recovery_parse_segment_name(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);
	if (n != 20 + m || strcmp(name + 20, suffix) != 0)
		return -1;
	int64_t v = 0;
	for (int i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		int d = name[i] - '0';
		/* The exact bound: (INT64_MAX - 9) / 10 refused the names of
		 * the segments plog_roll gives base offsets near INT64_MAX. */
		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	return v;
}

static int recovery_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void recovery_unlink(const plog_t *plog, const char *name, const char *why)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", plog->dir, name);
	if (unlink(path) == 0)
		flog(LOG_INFO, "storage", "%s-%d: removed %s %s", plog->topic, plog->partition, why,
		     path);
	else
		flog(LOG_WARNING, "storage", "%s-%d: cannot remove %s: %s", plog->topic,
		     plog->partition, path, strerror(errno));
}

/* Collects the base offsets of *.log files and removes stray files. */
static int recovery_list(plog_t *plog, int64_t **basesp, size_t *cntp, char *errstr,
                         size_t errstr_size)
{
	int ret = -1;
	int64_t *bases = NULL;
	size_t cnt = 0, cap = 0;
	DIR *d = opendir(plog->dir);
	if (!d) {
		snprintf(errstr, errstr_size, "cannot open partition dir %s: %s", plog->dir,
		         strerror(errno));
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		if (ends_with(name, ".deleted") || ends_with(name, ".cleaned") ||
		    ends_with(name, ".tmp") || ends_with(name, ".swap")) {
			recovery_unlink(plog, name, "stray file");
			continue;
		}
		int64_t base = recovery_parse_segment_name(name, ".log");
		if (base < 0)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			int64_t *nb = realloc(bases, cap * sizeof(*nb));
			if (!nb) {
				snprintf(errstr, errstr_size, "out of memory");
				goto out;
			}
			bases = nb;
		}
		bases[cnt++] = base;
	}
	/* Second pass: index files whose .log is gone. */
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		int64_t base = recovery_parse_segment_name(de->d_name, ".index");
		if (base < 0)
			base = recovery_parse_segment_name(de->d_name, ".timeindex");
		if (base < 0)
			continue;
		int found = 0;
		for (size_t i = 0; i < cnt && !found; i++)
			found = bases[i] == base;
		if (!found)
			recovery_unlink(plog, de->d_name, "orphan index");
	}
	if (cnt > 1)
		qsort(bases, cnt, sizeof(*bases), recovery_cmp_i64);
	*basesp = bases;
	*cntp = cnt;
	bases = NULL;
	ret = 0;
out:
	closedir(d);
	free(bases);
	return ret;
}

/* Full scan of one segment (next_base < 0: the active one); logs what was
 * cut and every corrupt range kept. */
static int recovery_segment(plog_t *plog, log_segment_t *seg, int64_t next_base)
{
	segment_recover_result_t res;
	int ret = segment_recover(seg, next_base, &res);
	if (ret < 0)
		return ret;
	if (res.truncated_bytes > 0)
		flog(LOG_WARNING, "storage",
		     "%s-%d: truncated %" PRId64 " bytes of torn tail at offset %" PRId64
		     " (file position %" PRId64 ") in %s",
		     plog->topic, plog->partition, res.truncated_bytes, res.cut_offset, seg->size,
		     seg->log_path);
	for (size_t k = 0; k < seg->corrupt_cnt; k++) {
		const segment_corrupt_t *c = &seg->corrupt[k];
		if (c->last_offset >= c->first_offset)
			flog(LOG_ERR, "storage",
			     "%s-%d: corrupt data in %s: bytes %" PRId64 "-%" PRId64 " (%" PRId64
			     " bytes), offsets %" PRId64 "-%" PRId64
			     " unreadable; intact batches before and after it are kept",
			     plog->topic, plog->partition, seg->log_path, c->pos, c->end - 1,
			     c->end - c->pos, c->first_offset, c->last_offset);
		else
			flog(LOG_ERR, "storage",
			     "%s-%d: corrupt data in %s: bytes %" PRId64 "-%" PRId64 " (%" PRId64
			     " bytes) hold no batch (no offset lost); kept and skipped",
			     plog->topic, plog->partition, seg->log_path, c->pos, c->end - 1,
			     c->end - c->pos);
	}
	return 0;
}

/* Does the corrupt-segments file name this segment? */
static int recovery_hinted(int64_t (*hints)[2], size_t hint_cnt, int64_t base)
{
	for (size_t i = 0; i < hint_cnt; i++)
		if (hints[i][0] == base)
			return 1;
	return 0;
}

int plog_load(plog_t *plog, int needs_recovery, int64_t recovery_point, char *errstr,
              size_t errstr_size)
{
	int ret = -1;
	int64_t *bases = NULL;
	int64_t(*hints)[2] = NULL;
	size_t cnt = 0, hint_cnt = 0;
	int64_t t0 = fj_mono_ms();
	int scanned = 0, scan_all = 0;
	/* A compaction swap a crash interrupted is finished first: its
	 * .swap files are complete (log_cleaner_swap.c). */
	if (plog_cleaner_recover_swaps(plog->dir, plog->topic, plog->partition, errstr,
	                               errstr_size) < 0)
		goto out;
	if (recovery_list(plog, &bases, &cnt, errstr, errstr_size) < 0)
		goto out;
	scan_all = plog_corrupt_load_hint(plog, &hints, &hint_cnt);
	if (scan_all < 0) {
		snprintf(errstr, errstr_size, "out of memory");
		goto out;
	}
	/* Rewrite the file after the scans unless they find what it says. */
	plog->corrupt_saved = scan_all ? (size_t)-1 : hint_cnt;
	for (size_t i = 0; i < cnt; i++) {
		log_segment_t *seg = NULL;
		int r = segment_open(plog->dir, bases[i], 0, plog->cfg.index_interval_bytes,
		                     plog->cfg.segment_index_bytes, &seg, errstr, errstr_size);
		if (r < 0)
			goto out;
		if (plog_push_segment(plog, seg) < 0) {
			segment_close(seg);
			snprintf(errstr, errstr_size, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < plog->seg_cnt; i++) {
		log_segment_t *seg = plog->segs[i];
		int last = i + 1 == plog->seg_cnt;
		/* Holds offsets at or after the recovery point? */
		int after_rp = last || plog->segs[i + 1]->base_offset > recovery_point;
		int r = 0;
		if ((needs_recovery && after_rp) || seg->valid_end < seg->size || scan_all ||
		    recovery_hinted(hints, hint_cnt, seg->base_offset)) {
			if (!scanned)
				flog(LOG_INFO, "storage",
				     "recovering partition %s-%d from offset %" PRId64
				     " (%zu segments)",
				     plog->topic, plog->partition, recovery_point, plog->seg_cnt);
			flog(LOG_INFO, "storage", "recovering partition %s-%d: segment %zu/%zu",
			     plog->topic, plog->partition, i + 1, plog->seg_cnt);
			scanned++;
			/* Only the active segment may have a torn tail; an older
			 * one's damage is kept, and later segments always are. */
			r = recovery_segment(plog, seg, last ? -1 : plog->segs[i + 1]->base_offset);
		} else if (segment_check_indexes(seg) < 0) {
			flog(LOG_WARNING, "storage",
			     "%s-%d: rebuilding missing or inconsistent index of %s", plog->topic,
			     plog->partition, seg->log_path);
			r = segment_rebuild_indexes(seg);
		}
		if (r < 0) {
			snprintf(errstr, errstr_size, "recovery of %s failed: %s", seg->log_path,
			         strerror(-r));
			goto out;
		}
	}
	if (plog->seg_cnt == 0) {
		log_segment_t *seg = NULL;
		if (segment_open(plog->dir, 0, 1, plog->cfg.index_interval_bytes,
		                 plog->cfg.segment_index_bytes, &seg, errstr, errstr_size) < 0)
			goto out;
		if (plog_push_segment(plog, seg) < 0) {
			segment_close(seg);
			snprintf(errstr, errstr_size, "out of memory");
			goto out;
		}
	}
	if (scanned)
		flog(LOG_INFO, "storage",
		     "recovered %s-%d in %" PRId64 " ms, log end offset %" PRId64, plog->topic,
		     plog->partition, fj_mono_ms() - t0, plog_active(plog)->next_offset);
	plog_corrupt_sync(plog);
	int r = plog_pstate_rebuild(plog);
	if (r < 0) {
		snprintf(errstr, errstr_size, "rebuilding the producer state failed: %s",
		         strerror(-r));
		goto out;
	}
	ret = 0;
out:
	free(bases);
	free(hints);
	return ret;
}

int plog_snapshot_list(const plog_t *plog, int64_t **offsp, size_t *cntp)
{
	int64_t *offs = NULL;
	size_t cnt = 0, cap = 0;
	DIR *d = opendir(plog->dir);
	struct dirent *de;

	*offsp = NULL;
	*cntp = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		int64_t off = recovery_parse_segment_name(de->d_name, PSNAP_SUFFIX);
		if (off < 0)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			int64_t *n = realloc(offs, cap * sizeof(*n));
			if (!n) {
				free(offs);
				closedir(d);
				return -ENOMEM;
			}
			offs = n;
		}
		offs[cnt++] = off;
	}
	closedir(d);
	if (cnt > 1)
		qsort(offs, cnt, sizeof(*offs), recovery_cmp_i64);
	*offsp = offs;
	*cntp = cnt;
	return 0;
}

void plog_snapshot_remove(const plog_t *plog, int64_t offset, const char *why)
{
	char name[64];
	snprintf(name, sizeof(name), "%020" PRId64 "%s", offset, PSNAP_SUFFIX);
	recovery_unlink(plog, name, why);
}

/* The batch headers of one segment from offset `from` on into the producer
 * state: a header scan (no CRC: the segment was recovered or is known
 * clean) that steps over corrupt ranges. */
static int recovery_pstate_segment(plog_t *plog, const log_segment_t *seg, int64_t from,
                                   int64_t now)
{
	uint8_t hdr[RB_HEADER_SIZE];
	int64_t pos = 0;

	while (pos < seg->size) {
		const segment_corrupt_t *c = segment_corrupt_at(seg, pos);
		if (c) {
			pos = c->end;
			continue;
		}
		int r = segment_read_header(seg, pos, hdr);
		if (r <= 0)
			return r;
		int64_t total = (int64_t)rb_total_size(hdr);
		if (total < RB_HEADER_SIZE || total > seg->size - pos)
			return 0; /* the recovery scan owns damage; not ours to judge */
		if (rb_base_offset(hdr) >= from &&
		    pstate_update_from_header(&plog->ps, hdr, now) < 0)
			return -ENOMEM;
		pos += total;
	}
	return 0;
}

/* Loads the newest valid snapshot at or below leo into the state; removes
 * those above it. Returns the snapshot's offset, 0 without one, or
 * -ENOMEM. */
static int64_t recovery_pstate_snapshot(plog_t *plog, int64_t leo)
{
	int64_t *offs = NULL, from = 0;
	size_t cnt = 0;
	char why[256];
	int r = plog_snapshot_list(plog, &offs, &cnt);

	if (r < 0) {
		flog(LOG_WARNING, "storage",
		     "%s-%d: cannot list producer-state snapshots: %s; rebuilding from the log",
		     plog->topic, plog->partition, strerror(-r));
		return r == -ENOMEM ? r : 0;
	}
	for (size_t i = cnt; i-- > 0;) {
		if (offs[i] > leo) {
			plog_snapshot_remove(plog, offs[i],
			                     "producer-state snapshot above the log end");
			continue;
		}
		char *path = segment_file_name(plog->dir, offs[i], PSNAP_SUFFIX);
		int64_t at = -1;
		r = path ? psnap_read(path, &plog->ps, &at, why, sizeof(why)) : -ENOMEM;
		if (r == -ENOMEM) {
			free(path);
			from = -ENOMEM;
			break;
		}
		if (r == 0 && at != offs[i]) {
			snprintf(why, sizeof(why), "holds offset %" PRId64, at);
			pstate_clear(&plog->ps);
			r = -1;
		}
		if (r == 0) {
			flog(LOG_INFO, "storage",
			     "%s-%d: loaded producer-state snapshot %s (%zu producers)",
			     plog->topic, plog->partition, path, plog->ps.cnt);
			free(path);
			from = offs[i];
			break;
		}
		flog(LOG_WARNING, "storage",
		     "%s-%d: ignoring producer-state snapshot %s: %s; trying an older one or the "
		     "log start",
		     plog->topic, plog->partition, path, why);
		free(path);
		/* Gone, so that retention's "keep the newest" keeps a valid one. */
		plog_snapshot_remove(plog, offs[i], "corrupt producer-state snapshot");
	}
	free(offs);
	return from;
}

int plog_pstate_rebuild(plog_t *plog)
{
	int64_t now = plog_now(plog);
	int64_t leo = plog_active(plog)->next_offset;
	int64_t from;

	pstate_clear(&plog->ps);
	from = recovery_pstate_snapshot(plog, leo);
	if (from < 0)
		return (int)from;
	for (size_t i = 0; i < plog->seg_cnt; i++) {
		if (plog->segs[i]->next_offset <= from)
			continue;
		int r = recovery_pstate_segment(plog, plog->segs[i], from, now);
		if (r < 0) {
			pstate_clear(&plog->ps);
			return r;
		}
	}
	if (plog->ps.cnt > 0)
		flog(LOG_INFO, "storage",
		     "%s-%d: producer state rebuilt from offset %" PRId64 ": %zu producers",
		     plog->topic, plog->partition, from, plog->ps.cnt);
	return 0;
}
