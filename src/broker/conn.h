/*
 * conn.h — one client connection: framing, ordered response slots,
 * back-pressure, request memory, idleness, deferred free.
 *
 * Thread: loop thread only.
 *
 * Pipelining: every request that expects an answer takes a response slot
 * at the tail of the connection's slot queue (conn_slot_new). A handler
 * fills its slot now or later (a parked long-poll fetch, a produce waiting
 * for the high watermark); slots leave for the socket strictly from the
 * head, so responses go out in request order whatever finishes first.
 *
 * Lifetime: a connection is never freed inside one of its own callbacks.
 * conn_close() marks it closing, stops reading, returns its request
 * memory and its per-address count, and moves it to the broker's reap
 * list; the reaper (a libevent event run after the current callback
 * returns) cancels any parked work still holding one of its slots
 * (through each slot's cancel hook) and frees it.
 *
 * The connection stops reading requests (it is "paused") for two reasons,
 * each counted in /metrics (fjord_connections_paused{reason}):
 *
 *   backpressure  queued.max.requests.per.connection requests are read
 *                 and their answers not yet written to the socket (being
 *                 handled, parked, answered behind an earlier one, or
 *                 waiting in the socket's output buffer), or
 *                 more than queued.max.bytes.per.connection response bytes
 *                 wait for the socket: its output buffer plus answered
 *                 slots behind an unanswered one, file ranges of fetch
 *                 answers included. Reading resumes when a slot leaves and
 *                 the bytes are below an eighth of the limit. A slow
 *                 reader therefore pins at most that many answers, and no
 *                 descriptor per answer (fetch ranges share the segment's
 *                 fd, see handle_fetch.c).
 *   memory        the frame now arriving could not claim its declared size
 *                 from queued.max.request.bytes (reqmem.h); reading resumes
 *                 when the claim is granted, in arrival order.
 *
 * A frame whose claim was granted keeps being read while the connection is
 * paused for back-pressure (it is only handled once the pause ends), so a
 * claim always completes and returns to the budget.
 *
 * Reading: what is read beyond the frame being received is bounded by
 * CONN_READ_AHEAD. A frame larger than that is received into one buffer
 * sized for it when its prefix is read, so it costs one allocation (the
 * declared size; above glibc's mmap threshold, returned to the system when
 * freed) and is handled in place without a second copy (conn.c).
 *
 * TLS: on an SSL listener the bufferevent is a bufferevent_openssl
 * (broker_tls.h); everything above works on the decrypted bytes unchanged.
 * The handshake completes before the first request is read; tls marks such
 * a connection, whose Fetch answers carry read bytes, not file ranges
 * (sendfile cannot cross TLS; handle_fetch.c).
 *
 * Idle: a connection that has moved no byte either way for
 * connections.max.idle.ms is closed (conn_check_idle), unless a request of
 * it is still being handled (a slot not answered yet) or it waits for
 * request memory.
 */
#ifndef FJORD_BROKER_CONN_H
#define FJORD_BROKER_CONN_H

#include <stdint.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "broker/conn_quota.h"
#include "broker/reqmem.h"
#include "fjord.pb-c.h"

struct broker;

/* Bytes read ahead of the frame being received (pipelined requests). */
#define CONN_READ_AHEAD (64u * 1024)

typedef struct conn_slot {
	struct conn_slot *next;
	struct conn *conn;
	struct evbuffer *out; /* the whole response frame once ready */
	size_t out_len;       /* its length once ready */
	uint64_t out_end;     /* sent list: output position of its last byte */
	int ready;
	int32_t correlation_id;
	Fjord__ApiKey api;
	int64_t start_us; /* for the latency histogram */
	/* A Kafka listener's slot (broker/kafka/kafka.h): the request's Kafka
	 * api key and version, which the answer is written for. */
	int kafka;
	int16_t kafka_api, kafka_version;
	/* Parked work holding this slot; called if the connection goes away
	 * first (the slot is freed right after). */
	void (*cancel)(void *arg);
	void *cancel_arg;
} conn_slot_t;

#define CONN_PRINCIPAL_MAX 512
#define CONN_PRINCIPAL_ANONYMOUS "User:ANONYMOUS"

