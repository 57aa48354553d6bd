/*
 * err.c — names, descriptions and retriability of fjord_err_t, and the
 * library version string.
 *
 * One table holds every code. Broker codes (>= -1) are Kafka's numbers and
 * travel on the wire as proto's ErrorCode: the _Static_asserts below make
 * the build fail if fjord.h and proto/fjord.proto ever disagree. Codes raised
 * inside the SDK are negative (FJORD_ERR__*) and never sent. Everything here
 * is read-only data; any thread may call these functions. An unknown code
 * gets a description in a thread-local buffer (valid until the thread's next
 * call with an unknown code).
 */
#include <stdio.h>

#include "fjord.h"
#include "fjord.pb-c.h"

#define ERR_ASSERT_SAME(ours, proto)                                                               \
	_Static_assert((int)FJORD_ERR_##ours == (int)FJORD__ERROR_CODE__##proto,                   \
	               "fjord_err_t " #ours " differs from proto ErrorCode " #proto)

ERR_ASSERT_SAME(UNKNOWN, UNKNOWN_SERVER_ERROR);
ERR_ASSERT_SAME(NO_ERROR, NONE);
ERR_ASSERT_SAME(OFFSET_OUT_OF_RANGE, OFFSET_OUT_OF_RANGE);
ERR_ASSERT_SAME(CORRUPT_MESSAGE, CORRUPT_MESSAGE);
ERR_ASSERT_SAME(UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_OR_PARTITION);
ERR_ASSERT_SAME(INVALID_FETCH_SIZE, INVALID_FETCH_SIZE);
ERR_ASSERT_SAME(LEADER_NOT_AVAILABLE, LEADER_NOT_AVAILABLE);
ERR_ASSERT_SAME(NOT_LEADER, NOT_LEADER);
ERR_ASSERT_SAME(REQUEST_TIMED_OUT, REQUEST_TIMED_OUT);
ERR_ASSERT_SAME(BROKER_NOT_AVAILABLE, BROKER_NOT_AVAILABLE);
ERR_ASSERT_SAME(REPLICA_NOT_AVAILABLE, REPLICA_NOT_AVAILABLE);
ERR_ASSERT_SAME(MESSAGE_TOO_LARGE, MESSAGE_TOO_LARGE);
ERR_ASSERT_SAME(NETWORK_EXCEPTION, NETWORK_EXCEPTION);
ERR_ASSERT_SAME(INVALID_TOPIC, INVALID_TOPIC);
ERR_ASSERT_SAME(RECORD_LIST_TOO_LARGE, RECORD_LIST_TOO_LARGE);
ERR_ASSERT_SAME(NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS);
ERR_ASSERT_SAME(NOT_ENOUGH_REPLICAS_AFTER_APPEND, NOT_ENOUGH_REPLICAS_AFTER_APPEND);
ERR_ASSERT_SAME(INVALID_REQUIRED_ACKS, INVALID_REQUIRED_ACKS);
ERR_ASSERT_SAME(TOPIC_AUTHORIZATION_FAILED, TOPIC_AUTHORIZATION_FAILED);
ERR_ASSERT_SAME(GROUP_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED);
ERR_ASSERT_SAME(CLUSTER_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED);
ERR_ASSERT_SAME(INVALID_TIMESTAMP, INVALID_TIMESTAMP);
ERR_ASSERT_SAME(UNSUPPORTED_VERSION, UNSUPPORTED_VERSION);
ERR_ASSERT_SAME(TOPIC_ALREADY_EXISTS, TOPIC_ALREADY_EXISTS);
ERR_ASSERT_SAME(INVALID_PARTITIONS, INVALID_PARTITIONS);
ERR_ASSERT_SAME(INVALID_REPLICATION_FACTOR, INVALID_REPLICATION_FACTOR);
ERR_ASSERT_SAME(INVALID_CONFIG, INVALID_CONFIG);
ERR_ASSERT_SAME(NOT_CONTROLLER, NOT_CONTROLLER);
ERR_ASSERT_SAME(INVALID_REQUEST, INVALID_REQUEST);
ERR_ASSERT_SAME(OUT_OF_ORDER_SEQUENCE_NUMBER, OUT_OF_ORDER_SEQUENCE_NUMBER);
ERR_ASSERT_SAME(DUPLICATE_SEQUENCE_NUMBER, DUPLICATE_SEQUENCE_NUMBER);
ERR_ASSERT_SAME(INVALID_PRODUCER_EPOCH, INVALID_PRODUCER_EPOCH);
ERR_ASSERT_SAME(STORAGE_ERROR, KAFKA_STORAGE_ERROR);
ERR_ASSERT_SAME(UNKNOWN_PRODUCER_ID, UNKNOWN_PRODUCER_ID);
ERR_ASSERT_SAME(REASSIGNMENT_IN_PROGRESS, REASSIGNMENT_IN_PROGRESS);
ERR_ASSERT_SAME(FENCED_LEADER_EPOCH, FENCED_LEADER_EPOCH);
ERR_ASSERT_SAME(UNKNOWN_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH);
ERR_ASSERT_SAME(UNSUPPORTED_COMPRESSION_TYPE, UNSUPPORTED_COMPRESSION_TYPE);
ERR_ASSERT_SAME(NON_EMPTY_GROUP, NON_EMPTY_GROUP);
ERR_ASSERT_SAME(GROUP_ID_NOT_FOUND, GROUP_ID_NOT_FOUND);
ERR_ASSERT_SAME(OFFSET_NOT_AVAILABLE, OFFSET_NOT_AVAILABLE);
ERR_ASSERT_SAME(INVALID_RECORD, INVALID_RECORD);
ERR_ASSERT_SAME(UNSUPPORTED_SASL_MECHANISM, UNSUPPORTED_SASL_MECHANISM);
ERR_ASSERT_SAME(ILLEGAL_SASL_STATE, ILLEGAL_SASL_STATE);
ERR_ASSERT_SAME(SASL_AUTHENTICATION_FAILED, SASL_AUTHENTICATION_FAILED);

typedef struct err_desc {
	fjord_err_t code;
	const char *name;
	const char *desc;
	int retriable;
} err_desc_t;

/* Retriable follows Kafka's RetriableException hierarchy for broker codes;
 * for local codes it means "the same call may succeed later". */
static const err_desc_t err_descs[] = {
	{ FJORD_ERR__BEGIN, "_BEGIN", "Local: Begin of error range", 0 },
	{ FJORD_ERR__BAD_MSG, "_BAD_MSG", "Local: Bad message format", 0 },
	{ FJORD_ERR__BAD_COMPRESSION, "_BAD_COMPRESSION", "Local: Invalid compressed data", 0 },
	{ FJORD_ERR__DESTROY, "_DESTROY", "Local: Handle closed", 0 },
	{ FJORD_ERR__FAIL, "_FAIL", "Local: Failure", 0 },
	{ FJORD_ERR__TRANSPORT, "_TRANSPORT", "Local: Broker transport failure", 1 },
	{ FJORD_ERR__ALL_BROKERS_DOWN, "_ALL_BROKERS_DOWN", "Local: All brokers are down", 1 },
	{ FJORD_ERR__MSG_TIMED_OUT, "_MSG_TIMED_OUT", "Local: Message timed out", 1 },
	{ FJORD_ERR__PARTITION_EOF, "_PARTITION_EOF", "Local: Reached end of partition", 0 },
	{ FJORD_ERR__UNKNOWN_PARTITION, "_UNKNOWN_PARTITION", "Local: Unknown partition", 0 },
	{ FJORD_ERR__UNKNOWN_TOPIC, "_UNKNOWN_TOPIC", "Local: Unknown topic", 0 },
	{ FJORD_ERR__INVALID_ARG, "_INVALID_ARG", "Local: Invalid argument or configuration", 0 },
	{ FJORD_ERR__TIMED_OUT, "_TIMED_OUT", "Local: Timed out", 1 },
	{ FJORD_ERR__QUEUE_FULL, "_QUEUE_FULL", "Local: Queue full", 1 },
	{ FJORD_ERR__NOT_IMPLEMENTED, "_NOT_IMPLEMENTED",
	  "Local: Not available on this handle type", 0 },
	{ FJORD_ERR__ZOOKEEPER, "_ZOOKEEPER", "Local: ZooKeeper unreachable or failed", 1 },
	{ FJORD_ERR__NO_OFFSET, "_NO_OFFSET", "Local: No offset stored", 0 },
	{ FJORD_ERR__STATE, "_STATE", "Local: Erroneous state", 0 },
	{ FJORD_ERR__UNSUPPORTED_FEATURE, "_UNSUPPORTED_FEATURE", "Local: Unsupported feature", 0 },
	{ FJORD_ERR__FENCED, "_FENCED", "Local: Partition not owned by this group member", 0 },
	{ FJORD_ERR__ASSIGNMENT_LOST, "_ASSIGNMENT_LOST",
	  "Local: Group session lost, partitions taken away", 0 },
	{ FJORD_ERR__REVOKE_PARTITIONS, "_REVOKE_PARTITIONS", "Local: Partitions revoked", 0 },
	{ FJORD_ERR__ASSIGN_PARTITIONS, "_ASSIGN_PARTITIONS", "Local: Partitions assigned", 0 },
	{ FJORD_ERR__FATAL, "_FATAL",
	  "Local: Fatal idempotent producer error (see fjord_fatal_error)", 0 },
	{ FJORD_ERR__NOENT, "_NOENT", "Local: No such entry", 0 },
	{ FJORD_ERR__END, "_END", "Local: End of error range", 0 },

	{ FJORD_ERR_UNKNOWN, "UNKNOWN", "Broker: Unknown server error", 0 },
	{ FJORD_ERR_NO_ERROR, "NO_ERROR", "Success", 0 },
	{ FJORD_ERR_OFFSET_OUT_OF_RANGE, "OFFSET_OUT_OF_RANGE", "Broker: Offset out of range", 0 },
	{ FJORD_ERR_CORRUPT_MESSAGE, "CORRUPT_MESSAGE",
	  "Broker: Corrupt message (bad CRC, length or format)", 1 },
	{ FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION, "UNKNOWN_TOPIC_OR_PARTITION",
	  "Broker: Unknown topic or partition", 1 },
	{ FJORD_ERR_INVALID_FETCH_SIZE, "INVALID_FETCH_SIZE", "Broker: Invalid fetch size", 0 },
	{ FJORD_ERR_LEADER_NOT_AVAILABLE, "LEADER_NOT_AVAILABLE", "Broker: Leader not available",
	  1 },
	{ FJORD_ERR_NOT_LEADER, "NOT_LEADER", "Broker: Not leader for partition", 1 },
	{ FJORD_ERR_REQUEST_TIMED_OUT, "REQUEST_TIMED_OUT", "Broker: Request timed out", 1 },
	{ FJORD_ERR_BROKER_NOT_AVAILABLE, "BROKER_NOT_AVAILABLE", "Broker: Broker not available",
	  0 },
	{ FJORD_ERR_REPLICA_NOT_AVAILABLE, "REPLICA_NOT_AVAILABLE", "Broker: Replica not available",
	  1 },
	{ FJORD_ERR_MESSAGE_TOO_LARGE, "MESSAGE_TOO_LARGE", "Broker: Message size too large", 0 },
	{ FJORD_ERR_NETWORK_EXCEPTION, "NETWORK_EXCEPTION",
	  "Broker: Connection closed before the response was received", 1 },
	{ FJORD_ERR_INVALID_TOPIC, "INVALID_TOPIC", "Broker: Invalid topic name", 0 },
	{ FJORD_ERR_RECORD_LIST_TOO_LARGE, "RECORD_LIST_TOO_LARGE",
	  "Broker: Record batch larger than the maximum segment size", 0 },
	{ FJORD_ERR_NOT_ENOUGH_REPLICAS, "NOT_ENOUGH_REPLICAS",
	  "Broker: Fewer in-sync replicas than min.insync.replicas", 1 },
	{ FJORD_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
	  "Broker: Written, but too few in-sync replicas acknowledged in time", 1 },
	{ FJORD_ERR_INVALID_REQUIRED_ACKS, "INVALID_REQUIRED_ACKS",
	  "Broker: Invalid acks (must be 0, 1 or -1)", 0 },
	{ FJORD_ERR_TOPIC_AUTHORIZATION_FAILED, "TOPIC_AUTHORIZATION_FAILED",
	  "Broker: Topic authorization failed", 0 },
	{ FJORD_ERR_GROUP_AUTHORIZATION_FAILED, "GROUP_AUTHORIZATION_FAILED",
	  "Broker: Group authorization failed", 0 },
	{ FJORD_ERR_CLUSTER_AUTHORIZATION_FAILED, "CLUSTER_AUTHORIZATION_FAILED",
	  "Broker: Cluster authorization failed", 0 },
	{ FJORD_ERR_INVALID_TIMESTAMP, "INVALID_TIMESTAMP", "Broker: Invalid timestamp", 0 },
	{ FJORD_ERR_UNSUPPORTED_SASL_MECHANISM, "UNSUPPORTED_SASL_MECHANISM",
	  "Broker: SASL mechanism not enabled (sasl.enabled.mechanisms)", 0 },
	{ FJORD_ERR_ILLEGAL_SASL_STATE, "ILLEGAL_SASL_STATE", "Broker: SASL request out of order",
	  0 },
	{ FJORD_ERR_UNSUPPORTED_VERSION, "UNSUPPORTED_VERSION",
	  "Broker: Unsupported API or API version", 0 },
	{ FJORD_ERR_TOPIC_ALREADY_EXISTS, "TOPIC_ALREADY_EXISTS", "Broker: Topic already exists",
	  0 },
	{ FJORD_ERR_INVALID_PARTITIONS, "INVALID_PARTITIONS",
	  "Broker: Invalid number of partitions", 0 },
	{ FJORD_ERR_INVALID_REPLICATION_FACTOR, "INVALID_REPLICATION_FACTOR",
	  "Broker: Invalid replication factor", 0 },
	{ FJORD_ERR_INVALID_CONFIG, "INVALID_CONFIG", "Broker: Invalid configuration", 0 },
	{ FJORD_ERR_NOT_CONTROLLER, "NOT_CONTROLLER", "Broker: Not the controller", 1 },
	{ FJORD_ERR_INVALID_REQUEST, "INVALID_REQUEST", "Broker: Invalid request", 0 },
	{ FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "OUT_OF_ORDER_SEQUENCE_NUMBER",
	  "Broker: Out of order sequence number (records were lost between two batches)", 0 },
	{ FJORD_ERR_DUPLICATE_SEQUENCE_NUMBER, "DUPLICATE_SEQUENCE_NUMBER",
	  "Broker: Duplicate sequence number", 0 },
	{ FJORD_ERR_INVALID_PRODUCER_EPOCH, "INVALID_PRODUCER_EPOCH",
	  "Broker: Producer epoch fenced by a newer one", 0 },
	{ FJORD_ERR_UNKNOWN_PRODUCER_ID, "UNKNOWN_PRODUCER_ID",
	  "Broker: No producer state for this producer id", 0 },
	{ FJORD_ERR_STORAGE_ERROR, "STORAGE_ERROR", "Broker: Disk error on the partition's log",
	  1 },
	{ FJORD_ERR_SASL_AUTHENTICATION_FAILED, "SASL_AUTHENTICATION_FAILED",
	  "Broker: SASL authentication failed", 0 },
	{ FJORD_ERR_REASSIGNMENT_IN_PROGRESS, "REASSIGNMENT_IN_PROGRESS",
	  "Admin: A partition reassignment is in progress", 0 },
	{ FJORD_ERR_FENCED_LEADER_EPOCH, "FENCED_LEADER_EPOCH",
	  "Broker: Leader epoch older than the broker's", 1 },
	{ FJORD_ERR_UNKNOWN_LEADER_EPOCH, "UNKNOWN_LEADER_EPOCH",
	  "Broker: Leader epoch newer than the broker's", 1 },
	{ FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE, "UNSUPPORTED_COMPRESSION_TYPE",
	  "Broker: Unsupported compression type", 0 },
	{ FJORD_ERR_NON_EMPTY_GROUP, "NON_EMPTY_GROUP", "Broker: The group has live members", 0 },
	{ FJORD_ERR_GROUP_ID_NOT_FOUND, "GROUP_ID_NOT_FOUND", "Broker: Unknown group", 0 },
	{ FJORD_ERR_OFFSET_NOT_AVAILABLE, "OFFSET_NOT_AVAILABLE",
	  "Broker: Offset not available yet (leader is catching up)", 1 },
	{ FJORD_ERR_INVALID_RECORD, "INVALID_RECORD",
	  "Broker: Invalid record (malformed or forbidden record in a well-framed batch)", 0 },
};

static const err_desc_t *err_find(fjord_err_t err)
{
	for (size_t i = 0; i < sizeof(err_descs) / sizeof(err_descs[0]); i++)
		if (err_descs[i].code == err)
			return &err_descs[i];
	return NULL;
}

const char *fjord_err2str(fjord_err_t err)
{
	static _Thread_local char unknown[64];
	const err_desc_t *d = err_find(err);

	if (d)
		return d->desc;
	snprintf(unknown, sizeof(unknown), "Unknown error %d", (int)err);
	return unknown;
}

const char *fjord_err2name(fjord_err_t err)
{
	static _Thread_local char unknown[32];
	const err_desc_t *d = err_find(err);

	if (d)
		return d->name;
	snprintf(unknown, sizeof(unknown), "ERR_%d?", (int)err);
	return unknown;
}

int fjord_err_is_retriable(fjord_err_t err)
{
	const err_desc_t *d = err_find(err);
	return d ? d->retriable : 0;
}

const char *fjord_version_str(void)
{
	return FJORD_VERSION_STR;
}
