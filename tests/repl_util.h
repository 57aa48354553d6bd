/*
 * repl_util.h — helpers shared by the replication and failover tests
 * (0066-0069, 1001): reading partition roles from ZooKeeper through the SDK,
 * waiting for leaders and full ISRs, and the acknowledged-record tracker.
 *
 * Everything here runs inside a test child (SDK handles start threads) and
 * fails through Check assertions. Ownership is stated per function.
 */
#ifndef FJORD_TEST_REPL_UTIL_H
#define FJORD_TEST_REPL_UTIL_H

#include <stdint.h>

#include "test.h"

/* Properties every replication test gives its private brokers: a short
 * ZooKeeper session (the harness's ZooKeeper allows at most 20 ticks = 4 s)
 * and a short replica lag time, so failures are noticed in seconds. */
#define REPL_BROKER_PROPS "zookeeper.session.timeout.ms=3000\nreplica.lag.time.max.ms=2000\n"

/* ------------------------------------------------------- roles (repl_roles.c) */

/* One partition as ZooKeeper says it is now. */
typedef struct repl_pstate {
	int32_t leader; /* -1: none (offline) */
	int32_t leader_epoch;
	int replica_cnt;
	int32_t replicas[TEST_MAX_BROKERS];
	int isr_cnt;
	int32_t isr[TEST_MAX_BROKERS];
} repl_pstate_t;

/* An admin handle in ZooKeeper mode on cluster c (caller destroys it). */
fjord_t *repl_admin_new(test_cluster_t *c);
/* Fresh state of topic's partition; 0, or -1 when the topic or partition is
 * not (yet) known. */
int repl_pstate_get(fjord_t *admin, const char *topic, int32_t partition, repl_pstate_t *ps);
/* 1 when broker id is among ids[0..cnt). */
int repl_ids_have(const int32_t *ids, int cnt, int32_t id);
/* Index into c->brokers[] of broker id (asserts it exists). */
int repl_broker_index(const test_cluster_t *c, int32_t id);
/* 1 when broker id is registered in ZooKeeper (/brokers/ids/<id>). */
int repl_broker_registered(fjord_t *admin, int32_t id);
/* Creates a topic through the admin API with configs (name, value, ...,
 * NULL; may be NULL) and waits until every partition has a leader and an
 * ISR as large as its replica set, and every live broker answers Metadata
 * with a leader for each partition. */
void repl_create_topic(test_cluster_t *c, const char *topic, int partitions, int rf,
                       const char *const *configs);
/* Waits (scaled timeout_ms) until every partition of topic has a leader and
 * an ISR of all its replicas. Returns 1 when it held, 0 on timeout. */
int repl_wait_isr_full(fjord_t *admin, const char *topic, int partitions, int timeout_ms);
/* Waits until partition has a leader other than not_id (-1: any leader) that
 * is registered. Returns the leader's id, or -1 on timeout. */
int32_t repl_wait_leader(fjord_t *admin, const char *topic, int32_t partition, int32_t not_id,
                         int timeout_ms);
/* GETs path from broker index i's HTTP listener; the body (malloc'd) or an
 * assertion failure when it does not answer 200. */
char *repl_http_body(const test_cluster_t *c, int i, const char *path);
/* Value of the first sample of metric `name` (exact name, no labels, or with
 * labels when name ends in '{') in a Prometheus text body; -1 when absent. */
double repl_metric(const char *body, const char *name);

/* ------------------------------------------------- the tracker (repl_track.c) */

/* An acks=all producer thread writing records with keys
 * "testid=NNNN, partition=P, msg=SEQ" round-robin to every partition of a
 * topic, remembering for each record its first delivery report and the
 * offset it was acknowledged at. Records whose report is an error are
 * produced again (same key) after retry.backoff; at most `window` records
 * are outstanding at once. */
typedef struct repl_track repl_track_t;

/* Creates the tracker and its producer on cluster c (extra producer
 * properties as name, value, ..., NULL; acks=all is always set). */
repl_track_t *repl_track_new(test_cluster_t *c, const char *topic, int partitions, int window,
                             const char *const *props);
/* Starts the producing thread. */
void repl_track_start(repl_track_t *rt);
/* Records acknowledged so far (any partition). */
int repl_track_acked(repl_track_t *rt);
/* Waits until `more` further records were acknowledged after this call
 * (scaled timeout_ms). 1 when they were, 0 on timeout. */
int repl_track_wait_progress(repl_track_t *rt, int more, int timeout_ms);
/* Stops producing new records, keeps producing failed ones again until every
 * record is acknowledged or timeout_ms (scaled) passed, then flushes and
 * destroys the producer and joins the thread. Asserts that every record was
 * acknowledged in the end. */
void repl_track_stop(repl_track_t *rt, int timeout_ms);
/* Reads every partition from offset 0 to its high watermark and checks:
 * every acknowledged record is present exactly at its acknowledged offset;
 * acknowledged records of a partition are in production order; duplicates
 * are only of records whose first delivery report was an error, unless
 * allow_acked_dups (then they are counted and printed); no foreign records.
 * Records whose first report said NOT_PERSISTED but are in the log are
 * counted and printed. Frees rt. */
void repl_track_verify(repl_track_t *rt, test_cluster_t *c, int allow_acked_dups);
/* repl_track_verify's checks, except that duplicates fail nothing: returns
 * how many stored copies are extra (0: every record stored once) and, in
 * *first_errp (may be NULL), how many records had an error as their first
 * report (the tracker produced them again). */
int repl_track_verify_dups(repl_track_t *rt, test_cluster_t *c, int *first_errp);

#endif /* FJORD_TEST_REPL_UTIL_H */
