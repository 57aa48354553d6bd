/*
 * producer_snapshot.h — the producer state of a partition written to disk
 * at each segment roll ("<base offset %020lld>.snapshot"), so that opening
 * a log replays only the segments after the newest snapshot instead of
 * every batch header of the log, and so that producers whose batches
 * retention deleted survive a restart.
 *
 * Format (big-endian), version 1:
 *
 *   offset  size  field
 *   0       4     magic "FJPS"
 *   4       2     version (1)
 *   6       8     offset: the state as of every batch below it (the new
 *                 segment's base offset)
 *   14      4     N, the number of producers
 *   18      ...   N entries, producer ids strictly increasing:
 *                   0   8  producerId (>= 0)
 *                   8   2  producerEpoch
 *                   10  8  last append timestamp (ms)
 *                   18  1  batch count B (0..5)
 *                   19  24*B batches, oldest first: firstSeq i32,
 *                       lastSeq i32, firstOffset i64, lastOffset i64
 *   end-4   4     CRC-32C of every byte before it
 *
 * Written through checkpoint_write_atomic (".tmp", fsync, rename, directory
 * fsync): a crash leaves the old or the new file. A file that does not
 * parse exactly (size, magic, version, CRC, counts, order) is refused
 * whole: the caller falls back to an older snapshot or the log start.
 *
 * Thread: any; no shared state. Owned by plog (log_recovery.c loads, plog.c
 * writes at roll, truncation and retention remove).
 */
#ifndef FJORD_STORAGE_PRODUCER_SNAPSHOT_H
#define FJORD_STORAGE_PRODUCER_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "storage/producer_state.h"

#define PSNAP_SUFFIX ".snapshot"
#define PSNAP_VERSION 1

/* Encodes ps as of offset into *bufp (malloc'd, caller frees) and *lenp.
 * Returns 0 or -ENOMEM. */
int psnap_encode(const producer_state_t *ps, int64_t offset, uint8_t **bufp, size_t *lenp);

/* Decodes len bytes into ps (cleared first; on failure left empty) and
 * *offsetp. Returns 0, or -1 with the reason in errstr (-ENOMEM when out of
 * memory). Bounded: reads nothing outside buf. */
int psnap_decode(const uint8_t *buf, size_t len, producer_state_t *ps, int64_t *offsetp,
                 char *errstr, size_t errstr_size);

/* Writes "<dir>/<offset %020lld>.snapshot" atomically. 0 or -errno. */
int psnap_write(const char *dir, int64_t offset, const producer_state_t *ps);

/* Reads and decodes the file at path (psnap_decode's contract). */
int psnap_read(const char *path, producer_state_t *ps, int64_t *offsetp, char *errstr,
               size_t errstr_size);

#endif /* FJORD_STORAGE_PRODUCER_SNAPSHOT_H */
