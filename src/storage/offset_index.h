/*
 * offset_index.h — Kafka's sparse offset index of one segment (<base>.index).
 *
 * Maps an offset to the file position of the record batch that starts
 * there, for every index_interval_bytes of log data, so a reader finds a
 * batch with one binary search plus a short scan of batch headers.
 *
 * File format: a flat array of 8-byte entries, no header, big-endian:
 *
 *   offset size field
 *   0      4    relative offset   (batch baseOffset - segment base offset), u32
 *   4      4    position          byte position of that batch in <base>.log, u32
 *
 * Invariants: relative offsets and positions strictly increase; every
 * position is < the .log file size. The file size is entry_cnt * 8 (the file
 * grows by append; it is not preallocated). The whole index is also held in
 * memory for lookups. The index is "full" at max_bytes / 8 entries; the log
 * then rolls a new segment.
 *
 * Thread: the broker's event-loop thread only. The index owns its fd, path
 * and entry array; offset_index_close() frees them.
 */
#ifndef FJORD_STORAGE_OFFSET_INDEX_H
#define FJORD_STORAGE_OFFSET_INDEX_H

#include <stddef.h>
#include <stdint.h>

#define OFFSET_INDEX_ENTRY_SIZE 8

typedef struct offset_index_entry {
	uint32_t rel_offset;
	uint32_t position;
} offset_index_entry_t;

typedef struct offset_index {
	int fd;
	char *path;
	int64_t base_offset;
	offset_index_entry_t *entries;
	size_t entry_cnt, entry_cap;
	size_t max_entries; /* max_bytes / 8, at least 1 */
} offset_index_t;

/* Opens (creating if missing) the index at path and loads its entries. A
 * trailing partial entry is ignored (and cut by the next append). Returns 0
 * or -errno. */
int offset_index_open(offset_index_t *oi, const char *path, int64_t base_offset, int64_t max_bytes);
void offset_index_close(offset_index_t *oi);

/* Appends an entry; offset must be > the last entry's and fit in u32
 * relative. Returns 0, -EINVAL (out of order / full), or -errno. */
int offset_index_append(offset_index_t *oi, int64_t offset, int64_t position);

/* Largest entry with offset <= target: *offsetp and *posp. With no such entry
 * returns the segment start (base_offset, 0). */
void offset_index_lookup(const offset_index_t *oi, int64_t target, int64_t *offsetp, int64_t *posp);

/* Drops every entry with offset >= offset. Returns 0 or -errno. */
int offset_index_truncate_to(offset_index_t *oi, int64_t offset);
/* Drops every entry (empty index). */
int offset_index_reset(offset_index_t *oi);

int offset_index_is_full(const offset_index_t *oi);

/* 0 when entries strictly increase and every position < log_size and the
 * file size is a multiple of 8; -1 otherwise (rebuild it). */
int offset_index_check(const offset_index_t *oi, int64_t log_size);

/* Changes the size limit (config update). */
void offset_index_set_max_bytes(offset_index_t *oi, int64_t max_bytes);

#endif /* FJORD_STORAGE_OFFSET_INDEX_H */
