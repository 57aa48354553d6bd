/*
 * log_cleaner_swap.c — the partition log's side of compaction: what may be
 * cleaned, the job handed to a cleaner thread, installing its result, and
 * finishing an interrupted swap at open.
 *
 * Why here and not in log_cleaner.c: these touch the plog (its segment
 * array, its deleter), which only the event-loop thread may; the pass
 * itself (log_cleaner.c) sees only dup'ed fds and new files.
 *
 * The swap, step by step (each step durable before the next; a crash
 * between any two is recovered to the old or the new segment set):
 *   1. (cleaner thread) <base>.{index,timeindex,log}.cleaned written and
 *      fsync'ed, renamed to .swap (.log last), directory fsync'ed;
 *   2. (loop) the old segments of the group renamed to *.deleted and given
 *      to the deleter;
 *   3. (loop) the .swap files renamed to their final names, the new segment
 *      opened in the old ones' place.
 * At open (plog_cleaner_recover_swaps): a .log.swap exists only after step
 * 1 finished, so it is complete: the segment files it covers (base offsets
 * in [its base, its next offset)) are removed and it is renamed into place.
 * .cleaned files (step 1 unfinished) and *.deleted ones are removed by the
 * stray-file sweep that follows (log_recovery.c); an index that went
 * missing is rebuilt there.
 *
 * Thread: the loop thread (plog_*), or the thread opening the log
 * (recovery).
 */
#include "storage/log_cleaner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/flog.h"
#include "common/numparse.h"
#include "common/record_batch.h"
#include "storage/plog_int.h"
#include "storage/storage_io.h"

uint64_t plog_cleaner_generation(const plog_t *plog)
{
	return plog->cleaner_gen;
}

int64_t plog_cleaner_clean_point(const plog_t *plog)
{
	int64_t cp = plog->clean_point, leo = plog_log_end_offset(plog);
	if (cp > leo) /* truncated below it */
		cp = leo;
	return cp > plog->log_start ? cp : plog->log_start;
}

void plog_cleaner_set_clean_point(plog_t *plog, int64_t offset)
{
	plog->clean_point = offset;
}

size_t plog_cleaner_range(const plog_t *plog, int64_t now_ms, int64_t min_lag_ms,
                          int64_t first_dirty, int64_t *cleanable_bytes, int64_t *dirty_bytes,
                          int64_t *oldest_dirty_ms)
{
	size_t n = 0;
	int64_t cleanable = 0, dirty = 0, oldest = -1;
	if (!plog_is_offline(plog)) {
		for (; n + 1 < plog->seg_cnt; n++) {
			const log_segment_t *seg = plog->segs[n];
			if (seg->next_offset > plog->hw || seg->corrupt_cnt > 0 ||
			    (min_lag_ms > 0 && seg->max_timestamp >= 0 &&
			     seg->max_timestamp > now_ms - min_lag_ms))
				break;
			cleanable += seg->size;
			if (seg->next_offset > first_dirty) {
				dirty += seg->size;
				if (seg->max_timestamp >= 0 &&
				    (oldest < 0 || seg->max_timestamp < oldest))
					oldest = seg->max_timestamp;
			}
		}
	}
	if (cleanable_bytes)
		*cleanable_bytes = cleanable;
	if (dirty_bytes)
		*dirty_bytes = dirty;
	if (oldest_dirty_ms)
		*oldest_dirty_ms = oldest;
	return n;
}

/* Removes every *.cleaned and *.swap file of the log's dir. */
static void cleaner_remove_swaps(const plog_t *plog)
{
	DIR *d = opendir(plog->dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if ((n > 5 && strcmp(de->d_name + n - 5, ".swap") == 0) ||
		    (n > 8 && strcmp(de->d_name + n - 8, ".cleaned") == 0)) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", plog->dir, de->d_name);
			if (unlink(path) == 0)
				flog(LOG_INFO, "storage",
				     "%s-%d: removed %s of a stale cleaner pass", plog->topic,
				     plog->partition, path);
		}
	}
	closedir(d);
}

/* The log lets go of its pass's token. */
static void cleaner_drop_token(plog_t *plog)
{
	cleaner_token_release(plog->cleaner_token);
	plog->cleaner_token = NULL;
}

void plog_cleaner_invalidate(plog_t *plog)
{
	plog->cleaner_gen++;
	cleaner_token_t *t = plog->cleaner_token;
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stale = 1;
	pthread_mutex_unlock(&t->lock);
	cleaner_drop_token(plog);
	/* After stale is set no .swap appears any more; those already there
	 * belong to the stale pass. */
	cleaner_remove_swaps(plog);
}

