/*
 * corrupt_util.h — helpers of the corruption tests (0042-0044): find a
 * partition's segment files in a broker's log dir, walk their record
 * batches, damage them, and read the broker's corruption reports (/metrics,
 * /health, broker.log). Test children only.
 */
#ifndef FJORD_TESTS_CORRUPT_UTIL_H
#define FJORD_TESTS_CORRUPT_UTIL_H

#include <stdint.h>
#include <sys/types.h>

#include "test.h"

#define CORRUPT_MAX_SEGS 256

/* The .log files of topic-partition on broker i, by base offset (paths
 * malloc'd in *pathsp[], free with corrupt_free_paths). Returns the count. */
int corrupt_segments(test_cluster_t *c, int i, const char *topic, int partition, char ***pathsp);
void corrupt_free_paths(char **paths, int cnt);

/* Batch number k (0-based) of a segment file: position, size, offsets.
 * Asserts the file has that many batches. */
typedef struct corrupt_batch {
	off_t pos;
	size_t size;
	int64_t base, last;
} corrupt_batch_t;
void corrupt_batch(const char *log, int k, corrupt_batch_t *b);
/* Number of whole batches in a segment file. */
int corrupt_batch_count(const char *log);

/* XORs one byte of path at pos with mask. */
void corrupt_flip(const char *path, off_t pos, uint8_t mask);

/* The value of the first /metrics line of broker i starting with line
 * (e.g. "fjord_log_corrupt_ranges{topic=\"t\",partition=\"0\"} "), or -1. */
long long corrupt_metric(test_cluster_t *c, int i, const char *line);
/* /health of broker i (malloc'd); asserts status 200. */
char *corrupt_health(test_cluster_t *c, int i);
/* 1 when broker i's broker.log contains all the given strings on one line
 * (NULL-terminated list). */
int corrupt_log_has(test_cluster_t *c, int i, ...);

/* Reads partition of topic from the beginning up to offset hi with a new
 * consumer (default config, so check.crcs=true), adding records to mv. A
 * CORRUPT_MESSAGE event must be at bad_first (-1: none expected): its text
 * goes to errbuf and the consumer seeks to bad_last + 1. Asserts that no
 * record of [bad_first, bad_last] is delivered and that hi was reached.
 * Returns the number of CORRUPT_MESSAGE events. */
int corrupt_read(test_cluster_t *c, const char *topic, int partition, int64_t hi, int64_t bad_first,
                 int64_t bad_last, test_msgver_t *mv, char *errbuf, size_t errsize);

#endif
