/*
 * producer_int.h — the producer's internal state, shared by producer.c
 * (produce(), flush, topic and partition routing) and produce_send.c
 * (batching, Produce requests, responses, timeouts). See producer.c's
 * header for the design; the locking rules are there too.
 */
#ifndef FJORD_PRODUCER_INT_H
#define FJORD_PRODUCER_INT_H

#include "client/client_int.h"
#include "common/record_batch.h"

enum { PT_NEW = 0, PT_CHECKING, PT_WAIT_MD, PT_KNOWN, PT_MISSING };

typedef struct ppart {
	prec_t *head, *tail;
	size_t cnt, bytes;
	int inflight;
	int64_t retry_at_ms;
	int32_t retry_leader; /* broker whose failure set retry_at_ms, -1 none */
} ppart_t;

typedef struct ptopic {
	LIST_ENTRY(ptopic) link;
	char *name;
	int state;
	int64_t next_check_ms;
	int part_cnt;
	ppart_t *parts;
	prec_t *pend_head, *pend_tail; /* waiting for metadata */
	int32_t sticky;
} ptopic_t;

typedef struct pmissing {
	LIST_ENTRY(pmissing) link;
	int64_t until_ms;
	char name[];
} pmissing_t;

struct producer {
	pthread_mutex_t lock; /* inbox, missing */
	prec_t *inbox_head, *inbox_tail;
	LIST_HEAD(, pmissing) missing;
	struct event *inbox_ev;
	atomic_size_t outq_cnt;
	atomic_size_t outq_bytes;
	atomic_size_t purged;
	atomic_int flushing;
	pthread_mutex_t flush_lock;
	pthread_cond_t flush_cond;
	/* I/O thread */
	LIST_HEAD(, ptopic) topics;
	rb_builder_t rb;
	uint8_t *payload;
	size_t payload_cap;
};

/* One partition's share of a Produce request. */
typedef struct preq_part {
	ptopic_t *t;
	int32_t partition;
	prec_t *head;
	int cnt;
} preq_part_t;

typedef struct preq {
	int cnt;
	int acks;
	preq_part_t parts[];
} preq_t;

/* produce_send.c: sends what is ready now (I/O thread). */
void producer_serve(fjord_t *h);
/* produce_send.c: a new snapshot arrived; partitions waiting out a retry
 * backoff whose leader changed are sent at once (I/O thread). */
void producer_leaders_changed(fjord_t *h, const cview_t *cv);
/* producer.c (I/O thread) */
void producer_fail_chain(fjord_t *h, prec_t *head, fjord_err_t err, const char *why);
/* producer_fail_chain with a reason copied from text (a broker's
 * error_message), shared by the chain's records; fallback (static) when text
 * is NULL or empty, or the copy cannot be made. */
void producer_fail_chain_text(fjord_t *h, prec_t *head, fjord_err_t err, const char *text,
                              const char *fallback);
void ppart_prepend(ppart_t *pp, prec_t *head, int cnt);
void producer_drain_inbox(fjord_t *h);
void producer_topic_update(fjord_t *h, ptopic_t *t, const cview_t *cv, int64_t now);

#endif /* FJORD_PRODUCER_INT_H */
