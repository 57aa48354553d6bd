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
	int inflight; /* requests; more than 1 only with idempotence */
	int64_t retry_at_ms;
	int32_t retry_leader; /* broker whose failure set retry_at_ms, -1 none */
	/* Idempotence (producer_idem.c); sequences kept as int64, sent modulo
	 * 2^31. */
	int64_t next_seq;             /* of the next new batch */
	int64_t acked_seq;            /* after the last acknowledged batch */
	int64_t hole_start, hole_end; /* batches that left unacknowledged; equal: none */
	int reseq; /* renumber the queue when idle: from acked_seq (1), from 0 (2) */
} ppart_t;

/* The idempotent producer's id (producer_idem.c). */
enum { PIDEM_NONE = 0, PIDEM_REQUESTING, PIDEM_ASSIGNED, PIDEM_FATAL, PIDEM_OFF };

typedef struct pidem {
	int state;
	int64_t pid;
	int16_t epoch;
	int64_t retry_at_ms;
	int32_t next_broker;  /* index into the snapshot's brokers, round robin */
	atomic_int fatal_err; /* set once, after fatal_str */
	char fatal_str[512];
} pidem_t;

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
	pidem_t idem;
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

/* producer_idem.c (I/O thread unless said). 1 when Produce requests may be
 * sent: idempotence is off, or the producer id is assigned (else asks for
 * one when due). */
int pidem_ready(fjord_t *h, int64_t now);
/* A partition may send now (inflight and retry rules); renumbers it first
 * when it waits for that and is idle. */
int pidem_part_may_send(fjord_t *h, ppart_t *pp);
/* Fills the builder's producer fields for a batch starting at head; returns
 * the number of records the batch must hold (a retry: exactly its own), or
 * 0 for "as many as fit". */
int pidem_batch_begin(fjord_t *h, ppart_t *pp, rb_builder_t *rb);
/* A new batch of cnt records starting at head was built: give it its
 * sequences. */
void pidem_batch_built(fjord_t *h, ppart_t *pp, prec_t *head, int cnt);
/* The batch at head (cnt records) was acknowledged. */
void pidem_acked(ppart_t *pp, const prec_t *head, int cnt);
/* The batch failed with err: returns 1 to retry it even though err is not
 * retriable (an out-of-order answer behind an unacknowledged batch), 0 to
 * go on as usual; -1 when the error is fatal (the producer is now fatal:
 * fail the batch with err). */
int pidem_failed(fjord_t *h, ppart_t *pp, const prec_t *head, fjord_err_t err);
/* The sequenced batch at head (cnt records) leaves without an
 * acknowledgement (expired, refused): remembered as a hole. */
void pidem_hole(ppart_t *pp, const prec_t *head, int cnt);
/* Puts a batch back in sequence order (ppart_prepend for unsequenced). */
void pidem_requeue(ppart_t *pp, prec_t *head, int cnt);
/* Fails expired records: sequenced batches whole. Returns the new head. */
prec_t *pidem_expire(fjord_t *h, ppart_t *pp, int64_t now);
int pidem_is_fatal(fjord_t *h);
/* Idempotence is in effect: configured, and not turned off because the
 * brokers refused InitProducerId to a producer that did not ask for it
 * explicitly. */
int pidem_on(fjord_t *h);
void producer_drain_inbox(fjord_t *h);
void producer_topic_update(fjord_t *h, ptopic_t *t, const cview_t *cv, int64_t now);

#endif /* FJORD_PRODUCER_INT_H */
