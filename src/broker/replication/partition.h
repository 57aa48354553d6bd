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
 * Follower side: the replica fetcher (replica_fetcher.c) copies the
 * leader's batches with plog_append(assign_offsets=0) and sets the HW from
 * the leader's fetch responses through partition_follower_set_hw(). Every
 * time this broker becomes a follower (or learns a new leader epoch, or
 * starts up) the partition is marked PARTITION_FETCH_TRUNCATE: the fetcher
 * first asks the leader where our latest epoch ends (OffsetForLeaderEpoch)
 * and truncates there, so a deposed leader's unreplicated tail goes away.
 *
 * ISR (partition_isr.c): the leader tracks when each follower last caught
 * up with its LEO; one that has not for replica.lag.time.max.ms leaves the
 * ISR, one whose LEO reaches the HW (and the current epoch) rejoins. The
 * change is a version-conditional write of the state znode done on the zkb
 * worker thread; at most one is in flight per partition. A version
 * mismatch means someone else (the controller) changed the state: the
 * partition is fenced (stops acting as leader, NOT_LEADER) until a
 * snapshot with a newer state version arrives.
 *
 * Thread: loop thread only. Ownership: the broker's partition table owns
 * partitions; a partition borrows its plog from logmgr (valid until
 * partition_remove).
 */
#ifndef FJORD_BROKER_PARTITION_H
#define FJORD_BROKER_PARTITION_H

#include <stdint.h>

#include "storage/storage.h"
#include "common/arena.h"
#include "common/cview.h"
#include "fjord.h"

struct broker;
struct partition;

typedef struct partition_hw_waiter {
	struct partition_hw_waiter *next;
	int64_t offset; /* satisfied once HW >= offset */
	/* err NO_ERROR: reached; else NOT_LEADER / UNKNOWN_TOPIC_OR_PARTITION.
	 * The waiter is already unlinked when fn runs. */
	void (*fn)(struct partition_hw_waiter *w, struct partition *p, fjord_err_t err);
	void *arg;
} partition_hw_waiter_t;

#define PARTITION_FETCH_TRUNCATE 0 /* ask the leader where to truncate first */
#define PARTITION_FETCH_READY 1    /* fetch from our LEO */

typedef struct partition {
	struct partition *hnext; /* hash chain */
	char *topic;
	int32_t id;
	plog_t *log;
	int is_leader;
	int32_t leader; /* -1: none known */
	int32_t leader_epoch;
	int replica_cnt;
	int32_t *replicas;
	int isr_cnt;
	int32_t *isr;
	int64_t *replica_leo;          /* per replicas[i]; -1 unknown (leader: own = LEO) */
	int64_t *replica_fetch_ms;     /* last fetch time per replica (monotonic ms) */
	int64_t *replica_fetch_leo;    /* our LEO at that fetch */
	int64_t *replica_caught_up_ms; /* last time it had caught up with our LEO */
	int32_t state_version;         /* state znode version our ISR/leader is from */
	int32_t controller_epoch;      /* from the state znode (written back unchanged) */
	int32_t fenced_version;        /* >= 0: a conditional write failed at this version */
	int isr_inflight;              /* an ISR write is on the zkb worker */
	int64_t isr_retry_ms;          /* after a failed ISR write: not before (monotonic) */
	int64_t epoch_start_offset;    /* leader: where our current epoch began */
	/* Follower (replica_fetcher.c). */
	int fetch_state;          /* PARTITION_FETCH_* */
	int64_t fetch_retry_ms;   /* do not fetch before (monotonic ms) */
	int32_t fetch_sent_epoch; /* leader epoch of the request in flight */
	int64_t fetch_lag;        /* leader LEO - our LEO at the last fetch; -1 unknown */
	partition_hw_waiter_t *hw_waiters;
	int flush_inflight;
	int seen; /* mark used while applying a snapshot */
	uint64_t bytes_in, records_in, bytes_out, records_out;
} partition_t;

partition_t *partition_find(struct broker *b, const char *topic, int32_t id);
/*
 * The check every leader-only request makes of a partition (Fetch,
 * ListOffsets, OffsetForLeaderEpoch): *pp is the partition when this broker
 * hosts it (leader or not), else NULL. Returns NO_ERROR when we lead it in
 * the caller's epoch; NOT_LEADER when we host it as a follower or the
 * cluster has it and we do not; UNKNOWN_TOPIC_OR_PARTITION when nobody has
 * it; FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH when current_leader_epoch
 * (-1: none given) is older / newer than ours.
 */
fjord_err_t partition_leader_check(struct broker *b, const char *topic, int32_t id,
                                   int32_t current_leader_epoch, partition_t **pp);
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

/* Leader: a follower fetched at fetch_offset (its LEO). Updates the HW and
 * the follower's caught-up time; may start an ISR expansion. */
void partition_follower_fetched(struct broker *b, partition_t *p, int32_t replica,
                                int64_t fetch_offset);
/* Leader: recomputes the HW after an append or an ISR change; wakes hw
 * waiters and parked fetches when it moves (returns 1 then, else 0). A
 * waiter whose offset is reached while the ISR is below
 * min.insync.replicas gets NOT_ENOUGH_REPLICAS (Kafka: "after append"). */
int partition_update_hw(struct broker *b, partition_t *p);
/* Follower: the leader told us its HW (bounded by our LEO). */
void partition_follower_set_hw(struct broker *b, partition_t *p, int64_t leader_hw);

/* Index of broker_id in p->replicas, or -1. */
int partition_replica_index(const partition_t *p, int32_t broker_id);
int partition_in_isr(const partition_t *p, int32_t broker_id);
/* 1 when this broker follows p now: not leader, a known leader that is
 * another broker. */
int partition_is_follower(const struct broker *b, const partition_t *p);
/* Leader: stop acting as leader (fails hw waiters with NOT_LEADER, wakes
 * parked fetches) until a snapshot with a state version above version. */
void partition_fence(struct broker *b, partition_t *p, int32_t version);

/* partition_isr.c — leader only. Shrinks or expands the ISR when due
 * (asynchronous write, see above). now_ms monotonic. */
void partition_isr_maintain(struct broker *b, partition_t *p, int64_t now_ms);

void partition_hw_wait(partition_t *p, partition_hw_waiter_t *w);
/* Unlinks w if still waiting (no callback). */
void partition_hw_unwait(partition_t *p, partition_hw_waiter_t *w);

/* The error text of a read that hit a corrupt range of p's log at offset
 * (plog_read's CORRUPT_MESSAGE): names the partition, the broker, the
 * unreadable offsets and where to seek to skip them. Allocated in ar; NULL
 * when offset is in no range or on OOM. */
char *partition_corrupt_message(const partition_t *p, int32_t broker_id, int64_t offset,
                                arena_t *ar);

/* min.insync.replicas for this topic (topic override or broker default). */
int partition_min_isr(struct broker *b, const char *topic);

#endif /* FJORD_BROKER_PARTITION_H */
