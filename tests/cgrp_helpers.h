/*
 * cgrp_helpers.h — helpers shared by the consumer group tests (0070-0079):
 * group members on a cluster, polling into a verifier, and reading the
 * group's znodes the way an operator would.
 * Threads: the test's own; clients are created inside the test (after
 * Check's fork). Ownership: returned handles and strings belong to the
 * caller.
 */
#ifndef FJORD_TESTS_CGRP_HELPERS_H
#define FJORD_TESTS_CGRP_HELPERS_H

#include "test.h"

/* A consumer in `group` subscribed to `topic` (a name or a '^' pattern),
 * with auto.offset.reset=earliest, session.timeout.ms=4000,
 * auto.commit.interval.ms=500 unless the extra "name", "value" pairs
 * (NULL-terminated) say otherwise. */
fjord_t *tg_member_new(test_cluster_t *c, const char *group, const char *topic, ...);
/* Polls fj for up to ms (scaled) or until `until` records were added to mv
 * in total (until <= 0: poll the whole time). Events are counted into
 * *eventsp (may be NULL). Returns the records added by this call. */
int tg_poll(fjord_t *fj, test_msgver_t *mv, int until, int ms, int *eventsp);
/* Number of partitions in fj's current assignment. */
int tg_assigned_cnt(fjord_t *fj);
/* Produces cnt records to each partition 0..partitions-1 of topic. */
void tg_produce(test_cluster_t *c, const char *topic, int partitions, int cnt);
/* The committed offset of group/topic/partition read from ZooKeeper
 * (-1: none). */
int64_t tg_committed(test_cluster_t *c, const char *group, const char *topic, int32_t p);
/* Unique group name for this test. */
const char *tg_group_name(const char *suffix);

#endif
