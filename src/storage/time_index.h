/*
 * time_index.h — the time index of one segment (<base>.timeindex).
 *
 * Lets ListOffsets-by-timestamp find a starting point without reading the
 * whole segment. An entry is added (at index points, see log_segment.c)
 * only when the segment's max timestamp has grown since the last entry, so
 * timestamps strictly increase.
 *
 * File format: a flat array of 12-byte entries, no header, big-endian:
 *
 *   offset size field
 *   0      8    timestamp         the segment's max timestamp so far, i64 ms
 *   8      4    relative offset   baseOffset of the batch that raised it, minus
 *                                 the segment base offset, u32
 *
 * Meaning of an entry (T, o): every batch before o has max timestamp <= T
 * and the batch at o has max timestamp T, so the first record with a
 * timestamp >= target lies at or after the batch at o of the last entry
 * with T < target.
 *
 * Thread: event-loop thread only. Owns its fd, path and entries.
 */
#ifndef FJORD_STORAGE_TIME_INDEX_H
#define FJORD_STORAGE_TIME_INDEX_H

#include <stddef.h>
#include <stdint.h>

#define TIME_INDEX_ENTRY_SIZE 12

typedef struct time_index_entry {
	int64_t timestamp;
	uint32_t rel_offset;
} time_index_entry_t;

typedef struct time_index {
	int fd;
	char *path;
	int64_t base_offset;
	time_index_entry_t *entries;
	size_t entry_cnt, entry_cap;
	size_t max_entries;
} time_index_t;

/* Opens (creating if missing) and loads. Returns 0 or -errno. */
int time_index_open(time_index_t *ti, const char *path, int64_t base_offset, int64_t max_bytes);
void time_index_close(time_index_t *ti);

/* Appends (timestamp, offset) when timestamp > the last entry's timestamp
 * (otherwise does nothing and returns 0). Returns 0, -EINVAL, or -errno. */
int time_index_maybe_append(time_index_t *ti, int64_t timestamp, int64_t offset);

/* Offset of the last entry with timestamp < target, or base_offset. */
int64_t time_index_lookup(const time_index_t *ti, int64_t target);

/* Last entry's timestamp, or -1 when empty. */
int64_t time_index_last_timestamp(const time_index_t *ti);

int time_index_truncate_to(time_index_t *ti, int64_t offset);
int time_index_reset(time_index_t *ti);
int time_index_is_full(const time_index_t *ti);
/* 0 when timestamps and offsets strictly increase, every offset < next_offset
 * and the file is whole entries; -1 otherwise. */
int time_index_check(const time_index_t *ti, int64_t next_offset);
void time_index_set_max_bytes(time_index_t *ti, int64_t max_bytes);

#endif /* FJORD_STORAGE_TIME_INDEX_H */
