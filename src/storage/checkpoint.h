/*
 * checkpoint.h — Kafka-style checkpoint files, written atomically.
 *
 * Text format (one item per line, '\n' terminated, fields separated by one
 * space):
 *
 *   line     content
 *   1        version (always 0)
 *   2        entry count N
 *   3..N+2   "<topic> <partition> <value>"            (checkpoint_write/read)
 *            or "<a> <b>" pairs of integers           (checkpoint_write/read_pairs,
 *                                                      e.g. "<epoch> <start_offset>")
 *
 * Files used: recovery-point-offset-checkpoint, log-start-offset-checkpoint,
 * replication-offset-checkpoint (high watermarks) in each log dir, and
 * leader-epoch-checkpoint in each partition dir.
 *
 * Writes go to "<path>.tmp", are fsync'ed, renamed over path, and the
 * directory is fsync'ed, so a crash leaves either the old or the new file.
 * A missing file reads as zero entries; a malformed file is an error with a
 * message naming the file and line (never a crash).
 *
 * Thread: any; no shared state. The caller owns what it passes; read
 * results are malloc'd and freed with checkpoint_free().
 */
#ifndef FJORD_STORAGE_CHECKPOINT_H
#define FJORD_STORAGE_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#define CHECKPOINT_VERSION 0

typedef struct checkpoint_entry {
	char *topic;
	int32_t partition;
	int64_t value;
} checkpoint_entry_t;

/* Returns 0 or -errno with errstr. */
int checkpoint_write(const char *path, const checkpoint_entry_t *entries, size_t cnt, char *errstr,
                     size_t errstr_size);
/* Returns 0 with *entriesp (malloc'd array, NULL when cnt 0) and *cntp, or -1
 * with errstr for an unreadable or malformed file. */
int checkpoint_read(const char *path, checkpoint_entry_t **entriesp, size_t *cntp, char *errstr,
                    size_t errstr_size);
void checkpoint_free(checkpoint_entry_t *entries, size_t cnt);

/* Pairs of integers (the leader-epoch-checkpoint). */
int checkpoint_write_pairs(const char *path, const int64_t (*pairs)[2], size_t cnt, char *errstr,
                           size_t errstr_size);
/* *pairsp malloc'd (caller frees with free()). */
int checkpoint_read_pairs(const char *path, int64_t (**pairsp)[2], size_t *cntp, char *errstr,
                          size_t errstr_size);

/* Writes len bytes to path via tmp + fsync + rename + directory fsync.
 * Returns 0 or -errno. Used by the writers above and by meta.properties. */
int checkpoint_write_atomic(const char *path, const void *buf, size_t len);

#endif /* FJORD_STORAGE_CHECKPOINT_H */
