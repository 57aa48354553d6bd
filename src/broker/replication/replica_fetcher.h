/*
 * replica_fetcher.h — the follower side of replication: copies the
 * leader's log into this broker's replicas.
 *
 * What: for every partition this broker follows (partition_is_follower),
 * one connection per leader broker (found in the latest cview snapshot)
 * carries, one request at a time:
 *   1. OffsetForLeaderEpoch for the partitions marked
 *      PARTITION_FETCH_TRUNCATE (new follower role, new leader epoch,
 *      start-up): the leader says where our latest leader epoch ends on its
 *      log; we truncate there (plog_truncate_to), so a deposed leader's
 *      unreplicated tail is removed and replicas never diverge;
 *   2. otherwise Fetch with replica_id = our broker id from our LEO
 *      (bounded bytes, max_wait 500 ms, min_bytes 1). Returned batches are
 *      appended as they are (plog_append, assign_offsets=0: offsets and
 *      each batch's partitionLeaderEpoch kept, the epoch cache follows),
 *      then HW = min(leader HW, our LEO).
 * Errors: connection errors close and reconnect after a back-off;
 * partition errors (NOT_LEADER, fenced or unknown epoch) hold that
 * partition back briefly until a newer snapshot says who leads.
 * replica_fetcher_sync() after each snapshot moves partitions to their
 * current leader's connection and drops connections nobody needs.
 *
 * Thread: loop thread only (libevent bufferevents on the broker's loop,
 * non-blocking; host names resolve through evdns). Ownership: the broker
 * owns the fetcher; the fetcher owns its connections and never holds a
 * partition pointer across callbacks (it looks partitions up by name).
 */
#ifndef FJORD_BROKER_REPLICA_FETCHER_H
#define FJORD_BROKER_REPLICA_FETCHER_H

struct broker;

typedef struct replica_fetcher replica_fetcher_t;

/* NULL on out of memory. */
replica_fetcher_t *replica_fetcher_new(struct broker *b);
/* After a snapshot was applied (or a partition changed role): connect,
 * reconnect or drop connections, and start idle ones. */
void replica_fetcher_sync(replica_fetcher_t *rf);
/* Closes every connection (nothing is sent after it) and frees. */
void replica_fetcher_free(replica_fetcher_t *rf);

#endif /* FJORD_BROKER_REPLICA_FETCHER_H */
