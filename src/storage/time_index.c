/*
 * time_index.c — the time index of one segment (format and meaning in
 * time_index.h). Entries mirrored in memory; appends pwrite() 12 bytes at
 * the end. Event-loop thread only.
 */
#include "storage/time_index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "common/bytes.h"
#include "storage/storage_io.h"

static size_t time_index_max_entries(int64_t max_bytes)
{
	int64_t n = max_bytes / TIME_INDEX_ENTRY_SIZE;
	return n < 1 ? 1 : (size_t)n;
}

static int time_index_reserve(time_index_t *ti, size_t cnt)
{
	if (cnt <= ti->entry_cap)
		return 0;
	size_t cap = ti->entry_cap ? ti->entry_cap * 2 : 64;
	while (cap < cnt)
		cap *= 2;
	time_index_entry_t *e = realloc(ti->entries, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	ti->entries = e;
	ti->entry_cap = cap;
	return 0;
}

int time_index_open(time_index_t *ti, const char *path, int64_t base_offset, int64_t max_bytes)
{
	int ret = 0;
	uint8_t *raw = NULL;
	memset(ti, 0, sizeof(*ti));
	ti->fd = -1;
	ti->base_offset = base_offset;
	ti->max_entries = time_index_max_entries(max_bytes);
	ti->path = strdup(path);
	if (!ti->path) {
		ret = -ENOMEM;
		goto out;
	}
	ti->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (ti->fd < 0) {
		ret = -errno;
		goto out;
	}
	struct stat st;
	if (fstat(ti->fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	size_t cnt = (size_t)st.st_size / TIME_INDEX_ENTRY_SIZE;
	if (cnt > 0) {
		raw = malloc(cnt * TIME_INDEX_ENTRY_SIZE);
		if (!raw || time_index_reserve(ti, cnt) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		ssize_t n = pread(ti->fd, raw, cnt * TIME_INDEX_ENTRY_SIZE, 0);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		cnt = (size_t)n / TIME_INDEX_ENTRY_SIZE;
		for (size_t i = 0; i < cnt; i++) {
			ti->entries[i].timestamp = be64_read_i(raw + i * TIME_INDEX_ENTRY_SIZE);
			ti->entries[i].rel_offset = be32_read(raw + i * TIME_INDEX_ENTRY_SIZE + 8);
		}
	}
	ti->entry_cnt = cnt;
	if ((size_t)st.st_size != cnt * TIME_INDEX_ENTRY_SIZE &&
	    ftruncate(ti->fd, (off_t)(cnt * TIME_INDEX_ENTRY_SIZE)) < 0) {
		ret = -errno;
		goto out;
	}
out:
	free(raw);
	if (ret < 0)
		time_index_close(ti);
	return ret;
}

void time_index_close(time_index_t *ti)
{
	if (ti->fd >= 0)
		close(ti->fd);
	ti->fd = -1;
	free(ti->path);
	ti->path = NULL;
	free(ti->entries);
	ti->entries = NULL;
	ti->entry_cnt = ti->entry_cap = 0;
}

int64_t time_index_last_timestamp(const time_index_t *ti)
{
	return ti->entry_cnt ? ti->entries[ti->entry_cnt - 1].timestamp : -1;
}

int time_index_maybe_append(time_index_t *ti, int64_t timestamp, int64_t offset)
{
	int64_t rel = offset - ti->base_offset;
	if (ti->entry_cnt > 0 && timestamp <= ti->entries[ti->entry_cnt - 1].timestamp)
		return 0;
	if (rel < 0 || rel > UINT32_MAX)
		return -EINVAL;
	if (ti->entry_cnt > 0 && (uint32_t)rel <= ti->entries[ti->entry_cnt - 1].rel_offset)
		return -EINVAL;
	if (ti->entry_cnt >= ti->max_entries)
		return -EINVAL;
	int ret = time_index_reserve(ti, ti->entry_cnt + 1);
	if (ret < 0)
		return ret;
	uint8_t raw[TIME_INDEX_ENTRY_SIZE];
	be64_write(raw, (uint64_t)timestamp);
	be32_write(raw + 8, (uint32_t)rel);
	ret = sio_pwrite_all(ti->fd, raw, sizeof(raw), (int64_t)(ti->entry_cnt * sizeof(raw)),
	                     ti->path);
	if (ret < 0)
		return ret;
	ti->entries[ti->entry_cnt].timestamp = timestamp;
	ti->entries[ti->entry_cnt].rel_offset = (uint32_t)rel;
	ti->entry_cnt++;
	return 0;
}

int64_t time_index_lookup(const time_index_t *ti, int64_t target)
{
	ssize_t lo = 0, hi = (ssize_t)ti->entry_cnt - 1, found = -1;
	while (lo <= hi) {
		ssize_t mid = lo + (hi - lo) / 2;
		if (ti->entries[mid].timestamp < target) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found < 0 ? ti->base_offset : ti->base_offset + ti->entries[found].rel_offset;
}

static int time_index_resize(time_index_t *ti, size_t cnt)
{
	if (ftruncate(ti->fd, (off_t)(cnt * TIME_INDEX_ENTRY_SIZE)) < 0)
		return -errno;
	ti->entry_cnt = cnt;
	return 0;
}

int time_index_truncate_to(time_index_t *ti, int64_t offset)
{
	size_t keep = ti->entry_cnt;
	while (keep > 0 && ti->base_offset + (int64_t)ti->entries[keep - 1].rel_offset >= offset)
		keep--;
	if (keep == ti->entry_cnt)
		return 0;
	return time_index_resize(ti, keep);
}

int time_index_reset(time_index_t *ti)
{
	return time_index_resize(ti, 0);
}

int time_index_is_full(const time_index_t *ti)
{
	return ti->entry_cnt >= ti->max_entries;
}

int time_index_check(const time_index_t *ti, int64_t next_offset)
{
	struct stat st;
	if (fstat(ti->fd, &st) < 0 || st.st_size != (off_t)(ti->entry_cnt * TIME_INDEX_ENTRY_SIZE))
		return -1;
	for (size_t i = 0; i < ti->entry_cnt; i++) {
		if (ti->base_offset + (int64_t)ti->entries[i].rel_offset >= next_offset)
			return -1;
		if (i > 0 && (ti->entries[i].timestamp <= ti->entries[i - 1].timestamp ||
		              ti->entries[i].rel_offset <= ti->entries[i - 1].rel_offset))
			return -1;
	}
	return 0;
}

void time_index_set_max_bytes(time_index_t *ti, int64_t max_bytes)
{
	ti->max_entries = time_index_max_entries(max_bytes);
}
