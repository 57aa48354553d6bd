/*
 * fetch_wait.h — the long-poll purgatory for Fetch requests.
 *
 * A Fetch that cannot be answered yet (fewer than min_bytes available and
 * max_wait_ms not over) is parked here with its response slot and an owned
 * copy of the request. It is re-tried when one of its partitions changes
 * (an append, an HW move, a role change: fetch_wait_notify) and answered
 * with whatever is there when its timer fires.
 *
 * Thread: loop thread only. Ownership: a parked wait owns its request copy
 * and timer; it borrows the slot, whose cancel hook removes the wait if the
 * connection goes away first.
 */
#ifndef FJORD_BROKER_FETCH_WAIT_H
#define FJORD_BROKER_FETCH_WAIT_H

#include <event2/event.h>

#include "broker/conn.h"
#include "fjord.pb-c.h"

struct broker;
struct partition;

typedef struct fetch_wait fetch_wait_t;

/* Tries to answer. expired=1: must answer now. Returns 1 when the slot was
 * answered (the wait is then freed by fetch_wait), 0 to keep waiting. */
typedef int(fetch_wait_try_fn)(struct broker *b, conn_slot_t *slot, const Fjord__FetchRequest *req,
                               int expired);

struct fetch_wait {
	fetch_wait_t *prev, *next;
	struct broker *b;
	conn_slot_t *slot;
	Fjord__FetchRequest *req;
	struct event *timer;
	fetch_wait_try_fn *try_fn;
};

/* Parks the request (copied) for up to max_wait_ms. Returns 0, or -1 (out
 * of memory: the caller answers now). */
int fetch_wait_park(struct broker *b, conn_slot_t *slot, const Fjord__FetchRequest *req,
                    int max_wait_ms, fetch_wait_try_fn *try_fn);
/* Re-tries every parked fetch that names this partition. */
void fetch_wait_notify(struct broker *b, const struct partition *p);
/* Answers every parked fetch now (shutdown). */
void fetch_wait_expire_all(struct broker *b);
int fetch_wait_count(const struct broker *b);

#endif /* FJORD_BROKER_FETCH_WAIT_H */
