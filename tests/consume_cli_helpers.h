/*
 * consume_cli_helpers.h — what the `fjord consume` tests (0131-0133) share:
 * a topic of records with keys, headers, timestamps, a null key and a null
 * value, produced through the SDK, and running the real `fjord` binary with
 * its stdout and stderr kept apart.
 * Threads: the test's own; clients are created inside the test (after
 * Check's fork). Ownership: returned strings belong to the caller.
 */
#ifndef FJORD_TESTS_CONSUME_CLI_HELPERS_H
#define FJORD_TESTS_CONSUME_CLI_HELPERS_H

#include "test.h"

/* The fixture: CC_PER_PART records in each partition. Record i of partition
 * p has offset i, timestamp cc_ts(p, i) (CreateTime), key "k<p>-<i>" and
 * value "v<p>-<i>", except: record 0 has headers h1=a and h2 (null value),
 * record 3 has a null key, record 4 a null value (a tombstone). */
#define CC_PER_PART 5
/* 2026-11-21T10:00:00Z, in ms. */
#define CC_BASE_MS 1795255200000LL
/* Record i of partition p: i minutes and p seconds after CC_BASE_MS. */
#define cc_ts(p, i) (CC_BASE_MS + (int64_t)(i)*60000 + (int64_t)(p)*1000)

/* Produces the fixture to partitions 0..partitions-1 of topic and asserts
 * every record was acknowledged at the offset it should have. */
void cc_produce_fixture(test_cluster_t *c, const char *topic, int partitions);

/* Runs `[env] fjord -z ZK --timeout 15000 <args>` (through sh), returns its
 * stdout and puts its exit code in *exitp and stderr in *errp (may be NULL:
 * then stderr is only logged). Everything is logged. */
char *cc_run(test_cluster_t *c, const char *env, int *exitp, char **errp, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Number of lines (newline-terminated) in s. */
int cc_lines(const char *s);
/* s with its lines sorted (a new string): partitions interleave. */
char *cc_sorted(const char *s);

#endif