int plog_cleaner_job(plog_t *plog, int64_t now_ms, int64_t min_lag_ms, int64_t first_dirty,
                     int64_t delete_retention_ms, cleaner_job_t *job)
{
	size_t n = plog_cleaner_range(plog, now_ms, min_lag_ms, first_dirty, NULL, NULL, NULL);
	memset(job, 0, sizeof(*job));
	if (n == 0 || first_dirty >= plog->segs[n - 1]->next_offset)
		return 0;
	if (plog->cleaner_token) /* one pass per log at a time */
		return 0;
	job->segs = calloc(n, sizeof(*job->segs));
	job->dir = strdup(plog->dir);
	job->topic = strdup(plog->topic);
	job->token = calloc(1, sizeof(*job->token));
	if (!job->segs || !job->dir || !job->topic || !job->token) {
		free(job->token);
		job->token = NULL;
		cleaner_job_free(job);
		return -ENOMEM;
	}
	pthread_mutex_init(&job->token->lock, NULL);
	job->token->refs = 1;
	for (size_t i = 0; i < n; i++) {
		const log_segment_t *seg = plog->segs[i];
		cleaner_segment_t *cs = &job->segs[job->seg_cnt];
		cs->fd = fcntl(seg->log_fd, F_DUPFD_CLOEXEC, 0);
		if (cs->fd < 0) {
			int err = -errno;
			cleaner_job_free(job);
			return err;
		}
		cs->base_offset = seg->base_offset;
		cs->next_offset = seg->next_offset;
		cs->size = seg->size;
		job->seg_cnt++;
	}
	job->partition = plog->partition;
	job->generation = plog->cleaner_gen;
	job->first_dirty = first_dirty > plog->log_start ? first_dirty : plog->log_start;
	job->segment_bytes = plog->cfg.segment_bytes;
	job->index_interval_bytes = plog->cfg.index_interval_bytes;
	job->segment_index_bytes = plog->cfg.segment_index_bytes;
	job->delete_horizon_ms = delete_retention_ms < 0 || delete_retention_ms > now_ms
	                             ? INT64_MIN
	                             : now_ms - delete_retention_ms;
	job->token->refs = 2; /* the job's and the log's */
	plog->cleaner_token = job->token;
	return 1;
}

/* Renames the .swap files of the group at base to their final names
 * (.log last). 0 or -errno. */
static int cleaner_swap_rename(const char *dir, int64_t base)
{
	static const char *const names[] = { ".index", ".timeindex", ".log" };
	for (int i = 0; i < 3; i++) {
		char from[4096], to[4096];
		snprintf(to, sizeof(to), "%s/%020" PRId64 "%s", dir, base, names[i]);
		snprintf(from, sizeof(from), "%s/%020" PRId64 "%s.swap", dir, base, names[i]);
		int r = sio_rename(from, to);
		if (r < 0 && !(r == -ENOENT && i < 2)) /* a lost index is rebuilt */
			return r;
	}
	return 0;
}

/* The segment at base in the array, or -1. */
static ssize_t cleaner_find_segment(const plog_t *plog, int64_t base)
{
	for (size_t i = 0; i < plog->seg_cnt; i++)
		if (plog->segs[i]->base_offset == base)
			return (ssize_t)i;
	return -1;
}

int plog_cleaner_install(plog_t *plog, const cleaner_job_t *job, const cleaner_result_t *res)
{
	char errstr[256];
	size_t done = 0;
	int ret = 0;

	if (job->token && plog->cleaner_token == job->token)
		cleaner_drop_token(plog);
	if (plog->cleaner_gen != job->generation || plog_is_offline(plog) ||
	    (job->token && job->token->stale)) {
		flog(LOG_INFO, "storage",
		     "%s-%d: the log changed while it was being cleaned; the result is dropped",
		     plog->topic, plog->partition);
		goto discard;
	}
	for (; done < res->group_cnt; done++) {
		const cleaner_group_t *g = &res->groups[done];
		ssize_t at = cleaner_find_segment(plog, g->base_offset);
		if (at < 0 || (size_t)at + g->cnt >= plog->seg_cnt) /* never the active one */
			goto discard;
		for (size_t k = 0; k < g->cnt; k++)
			if (plog->segs[at + k]->base_offset != job->segs[g->first + k].base_offset)
				goto discard;
		log_cleaner_crash_point("swap");
		for (size_t k = 0; k < g->cnt; k++)
			plog_discard_segment(plog, plog->segs[at + k]);
		memmove(&plog->segs[at + 1], &plog->segs[at + g->cnt],
		        (plog->seg_cnt - (size_t)at - g->cnt) * sizeof(plog->segs[0]));
		plog->seg_cnt -= g->cnt - 1;
		plog->segs[at] = NULL;
		log_cleaner_crash_point("deleted");
		log_segment_t *seg = NULL;
		ret = cleaner_swap_rename(plog->dir, g->base_offset);
		if (ret == 0)
			ret = segment_open(
			    plog->dir, g->base_offset, 0, plog->cfg.index_interval_bytes,
			    plog->cfg.segment_index_bytes, &seg, errstr, sizeof(errstr));
		if (ret == 0 && segment_check_indexes(seg) < 0)
			ret = segment_rebuild_indexes(seg);
		if (ret < 0) {
			/* The files are consistent (recovery finishes the swap at
			 * the next open); the array is not: the log goes offline. */
			if (seg)
				segment_close(seg);
			memmove(&plog->segs[at], &plog->segs[at + 1],
			        (plog->seg_cnt - (size_t)at - 1) * sizeof(plog->segs[0]));
			plog->seg_cnt--;
			plog_io_error(plog, ret, "install of the cleaned segment", plog->dir);
			plog->offline = 1;
			flog(LOG_ERR, "storage",
			     "%s-%d: installing cleaned segment %020" PRId64
			     " failed: %s; the log is offline until a restart",
			     plog->topic, plog->partition, g->base_offset, strerror(-ret));
			done++;
			break;
		}
		plog->segs[at] = seg;
		log_cleaner_crash_point("installed");
	}
	plog->cleaner_gen++;
	plog_cache_clear(plog);
	if (ret < 0)
		goto discard;
	return 1;
discard:
	for (size_t i = done; i < res->group_cnt; i++) {
		cleaner_result_t one = { .groups = &res->groups[i], .group_cnt = 1 };
		log_cleaner_discard(job, &one);
	}
	return ret < 0 ? ret : 0;
}

