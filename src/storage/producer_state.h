/*
 * producer_state.h — what a partition log knows about its idempotent
 * producers (Kafka's ProducerStateManager, the idempotence part).
 *
 * Per producer id: the producer epoch of its latest batch, the sequence
 * and offset ranges of its last PSTATE_RETAINED_BATCHES batches, and the
 * time of its last append. The leader checks every idempotent batch
 * (producerId >= 0) against it before anything is written
 * (pstate_check): a retry of one of the retained batches is a duplicate and
 * is answered with the original offsets, a gap in the sequence, a stale
 * epoch or a sequence that does not start a new producer is refused. After
 * the write the state learns the batch (pstate_update); followers and the
 * rebuild at open (log_recovery.c) only update, so a new leader dedupes
 * retries that were sent to the old one.
 *
 * Memory is bounded by the number of producers, not by batches: a sorted
 * array of entries, binary search by producer id, PSTATE_RETAINED_BATCHES
 * batches each; and the number of producers by max_cnt
 * (producer.id.max.per.partition): a new producer past it evicts the one
 * whose last batch is the oldest in the log (by offset, so leader and
 * followers evict the same one). Entries also go when expired
 * (pstate_expire, producer.id.expiration.ms) or when the log is rebuilt;
 * retention deleting a producer's batches does not drop it.
 *
 * Thread: the event-loop thread of the plog that owns it (or the thread
 * that opens the log). Not locked.
 */
#ifndef FJORD_STORAGE_PRODUCER_STATE_H
#define FJORD_STORAGE_PRODUCER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "fjord.h"

/* Kafka keeps the last five batches per producer (max.in.flight of an
 * idempotent producer is at most 5). */
#define PSTATE_RETAINED_BATCHES 5

/* One retained batch: its sequences and the offsets it was stored at. */
typedef struct pstate_batch {
	int32_t first_seq, last_seq;
	int64_t first_offset, last_offset;
} pstate_batch_t;

typedef struct pstate_entry {
	int64_t producer_id;
	int16_t epoch;
	int32_t batch_cnt;                               /* 0..PSTATE_RETAINED_BATCHES */
	pstate_batch_t batches[PSTATE_RETAINED_BATCHES]; /* oldest first */
	int64_t last_timestamp; /* ms: batch maxTimestamp, or append time */
} pstate_entry_t;

typedef struct producer_state {
	pstate_entry_t *entries; /* sorted by producer_id */
	size_t cnt, cap;
	size_t max_cnt;   /* 0: no limit; see pstate_set_max */
	uint64_t evicted; /* producers evicted by max_cnt, ever */
} producer_state_t;

/* One idempotent batch as the checks see it. */
typedef struct pstate_append {
	int64_t producer_id;
	int16_t epoch;
	int32_t first_seq, last_seq;
} pstate_append_t;

void pstate_init(producer_state_t *ps);
/* Forgets every producer (keeps the allocation). */
void pstate_clear(producer_state_t *ps);
void pstate_destroy(producer_state_t *ps);
/* At most max producers (0: no limit); applies to the next new producer. */
void pstate_set_max(producer_state_t *ps, size_t max);

/* The entry of producer_id, or NULL (borrowed until the next change). */
const pstate_entry_t *pstate_find(const producer_state_t *ps, int64_t producer_id);

/*
 * The leader's checks of one idempotent batch (rules in docs/protocol.md,
 * "Idempotent produce"):
 *   - FJORD_ERR_NO_ERROR, *dupp = NULL: append it;
 *   - FJORD_ERR_NO_ERROR, *dupp = the retained batch it repeats: a
 *     duplicate, append nothing and answer with *dupp's offsets;
 *   - FJORD_ERR_INVALID_PRODUCER_EPOCH, FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
 *     FJORD_ERR_UNKNOWN_PRODUCER_ID, FJORD_ERR_INVALID_RECORD (a negative
 *     sequence or epoch): refuse it, with the reason in errstr.
 * Changes nothing.
 */
fjord_err_t pstate_check(const producer_state_t *ps, const pstate_append_t *a,
                         const pstate_batch_t **dupp, char *errstr, size_t errstr_size);

/*
 * Learns a stored batch (leader after the write, follower, rebuild): no
 * checks. A different epoch than the entry's restarts the entry's batches;
 * the oldest retained batch makes room for the new one. timestamp_ms is the
 * batch's maxTimestamp (or the append time when it has none). Returns 0 or
 * -ENOMEM (the state is unchanged).
 */
int pstate_update(producer_state_t *ps, const pstate_append_t *a, int64_t first_offset,
                  int64_t last_offset, int64_t timestamp_ms);

/* The same from a stored batch's header (RB_HEADER_SIZE bytes with the
 * assigned baseOffset); nothing for a batch with producerId < 0.
 * now_ms stands in for a maxTimestamp of -1. 0 or -ENOMEM. */
int pstate_update_from_header(producer_state_t *ps, const uint8_t *hdr, int64_t now_ms);

/* Appends a whole entry (a snapshot being loaded): its producer id must be
 * above every id held and batch_cnt within 0..PSTATE_RETAINED_BATCHES.
 * 0, -EINVAL or -ENOMEM. */
int pstate_load_entry(producer_state_t *ps, const pstate_entry_t *e);

/* Drops the producers whose last append is older than now_ms - expiration_ms
 * (producer.id.expiration.ms). Returns how many went. */
size_t pstate_expire(producer_state_t *ps, int64_t now_ms, int64_t expiration_ms);

#endif /* FJORD_STORAGE_PRODUCER_STATE_H */
