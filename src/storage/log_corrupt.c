/*
 * log_corrupt.c — a partition log's corrupt ranges: what reports them,
 * and the file that keeps them known across restarts.
 *
 * What: recovery (log_recovery.c, segment_recover) keeps bytes that hold no
 * intact batch but are followed by intact data as corrupt ranges of their
 * segment (log_segment.h). This file lists them for the broker's log line,
 * metric and /health detail, answers "is this offset in one", and persists
 * which segments hold one.
 *
 * Why persist: ranges are found by a recovery scan, which runs only after
 * an unclean stop and only from the recovery point on. A clean shutdown
 * that follows an unclean start would otherwise forget them, and the next
 * clean start would walk headers straight into the damage. So
 * "<partition dir>/corrupt-segments" (checkpoint pair format, checkpoint.h:
 * "<segment base offset> <first corrupt file position>" per range) is
 * rewritten whenever the set of ranges changes; at open every segment it
 * names is scanned again, whatever the shutdown was, and the scan finds the
 * ranges anew (positions are only a hint for the operator). No file, or an
 * empty one, means no known corruption.
 *
 * Guarantees: the file never names a segment that was deleted or cut below
 * the range (it is rewritten after truncation, retention and repair); a
 * write failure is logged and the in-memory ranges stay authoritative.
 * Thread: event-loop thread only, like the plog.
 */
#include "storage/plog_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/flog.h"
#include "storage/checkpoint.h"

static char *corrupt_file_path(const plog_t *plog)
{
	size_t n = strlen(plog->dir) + sizeof("/" PLOG_CORRUPT_FILE);
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", plog->dir, PLOG_CORRUPT_FILE);
	return p;
}

int plog_corrupt_load_hint(plog_t *plog, int64_t (**pairsp)[2], size_t *cntp)
{
	char errstr[512];
	char *path = corrupt_file_path(plog);
	*pairsp = NULL;
	*cntp = 0;
	if (!path)
		return -ENOMEM;
	if (checkpoint_read_pairs(path, pairsp, cntp, errstr, sizeof(errstr)) < 0) {
		/* Unreadable: scan every segment, the safe direction. */
		flog(LOG_WARNING, "storage", "%s-%d: %s; scanning every segment for corruption",
		     plog->topic, plog->partition, errstr);
		free(path);
		return 1;
	}
	free(path);
	return 0;
}

size_t plog_corrupt_ranges(const plog_t *plog, plog_corrupt_range_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < plog->seg_cnt; i++) {
		const log_segment_t *seg = plog->segs[i];
		for (size_t k = 0; k < seg->corrupt_cnt; k++, n++) {
			if (n >= max || !out)
				continue;
			const segment_corrupt_t *c = &seg->corrupt[k];
			out[n].segment_path = seg->log_path;
			out[n].pos = c->pos;
			out[n].end = c->end;
			out[n].first_offset = c->first_offset;
			out[n].last_offset = c->last_offset;
		}
	}
	return n;
}

int64_t plog_corrupt_range_count(const plog_t *plog)
{
	return (int64_t)plog_corrupt_ranges(plog, NULL, 0);
}

int64_t plog_corrupt_bytes(const plog_t *plog)
{
	int64_t total = 0;
	for (size_t i = 0; i < plog->seg_cnt; i++)
		for (size_t k = 0; k < plog->segs[i]->corrupt_cnt; k++)
			total += plog->segs[i]->corrupt[k].end - plog->segs[i]->corrupt[k].pos;
	return total;
}

int plog_corrupt_range_at(const plog_t *plog, int64_t offset, int64_t *firstp, int64_t *lastp)
{
	for (size_t i = 0; i < plog->seg_cnt; i++)
		for (size_t k = 0; k < plog->segs[i]->corrupt_cnt; k++) {
			const segment_corrupt_t *c = &plog->segs[i]->corrupt[k];
			if (offset >= c->first_offset && offset <= c->last_offset) {
				*firstp = c->first_offset;
				*lastp = c->last_offset;
				return 1;
			}
		}
	return 0;
}

int64_t plog_corrupt_first_offset(const plog_t *plog)
{
	for (size_t i = 0; i < plog->seg_cnt; i++)
		if (plog->segs[i]->corrupt_cnt > 0)
			return plog->segs[i]->corrupt[0].first_offset;
	return -1;
}

void plog_corrupt_sync(plog_t *plog)
{
	size_t n = (size_t)plog_corrupt_range_count(plog), k = 0;
	char errstr[512];
	if (n == plog->corrupt_saved)
		return;
	int64_t(*pairs)[2] = n ? calloc(n, sizeof(*pairs)) : NULL;
	char *path = corrupt_file_path(plog);
	if ((n && !pairs) || !path) {
		flog(LOG_ERR, "storage", "%s-%d: out of memory writing %s", plog->topic,
		     plog->partition, PLOG_CORRUPT_FILE);
		goto out;
	}
	for (size_t i = 0; i < plog->seg_cnt; i++)
		for (size_t j = 0; j < plog->segs[i]->corrupt_cnt; j++, k++) {
			pairs[k][0] = plog->segs[i]->base_offset;
			pairs[k][1] = plog->segs[i]->corrupt[j].pos;
		}
	if (n == 0) {
		if (unlink(path) < 0 && errno != ENOENT)
			flog(LOG_WARNING, "storage", "%s-%d: cannot remove %s: %s", plog->topic,
			     plog->partition, path, strerror(errno));
	} else if (checkpoint_write_pairs(path, (const int64_t(*)[2])pairs, n, errstr,
	                                  sizeof(errstr)) < 0) {
		flog(LOG_ERR, "storage", "%s-%d: %s", plog->topic, plog->partition, errstr);
		goto out;
	}
	plog->corrupt_saved = n;
out:
	free(pairs);
	free(path);
}
