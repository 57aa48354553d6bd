/*
 * consumer_int.h — the consumer's shared state (consumer.c, fetch.c,
 * message.c).
 *
 * Locking: every field of consumer_t and cpart_t is under c->lock, taken by
 * app threads (assign, poll, seek, position) and by the I/O thread (fetch
 * planning and responses). Decoding a fetch response happens outside the
 * lock; its result is dropped if the partition's generation changed (seek or
 * re-assign) meanwhile.
 * Memory: fetched records live in a refcounted cchunk_t (one per partition
 * per Fetch response): the payload copy, the decompressed buffers and an
 * array of cmsg_t, one per record; a message points into its chunk and
 * fjord_message_destroy() drops one reference. No malloc per record (except
 * for records carrying headers). Event messages (EOF, errors) are single
 * allocations with ck == NULL.
 */
#ifndef FJORD_CONSUMER_INT_H
#define FJORD_CONSUMER_INT_H

#include "client/client_int.h"

typedef struct cchunk cchunk_t;

typedef struct cmsg {
	fjord_message_t m; /* first: fjord_message_destroy() casts back */
	TAILQ_ENTRY(cmsg) link;
	cchunk_t *ck; /* NULL: event message (one allocation) */
	uint64_t gen;
	size_t bytes;         /* accounted against queued.max.messages.kbytes */
	fjord_header_t *hdrs; /* owned copy when the record has headers */
} cmsg_t;
TAILQ_HEAD(cmsg_q, cmsg);

struct cchunk {
	atomic_int refcnt;
	uint8_t *payload;
	void **dbufs;
	int dbuf_cnt, dbuf_cap;
	cmsg_t *msgs;
	int msg_cnt;
	char topic[];
};

enum { CP_NEED_OFFSET = 0, CP_RESOLVING, CP_ACTIVE, CP_STOPPED };

typedef struct cpart {
	TAILQ_ENTRY(cpart) link;
	char *topic;
	int32_t partition;
	uint64_t gen; /* changes on seek; stale fetch results are dropped */
	int state;
	int64_t fetch_pos; /* next offset to fetch (or a logical offset) */
	int64_t app_pos;   /* next offset poll returns; FJORD_OFFSET_INVALID */
	int64_t backoff_until;
	int fetching;
	int eof_reported;
	int unknown_reported;
	int denied_reported;      /* TOPIC_AUTHORIZATION_FAILED reported; cleared by a good fetch */
	int64_t corrupt_reported; /* fetch_pos + 1 of the last CORRUPT_MESSAGE
	                           * event (one event per corrupt offset); 0 none */
	int64_t hw;
	int paused; /* fjord_pause(): not fetched nor resolved (consumer_pause.c) */
} cpart_t;
TAILQ_HEAD(cpart_list, cpart);

struct consumer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cpart_list parts;
	struct cmsg_q queue;
	size_t queued_bytes;
	uint64_t gen_seq;
	int stopped;
	int32_t *fetch_brokers; /* leaders with a Fetch in flight */
	int fetch_broker_cnt, fetch_broker_cap;
	int manual; /* fjord_assign() gave a non-empty assignment */
};

cpart_t *consumer_find(consumer_t *c, const char *topic, int32_t partition);
/* Queues an event message for a partition (c->lock held). */
void consumer_event(consumer_t *c, const char *topic, int32_t partition, int64_t offset,
                    fjord_err_t err, const char *errstr);
/* Appends messages (c->lock held) and wakes pollers. */
void consumer_enqueue(consumer_t *c, struct cmsg_q *msgs);
void consumer_serve(fjord_t *h);
/* Drops queued messages of cp (every partition when NULL); with
 * records_only, events stay (c->lock held). */
void consumer_purge(consumer_t *c, const cpart_t *cp, int records_only);
/* Starts cp again at offset (absolute or logical) under a new generation,
 * so a Fetch in flight for it is dropped (c->lock held). */
void consumer_part_restart(consumer_t *c, cpart_t *cp, int64_t offset);
/* Asks the I/O thread to plan fetches now. */
void consumer_wake(fjord_t *h);

/* A leader's Fetch completed (c->lock held). */
void consumer_fetch_done(consumer_t *c, int32_t leader);

/* fetch.c (I/O thread, c->lock held) */
int fetch_send(fjord_t *h, bconn_t *bc, cpart_t **parts, int cnt);

/* message.c */
void cchunk_unref(cchunk_t *ck);
cmsg_t *cmsg_event_new(const char *topic, int32_t partition, int64_t offset, fjord_err_t err,
                       const char *errstr);
void cmsg_free(cmsg_t *cm);

#endif /* FJORD_CONSUMER_INT_H */
