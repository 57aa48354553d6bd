/*
 * epoch_cache.c — the leader-epoch cache of one partition (contract in
 * epoch_cache.h), persisted through checkpoint_write_pairs on every change.
 * Event-loop thread only.
 */
#include "storage/epoch_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/checkpoint.h"
#include "common/flog.h"

static int epoch_cache_persist(epoch_cache_t *ec)
{
	char errstr[512];
	int64_t(*pairs)[2] = NULL;
	if (ec->cnt > 0) {
		pairs = calloc(ec->cnt, sizeof(*pairs));
		if (!pairs)
			return -ENOMEM;
	}
	for (size_t i = 0; i < ec->cnt; i++) {
		pairs[i][0] = ec->entries[i].epoch;
		pairs[i][1] = ec->entries[i].start_offset;
	}
	int ret = checkpoint_write_pairs(ec->path, (const int64_t(*)[2])pairs, ec->cnt, errstr,
	                                 sizeof(errstr));
	free(pairs);
	if (ret < 0) {
		flog(LOG_ERR, "storage", "%s", errstr);
		return -EIO;
	}
	return 0;
}

int epoch_cache_open(epoch_cache_t *ec, const char *dir, char *errstr, size_t errstr_size)
{
	int64_t(*pairs)[2] = NULL;
	size_t cnt = 0;
	memset(ec, 0, sizeof(*ec));
	size_t n = strlen(dir) + sizeof(EPOCH_CACHE_FILE) + 1;
	ec->path = malloc(n);
	if (!ec->path) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	snprintf(ec->path, n, "%s/%s", dir, EPOCH_CACHE_FILE);
	if (checkpoint_read_pairs(ec->path, &pairs, &cnt, errstr, errstr_size) < 0)
		return -1;
	int ret = 0;
	if (cnt > 0) {
		ec->entries = calloc(cnt, sizeof(*ec->entries));
		if (!ec->entries) {
			snprintf(errstr, errstr_size, "out of memory");
			ret = -1;
			goto out;
		}
		ec->cap = cnt;
	}
	for (size_t i = 0; i < cnt; i++) {
		if (pairs[i][0] < 0 || pairs[i][0] > INT32_MAX || pairs[i][1] < 0 ||
		    (i > 0 && (pairs[i][0] <= pairs[i - 1][0] || pairs[i][1] < pairs[i - 1][1]))) {
			snprintf(errstr, errstr_size,
			         "%s: entry %zu (%" PRId64 " %" PRId64
			         ") is out of order or negative",
			         ec->path, i + 1, pairs[i][0], pairs[i][1]);
			ec->cnt = 0;
			ret = -1;
			goto out;
		}
		ec->entries[i].epoch = (int32_t)pairs[i][0];
		ec->entries[i].start_offset = pairs[i][1];
		ec->cnt = i + 1;
	}
out:
	free(pairs);
	return ret;
}

void epoch_cache_close(epoch_cache_t *ec)
{
	free(ec->path);
	free(ec->entries);
	memset(ec, 0, sizeof(*ec));
}

int32_t epoch_cache_latest_epoch(const epoch_cache_t *ec)
{
	return ec->cnt ? ec->entries[ec->cnt - 1].epoch : EPOCH_UNDEFINED;
}

int epoch_cache_assign(epoch_cache_t *ec, int32_t epoch, int64_t start_offset)
{
	if (epoch < 0 || start_offset < 0)
		return 0;
	if (ec->cnt > 0 && epoch <= ec->entries[ec->cnt - 1].epoch &&
	    start_offset >= ec->entries[ec->cnt - 1].start_offset)
		return 0; /* already known, or an older epoch's batch after a newer one */
	while (ec->cnt > 0 && (ec->entries[ec->cnt - 1].epoch >= epoch ||
	                       ec->entries[ec->cnt - 1].start_offset >= start_offset))
		ec->cnt--;
	if (ec->cnt == ec->cap) {
		size_t cap = ec->cap ? ec->cap * 2 : 8;
		epoch_entry_t *e = realloc(ec->entries, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		ec->entries = e;
		ec->cap = cap;
	}
	ec->entries[ec->cnt].epoch = epoch;
	ec->entries[ec->cnt].start_offset = start_offset;
	ec->cnt++;
	return epoch_cache_persist(ec);
}

void epoch_cache_end_offset_for(const epoch_cache_t *ec, int32_t requested, int64_t log_end_offset,
                                int32_t *epochp, int64_t *endp)
{
	*epochp = EPOCH_UNDEFINED;
	*endp = -1;
	if (ec->cnt == 0 || requested < 0)
		return;
	if (requested == ec->entries[ec->cnt - 1].epoch) {
		*epochp = requested;
		*endp = log_end_offset;
		return;
	}
	if (requested > ec->entries[ec->cnt - 1].epoch)
		return;
	/* The first epoch above requested starts where requested (or the
	 * largest epoch below it) ended. */
	size_t hi = 0;
	while (ec->entries[hi].epoch <= requested)
		hi++;
	*epochp = hi > 0 ? ec->entries[hi - 1].epoch : requested;
	*endp = ec->entries[hi].start_offset;
}

int epoch_cache_truncate_from_end(epoch_cache_t *ec, int64_t end_offset)
{
	size_t cnt = ec->cnt;
	while (cnt > 0 && ec->entries[cnt - 1].start_offset >= end_offset)
		cnt--;
	if (cnt == ec->cnt)
		return 0;
	ec->cnt = cnt;
	return epoch_cache_persist(ec);
}

int epoch_cache_truncate_from_start(epoch_cache_t *ec, int64_t start_offset)
{
	/* Entries wholly before start_offset: those followed by an entry that
	 * starts at or before it. */
	size_t drop = 0;
	while (drop + 1 < ec->cnt && ec->entries[drop + 1].start_offset <= start_offset)
		drop++;
	int changed = drop > 0;
	if (drop > 0) {
		memmove(ec->entries, ec->entries + drop, (ec->cnt - drop) * sizeof(*ec->entries));
		ec->cnt -= drop;
	}
	if (ec->cnt > 0 && ec->entries[0].start_offset < start_offset) {
		ec->entries[0].start_offset = start_offset;
		changed = 1;
	}
	return changed ? epoch_cache_persist(ec) : 0;
}

int epoch_cache_clear(epoch_cache_t *ec)
{
	ec->cnt = 0;
	return epoch_cache_persist(ec);
}
