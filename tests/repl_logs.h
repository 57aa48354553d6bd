/*
 * repl_logs.h — byte-level checks of replicas for the replication tests
 * 0060-0063: read a partition's segment files straight from each broker's
 * log dir, compare replicas, and wait until every running replica reports
 * a given log end offset in /metrics.
 *
 * Runs in test children; failures are Check assertions. Returned buffers
 * are malloc'd and belong to the caller.
 */
#ifndef FJORD_TEST_REPL_LOGS_H
#define FJORD_TEST_REPL_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "test.h"

/* The concatenation of every segment (*.log, in base-offset order) of
 * topic-partition in broker index i's log dir; *lenp its size. */
uint8_t *repl_logs_read(const test_cluster_t *c, int i, const char *topic, int32_t partition,
                        size_t *lenp);
/* Asserts that the segments of topic-partition are byte-identical on the
 * brokers idx[0..n) and returns their common size. */
size_t repl_logs_assert_identical(const test_cluster_t *c, const int *idx, int n, const char *topic,
                                  int32_t partition);
/* Waits (scaled timeout_ms) until each running broker of idx[0..n) reports
 * fjord_log_end_offset == leo and fjord_high_watermark == leo for its only
 * partition. 1 when it held, 0 on timeout (the last values are logged). */
int repl_logs_wait_synced(const test_cluster_t *c, const int *idx, int n, int64_t leo,
                          int timeout_ms);
/* The path of broker index i's own log file (stdout+stderr of fjordd). */
void repl_logs_broker_log(const test_cluster_t *c, int i, char *buf, size_t size);

#endif /* FJORD_TEST_REPL_LOGS_H */
