/*
 * conn.h — one client connection: framing, ordered response slots,
 * deferred free.
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
 * conn_close() marks it closing, stops reading, and moves it to the
 * broker's reap list; the reaper (a libevent event run after the current
 * callback returns) cancels any parked work still holding one of its slots
 * (through each slot's cancel hook) and frees it.
 *
 * Back-pressure: when the bytes queued for the socket exceed
 * CONN_OUT_HIGH or CONN_SLOTS_MAX responses are pending, the connection
 * stops reading requests until its output drains below CONN_OUT_LOW.
 */
#ifndef FJORD_BROKER_CONN_H
#define FJORD_BROKER_CONN_H

#include <stdint.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "fjord.pb-c.h"

struct broker;

#define CONN_OUT_HIGH (64u * 1024 * 1024)
#define CONN_OUT_LOW (8u * 1024 * 1024)
#define CONN_SLOTS_MAX 1024

typedef struct conn_slot {
	struct conn_slot *next;
	struct conn *conn;
	struct evbuffer *out; /* the whole response frame once ready */
	int ready;
	int32_t correlation_id;
	Fjord__ApiKey api;
	int64_t start_us; /* for the latency histogram */
	/* Parked work holding this slot; called if the connection goes away
	 * first (the slot is freed right after). */
	void (*cancel)(void *arg);
	void *cancel_arg;
} conn_slot_t;

typedef struct conn {
	struct conn *prev, *next; /* broker->conns or broker->reap */
	struct broker *b;
	struct bufferevent *bev;
	char peer[64];
	conn_slot_t *head, *tail;
	int slot_cnt;
	int closing;
	int read_paused;
	uint64_t id;
	int listener; /* index in b->conf.lsn it was accepted on */
} conn_t;

/* Takes ownership of fd (already non-blocking). listener: the index in
 * b->conf.lsn of the listener that accepted it. */
conn_t *conn_new(struct broker *b, evutil_socket_t fd, const struct sockaddr *sa, int salen,
                 int listener);
/* Marks closing and schedules the free (see above). Safe to call twice. */
void conn_close(conn_t *c, const char *why);
/* Frees every connection on the reap list (the reaper event calls it;
 * shutdown calls it directly after closing all). */
void conn_reap_all(struct broker *b);

conn_slot_t *conn_slot_new(conn_t *c, int32_t correlation_id, Fjord__ApiKey api);
/* Packs resp (correlation id and api copied from the slot), appends the
 * frame prefix, the header and then `payload` (may be NULL; its contents
 * are moved, file segments included), marks the slot ready and sends what
 * is ready at the head. */
int conn_slot_respond(conn_slot_t *slot, Fjord__Response *resp, struct evbuffer *payload);
/* Convenience: a request-level error response (no body). */
int conn_slot_respond_error(conn_slot_t *slot, Fjord__ErrorCode err, const char *msg);
#endif /* FJORD_BROKER_CONN_H */
