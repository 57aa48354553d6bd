/*
 * pid_block.h — blocks of producer ids in ZooKeeper (idempotent producer,
 * KIP-98; issue 11): the JSON of /latest_producer_id_block and the
 * allocation of the next block.
 *
 *   /latest_producer_id_block =
 *     {"version":1,"broker":<id>,"block_start":"<first id>","block_end":"<last id>"}
 *
 * Kafka's ZooKeeper-mode shape: the two ids are decimal strings (a 64-bit
 * id does not survive every JSON reader as a number). The znode holds the
 * last block handed out, to the broker named; the next block starts at
 * block_end + 1, and at 0 when the znode does not exist yet.
 *
 * Guarantee: two callers of pid_block_allocate, on any brokers, never get
 * overlapping blocks. The write is conditional on the version read
 * (zoo_set with it, or zoo_create when the znode was absent); a lost race
 * (ZBADVERSION, ZNODEEXISTS) re-reads and retries, at most
 * PID_BLOCK_RETRIES times. Ids are never reused: the znode only grows.
 *
 * Threads: pure codec functions, any thread; pid_block_allocate blocks on
 * ZooKeeper (the broker runs it on its zkb worker).
 */
#ifndef FJORD_PID_BLOCK_H
#define FJORD_PID_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <zookeeper/zookeeper.h>

/* Tries of a conditional write lost to another broker before giving up. */
#define PID_BLOCK_RETRIES 10

typedef struct pid_block {
	int32_t broker;      /* the broker the block was handed to (>= 0) */
	int64_t block_start; /* first id (>= 0) */
	int64_t block_end;   /* last id (>= block_start) */
} pid_block_t;

/* The znode's value; NULL when out of memory (malloc'd, caller frees). */
char *pid_block_encode(const pid_block_t *blk);
/* Strict: a JSON object with "version" 1 (optional), integer "broker" >= 0,
 * and "block_start" / "block_end" decimal strings, 0 <= start <= end.
 * Returns 0, or -1 with errstr ("producer id block: ...") and *blk zeroed. */
int pid_block_decode(const char *buf, size_t len, pid_block_t *blk, char *errstr, size_t n);

/* Takes the next block of size ids (>= 1) for broker_id: reads the znode,
 * writes the block after it conditionally, retries a lost race. Returns
 * ZOK with *blk set, or a ZooKeeper code with errstr saying why (a znode
 * that does not decode, ids exhausted and a race lost PID_BLOCK_RETRIES
 * times are ZAPIERROR / ZBADVERSION with a message). The znode is created
 * with zkacl_of(zh, path). Blocks; never on the loop thread. */
int pid_block_allocate(zhandle_t *zh, int32_t broker_id, int64_t size, pid_block_t *blk,
                       char *errstr, size_t n);

#endif /* FJORD_PID_BLOCK_H */