typedef struct conn {
	struct conn *prev, *next; /* broker->conns or broker->reap */
	struct broker *b;
	struct bufferevent *bev;
	char peer[64];
	conn_slot_t *head, *tail;           /* answers in request order, not yet in the output */
	conn_slot_t *sent_head, *sent_tail; /* in the output, not yet written */
	uint64_t out_pos, out_done;         /* bytes ever moved to / written from the output */
	int slot_cnt;                       /* slots on both lists */
	int pending_cnt;                    /* slots not answered yet */
	size_t ready_len;                   /* bytes of answered slots behind an unanswered one */
	int closing;
	int read_paused; /* back-pressure */
	int reading;     /* EV_READ enabled on bev */
	int frame_sized; /* the input holds one buffer sized for the frame */
	int tls;         /* accepted on a TLS listener: bev is a bufferevent_openssl */
	int handshaking; /* TLS handshake not completed yet */
	reqmem_claim_t mem;
	int64_t last_active_us; /* monotonic: last byte read or written */
	conn_quota_key_t addr;
	uint64_t id;
	int listener; /* index in b->conf.lsn it was accepted on */
	/* Who the client is, for authorization (docs/security.md): Kafka's
	 * principal "User:<name>", "User:ANONYMOUS" until a security layer of
	 * the listener (TLS client certificate, SASL) says otherwise. */
	char principal[CONN_PRINCIPAL_MAX];
	char host[64];          /* the client's address without port, for ACL host rules */
	struct sasl_conn *sasl; /* SASL listeners: the login's state (sasl_server.c) */
	/* Accepted on a listener of kafka.listener.names: Kafka's framing and
	 * APIs (broker/kafka/kafka.h). kcur: the request being dispatched,
	 * whose api and version conn_slot_new() gives the slots it takes. */
	int kafka;
	struct kreq *kcur;
} conn_t;

/* Takes ownership of fd (already non-blocking). listener: the index in
 * b->conf.lsn of the listener that accepted it. Counts the peer address
 * (conn_quota) and b->conn_cnt. NULL when out of memory (fd closed). */
conn_t *conn_new(struct broker *b, evutil_socket_t fd, const struct sockaddr *sa, int salen,
                 int listener);
/* Marks closing and schedules the free (see above). Safe to call twice. */
void conn_close(conn_t *c, const char *why);
/* Frees every connection on the reap list (the reaper event calls it;
 * shutdown calls it directly after closing all). */
void conn_reap_all(struct broker *b);
/* Closes connections idle for connections.max.idle.ms (the cron calls it). */
void conn_check_idle(struct broker *b, int64_t now_mono_ms);
/* The least recently active connection not accepted on listener
 * `except` (-1: any), or NULL (max.connections eviction, server.c). */
conn_t *conn_least_active(struct broker *b, int except);

conn_slot_t *conn_slot_new(conn_t *c, int32_t correlation_id, Fjord__ApiKey api);
/* Packs resp (correlation id and api copied from the slot), appends the
 * frame prefix, the header and then `payload` (may be NULL; its contents
 * are moved, file segments included), marks the slot ready and sends what
 * is ready at the head. */
int conn_slot_respond(conn_slot_t *slot, Fjord__Response *resp, struct evbuffer *payload);
/* Completes a slot whose frame is in slot->out (rc 0), or failed to be
 * built (rc -1: the connection closes): observes the latency, marks it
 * ready and sends what is ready at the head. conn_slot_respond() ends with
 * it; a Kafka answer (broker/kafka/) calls it directly. Returns rc. */
int conn_slot_finish(conn_slot_t *slot, int rc, int is_error);
/* Convenience: a request-level error response (no body). */
int conn_slot_respond_error(conn_slot_t *slot, Fjord__ErrorCode err, const char *msg);

/* At most one log line per interval for a flood of the same event (accept
 * errors, refused and idle connections): conn_ratelog() returns 1 when a
 * line may be written now and puts in *suppressed how many were not
 * written since the last one; 0 counts this one as suppressed.
 * conn_ratelog_flush() returns 1 (with *suppressed) when suppressed events
 * are older than the interval and should be summed up in a line. */
typedef struct conn_ratelog {
	int64_t last_ms; /* monotonic time of the last line; 0: none yet */
	uint64_t suppressed;
} conn_ratelog_t;
#define CONN_RATELOG_INTERVAL_MS 5000
int conn_ratelog(conn_ratelog_t *rl, int64_t now_mono_ms, uint64_t *suppressed);
int conn_ratelog_flush(conn_ratelog_t *rl, int64_t now_mono_ms, uint64_t *suppressed);

#endif /* FJORD_BROKER_CONN_H */
