/*
 * kafka.h — the Kafka-protocol listener: framing, request headers, the API
 * table, and the translation of Kafka requests to the broker's handlers.
 *
 * Thread: loop thread only.
 *
 * A listener named in kafka.listener.names speaks Apache Kafka's binary
 * protocol (non-flexible versions, request header v1, response header v0)
 * instead of fjord's. conn.c frames it (int32 size + message) and hands
 * each whole request to kafka_dispatch(). The header names the API and its
 * version; kafka_find() says whether the table has it.
 *
 * Two kinds of API live in the table:
 *
 *   translated  Metadata, Produce, Fetch, ListOffsets, CreateTopics,
 *               DeleteTopics, InitProducerId: the request is decoded into
 *               the same request structure fjord's own protocol decodes
 *               into (kafka_codec.h), and the same handler runs it
 *               (validation, storage, long-poll, authorization, ordered
 *               answers are one code; kafka_translate.c). The handler
 *               answers through conn_slot_respond(); for a slot of a Kafka
 *               connection that calls kafka_encode(), which writes the
 *               Kafka response of the slot's API and version (the record
 *               bytes of a Fetch answer are moved in between, file ranges
 *               stay sendfile ranges).
 *   native      ApiVersions, the group coordinator's APIs (FindCoordinator,
 *               JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
 *               OffsetFetch, ListGroups, DescribeGroups), CreatePartitions:
 *               the handler reads the body itself and answers with
 *               kafka_respond().
 *
 * A request whose api key or version the table lacks is answered, like
 * Kafka does, only for ApiVersions (a v0 body with UNSUPPORTED_VERSION and
 * the table, so the client retries at v0); anything else closes the
 * connection with a log line (Kafka's clients send only what ApiVersions
 * advertised). A body that does not decode closes the connection too.
 */
#ifndef FJORD_BROKER_KAFKA_H
#define FJORD_BROKER_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "broker/conn.h"
#include "common/arena.h"
#include "common/kwire.h"
#include "fjord.pb-c.h"

/* Kafka's api keys (the ones the table has, and ones named in logs). */
enum {
	KAFKA_PRODUCE = 0,
	KAFKA_FETCH = 1,
	KAFKA_LIST_OFFSETS = 2,
	KAFKA_METADATA = 3,
	KAFKA_OFFSET_COMMIT = 8,
	KAFKA_OFFSET_FETCH = 9,
	KAFKA_FIND_COORDINATOR = 10,
	KAFKA_JOIN_GROUP = 11,
	KAFKA_HEARTBEAT = 12,
	KAFKA_LEAVE_GROUP = 13,
	KAFKA_SYNC_GROUP = 14,
	KAFKA_DESCRIBE_GROUPS = 15,
	KAFKA_LIST_GROUPS = 16,
	KAFKA_SASL_HANDSHAKE = 17,
	KAFKA_API_VERSIONS = 18,
	KAFKA_CREATE_TOPICS = 19,
	KAFKA_DELETE_TOPICS = 20,
	KAFKA_INIT_PRODUCER_ID = 22,
	KAFKA_CREATE_PARTITIONS = 37,
};

/* Kafka error codes that fjord's own protocol has no name for. */
enum {
	KAFKA_ERR_COORDINATOR_LOAD_IN_PROGRESS = 14,
	KAFKA_ERR_COORDINATOR_NOT_AVAILABLE = 15,
	KAFKA_ERR_NOT_COORDINATOR = 16,
	KAFKA_ERR_ILLEGAL_GENERATION = 22,
	KAFKA_ERR_INCONSISTENT_GROUP_PROTOCOL = 23,
	KAFKA_ERR_INVALID_GROUP_ID = 24,
	KAFKA_ERR_UNKNOWN_MEMBER_ID = 25,
	KAFKA_ERR_INVALID_SESSION_TIMEOUT = 26,
	KAFKA_ERR_REBALANCE_IN_PROGRESS = 27,
	KAFKA_ERR_INVALID_COMMIT_OFFSET_SIZE = 28,
	KAFKA_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT = 43,
	KAFKA_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53,
	KAFKA_ERR_GROUP_MAX_SIZE_REACHED = 81,
	KAFKA_ERR_GROUP_ID_NOT_FOUND = 69,
	KAFKA_ERR_MEMBER_ID_REQUIRED = 79,
	KAFKA_ERR_FENCED_INSTANCE_ID = 82,
};

/* The request being dispatched: its header, its body, and an arena that
 * lives until kafka_dispatch() returns. */
typedef struct kreq {
	conn_t *c;
	int16_t api_key, api_version;
	int32_t correlation_id;
	const char *client_id; /* NULL when null on the wire */
	kw_reader_t body;
	arena_t *ar;
} kreq_t;

/* A handler: reads rq->body, answers through a slot (now or later).
 * Returns 0, or -1 to close the connection. */
typedef int kafka_handler_fn(kreq_t *rq);

typedef struct kafka_api_def {
	int16_t key;
	const char *name; /* logs */
	int16_t min_version, max_version;
	kafka_handler_fn *handle;
	Fjord__ApiKey fjord_api; /* translated: the handler's API (metrics); else 0 */
} kafka_api_def_t;

extern const kafka_api_def_t kafka_defs[];
extern const size_t kafka_def_cnt;

/* The table's row of an api key (any version), or NULL. */
const kafka_api_def_t *kafka_find(int16_t key);

/* conn.c: one whole request (the bytes after the size field; writable, in
 * the connection's input until this returns). 0, or -1 to close. */
int kafka_dispatch(conn_t *c, uint8_t *msg, size_t len);

/* A response slot for rq (in request order, like every slot). */
conn_slot_t *kafka_slot_new(kreq_t *rq);
/* Answers a slot with a Kafka body: frames it (size, correlation id) and
 * marks the slot ready. Returns 0, or -1 (the connection is closed). */
int kafka_respond(conn_slot_t *slot, kw_writer_t *body);
/* conn.c, for a slot of a Kafka connection: the translated API's response
 * written as Kafka's. 0, or -1 (the connection must close). */
int kafka_encode(conn_slot_t *slot, const Fjord__Response *resp, struct evbuffer *payload);

/* Logs a request whose body does not decode (or has bytes left over) and
 * returns -1: the connection closes. */
int kafka_bad_request(kreq_t *rq, const char *what);
/* The body decoded whole: no error and no byte left. */
#define KAFKA_BODY_OK(rq) (!(rq)->body.err && kwr_left(&(rq)->body) == 0)

/* ApiVersions (kafka_dispatch.c) and every translated API
 * (kafka_translate.c). */
kafka_handler_fn kafka_api_versions, kafka_translated;
/* CreatePartitions (kafka_create_partitions.c). */
kafka_handler_fn kafka_create_partitions;
/* The group coordinator's native handlers (kafka_group.c, kafka_offsets.c;
 * the groups are broker/kafka/kgroup.h's). */
kafka_handler_fn kafka_find_coordinator, kafka_join_group, kafka_sync_group, kafka_heartbeat,
    kafka_leave_group, kafka_list_groups, kafka_describe_groups, kafka_offset_commit,
    kafka_offset_fetch;

#endif /* FJORD_BROKER_KAFKA_H */
