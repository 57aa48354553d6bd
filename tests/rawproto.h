/*
 * rawproto.h — speaking fjord's wire protocol by hand in tests: raw TCP
 * connections to a broker, framed protobuf requests (generated
 * fjord.pb-c.h), and reading framed responses. Used to send what the SDK
 * never would (garbage, oversized or truncated frames, unknown apis, produce
 * requests to a broker that does not lead the partition).
 *
 * Test-child only; every fd and response returned is the caller's
 * (close(), fjord__response__free_unpacked(r, NULL)).
 */
#ifndef FJORD_TEST_RAWPROTO_H
#define FJORD_TEST_RAWPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "fjord.pb-c.h"

/* Connected blocking socket to 127.0.0.1:port, or -1. */
int raw_connect(int port);
/* Sends all len bytes (MSG_NOSIGNAL). 0, or -1 when the peer closed. */
int raw_send(int fd, const void *buf, size_t len);
/* Frames and sends one request with an optional payload. 0 or -1. */
int raw_send_request(int fd, const Fjord__Request *req, const void *payload, size_t payload_len);
/* Reads exactly len bytes before deadline (test_now_ms() time). 0 or -1. */
int raw_read_full(int fd, uint8_t *buf, size_t len, int64_t deadline);
/* Reads one framed response within timeout_ms; NULL on close, timeout or
 * undecodable header. The payload (if any) is skipped. */
Fjord__Response *raw_recv_response(int fd, int timeout_ms);
/* 1 when the broker closed the connection within timeout_ms (EOF or
 * reset), 0 when it is still open. Reads and drops anything that arrives. */
int raw_wait_closed(int fd, int timeout_ms);
/* Sends an ApiVersions request. 0 or -1. */
int raw_send_api_versions(int fd, int32_t correlation_id);
/* 1 when a new connection to port gets an answer to ApiVersions within
 * timeout_ms (scaled), else 0. */
int raw_api_versions_ok(int port, int timeout_ms);
/* Appends one packed Fetch request frame (consumer, one partition) to
 * *bufp (realloc'd; *lenp grows). 0 or -1. */
int raw_append_fetch(uint8_t **bufp, size_t *lenp, int32_t correlation_id, const char *topic,
                     int32_t partition, int64_t offset, int32_t max_bytes, int32_t max_wait_ms,
                     int32_t min_bytes);
/* Produces one uncompressed batch of one record (key/value strings) to
 * topic/partition on the broker at port with acks=1 and returns the
 * partition's error code (or the request-level error when non-zero);
 * -1000 when no response came. */
int raw_produce_one(int port, const char *topic, int32_t partition, const char *key,
                    const char *value);

/* ---- hand-made record batches (what no honest producer writes) ---- */

/* One record for raw_batch_build(). Fault fields are 0 for "none". */
typedef struct raw_rec {
	const char *key, *value; /* NULL: null */
	int64_t ts_delta;
	const char *hdr_key, *hdr_value; /* one header when hdr_key is set */
	/* Faults, written instead of the right value when non-zero: */
	int32_t off_delta;   /* right: the record's index */
	int32_t key_len;     /* right: strlen(key), -1 for null */
	int32_t hdr_cnt;     /* right: 1 with hdr_key, else 0 */
	int32_t hdr_key_len; /* right: strlen(hdr_key) */
	int32_t len_adj;     /* added to the record's length varint */
} raw_rec_t;

/* The batch around them. */
typedef struct raw_batch {
	int16_t attributes; /* written as is: codec bits, timestamp type, flags */
	int compress;       /* codec the records are really compressed with, 0: none */
	int64_t base_ts, max_ts;
	int32_t count_adj;  /* recordsCount = records given + this */
	size_t trailer_len; /* junk bytes after the last record (uncompressed only) */
	/* 1: an idempotent producer's batch with the three fields below;
	 * 0 (zero-initialised specs): producerId, epoch and baseSequence -1. */
	int idempotent;
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
} raw_batch_t;

/* Encodes a batch of n records into buf (cap bytes), baseOffset 0,
 * partitionLeaderEpoch -1, producer fields -1 (unless spec->idempotent),
 * lastOffsetDelta =
 * recordsCount - 1, with a correct CRC-32C over whatever it wrote. Returns
 * its size; fails the test when it does not fit. */
size_t raw_batch_build(uint8_t *buf, size_t cap, const raw_batch_t *spec, const raw_rec_t *recs,
                       int n);
/* Produces one partition's payload (one or more batches) with acks=1 on a
 * new connection to the broker at port. Returns the partition's error code
 * (the request-level one when that is set; -1000 when no response came) and,
 * when errmsg is not NULL, its error_message in errmsg (errmsg_size bytes). */
int raw_produce_bytes(int port, const char *topic, int32_t partition, const uint8_t *payload,
                      size_t len, char *errmsg, size_t errmsg_size);

/* ---- InitProducerId (issue 11) ---- */

/* Sends InitProducerId(producer_id, producer_epoch) on the connected fd and
 * returns the answer's error code (the request-level one when that is set;
 * -1000 when no response came), its id and epoch in *out_pid / *out_epoch
 * and, when errmsg is not NULL, its error_message. */
int raw_init_producer_id_fd(int fd, int64_t producer_id, int32_t producer_epoch, int64_t *out_pid,
                            int32_t *out_epoch, char *errmsg, size_t errmsg_size);
/* The same on a new connection to the broker at port. */
int raw_init_producer_id(int port, int64_t producer_id, int32_t producer_epoch, int64_t *out_pid,
                         int32_t *out_epoch);

/* ---- idempotent produce (issue 11) ---- */

/* An uncompressed idempotent batch of n records of producer pid, epoch,
 * baseSequence seq, whose keys have the verifier's shape (test_msgver_add:
 * "testid=<this test>, partition=P, msg=first_msg+i"). Returns its size. */
size_t raw_batch_build_idempotent(uint8_t *buf, size_t cap, int64_t pid, int16_t epoch, int32_t seq,
                                  int32_t partition, int first_msg, int n);
/* raw_produce_bytes with the given acks (1 or -1) that also returns the
 * partition's base_offset in *base_offsetp (may be NULL; -1 when none). */
int raw_produce_acks(int port, const char *topic, int32_t partition, int32_t acks,
                     const uint8_t *payload, size_t len, int64_t *base_offsetp, char *errmsg,
                     size_t errmsg_size);
/* raw_produce_acks, sent again while the broker cannot be reached or answers
 * that it does not lead the partition (yet): NOT_LEADER,
 * LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION; for a broker that just
 * restarted or became leader. Gives up after timeout_ms (scaled) with the
 * last answer. */
int raw_produce_when_led(int port, const char *topic, int32_t partition, int32_t acks,
                         const uint8_t *payload, size_t len, int64_t *base_offsetp, char *errmsg,
                         size_t errmsg_size, int timeout_ms);

#endif /* FJORD_TEST_RAWPROTO_H */
