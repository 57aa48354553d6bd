/*
 * storage_io.h — the system calls storage makes on its files, through one
 * door (sio_*), for two reasons.
 *
 * 1. What an error means. sio_err_kind() sorts an errno into three kinds,
 *    and every caller in storage acts on the kind, not on the number:
 *      SIO_ERR_SPACE      ENOSPC, EDQUOT: the write did not fit. Appends fail
 *                         (KAFKA_STORAGE_ERROR) and are undone; reads go on;
 *                         the log dir takes appends again once space is back.
 *      SIO_ERR_TRANSIENT  EINTR, EAGAIN, ENOMEM, EMFILE, ENFILE: this call
 *                         failed, the disk is fine (the caller retries or
 *                         reports, nothing goes offline).
 *      SIO_ERR_DISK       everything else, EIO and EROFS first: the disk
 *                         cannot be trusted, and the log dir holding the file
 *                         goes offline, as Kafka marks a failed log dir.
 *
 * 2. Fault injection for tests, through wrappers the project controls (as
 *    SQLite tests its I/O error paths). A rule says "fail these operations
 *    with this errno for every path under this prefix". With no rule armed a
 *    wrapper costs one relaxed atomic load. The broker arms rules from the
 *    file named by the environment variable FJORD_FAULT_FILE (tests only,
 *    docs/testing.md); its text, one rule per line:
 *
 *        # comment
 *        <errno> <ops> <path-prefix>
 *        EIO write,sync /tmp/run/data-b
 *        ENOSPC write /tmp/run/data-a
 *
 *    errno: EIO, ENOSPC, EROFS, EDQUOT. ops: a comma-separated list of read,
 *    write, sync, open, or all. The prefix matches whole path components
 *    ("/a/b" matches "/a/b" and "/a/b/c", not "/a/bc").
 *
 * Threads: the wrappers and sio_fault_check run on any thread (the loop
 * and the broker's background thread); sio_fault_set may run on any thread
 * too (rules are copied under a mutex).
 */
#ifndef FJORD_STORAGE_STORAGE_IO_H
#define FJORD_STORAGE_STORAGE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum sio_err_kind {
	SIO_ERR_NONE = 0,
	SIO_ERR_SPACE,
	SIO_ERR_TRANSIENT,
	SIO_ERR_DISK,
} sio_err_kind_t;

/* The kind of a (positive or negative) errno; 0 is SIO_ERR_NONE. */
sio_err_kind_t sio_err_kind(int err);
/* "no space", "transient", "disk" (or "none"). */
const char *sio_err_kind_name(sio_err_kind_t kind);

/* Operations a fault rule can fail. */
#define SIO_OP_READ 0x1
#define SIO_OP_WRITE 0x2 /* write, ftruncate */
#define SIO_OP_SYNC 0x4  /* fsync */
#define SIO_OP_OPEN 0x8  /* open (creating or not), rename */
#define SIO_OP_ALL 0xf

#define SIO_FAULT_MAX 16
#define SIO_FAULT_PREFIX_MAX 512

typedef struct sio_fault_rule {
	int err; /* positive errno */
	int ops; /* SIO_OP_* mask */
	char prefix[SIO_FAULT_PREFIX_MAX];
} sio_fault_rule_t;

/* Parses rule text (the format above; need not be NUL-terminated) into
 * rules[0..max). Returns the number of rules, or -1 with errstr naming the
 * line. Pure: no state, no I/O. */
int sio_fault_parse(const char *text, size_t len, sio_fault_rule_t *rules, size_t max, char *errstr,
                    size_t errstr_size);
/* Replaces the armed rules (cnt 0 disarms). */
void sio_fault_set(const sio_fault_rule_t *rules, size_t cnt);
/* 0, or the -errno a rule injects for op on path. */
int sio_fault_check(int op, const char *path);

/*
 * The wrappers. path names the file for fault rules and messages (it need
 * not be the path the fd was opened with, but must lie under the same log
 * dir). Each returns what the system call would, except errors come back as
 * -errno (EINTR is retried).
 */
/* Writes all len bytes at off (short writes continue). 0 or -errno. */
int sio_pwrite_all(int fd, const void *buf, size_t len, int64_t off, const char *path);
/* Reads up to len bytes at off: the count read, or -errno. */
ssize_t sio_pread(int fd, void *buf, size_t len, int64_t off, const char *path);
int sio_ftruncate(int fd, int64_t len, const char *path);
int sio_fsync(int fd, const char *path);
/* open(2): the fd, or -errno. */
int sio_open(const char *path, int flags, mode_t mode);
int sio_rename(const char *from, const char *to);

#endif /* FJORD_STORAGE_STORAGE_IO_H */
