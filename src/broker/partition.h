/*
 * partition.h — the role and replication state of one partition on this
 * broker: leader or follower, leader epoch, assigned replicas and ISR (from
 * the latest cview), the high watermark (HW) and, on the leader, each
 * follower's log end offset (LEO) as learnt from its fetches.
 *
 * HW on the leader = min LEO over the ISR (the leader's own LEO included),
 * never moving backwards; with one replica it follows the LEO at once.
 * Work waiting for the HW (acks=all produces) registers a partition_hw_waiter
 * and is called when the HW reaches its offset, or with an error when the
 * partition stops being led here or is removed.
 *
 * The replica fetcher (follower side, a later module) plugs in here: it
 * will append with plog_append(assign_offsets=0) and set the HW from the
 * leader's fetch responses through partition_follower_set_hw().
 *
 * Thread: loop thread only. Ownership: the broker's partition table owns
 * partitions; a partition borrows its plog from logmgr (valid until
 * partition_remove).
 */
#ifndef FJORD_BROKER_PARTITION_H
#define FJORD_BROKER_PARTITION_H

#include <stdint.h>

#include "broker/plog.h"
#include "common/cview.h"
#include "fjord.h"

struct broker;
struct partition;

typedef struct partition_hw_waiter {
	struct partition_hw_waiter *next;
	int64_t offset;           /* satisfied once HW >= offset */
	/* err NO_ERROR: reached; else NOT_LEADER / UNKNOWN_TOPIC_OR_PARTITION.
	 * The waiter is already unlinked when fn runs. */
	void (*fn)(struct partition_hw_waiter *w, struct partition *p, fjord_err_t err);
	void *arg;
} partition_hw_waiter_t;

typedef struct partition {
	struct partition *hnext;  /* hash chain */
	char *topic;
	int32_t id;
	plog_t *log;
	int is_leader;
	int32_t leader;           /* -1: none known */
	int32_t leader_epoch;
	int replica_cnt;
	int32_t *replicas;
	int isr_cnt;
	int32_t *isr;
	int64_t *replica_leo;     /* per replicas[i]; -1 unknown (leader: own = LEO) */
	int64_t *replica_fetch_ms;/* last fetch time per replica (ISR shrink later) */
	partition_hw_waiter_t *hw_waiters;
	int flush_inflight;
	int seen;                 /* mark used while applying a snapshot */
	uint64_t bytes_in, records_in, bytes_out, records_out;
} partition_t;

partition_t *partition_find(struct broker *b, const char *topic, int32_t id);
/* Creates the table entry (log attached by the caller). NULL on OOM. */
partition_t *partition_add(struct broker *b, const char *topic, int32_t id, plog_t *log);
/* Fails hw waiters with err, unlinks, lets parked fetches naming it
 * answer, frees (the plog is not touched). */
void partition_remove(struct broker *b, partition_t *p, fjord_err_t err);
void partition_foreach(struct broker *b, void (*fn)(partition_t *p, void *arg), void *arg);

/*
 * Applies a snapshot's view of this partition: replicas, ISR, leader and
 * epoch. Becoming leader (or a new epoch as leader) records the epoch's
 * start offset (the LEO) in the epoch cache and resets follower LEOs;
 * losing leadership fails hw waiters with NOT_LEADER. Returns 0 or -1 (OOM).
 */
int partition_apply_state(struct broker *b, partition_t *p, const cview_partition_t *cp);

/* Leader: a follower fetched at fetch_offset (its LEO). Updates the HW. */
void partition_follower_fetched(struct broker *b, partition_t *p, int32_t replica,
                                int64_t fetch_offset);
/* Leader: recomputes the HW after an append or an ISR change; wakes hw
 * waiters and parked fetches when it moves (returns 1 then, else 0). */
int partition_update_hw(struct broker *b, partition_t *p);
/* Follower: the leader told us its HW (bounded by our LEO). */
void partition_follower_set_hw(struct broker *b, partition_t *p, int64_t leader_hw);

void partition_hw_wait(partition_t *p, partition_hw_waiter_t *w);
/* Unlinks w if still waiting (no callback). */
void partition_hw_unwait(partition_t *p, partition_hw_waiter_t *w);

/* min.insync.replicas for this topic (topic override or broker default). */
int partition_min_isr(struct broker *b, const char *topic);

#endif /* FJORD_BROKER_PARTITION_H */
