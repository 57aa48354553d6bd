/*
 * producer_ids.h — the broker's producer ids for InitProducerId
 * (idempotent producer, KIP-98; issue 11): the block of ids it holds and
 * the next one to hand out.
 *
 * Owner: broker. The ids come in blocks of producer.id.block.size from
 * /latest_producer_id_block (common/pid_block.h), whose conditional write
 * guarantees that no two brokers, and no two lives of one broker, hold the
 * same id: an id is handed out at most once in the cluster's life. Ids of a
 * block left unused when the broker stops are lost, never reused.
 *
 * Threads: loop thread, except the block fetch, which runs on the zkb worker
 * (the loop never waits on ZooKeeper) and is handed back with loop_post.
 * A request that arrives while the broker has no free id waits in a FIFO
 * queue; all are answered, in order, when the block arrives, or all get
 * UNKNOWN_SERVER_ERROR (the SDK retries) when it cannot be had. When 90% of
 * the current block is handed out the next one is fetched ahead, so a busy
 * broker rarely makes a request wait. A connection that closes while its
 * request waits only leaves the queue (the slot's cancel hook).
 */
#ifndef FJORD_BROKER_PRODUCER_IDS_H
#define FJORD_BROKER_PRODUCER_IDS_H

#include <stdint.h>

#include "broker/conn.h"
#include "fjord.pb-c.h"

struct broker;
struct pids_waiter;

typedef struct producer_ids {
	struct broker *b;
	int64_t next, end;                         /* free ids of the current block: next..end */
	int have_spare;                            /* a block fetched ahead waits in spare_* */
	int64_t spare_start, spare_end;            /* ... its ids */
	int fetching;                              /* a fetch is on the zkb worker */
	struct pids_waiter *wait_head, *wait_tail; /* requests waiting for an id */
	uint64_t blocks;                           /* blocks taken since start */
} producer_ids_t;

/* Empty: the first request fetches the first block. */
void pids_init(producer_ids_t *p, struct broker *b);
/* Leaves the queue empty (waiters' slots are the connections'; they are
 * closed before this runs). After the loop is freed. */
void pids_free(producer_ids_t *p);

/* Answers slot with a new producer id and epoch 0, now when an id is free,
 * else when the block being fetched arrives. Returns what
 * conn_slot_respond returns (0, or -1: close the connection), 0 when the
 * request waits. */
int pids_new_id(producer_ids_t *p, conn_slot_t *slot);

/* The InitProducerId answer: err NONE with pid/epoch, or an error (pid and
 * epoch -1) with msg. */
int pids_respond(conn_slot_t *slot, Fjord__ErrorCode err, const char *msg, int64_t pid,
                 int32_t epoch);

#endif /* FJORD_BROKER_PRODUCER_IDS_H */
