/*
 * offset_index.c — the sparse offset index of one segment (format in
 * offset_index.h). Entries live in a malloc'd array mirroring the file;
 * appends pwrite() one 8-byte entry at the end. Event-loop thread only.
 */
#include "storage/offset_index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bytes.h"
#include "storage/storage_io.h"

static size_t offset_index_max_entries(int64_t max_bytes)
{
	int64_t n = max_bytes / OFFSET_INDEX_ENTRY_SIZE;
	return n < 1 ? 1 : (size_t)n;
}

static int offset_index_reserve(offset_index_t *oi, size_t cnt)
{
	if (cnt <= oi->entry_cap)
		return 0;
	size_t cap = oi->entry_cap ? oi->entry_cap * 2 : 64;
	while (cap < cnt)
		cap *= 2;
	offset_index_entry_t *e = realloc(oi->entries, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	oi->entries = e;
	oi->entry_cap = cap;
	return 0;
}

int offset_index_open(offset_index_t *oi, const char *path, int64_t base_offset, int64_t max_bytes)
{
	int ret = 0;
	uint8_t *raw = NULL;
	memset(oi, 0, sizeof(*oi));
	oi->fd = -1;
	oi->base_offset = base_offset;
	oi->max_entries = offset_index_max_entries(max_bytes);
	oi->path = strdup(path);
	if (!oi->path) {
		ret = -ENOMEM;
		goto out;
	}
	oi->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (oi->fd < 0) {
		ret = -errno;
		goto out;
	}
	struct stat st;
	if (fstat(oi->fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	size_t cnt = (size_t)st.st_size / OFFSET_INDEX_ENTRY_SIZE;
	if (cnt > 0) {
		raw = malloc(cnt * OFFSET_INDEX_ENTRY_SIZE);
		if (!raw || offset_index_reserve(oi, cnt) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		ssize_t n = pread(oi->fd, raw, cnt * OFFSET_INDEX_ENTRY_SIZE, 0);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		cnt = (size_t)n / OFFSET_INDEX_ENTRY_SIZE;
		for (size_t i = 0; i < cnt; i++) {
			oi->entries[i].rel_offset = be32_read(raw + i * OFFSET_INDEX_ENTRY_SIZE);
			oi->entries[i].position = be32_read(raw + i * OFFSET_INDEX_ENTRY_SIZE + 4);
		}
	}
	oi->entry_cnt = cnt;
	/* A trailing partial entry (torn write) is cut so appends stay aligned. */
	if ((size_t)st.st_size != cnt * OFFSET_INDEX_ENTRY_SIZE &&
	    ftruncate(oi->fd, (off_t)(cnt * OFFSET_INDEX_ENTRY_SIZE)) < 0) {
		ret = -errno;
		goto out;
	}
out:
	free(raw);
	if (ret < 0)
		offset_index_close(oi);
	return ret;
}

void offset_index_close(offset_index_t *oi)
{
	if (oi->fd >= 0)
		close(oi->fd);
	oi->fd = -1;
	free(oi->path);
	oi->path = NULL;
	free(oi->entries);
	oi->entries = NULL;
	oi->entry_cnt = oi->entry_cap = 0;
}

int offset_index_append(offset_index_t *oi, int64_t offset, int64_t position)
{
	int64_t rel = offset - oi->base_offset;
	if (rel < 0 || rel > UINT32_MAX || position < 0 || position > UINT32_MAX)
		return -EINVAL;
	if (oi->entry_cnt >= oi->max_entries)
		return -EINVAL;
	if (oi->entry_cnt > 0) {
		const offset_index_entry_t *last = &oi->entries[oi->entry_cnt - 1];
		if ((uint32_t)rel <= last->rel_offset || (uint32_t)position <= last->position)
			return -EINVAL;
	}
	int ret = offset_index_reserve(oi, oi->entry_cnt + 1);
	if (ret < 0)
		return ret;
	uint8_t raw[OFFSET_INDEX_ENTRY_SIZE];
	be32_write(raw, (uint32_t)rel);
	be32_write(raw + 4, (uint32_t)position);
	ret = sio_pwrite_all(oi->fd, raw, sizeof(raw), (int64_t)(oi->entry_cnt * sizeof(raw)),
	                     oi->path);
	if (ret < 0)
		return ret;
	oi->entries[oi->entry_cnt].rel_offset = (uint32_t)rel;
	oi->entries[oi->entry_cnt].position = (uint32_t)position;
	oi->entry_cnt++;
	return 0;
}

/* Index of the last entry with rel_offset <= rel, or -1. */
static ssize_t offset_index_search(const offset_index_t *oi, int64_t rel)
{
	ssize_t lo = 0, hi = (ssize_t)oi->entry_cnt - 1, found = -1;
	while (lo <= hi) {
		ssize_t mid = lo + (hi - lo) / 2;
		if ((int64_t)oi->entries[mid].rel_offset <= rel) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

void offset_index_lookup(const offset_index_t *oi, int64_t target, int64_t *offsetp, int64_t *posp)
{
	ssize_t i = offset_index_search(oi, target - oi->base_offset);
	if (i < 0) {
		*offsetp = oi->base_offset;
		*posp = 0;
		return;
	}
	*offsetp = oi->base_offset + oi->entries[i].rel_offset;
	*posp = oi->entries[i].position;
}

static int offset_index_resize(offset_index_t *oi, size_t cnt)
{
	if (ftruncate(oi->fd, (off_t)(cnt * OFFSET_INDEX_ENTRY_SIZE)) < 0)
		return -errno;
	oi->entry_cnt = cnt;
	return 0;
}

int offset_index_truncate_to(offset_index_t *oi, int64_t offset)
{
	ssize_t i = offset_index_search(oi, offset - oi->base_offset - 1);
	size_t keep = (size_t)(i + 1);
	if (offset <= oi->base_offset)
		keep = 0;
	if (keep >= oi->entry_cnt)
		return 0;
	return offset_index_resize(oi, keep);
}

int offset_index_reset(offset_index_t *oi)
{
	return offset_index_resize(oi, 0);
}

int offset_index_is_full(const offset_index_t *oi)
{
	return oi->entry_cnt >= oi->max_entries;
}

int offset_index_check(const offset_index_t *oi, int64_t log_size)
{
	struct stat st;
	if (fstat(oi->fd, &st) < 0 ||
	    st.st_size != (off_t)(oi->entry_cnt * OFFSET_INDEX_ENTRY_SIZE))
		return -1;
	for (size_t i = 0; i < oi->entry_cnt; i++) {
		if ((int64_t)oi->entries[i].position >= log_size)
			return -1;
		if (i > 0 && (oi->entries[i].rel_offset <= oi->entries[i - 1].rel_offset ||
		              oi->entries[i].position <= oi->entries[i - 1].position))
			return -1;
	}
	return 0;
}

void offset_index_set_max_bytes(offset_index_t *oi, int64_t max_bytes)
{
	oi->max_entries = offset_index_max_entries(max_bytes);
}