/* "%020lld" + suffix -> base offset, or -1. */
static int64_t cleaner_parse_name(const char *name, const char *suffix)
{
	char digits[21];
	int64_t v;
	if (strlen(name) != 20 + strlen(suffix) || strcmp(name + 20, suffix) != 0)
		return -1;
	memcpy(digits, name, 20);
	digits[20] = '\0';
	for (int i = 0; i < 20; i++)
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
	if (num_parse_i64(digits, 0, INT64_MAX, &v) < 0)
		return -1;
	return v;
}

/* The offset after the last batch of a complete .log.swap (base when
 * empty). -errno. */
static int64_t cleaner_swap_next_offset(const char *path, int64_t base)
{
	uint8_t hdr[RB_HEADER_SIZE];
	int64_t pos = 0, next = base;
	int fd = sio_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n = sio_pread(fd, hdr, sizeof(hdr), pos, path);
		if (n < 0) {
			close(fd);
			return n;
		}
		if (n < RB_HEADER_SIZE || rb_batch_length(hdr) < RB_HEADER_SIZE - RB_LOG_OVERHEAD)
			break;
		if (rb_last_offset(hdr) + 1 > next)
			next = rb_last_offset(hdr) + 1;
		pos += (int64_t)rb_total_size(hdr);
	}
	close(fd);
	return next;
}

/* Removes the segment files (.log and indexes) with base offsets in
 * [from, to) from dir. */
static int cleaner_remove_covered(const char *dir, const char *what, int64_t from, int64_t to)
{
	static const char *const names[] = { ".log", ".index", ".timeindex" };
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		for (int i = 0; i < 3; i++) {
			int64_t b = cleaner_parse_name(de->d_name, names[i]);
			if (b < from || b >= to)
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (unlink(path) == 0)
				flog(LOG_INFO, "storage",
				     "%s: removed %s, replaced by a cleaned segment", what, path);
		}
	}
	closedir(d);
	return 0;
}

int plog_cleaner_recover_swaps(const char *dir, const char *topic, int32_t partition, char *errstr,
                               size_t errstr_size)
{
	int64_t *bases = NULL;
	size_t cnt = 0, cap = 0;
	int ret = 0;
	char what[512];
	DIR *d = opendir(dir);
	struct dirent *de;

	snprintf(what, sizeof(what), "%s-%d", topic, partition);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(errstr, errstr_size, "cannot open partition dir %s: %s", dir,
		         strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		int64_t b = cleaner_parse_name(de->d_name, ".log.swap");
		if (b < 0)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 4;
			int64_t *nb = realloc(bases, cap * sizeof(*nb));
			if (!nb) {
				ret = -ENOMEM;
				snprintf(errstr, errstr_size, "out of memory");
				goto out;
			}
			bases = nb;
		}
		bases[cnt++] = b;
	}
	for (size_t i = 0; i < cnt; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%020" PRId64 ".log.swap", dir, bases[i]);
		int64_t next = cleaner_swap_next_offset(path, bases[i]);
		if (next < 0) {
			ret = (int)next;
			snprintf(errstr, errstr_size, "cannot read %s: %s", path, strerror(-ret));
			goto out;
		}
		flog(LOG_WARNING, "storage",
		     "%s: finishing an interrupted compaction swap: %s replaces the segments of "
		     "offsets %" PRId64 "-%" PRId64,
		     what, path, bases[i], next - 1);
		if ((ret = cleaner_remove_covered(dir, what, bases[i],
		                                  next > bases[i] ? next : bases[i] + 1)) < 0 ||
		    (ret = cleaner_swap_rename(dir, bases[i])) < 0) {
			snprintf(errstr, errstr_size, "cannot finish the swap of %s: %s", path,
			         strerror(-ret));
			goto out;
		}
	}
out:
	closedir(d);
	free(bases);
	return ret;
}
