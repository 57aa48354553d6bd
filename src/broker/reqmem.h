/*
 * reqmem.h — the broker-wide budget for request bytes still arriving
 * (queued.max.request.bytes).
 *
 * Without it a client that declares a 100 MB frame and sends most of it
 * makes the broker hold ~100 MB for as long as it likes, and N such
 * clients N times that. With it, a connection asks for a frame's declared
 * size (its frame_len) as soon as the 8-byte length prefix is read and the
 * rest of the frame has not arrived yet; the claim is returned when the
 * frame has been handled (or the connection closes). A connection whose
 * claim does not fit stops reading until it does.
 *
 * Guarantees:
 *   - the sum of granted claims never exceeds the limit;
 *   - waiting claims are granted strictly in arrival order (FIFO): a small
 *     claim does not overtake a large one at the head, so a large frame is
 *     never starved;
 *   - no deadlock: a connection holds at most one claim, for the frame it
 *     is receiving, and keeps reading that frame whatever else happens to
 *     it (conn.c); the limit is at least socket.request.max.bytes
 *     (broker_conf_finish), so the head of the queue fits once the frames
 *     in progress complete — or their connections are closed as idle
 *     (connections.max.idle.ms).
 *
 * Frames that have arrived whole before their prefix is looked at (small
 * pipelined requests) claim nothing: they are the connection's read-ahead,
 * which conn.c bounds per connection (CONN_READ_AHEAD).
 *
 * Thread: loop thread only. Ownership: a claim is embedded in its
 * connection; the budget only links waiting claims.
 */
#ifndef FJORD_BROKER_REQMEM_H
#define FJORD_BROKER_REQMEM_H

#include <stdint.h>

typedef struct reqmem_claim reqmem_claim_t;

/* Called (from reqmem_release or reqmem_forget of another claim) when a
 * waiting claim has been granted: claim->held is now its size. */
typedef void(reqmem_granted_fn)(reqmem_claim_t *claim);

struct reqmem_claim {
	reqmem_claim_t *next; /* in the wait queue */
	int64_t want;         /* bytes asked for while waiting */
	int64_t held;         /* bytes granted; 0 when none */
	int waiting;
	reqmem_granted_fn *granted;
};

typedef struct reqmem {
	int64_t limit;
	int64_t in_use; /* sum of held */
	reqmem_claim_t *head, *tail;
	int wait_cnt;
} reqmem_t;

void reqmem_init(reqmem_t *rm, int64_t limit);
/* A fresh claim (nothing held, not waiting) with its grant callback. */
void reqmem_claim_init(reqmem_claim_t *claim, reqmem_granted_fn *granted);
/* Asks for bytes (clamped to the limit) for a claim that holds nothing and
 * is not waiting. 1: granted now (claim->held = bytes). 0: queued; the
 * granted callback runs later. */
int reqmem_reserve(reqmem_t *rm, reqmem_claim_t *claim, int64_t bytes);
/* Returns what the claim holds (nothing held: no-op), then grants waiting
 * claims from the head while they fit. */
void reqmem_release(reqmem_t *rm, reqmem_claim_t *claim);
/* The claim's owner goes away: leaves the queue, or releases. */
void reqmem_forget(reqmem_t *rm, reqmem_claim_t *claim);

#endif /* FJORD_BROKER_REQMEM_H */
