/*
 * log_dir.h — the health of one log directory, shared by every partition
 * log in it.
 *
 * Three states, from what its files' system calls answered (the kinds of
 * storage_io.h):
 *   online   appends and reads work;
 *   full     an append hit ENOSPC/EDQUOT (since full_since_ms): appends of
 *            the dir answer KAFKA_STORAGE_ERROR after undoing what they wrote,
 *            reads of what is there go on, and the first append that fits
 *            again makes the dir online (no restart, no operator);
 *   offline  a disk error (EIO, EROFS, a failed fsync, ...): nothing of the
 *            dir is read or written again by this process (Kafka's offline
 *            log dir). on_offline tells the owner (logmgr, and through it
 *            the broker, which hands the dir's partitions to other replicas).
 *            A restart reopens the dir and recovers its logs.
 *
 * logmgr owns one log_dir_t per entry of log.dirs and gives every plog of
 * the dir a pointer to it (plog_set_log_dir); a plog opened alone (unit
 * tests) has none and keeps the state to itself.
 *
 * Thread: loop thread only (the broker reports background fsync failures
 * from the loop).
 */
#ifndef FJORD_STORAGE_LOG_DIR_H
#define FJORD_STORAGE_LOG_DIR_H

#include <stdint.h>

#include "storage/storage_io.h"

typedef struct log_dir {
	const char *path;      /* borrowed from the owner */
	int offline;           /* a disk error happened */
	int err;               /* its errno (positive) */
	char *err_what;        /* what failed: "write to /d/t-0/000.log" (malloc'd) */
	int64_t full_since_ms; /* wall ms of the first ENOSPC of this episode; -1: not full */
	uint64_t space_errors; /* appends refused for lack of space */
	uint64_t full_refused; /* ... in the current full episode */
	uint64_t disk_errors;  /* disk errors seen (the first one took the dir offline) */
	void (*on_offline)(struct log_dir *ld, void *arg);
	void *on_offline_arg;
} log_dir_t;

void log_dir_init(log_dir_t *ld, const char *path);
void log_dir_clear(log_dir_t *ld);

/*
 * Reports that `what` ("write to", "fsync of", ...) failed on path with err
 * (negative or positive errno) and returns its kind. SPACE marks the dir
 * full (logged at its first error of an episode); DISK marks it offline
 * (logged once, on_offline called once); TRANSIENT changes nothing.
 */
sio_err_kind_t log_dir_error(log_dir_t *ld, int err, const char *what, const char *path);
/* Takes the dir offline whatever err is: for a failed fsync, after which
 * the kernel may have dropped the data it could not write (even ENOSPC). */
void log_dir_fail(log_dir_t *ld, int err, const char *what, const char *path);
/* An append to the dir succeeded: a full dir is online again (logged). */
void log_dir_append_ok(log_dir_t *ld);
/* "online", "full", "offline". */
const char *log_dir_state_name(const log_dir_t *ld);

#endif /* FJORD_STORAGE_LOG_DIR_H */
